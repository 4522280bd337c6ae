/**
 * The read-only operations: `list`, `show`, `info`. Each returns a plain
 * object (what `--json` prints); rendering to text lives in the commands.
 */
import {readFile} from 'node:fs/promises'

import {GlixError} from '../errors.js'
import {assertHost, readAllManifests} from '../manifest/hosts.js'
import {hostSystem, resolvedUser, type Scope} from '../manifest/types.js'
import {repoPaths} from '../repo/discover.js'
import {headSubject, statusLines} from '../repo/git.js'

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

/** The packages of one host, or of every host, sorted by host then name. */
export async function listPackages(options: ListOptions): Promise<PackageRow[]> {
  if (!options.allHosts) assertHost(options.root, options.host)
  const rows: PackageRow[] = []
  for (const {host, manifest} of await readAllManifests(options.root)) {
    if (!options.allHosts && host !== options.host) continue
    for (const name of Object.keys(manifest.packages).sort()) {
      const entry = manifest.packages[name]
      if (!entry.enabled && !options.all) continue
      rows.push({
        flake: entry.flake,
        host,
        name,
        pin: entry.pin,
        scope: entry.scope,
        state: entry.enabled ? 'enabled' : 'disabled',
        user: resolvedUser(manifest, entry),
      })
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
  const {manifest} = (await readAllManifests(root)).find((h) => h.host === host)!
  const entry = manifest.packages[name]
  if (!entry) {
    const names = Object.keys(manifest.packages).sort()
    throw new GlixError(`package "${name}" not found on host ${host}`, {
      code: 'NO_PACKAGE',
      suggestions: names.length > 0 ? [`packages of ${host}: ${names.join(', ')}`] : [],
    })
  }

  const config: Record<string, string> = {}
  for (const key of Object.keys(entry.config).sort()) config[key] = entry.config[key]
  return {
    config,
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
