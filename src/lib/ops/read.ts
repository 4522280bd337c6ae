/**
 * The read-only operations: `list`, `show`, `info`. Each returns a plain
 * object (what `--json` prints); rendering to text lives in
 * src/formatters/{list,show,info}.ts.
 */
import {readFile} from 'node:fs/promises'

import {GlixError} from '../errors.js'
import type {HostManifest} from '../flake/render.js'
import {assertHost, readAllManifests} from '../manifest/hosts.js'
import {readManifest} from '../manifest/read.js'
import {findPackage, hostSystem, type Manifest, type PackageEntry, resolvedUser, type Scope} from '../manifest/types.js'
import {assertName, isValidName} from '../names.js'
import {repoPaths} from '../repo/discover.js'

/** One row of `glix list`. */
export interface PackageRow {
  host: string
  name: string
  scope: Scope
  state: 'disabled' | 'enabled'
  /** The resolved user of a home-scope package; absent for system scope. */
  user?: string
  flake: string
  pin?: string
}

/** Options of {@link listPackages}. */
export interface ListOptions {
  root: string
  host: string
  allHosts?: boolean
  /** Include disabled packages. */
  all?: boolean
}

/** The packages of one host, or of every host, sorted by host then name. Reads only the manifests it lists. */
export async function listPackages(options: ListOptions): Promise<PackageRow[]> {
  let hosts: HostManifest[]
  if (options.allHosts) {
    hosts = await readAllManifests(options.root)
  } else {
    assertHost(options.root, options.host)
    hosts = [{host: options.host, manifest: (await readManifest(repoPaths.manifest(options.root, options.host))).manifest}]
  }

  const rows: PackageRow[] = []
  // Indexed loops: on a large fleet this runs tens of thousands of times in a cold process.
  for (let h = 0; h < hosts.length; h++) {
    const {host, manifest} = hosts[h]
    const names = Object.keys(manifest.packages).sort()
    for (let n = 0; n < names.length; n++) {
      const name = names[n]
      const entry = manifest.packages[name]
      if (!entry.enabled && !options.all) continue
      rows.push(packageRow(host, name, manifest, entry))
    }
  }

  return rows
}

/** `glix show`: one package in full. */
export interface PackageDetails extends PackageRow {
  config: Record<string, string>
}

/** Returns one package of a host, or throws naming the host's packages. */
export async function showPackage(root: string, host: string, name: string): Promise<PackageDetails> {
  assertHost(root, host)
  // A malformed name is a usage error; a well-formed one that is not there (even "constructor") is "not found".
  if (!isValidName(name)) assertName('package', name)
  const {manifest} = await readManifest(repoPaths.manifest(root, host))
  const entry = findPackage(manifest, host, name)
  const config: Record<string, string> = {}
  for (const key of Object.keys(entry.config).sort()) config[key] = entry.config[key]
  return {...packageRow(host, name, manifest, entry), config}
}

/** One package as `list` shows it. */
function packageRow(host: string, name: string, manifest: Manifest, entry: PackageEntry): PackageRow {
  return {
    flake: entry.flake,
    host,
    name,
    pin: entry.pin,
    scope: entry.scope,
    state: entry.enabled ? 'enabled' : 'disabled',
    user: resolvedUser(manifest, entry),
  }
}

/** One host line of `glix info`. */
export interface HostSummary {
  host: string
  system: string
  primary_user: string
  enabled: number
  total: number
}

/** One locked input of flake.lock. */
export interface LockedInput {
  input: string
  /** A short description: `github:owner/repo`, `path:/x`, … */
  source: string
  /** The locked revision or, failing that, the narHash. */
  rev?: string
}

/** `glix info`. */
export interface RepoInfo {
  root: string
  git: 'clean' | 'dirty'
  head?: string
  hosts: HostSummary[]
  /** Undefined when flake.lock is missing. */
  lock?: LockedInput[]
}

interface LockNode {
  inputs?: Record<string, string | string[]>
  locked?: Record<string, string | number | undefined>
}

function describeLocked(locked: Record<string, string | number | undefined>): string {
  const {owner, path, repo, type, url} = locked
  if ((type === 'github' || type === 'gitlab' || type === 'sourcehut') && owner && repo) return `${type}:${owner}/${repo}`
  if (type === 'path' && path) return `path:${path}`
  if (type === 'git' && url) return `git+${url}`
  if (type === 'tarball' && url) return String(url)
  if (type === 'indirect') return `flake:${locked.id ?? ''}`
  return `${type ?? 'unknown'}:${url ?? path ?? ''}`
}

/** Reads the root inputs of flake.lock. */
export async function readLockedInputs(root: string): Promise<LockedInput[] | undefined> {
  let text: string
  try {
    text = await readFile(repoPaths.lock(root), 'utf8')
  } catch {
    return undefined
  }

  let lock: {nodes?: Record<string, LockNode>; root?: string}
  try {
    lock = JSON.parse(text)
  } catch {
    throw new GlixError(`${repoPaths.lock(root)}: not valid JSON; run \`glix update\` to recreate it`)
  }

  const nodes = lock.nodes ?? {}
  const rootNode = nodes[lock.root ?? 'root'] ?? {}
  const result: LockedInput[] = []
  for (const input of Object.keys(rootNode.inputs ?? {}).sort()) {
    const target = rootNode.inputs![input]
    if (typeof target !== 'string') continue // follows another input
    const locked = nodes[target]?.locked ?? {}
    const rev = typeof locked.rev === 'string' ? locked.rev.slice(0, 12) : typeof locked.narHash === 'string' ? locked.narHash.slice(0, 19) : undefined
    result.push({input, rev, source: describeLocked(locked)})
  }

  return result
}

/** Gathers `glix info`. */
export async function repoInfo(root: string): Promise<RepoInfo> {
  // Only `info` runs git on the read path: list and show never load it.
  const {headSubject, statusLines} = await import('../repo/git.js')
  const [manifests, status, head, lock] = await Promise.all([
    readAllManifests(root),
    statusLines(root).catch(() => ['?']),
    headSubject(root).catch(() => undefined),
    readLockedInputs(root),
  ])
  return {
    git: status.length === 0 ? 'clean' : 'dirty',
    head,
    hosts: manifests.map(({host, manifest}) => {
      const entries = Object.values(manifest.packages)
      return {
        enabled: entries.filter((e) => e.enabled).length,
        host,
        primary_user: manifest.settings.primary_user ?? '',
        system: hostSystem(manifest),
        total: entries.length,
      }
    }),
    lock,
    root,
  }
}
