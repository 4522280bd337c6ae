/**
 * The drift fingerprint: a cheap summary (size, mtime, ctime, inode) of
 * the files the managed regions of flake.nix depend on — flake.nix and
 * every host's manifest — kept in `.git/glix/fingerprint.json` and saved
 * whenever glix leaves the regions fresh.
 *
 * Invariant: when the fingerprint matches, the regions match the
 * manifests, and checking it costs one directory read and one stat per
 * file, no parse. Dependency-light on purpose: every command that reads a
 * repo loads it.
 */
import {mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'

import {isValidName} from '../names.js'
import {repoPaths} from './discover.js'

function fingerprintFile(root: string): string | undefined {
  try {
    if (!statSync(join(root, '.git')).isDirectory()) return undefined
  } catch {
    return undefined
  }

  return join(root, '.git', 'glix', 'fingerprint.json')
}

function statPart(file: string): string | undefined {
  try {
    const s = statSync(file)
    return s.isFile() ? `${file}:${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}` : undefined
  } catch {
    return undefined
  }
}

/**
 * A cheap summary of the files the regions depend on: flake.nix and the
 * manifest of every host (as `listHosts` finds them), one stat per file;
 * one line per file, `<path>:<size>:<mtime>:<ctime>:<inode>`.
 */
export function computeFingerprint(root: string): string {
  const parts = [statPart(repoPaths.flake(root)) ?? `${repoPaths.flake(root)}:-`]
  let entries: string[] = []
  try {
    entries = readdirSync(repoPaths.hosts(root))
  } catch {
    // No hosts directory: only flake.nix counts.
  }

  for (const host of entries.filter((name) => isValidName(name)).sort()) {
    const part = statPart(repoPaths.manifest(root, host))
    if (part) parts.push(part)
  }

  return parts.join('\n')
}

/** Records that the regions are fresh for the files as they are now. */
export function saveFingerprint(root: string): void {
  const file = fingerprintFile(root)
  if (!file) return
  try {
    mkdirSync(join(root, '.git', 'glix'), {recursive: true})
    writeFileSync(file, JSON.stringify({fingerprint: computeFingerprint(root)}))
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
 * away, or `firstRun` when glix has no record of this repo.
 */
export function detectDrift(root: string): Drift | undefined {
  const saved = savedFingerprint(root)
  if (saved === undefined) return {firstRun: true}
  const now = computeFingerprint(root)
  if (saved === now) return undefined
  const pathOf = (line: string) => line.slice(0, line.indexOf(':', root.length + 1))
  const before = new Set(saved.split('\n'))
  const after = new Set(now.split('\n'))
  const changed = new Set<string>()
  for (const line of before) if (!after.has(line)) changed.add(pathOf(line))
  for (const line of after) if (!before.has(line)) changed.add(pathOf(line))
  return {changed: [...changed].map((path) => relative(root, path)).sort(), firstRun: false}
}

/** True when the manifests and flake.nix are as glix last left them. */
export function isFingerprintFresh(root: string): boolean {
  return savedFingerprint(root) === computeFingerprint(root)
}
