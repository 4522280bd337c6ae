/**
 * `glix remove`, `enable`, `disable` and `set`: changes to one package of
 * one host, each one commit (spec §5). `set` parses every `key=value` pair
 * before anything is written: one bad pair rejects the whole command.
 */
import {UsageError} from '../errors.js'
import {findPackage, type Manifest, type PackageEntry} from '../manifest/types.js'
import {assertName, hasSpaceOrControl, quoteForMessage} from '../names.js'
import {safeText} from '../ui/safe.js'
import {assertReference, isAbsoluteLocalPath} from '../resolver/reference.js'
import {assertPin} from './add.js'
import type {MutationDeps} from './context.js'
import {editManifest, type EditOutcome} from './edit.js'

/** Where a package change happens. */
export interface PackageTarget {
  root: string
  host: string
  name: string
  dryRun?: boolean
}

/** What a package change did. */
export interface PackageChangeResult {
  host: string
  name: string
  /** False when the package was already in the requested state. */
  changed: boolean
  message?: string
  commit?: string
  locked: boolean
  lockSkipped: boolean
  autoApply: boolean
}


function withPackage(manifest: Manifest, name: string, entry: PackageEntry | undefined): Manifest {
  const packages = {...manifest.packages}
  if (entry) packages[name] = entry
  else delete packages[name]
  return {...manifest, packages}
}

function toResult(target: PackageTarget, outcome: EditOutcome, autoApply: boolean): PackageChangeResult {
  return {
    autoApply,
    changed: outcome.edit !== undefined,
    commit: outcome.tx?.commit,
    host: target.host,
    lockSkipped: outcome.tx?.lockSkipped ?? false,
    locked: outcome.tx?.locked ?? false,
    message: outcome.edit?.message,
    name: target.name,
  }
}

async function changePackage(
  target: PackageTarget,
  command: string,
  deps: MutationDeps,
  change: (entry: PackageEntry, manifest: Manifest) => {entry?: PackageEntry; summary: string} | undefined,
): Promise<PackageChangeResult> {
  assertName('host', target.host)
  assertName('package', target.name)
  let autoApply = false
  const outcome = await editManifest({command, dryRun: target.dryRun, host: target.host, root: target.root}, deps, ({manifest}) => {
    autoApply = manifest.settings.auto_apply
    const next = change(findPackage(manifest, target.host, target.name), manifest)
    if (!next) return undefined
    return {manifest: withPackage(manifest, target.name, next.entry), message: `glix ${command} ${target.host}: ${next.summary}`}
  })
  return toResult(target, outcome, autoApply)
}

/** `glix remove <name>`. */
export function removePackage(target: PackageTarget, deps: MutationDeps): Promise<PackageChangeResult> {
  return changePackage(target, 'remove', deps, () => ({entry: undefined, summary: target.name}))
}

/** `glix enable <name>` / `glix disable <name>`; a package already in that state is a no-op. */
export function setEnabled(target: PackageTarget, enabled: boolean, deps: MutationDeps): Promise<PackageChangeResult> {
  return changePackage(target, enabled ? 'enable' : 'disable', deps, (entry) =>
    entry.enabled === enabled ? undefined : {entry: {...entry, enabled}, summary: target.name},
  )
}

/** One parsed `key=value` pair of `glix set`. */
export interface SetPair {
  key: string
  value: string
}

/** Splits `key=value` arguments; throws on a pair without `=` or a repeated key. */
export function parsePairs(pairs: string[], allowed: (key: string) => boolean, what: string): SetPair[] {
  if (pairs.length === 0) throw new UsageError(`nothing to set: give one or more ${what} key=value pairs`)
  const seen = new Set<string>()
  return pairs.map((pair) => {
    const eq = pair.indexOf('=')
    if (eq <= 0) throw new UsageError(`invalid pair ${quoteForMessage(pair)}: expected key=value`)
    const key = pair.slice(0, eq)
    if (!allowed(key)) throw new UsageError(`unknown ${what} key ${quoteForMessage(key)}`)
    if (seen.has(key)) throw new UsageError(`${quoteForMessage(key)} is given twice`)
    seen.add(key)
    return {key, value: pair.slice(eq + 1)}
  })
}

/** Parses `true`/`false`. */
export function parseBool(key: string, value: string): boolean {
  if (value === 'true') return true
  if (value === 'false') return false
  throw new UsageError(`${key} must be true or false, got ${quoteForMessage(value)}`)
}

/** The fields of a package `set` accepts, besides `config.<key>`. */
export const PACKAGE_SETTING_KEYS = ['enabled', 'flake', 'pin', 'scope', 'user'] as const
const PACKAGE_KEYS = new Set<string>(PACKAGE_SETTING_KEYS)
const CONFIG_PREFIX = 'config.'

/**
 * Renders pairs for a commit subject the way the Go glix does,
 * `(key=value key=value)`, values as typed; a control character (a newline
 * would end the subject) is written visibly.
 */
export function summarisePairs(pairs: SetPair[]): string {
  return `(${pairs.map(({key, value}) => safeText(`${key}=${value}`)).join(' ')})`
}

/** Applies `set` pairs to a package entry; pure. */
export function applyPackagePairs(entry: PackageEntry, pairs: SetPair[], options: {allowLocalPath?: boolean} = {}): PackageEntry {
  const next: PackageEntry = {...entry, config: {...entry.config}}
  for (const {key, value} of pairs) {
    switch (key) {
      case 'flake': {
        assertReference(value)
        if (isAbsoluteLocalPath(value) && !options.allowLocalPath) {
          throw new UsageError(`${value} is an absolute local path; pass --allow-local-path to use it anyway`)
        }

        next.flake = value
        break
      }

      case 'scope': {
        if (value !== 'system' && value !== 'home') throw new UsageError(`scope must be system or home, got ${quoteForMessage(value)}`)
        next.scope = value
        break
      }

      case 'enabled': {
        next.enabled = parseBool('enabled', value)
        break
      }

      case 'pin': {
        if (value === '') delete next.pin
        else next.pin = assertPin(value)
        break
      }

      case 'user': {
        if (value === '') delete next.user
        else next.user = assertName('user', value)
        break
      }

      default: {
        const configKey = key.slice(CONFIG_PREFIX.length)
        if (value === '') delete next.config[configKey]
        // defineProperty: a key such as __proto__ stays data.
        else Object.defineProperty(next.config, configKey, {configurable: true, enumerable: true, value, writable: true})
      }
    }
  }

  if (next.user !== undefined && next.scope !== 'home') {
    throw new UsageError('user only applies to home-scope packages (set scope=home too, or user= to clear it)')
  }

  return next
}

/** `glix set <name> key=value…`. */
export function setPackage(
  target: PackageTarget,
  rawPairs: string[],
  deps: MutationDeps,
  options: {allowLocalPath?: boolean} = {},
): Promise<PackageChangeResult> {
  const pairs = parsePairs(rawPairs, (key) => PACKAGE_KEYS.has(key) || (key.startsWith(CONFIG_PREFIX) && key.length > CONFIG_PREFIX.length && !hasSpaceOrControl(key)), 'package')
  return changePackage(target, 'set', deps, (entry) => {
    const next = applyPackagePairs(entry, pairs, options)
    if (JSON.stringify(next) === JSON.stringify(entry)) return undefined
    return {entry: next, summary: `${target.name} ${summarisePairs(pairs)}`}
  })
}
