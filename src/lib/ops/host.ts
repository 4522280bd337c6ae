/**
 * `glix host set` and `glix host remove`: the settings of a host, and the
 * host itself.
 */
import {lstatSync, readdirSync} from 'node:fs'
import {rmdir} from 'node:fs/promises'
import {join} from 'node:path'

import {UsageError} from '../errors.js'
import {assertHost} from '../manifest/hosts.js'
import {type HostSettings, OPTIONAL_SETTING_KEYS} from '../manifest/types.js'
import {assertName, quoteForMessage} from '../names.js'
import {removeInside, resolveInside} from '../repo/fs.js'
import {assertSystemPath} from '../rebuild/command-line.js'
import {runTransaction} from '../repo/transaction.js'
import {assertField} from '../validate.js'
import {type MutationDeps, transactionOptions} from './context.js'
import {editManifest} from './edit.js'
import {assertSystem} from './init.js'
import {type MutationResult, mutationResult} from './mutation.js'
import {parseBool, parsePairs, type SetPair, summarisePairs} from './packages.js'

/** The settings `glix host set` changes. */
export const HOST_KEYS = ['system', 'primary_user', 'default_scope', 'auto_apply', 'registry_url', 'target_host', 'build_host', 'current_system_path'] as const

/** The details of `host set`: the pairs given. */
export interface HostSetDetails {
  pairs: SetPair[]
}

/** The details of `host remove`: the files removed (or, with --dry-run, that would be). */
export interface HostRemoveDetails {
  removed: string[]
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
      else if (optional === 'current_system_path') assertSystemPath(value)
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
): Promise<MutationResult<HostSetDetails>> {
  const pairs = parsePairs(options.pairs, (key) => (HOST_KEYS as readonly string[]).includes(key), 'host setting')
  const outcome = await editManifest({command: 'host set', dryRun: options.dryRun, host: options.host, root: options.root}, deps, ({manifest}) => {
    const settings = applyHostPairs(manifest.settings, pairs)
    if (JSON.stringify(settings) === JSON.stringify(manifest.settings)) return undefined
    return {manifest: {...manifest, settings}, message: `glix host set ${options.host}: ${summarisePairs(pairs)}`}
  })
  return mutationResult({
    command: 'host set',
    details: {pairs},
    dryRun: options.dryRun,
    hosts: [options.host],
    subject: outcome.edit?.message,
    tx: outcome.tx,
  })
}

/**
 * The files and directories under `rel` (relative to `root`), without
 * following links: a symbolic link is a file here, whatever it points to,
 * so removing the host deletes the link and a rollback puts the link back.
 */
function walkHost(root: string, rel: string, out: {dirs: string[]; files: string[]}): void {
  out.dirs.push(rel)
  for (const name of readdirSync(join(root, rel)).sort()) {
    const child = `${rel}/${name}`
    if (lstatSync(join(root, child)).isDirectory()) walkHost(root, child, out)
    else out.files.push(child)
  }
}

/** The files and directories (outermost first) of a host, relative to the root; the host directory must not be a link. */
function hostTree(root: string, host: string): {dirs: string[]; files: string[]} {
  assertHost(root, host)
  resolveInside(root, `hosts/${host}`)
  const out = {dirs: [] as string[], files: [] as string[]}
  walkHost(root, `hosts/${host}`, out)
  return out
}

/** The files `host remove` would delete, relative to the root. */
export function hostFiles(root: string, host: string): string[] {
  return hostTree(root, host).files.sort()
}

/** `glix host remove`: deletes `hosts/<host>/` and its line in the hosts region. */
export async function removeHost(
  options: {root: string; host: string; dryRun?: boolean},
  deps: MutationDeps,
): Promise<MutationResult<HostRemoveDetails>> {
  const {host, root} = options
  const tree = hostTree(root, host)
  const files = [...tree.files].sort()
  const subject = `glix host remove ${host}: ${files.length} file(s)`
  const facts = {command: 'host remove', details: {removed: files}, dryRun: options.dryRun, hosts: [host], subject}
  if (options.dryRun) return mutationResult(facts)
  const tx = await runTransaction(
    {...transactionOptions(deps, {command: 'host remove', files: [], hosts: [host], root}), remove: files},
    async () => {
      // Exactly the journaled files, then the directories, innermost first: a file that appeared since is never deleted unjournaled.
      for (const file of files) await removeInside(root, file)
      for (const dir of [...tree.dirs].reverse()) await rmdir(resolveInside(root, dir))
      return {message: subject}
    },
  )
  return mutationResult({...facts, tx})
}
