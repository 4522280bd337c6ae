/**
 * `glix add`: declare a package on a host (spec §5, §6).
 *
 * Everything is checked before the transaction starts — the resolution of
 * a short name (registry, then `nix registry list`), name, reference,
 * scope/user, duplicates, the cross-host URL rule — so a refused add never
 * touches a file and no lock is held while a registry is fetched. The
 * registry is consulted only for short names: a full reference never
 * reads, fetches or waits for one.
 */
import {GlixError, UsageError} from '../errors.js'
import {type PackageEntry, type Scope, resolvedUser} from '../manifest/types.js'
import {assertName} from '../names.js'
import {listNixRegistry, type NixRegistryEntry} from '../nix/registry.js'
import type {LoadedRegistry, LoadOptions} from '../registry/load.js'
import {configuredRegistryUrl, hostRegistryUrl} from '../registry/url.js'
import {assertReference, inferValidName, isAbsoluteLocalPath, isFullReference} from '../resolver/reference.js'
import {type ResolvedVia, resolveReference} from '../resolver/resolve.js'
import {assertField} from '../validate.js'
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
  /** `--registry-url`: overrides `$GLIX_REGISTRY_URL` and the host's `registry_url`. */
  registryUrl?: string
  /** `--refresh`: refetch the registry even when the cached copy is fresh. */
  refresh?: boolean
  /** `--allow-file-registry`: accept a `file://` registry URL. */
  allowFileRegistry?: boolean
  /** `--no-nix-registry`: do not fall back to `nix registry list`. */
  noNixRegistry?: boolean
  /** Where `$GLIX_REGISTRY_URL` is read (default: process.env). */
  env?: NodeJS.ProcessEnv
}

/** How `glix add` reaches the registries; each has a default, tests hand in fakes. */
export interface AddCollaborators {
  /** Loads a registry (default: the caching HTTP client, loaded on first use). */
  loadRegistry?: (options: LoadOptions) => Promise<LoadedRegistry>
  /** Lists Nix's registries (default: `nix registry list`). */
  listNixRegistry?: () => Promise<NixRegistryEntry[]>
  /** Progress while a registry is fetched over the network. */
  onRegistryFetch?: LoadOptions['onFetch']
}

/** What `glix add` did or, with --dry-run, would do. */
export interface AddResult {
  host: string
  name: string
  flake: string
  scope: Scope
  user?: string
  pin?: string
  /** What the user typed: the reference, or the short name that resolved to `flake`. */
  input: string
  /** How the input was resolved. */
  via: ResolvedVia
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
  return assertField('pin', pin)
}

/** Runs `glix add`. */
export async function addPackage(options: AddOptions, deps: MutationDeps, collaborators: AddCollaborators = {}): Promise<AddResult> {
  const {host, root} = options
  assertName('host', host)
  const input = assertReference(options.input)
  // Cheap checks first: a bad flag must not wait for a registry.
  if (options.name !== undefined) assertName('package', options.name)
  if (options.user !== undefined) assertName('user', options.user)
  if (options.pin !== undefined) assertPin(options.pin)
  // A short name needs the host's registry_url; reading it first also reports a bad host or manifest as such.
  const setting = isFullReference(input) ? undefined : await hostRegistryUrl(root, host)
  const resolution = await resolveReference(input, {
    async fetchRegistry() {
      const url = await configuredRegistryUrl({env: options.env, flag: options.registryUrl, setting: async () => setting})
      if (url === undefined) return undefined
      const load = collaborators.loadRegistry ?? (await import('../registry/load.js')).loadRegistry
      return load({allowFile: options.allowFileRegistry, onFetch: collaborators.onRegistryFetch, refresh: options.refresh, url, warn: deps.notice})
    },
    listNixRegistry: options.noNixRegistry ? undefined : (collaborators.listNixRegistry ?? (() => listNixRegistry())),
  })
  for (const warning of resolution.warnings) deps.notice(warning)
  const {via} = resolution
  const reference = assertReference(resolution.flake)
  if (isAbsoluteLocalPath(reference) && !options.allowLocalPath) {
    const from = via === 'uri' ? '' : ` (${input} via ${via})`
    throw new UsageError(
      `${reference}${from} is an absolute local path, which only this machine can build; pass --allow-local-path to add it anyway`,
    )
  }

  const name = assertName('package', options.name ?? resolution.name ?? inferValidName(reference))

  let entry: PackageEntry | undefined
  let user: string | undefined
  let autoApply = false
  const outcome = await editManifest({command: 'add', dryRun: options.dryRun, host, root}, deps, ({manifest}) => {
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
      message: `glix add ${host}: ${name} (${reference}, ${scope}, via ${via})`,
    }
  })
  const added = entry as PackageEntry
  return {
    autoApply,
    commit: outcome.tx?.commit,
    dryRun: Boolean(options.dryRun),
    flake: added.flake,
    host,
    input,
    lockSkipped: outcome.tx?.lockSkipped ?? false,
    locked: outcome.tx?.locked ?? false,
    message: outcome.edit!.message,
    name,
    pin: added.pin,
    scope: added.scope,
    user,
    via,
  }
}
