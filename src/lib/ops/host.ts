/**
 * `glix host set` and `glix host remove`: the settings of a host, and the
 * host itself.
 */
import {lstatSync, readdirSync, statSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {join, relative} from 'node:path'

import {GlixError, UsageError} from '../errors.js'
import {assertHost} from '../manifest/hosts.js'
import {type HostSettings, OPTIONAL_SETTING_KEYS} from '../manifest/types.js'
import {assertName, quoteForMessage} from '../names.js'
import {repoPaths} from '../repo/discover.js'
import {runTransaction} from '../repo/transaction.js'
import {assertField} from '../validate.js'
import {type MutationDeps, transactionOptions} from './context.js'
import {editManifest} from './edit.js'
import {assertSystem} from './init.js'
import {parseBool, parsePairs, summarisePairs} from './packages.js'

/** The settings `glix host set` changes. */
export const HOST_KEYS = ['system', 'primary_user', 'default_scope', 'auto_apply', 'registry_url', 'target_host', 'build_host'] as const

/** What `host set` / `host remove` did. */
export interface HostChangeResult {
  host: string
  changed: boolean
  message?: string
  commit?: string
  locked: boolean
  lockSkipped: boolean
  /** Files removed (host remove). */
  removed?: string[]
}

/** Applies `host set` pairs to settings; pure. */
export function applyHostPairs(settings: HostSettings, pairs: Array<{key: string; value: string}>): HostSettings {
  const next: HostSettings = {...settings, extra: {...settings.extra}}
  for (const {key, value} of pairs) {
    if (key === 'default_scope') {
      if (value !== 'system' && value !== 'home') throw new UsageError(`default_scope must be system or home, got ${quoteForMessage(value)}`)
      next.default_scope = value
    } else if (key === 'auto_apply') {
      next.auto_apply = parseBool('auto_apply', value)
    } else {
      const optional = key as (typeof OPTIONAL_SETTING_KEYS)[number]
      if (value === '') {
        if (optional === 'system') throw new UsageError('system cannot be empty')
        delete next[optional]
        continue
      }

      if (optional === 'system') assertSystem(value)
      else if (optional === 'primary_user') assertName('user', value)
      else assertField(optional, value)
      next[optional] = value
    }
  }

  return next
}

/** `glix host set key=value…`. */
export async function setHost(
  options: {root: string; host: string; pairs: string[]; dryRun?: boolean},
  deps: MutationDeps,
): Promise<HostChangeResult> {
  const pairs = parsePairs(options.pairs, (key) => (HOST_KEYS as readonly string[]).includes(key), 'host setting')
  const outcome = await editManifest({command: 'host set', dryRun: options.dryRun, host: options.host, root: options.root}, deps, ({manifest}) => {
    const settings = applyHostPairs(manifest.settings, pairs)
    if (JSON.stringify(settings) === JSON.stringify(manifest.settings)) return undefined
    return {manifest: {...manifest, settings}, message: `glix host set ${options.host}: ${summarisePairs(pairs)}`}
  })
  return {
    changed: outcome.edit !== undefined,
    commit: outcome.tx?.commit,
    host: options.host,
    lockSkipped: outcome.tx?.lockSkipped ?? false,
    locked: outcome.tx?.locked ?? false,
    message: outcome.edit?.message,
  }
}

/**
 * The files under `dir`. Symbolic links are files (never followed); a link
 * to a directory is refused, since the journal keeps bytes, not links.
 */
function filesUnder(root: string, dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const entry = lstatSync(path)
    if (entry.isSymbolicLink()) {
      if (statSync(path, {throwIfNoEntry: false})?.isDirectory()) {
        throw new GlixError(`${relative(root, path)} is a symbolic link to a directory, which glix does not follow; remove the link first`, {
          code: 'SYMLINK_DIR',
        })
      }

      out.push(path)
    } else if (entry.isDirectory()) {
      out.push(...filesUnder(root, path))
    } else {
      out.push(path)
    }
  }

  return out
}

/** The files `host remove` would delete, relative to the root. */
export function hostFiles(root: string, host: string): string[] {
  assertHost(root, host)
  return filesUnder(root, repoPaths.hostDir(root, host)).map((file) => relative(root, file)).sort()
}

/** `glix host remove`: deletes `hosts/<host>/` and its line in the hosts region. */
export async function removeHost(options: {root: string; host: string; dryRun?: boolean}, deps: MutationDeps): Promise<HostChangeResult> {
  const {host, root} = options
  const files = hostFiles(root, host)
  const message = `glix host remove ${host}: ${files.length} file(s)`
  if (options.dryRun) return {changed: true, host, lockSkipped: false, locked: false, message, removed: files}
  const tx = await runTransaction(
    transactionOptions(deps, {command: 'host remove', files, hosts: [host], root}),
    async () => {
      await rm(repoPaths.hostDir(root, host), {force: true, recursive: true})
      return {message}
    },
  )
  return {changed: true, commit: tx.commit, host, lockSkipped: tx.lockSkipped, locked: tx.locked, message, removed: files}
}
