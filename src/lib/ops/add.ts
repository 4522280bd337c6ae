/**
 * `glix add`: declare a package on a host (spec §5, §6).
 *
 * Everything is checked before the transaction starts — name, reference,
 * scope/user, duplicates, the cross-host URL rule — so a refused add never
 * touches a file.
 */
import {GlixError, UsageError} from '../errors.js'
import {conflictError, inputUrl} from '../flake/render.js'
import {assertHost, readAllManifests} from '../manifest/hosts.js'
import {type Manifest, type PackageEntry, type Scope, resolvedUser} from '../manifest/types.js'
import {readManifest} from '../manifest/read.js'
import {droppedCommentsNotice, writeManifest} from '../manifest/write.js'
import {assertName, quoteForMessage} from '../names.js'
import {assertReference, inferValidName, isAbsoluteLocalPath, isFullReference} from '../resolver/reference.js'
import {repoPaths} from '../repo/discover.js'
import {runTransaction} from '../repo/transaction.js'
import type {MutationDeps} from './context.js'

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

/** The plan of an add: the manifest after it, and the new entry. */
interface AddPlan {
  manifest: Manifest
  name: string
  entry: PackageEntry
  /** Hand-written comments the rewrite drops. */
  userComments: number
}

async function planAdd(options: AddOptions): Promise<AddPlan> {
  const {host, root} = options
  assertHost(root, host)
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

  const name = options.name === undefined ? inferValidName(reference) : options.name
  assertName('package', name)
  if (options.user !== undefined) assertName('user', options.user)
  if (options.pin !== undefined && (options.pin === '' || /[\s\u0000-\u001F\u007F]/.test(options.pin))) {
    throw new UsageError(`invalid --pin ${quoteForMessage(options.pin)}: expected a revision without spaces`)
  }

  const [all, own] = await Promise.all([readAllManifests(root), readManifest(repoPaths.manifest(root, host))])
  const {manifest} = own
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

  const entry: PackageEntry = {config: {}, enabled: true, extra: {}, flake: reference, scope}
  if (options.pin) entry.pin = options.pin
  if (options.user) entry.user = options.user

  const url = inputUrl(entry.flake, entry.pin)
  for (const other of all) {
    const theirs = other.manifest.packages[name]
    if (other.host !== host && theirs && inputUrl(theirs.flake, theirs.pin) !== url) {
      throw conflictError(name, {host: other.host, url: inputUrl(theirs.flake, theirs.pin)}, {host, url})
    }
  }

  return {entry, manifest: {...manifest, packages: {...manifest.packages, [name]: entry}}, name, userComments: own.userComments}
}

/** Runs `glix add`. */
export async function addPackage(options: AddOptions, deps: MutationDeps): Promise<AddResult> {
  const plan = await planAdd(options)
  const {entry, name} = plan
  const message = `glix add ${options.host}: ${name} (${entry.flake}, ${entry.scope}, via uri)`
  const result: AddResult = {
    autoApply: plan.manifest.settings.auto_apply,
    dryRun: Boolean(options.dryRun),
    flake: entry.flake,
    host: options.host,
    lockSkipped: false,
    locked: false,
    message,
    name,
    pin: entry.pin,
    scope: entry.scope,
    user: resolvedUser(plan.manifest, entry),
    via: 'uri',
  }
  if (options.dryRun) return result

  const manifestFile = `hosts/${options.host}/glix.toml`
  const tx = await runTransaction(
    {
      afterWrite: () => deps.afterWrite(options.root, [options.host]),
      command: 'add',
      files: [manifestFile],
      lockFlake: deps.lockFlake,
      noLock: deps.noLock,
      notice: deps.notice,
      root: options.root,
    },
    async () => {
      // Planned again under the lock: another glix may have changed the manifests meanwhile.
      const fresh = await planAdd(options)
      await writeManifest(repoPaths.manifest(options.root, options.host), fresh.manifest)
      if (fresh.userComments > 0) deps.notice(droppedCommentsNotice(manifestFile, fresh.userComments))
      return {message}
    },
  )
  return {...result, commit: tx.commit, lockSkipped: tx.lockSkipped, locked: tx.locked}
}
