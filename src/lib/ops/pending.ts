/**
 * What is pending since each host was last deployed: `glix status` (how
 * far behind HEAD the deployed commit is) and `glix plan` (what a rebuild
 * would change in the host's manifest). Both only read: the ledger
 * (refs/glix/deployed/<host>), git history and the manifests. Nothing is
 * built or evaluated. (Not to be confused with lib/rebuild/plan.ts, which
 * plans the nixos-rebuild runs.) Text rendering lives in
 * src/formatters/{status,plan}.ts.
 *
 * `plan` compares the manifest at the deployed commit with the manifest
 * on disk — what nixos-rebuild would build now — and says when the file
 * on disk differs from HEAD's. A host that was never deployed is compared
 * with an empty manifest.
 *
 * Invariant: every semantic difference between the two manifests is a
 * change — keys glix does not know included (top level, `[settings]`, a
 * package table), each flagged `non_glix`, since a teammate's `imports =
 * [...]` is read by whatever reads the file and must not pass unseen.
 */

import {assertHost, listHosts} from '../manifest/hosts.js'
import {parseManifest, readManifestDocument} from '../manifest/read.js'
import {type Extra, type Manifest, OPTIONAL_SETTING_KEYS, type PackageEntry, type Scope} from '../manifest/types.js'
import {compareNames} from '../names.js'
import {runProcess} from '../process.js'
import {repoPaths} from '../repo/discover.js'
import {headCommit, readAtRevision} from '../repo/git.js'
import {behindHead, type Deployment, readLedger} from '../repo/ledger.js'

/** Which hosts a status or plan covers. */
export interface HostSelection {
  root: string
  /** The one host, unless `allHosts`. */
  host: string
  allHosts?: boolean
}

/** Where a host stands relative to HEAD. */
export type DeployState = 'behind' | 'diverged' | 'never deployed' | 'up to date'

/** One host of `glix status`. */
export interface HostStatus {
  host: string
  state: DeployState
  /** The deployed commit (full hash); absent when never deployed. */
  deployed?: string
  /** When it was recorded (ISO 8601), from the ref's reflog. */
  deployed_at?: string
  /** glix commits (subject `glix …`) in HEAD's history since the deployed commit. */
  behind?: number
  /** All commits in HEAD's history since the deployed commit. */
  behind_all?: number
}

/** `glix status`. */
export interface StatusResult {
  head?: string
  hosts: HostStatus[]
}

function selectHosts(selection: HostSelection): string[] {
  if (selection.allHosts) return listHosts(selection.root)
  assertHost(selection.root, selection.host)
  return [selection.host]
}

async function statusOf(root: string, host: string, head: string | undefined, deployment: Deployment | undefined): Promise<HostStatus> {
  if (!deployment) return {host, state: 'never deployed'}
  const status: HostStatus = {deployed: deployment.commit, host, state: 'up to date'}
  if (deployment.at) status.deployed_at = deployment.at
  if (!head) return status
  const behind = await behindHead(root, deployment.commit, head)
  status.behind = behind.glixCommits
  status.behind_all = behind.commits
  if (!behind.ancestor) status.state = 'diverged'
  else if (behind.commits > 0) status.state = 'behind'
  return status
}

/** Per host: the deployed commit and how many glix commits HEAD is ahead of it. */
export async function deployStatus(selection: HostSelection): Promise<StatusResult> {
  const hosts = selectHosts(selection)
  const [head, ledger] = await Promise.all([headCommit(selection.root), readLedger(selection.root)])
  return {head, hosts: await Promise.all(hosts.map((host) => statusOf(selection.root, host, head, ledger.get(host))))}
}

/**
 * A changed value. `from`/`to` are absent when unset. For a key glix
 * knows they are the string value; for a non-glix key (`non_glix: true`)
 * they are the TOML value written as JSON (`["./x.nix"]`, `"text"`, `3`).
 */
export interface ValueChange {
  key: string
  from?: string
  to?: string
  /** A key glix does not know: glix never writes it, something else may read it. */
  non_glix?: true
}

/** One difference between the deployed manifest and the current one. */
export type ManifestChange =
  | ({kind: 'changed'; package: string} & ValueChange)
  | ({kind: 'manifest'} & ValueChange)
  | ({kind: 'setting'} & ValueChange)
  | {kind: 'added'; package: string; flake: string; scope: Scope; enabled: boolean; pin?: string; user?: string}
  | {kind: 'disabled'; package: string}
  | {kind: 'enabled'; package: string}
  | {kind: 'removed'; package: string; flake: string}

/** One host of `glix plan`. */
export interface HostPending extends HostStatus {
  /** Manifest changes, settings first, then packages by name. */
  changes: ManifestChange[]
  /** Other tracked files that changed since the deployed commit and go into this host's build (flake.nix, flake.lock, hosts/<host>/default.nix, shared modules…). */
  other_files: string[]
  /** The manifest on disk differs from HEAD's (a hand edit not yet committed). */
  uncommitted: boolean
}

/** `glix plan`. */
export interface PlanResult {
  head?: string
  hosts: HostPending[]
}

const SETTING_KEYS = ['default_scope', 'auto_apply', ...OPTIONAL_SETTING_KEYS] as const

function settingValue(manifest: Manifest | undefined, key: (typeof SETTING_KEYS)[number]): string | undefined {
  if (!manifest) return undefined
  const value = manifest.settings[key]
  return value === undefined ? undefined : String(value)
}

function packageFields(entry: PackageEntry): Record<string, string | undefined> {
  const fields: Record<string, string | undefined> = {flake: entry.flake, pin: entry.pin, scope: entry.scope, user: entry.user}
  for (const [key, value] of Object.entries(entry.config)) fields[`config.${key}`] = value
  return fields
}

/** The values of non-glix keys as JSON text (TOML dates become ISO strings). */
function extraValues(extra: Extra | undefined): Record<string, string> {
  const values: Record<string, string> = {}
  for (const [key, value] of Object.entries(extra ?? {})) setOwn(values, key, JSON.stringify(value))
  return values
}

/** Changes of non-glix keys between two `extra` maps, in key order. */
function extraChanges(before: Extra | undefined, after: Extra | undefined): ValueChange[] {
  const a = extraValues(before)
  const b = extraValues(after)
  const changes: ValueChange[] = []
  for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareNames)) {
    const from = Object.hasOwn(a, key) ? a[key] : undefined
    const to = Object.hasOwn(b, key) ? b[key] : undefined
    if (from !== to) changes.push(compact({from, key, non_glix: true as const, to}))
  }

  return changes
}

/** `key: value` on an object that may be `__proto__`: always data. */
function setOwn(target: Record<string, string>, key: string, value: string): void {
  Object.defineProperty(target, key, {configurable: true, enumerable: true, value, writable: true})
}

/** The changes of one package's values: flake, scope, pin, user, config keys, then non-glix keys. */
function packageChanges(name: string, before: PackageEntry | undefined, after: PackageEntry): ManifestChange[] {
  const changes: ManifestChange[] = []
  const fa = before ? packageFields(before) : {}
  const fb = packageFields(after)
  const config = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].filter((k) => k.startsWith('config.')).sort(compareNames)
  // An added package's flake, scope, pin and user are on its `+` line.
  const keys = before ? ['flake', 'scope', 'pin', 'user', ...config] : config
  for (const key of keys) {
    const from = Object.hasOwn(fa, key) ? fa[key] : undefined
    const to = Object.hasOwn(fb, key) ? fb[key] : undefined
    if (from !== to) changes.push(compact({from, key, kind: 'changed' as const, package: name, to}))
  }

  for (const change of extraChanges(before?.extra, after.extra)) changes.push({...change, kind: 'changed', package: name})
  return changes
}

/**
 * The changes from `before` (the deployed manifest; undefined when there
 * was none) to `after`: top-level non-glix keys, settings (glix's and
 * others), then packages by name — added, removed, enabled or disabled,
 * and changed flake, scope, pin, user, config and non-glix keys.
 */
export function diffManifests(before: Manifest | undefined, after: Manifest): ManifestChange[] {
  const changes: ManifestChange[] = []
  for (const change of extraChanges(before?.extra, after.extra)) changes.push({...change, kind: 'manifest'})
  for (const key of SETTING_KEYS) {
    const from = settingValue(before, key)
    const to = settingValue(after, key)
    // A new host's settings are news only where they say something.
    if (from !== to && (before || (key !== 'auto_apply' && key !== 'default_scope'))) changes.push(compact({from, key, kind: 'setting' as const, to}))
  }

  for (const change of extraChanges(before?.settings.extra, after.settings.extra)) changes.push({...change, kind: 'setting'})

  const old = before?.packages ?? {}
  const names = [...new Set([...Object.keys(old), ...Object.keys(after.packages)])].sort(compareNames)
  for (const name of names) {
    const a = Object.hasOwn(old, name) ? old[name] : undefined
    const b = Object.hasOwn(after.packages, name) ? after.packages[name] : undefined
    if (a && !b) {
      changes.push({flake: a.flake, kind: 'removed', package: name})
      continue
    }

    if (!b) continue
    if (!a) {
      const added: ManifestChange = {enabled: b.enabled, flake: b.flake, kind: 'added', package: name, scope: b.scope}
      if (b.pin !== undefined) added.pin = b.pin
      if (b.user !== undefined) added.user = b.user
      changes.push(added)
    } else if (a.enabled !== b.enabled) {
      changes.push({kind: b.enabled ? 'enabled' : 'disabled', package: name})
    }

    changes.push(...packageChanges(name, a, b))
  }

  return changes
}

function compact<T extends {from?: string; to?: string}>(change: T): T {
  if (change.from === undefined) delete change.from
  if (change.to === undefined) delete change.to
  return change
}

async function manifestAt(root: string, rev: string, host: string): Promise<Manifest | undefined> {
  const bytes = await readAtRevision(root, rev, `hosts/${host}/glix.toml`)
  if (bytes === undefined) return undefined
  return parseManifest(bytes, `${rev.slice(0, 12)}:hosts/${host}/glix.toml`, {report: false}).manifest
}

/** Tracked files changed between `rev` and the work tree that belong to every host or to `host`, minus its manifest. */
async function otherFiles(root: string, rev: string, host: string): Promise<string[]> {
  const result = await runProcess('git', ['diff', '--name-only', '-z', rev, '--'], {cwd: root})
  return result.stdout
    .split('\0')
    .filter((path) => path !== '' && path !== `hosts/${host}/glix.toml`)
    .filter((path) => !path.startsWith('hosts/') || path.startsWith(`hosts/${host}/`))
    .sort()
}

/** Per host: what a rebuild would change in its manifest since it was deployed. */
export async function pendingChanges(selection: HostSelection): Promise<PlanResult> {
  const {root} = selection
  const status = await deployStatus(selection)
  const hosts = await Promise.all(
    status.hosts.map(async (host): Promise<HostPending> => {
      const file = repoPaths.manifest(root, host.host)
      const {manifest: current, text} = await readManifestDocument(file)
      const atHead = status.head ? await readAtRevision(root, status.head, `hosts/${host.host}/glix.toml`) : undefined
      const deployed = host.deployed ? await manifestAt(root, host.deployed, host.host) : undefined
      return {
        ...host,
        changes: diffManifests(deployed, current),
        other_files: host.deployed ? await otherFiles(root, host.deployed, host.host) : [],
        uncommitted: atHead === undefined || !atHead.equals(Buffer.from(text)),
      }
    }),
  )
  return {head: status.head, hosts}
}
