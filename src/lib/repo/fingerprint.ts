/**
 * The drift fingerprint: a cheap summary (size, mtime, ctime, inode) of
 * the files the managed regions of flake.nix depend on — flake.nix and
 * every host's manifest — kept in `<git dir>/glix/fingerprint.json` and
 * saved whenever glix leaves the regions fresh.
 *
 * Invariants: when the fingerprint matches, the regions match the
 * manifests, and checking it costs one directory read and one lstat per
 * file, no parse. Computing it is also the gate every repo command passes:
 * a symbolic link at flake.nix, flake.lock, hosts/, a host directory or a
 * host's glix.toml is refused here, naming it, before any command reads
 * through it. Dependency-light on purpose: every command that reads a repo
 * loads it.
 */
import {type Dirent, lstatSync, readdirSync, readFileSync, type Stats, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'

import {GlixError} from '../errors.js'
import {isValidName} from '../names.js'
import {repoPaths} from './discover.js'
import {ensureStateDir, locateGit} from './layout.js'

function fingerprintFile(root: string): string | undefined {
  const layout = locateGit(root)
  return layout ? join(layout.stateDir, 'fingerprint.json') : undefined
}

function linkError(rel: string): GlixError {
  return new GlixError(`${rel} is a symbolic link; glix never follows links inside the repository: replace it with the real file or directory`, {
    code: 'SYMLINK',
  })
}

/** lstat of a repo path; a link is refused. */
function statNoLink(root: string, rel: string): Stats | undefined {
  let stat: Stats
  try {
    stat = lstatSync(join(root, rel))
  } catch {
    return undefined
  }

  if (stat.isSymbolicLink()) throw linkError(rel)
  return stat
}

function part(file: string, stat: Stats | undefined): string | undefined {
  return stat?.isFile() ? `${file}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}:${stat.ino}` : undefined
}

/**
 * A cheap summary of the files the regions depend on: flake.nix and the
 * manifest of every host (as `listHosts` finds them), one lstat per file;
 * one line per file, `<path>:<size>:<mtime>:<ctime>:<inode>`. Throws SYMLINK when any of them, flake.lock, hosts/ or a host directory
 * is a symbolic link.
 */
export function computeFingerprint(root: string): string {
  const flake = repoPaths.flake(root)
  const parts = [part(flake, statNoLink(root, 'flake.nix')) ?? `${flake}:-`]
  statNoLink(root, 'flake.lock')
  let entries: Dirent[] = []
  if (statNoLink(root, 'hosts')?.isDirectory()) {
    try {
      entries = readdirSync(repoPaths.hosts(root), {withFileTypes: true})
    } catch {
      // Unreadable: only flake.nix counts.
    }
  }

  for (const entry of entries.filter((e) => isValidName(e.name)).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.isSymbolicLink()) throw linkError(`hosts/${entry.name}`)
    if (!entry.isDirectory()) continue
    const p = part(repoPaths.manifest(root, entry.name), statNoLink(root, `hosts/${entry.name}/glix.toml`))
    if (p) parts.push(p)
  }

  return parts.join('\n')
}

/**
 * Throws SYMLINK, naming it, when flake.nix, flake.lock, hosts/, a host
 * directory or a host's glix.toml is a symbolic link: the gate a reader of
 * the repo passes before it reads any of them (one lstat each).
 */
export function assertNoLinkedRepoPaths(root: string): void {
  computeFingerprint(root)
}

/** Records that the regions are fresh for the files as they are now. */
export function saveFingerprint(root: string): void {
  const layout = locateGit(root)
  if (!layout) return
  try {
    ensureStateDir(layout)
    writeFileSync(join(layout.stateDir, 'fingerprint.json'), JSON.stringify({fingerprint: computeFingerprint(root)}))
  } catch {
    // The fingerprint is only a cache; without it drift detection re-renders.
  }
}

/** Why the regions may be stale: glix never ran here, or these files changed since it last did. */
export type Drift = {firstRun: true} | {changed: string[]; firstRun: false}

function savedFingerprint(root: string): string | undefined {
  const file = fingerprintFile(root)
  if (!file) return undefined
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as {fingerprint?: string}).fingerprint
  } catch {
    return undefined
  }
}

/**
 * Undefined when the manifests and flake.nix are as glix last left them;
 * else why not: the repo-relative paths that changed, were added or went
 * away, or `firstRun` when glix has no record of this repo. Throws SYMLINK
 * (see {@link computeFingerprint}).
 */
export function detectDrift(root: string): Drift | undefined {
  const now = computeFingerprint(root)
  const saved = savedFingerprint(root)
  if (saved === undefined) return {firstRun: true}
  if (saved === now) return undefined
  const pathOf = (line: string) => line.slice(0, line.indexOf(':', root.length + 1))
  const before = new Set(saved.split('\n'))
  const after = new Set(now.split('\n'))
  const changed = new Set<string>()
  for (const line of before) if (!after.has(line)) changed.add(pathOf(line))
  for (const line of after) if (!before.has(line)) changed.add(pathOf(line))
  return {changed: [...changed].map((path) => relative(root, path)).sort(), firstRun: false}
}

/** True when the manifests and flake.nix are as glix last left them. Throws SYMLINK (see {@link computeFingerprint}). */
export function isFingerprintFresh(root: string): boolean {
  const now = computeFingerprint(root)
  return savedFingerprint(root) === now
}
