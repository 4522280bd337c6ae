/**
 * `glix add`: declare a package on a host (spec §5, §6).
 *
 * Everything is checked before the transaction starts — name, reference,
 * scope/user, duplicates, the cross-host URL rule — so a refused add never
 * touches a file.
 */
import {GlixError, UsageError} from '../errors.js'
import {type PackageEntry, type Scope, resolvedUser} from '../manifest/types.js'
import {assertName, hasSpaceOrControl, quoteForMessage} from '../names.js'
import {assertReference, inferValidName, isAbsoluteLocalPath, isFullReference} from '../resolver/reference.js'
import type {MutationDeps} from './context.js'
import {editManifest} from './edit.js'

/** The options of `glix add`. */
export interface AddOptions {
  root: string
  host: string
  input: string
  scope?: Scope
  user?: string
  pin?: string
  name?: string
  allowLocalPath?: boolean
  dryRun?: boolean
}

/** What `glix add` did or, with --dry-run, would do. */
export interface AddResult {
  host: string
  name: string
  flake: string
  scope: Scope
  user?: string
  pin?: string
  /** How the reference was resolved. */
  via: 'uri'
  /** The commit subject. */
  message: string
  dryRun: boolean
  commit?: string
  /** `nix flake lock` ran. */
  locked: boolean
  /** Locking was needed but skipped (--no-lock). */
  lockSkipped: boolean
  /** The host's `auto_apply` setting. */
  autoApply: boolean
}

/** Throws unless `pin` is a usable revision. */
export function assertPin(pin: string): string {
  if (pin === '' || hasSpaceOrControl(pin) || /[?&#]/.test(pin)) {
    throw new UsageError(`invalid pin ${quoteForMessage(pin)}: expected a revision (no spaces, '?', '&' or '#')`)
  }

  return pin
}

/** Runs `glix add`. */
export async function addPackage(options: AddOptions, deps: MutationDeps): Promise<AddResult> {
  const {host} = options
  assertName('host', host)
  const reference = assertReference(options.input)
  if (!isFullReference(reference)) {
    throw new UsageError(`${quoteForMessage(reference)} is not a flake reference, and short names are not resolved yet`, {
      code: 'UNRESOLVED',
      suggestions: [`for a package of nixpkgs, use nixpkgs#${reference} or github:NixOS/nixpkgs#${reference}`],
    })
  }

  if (isAbsoluteLocalPath(reference) && !options.allowLocalPath) {
    throw new UsageError(`${reference} is an absolute local path, which only this machine can build; pass --allow-local-path to add it anyway`)
  }

  const name = assertName('package', options.name ?? inferValidName(reference))
  if (options.user !== undefined) assertName('user', options.user)
  if (options.pin !== undefined) assertPin(options.pin)

  let entry: PackageEntry | undefined
  let user: string | undefined
  let autoApply = false
  const outcome = await editManifest({command: 'add', dryRun: options.dryRun, host, root: options.root}, deps, ({manifest}) => {
    const scope = options.scope ?? manifest.settings.default_scope
    if (options.user !== undefined && scope !== 'home') {
      throw new UsageError('--user only applies to home-scope packages (add --scope=home)')
    }

    const existing = manifest.packages[name]
    if (existing) {
      throw new GlixError(`package "${name}" already exists on host ${host} (${existing.flake})`, {
        code: 'DUPLICATE',
        suggestions: [`change it with \`glix set ${name} …\`, or add this one under another name with --name`],
      })
    }

    entry = {config: {}, enabled: true, extra: {}, flake: reference, scope}
    if (options.pin) entry.pin = options.pin
    if (options.user) entry.user = options.user
    user = resolvedUser(manifest, entry)
    autoApply = manifest.settings.auto_apply
    return {
      manifest: {...manifest, packages: {...manifest.packages, [name]: entry}},
      message: `glix add ${host}: ${name} (${reference}, ${scope}, via uri)`,
    }
  })
  const added = entry as PackageEntry
  return {
    autoApply,
    commit: outcome.tx?.commit,
    dryRun: Boolean(options.dryRun),
    flake: added.flake,
    host,
    lockSkipped: outcome.tx?.lockSkipped ?? false,
    locked: outcome.tx?.locked ?? false,
    message: outcome.edit!.message,
    name,
    pin: added.pin,
    scope: added.scope,
    user,
    via: 'uri',
  }
}
