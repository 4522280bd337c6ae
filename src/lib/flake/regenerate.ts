/**
 * Regeneration of the managed regions of `flake.nix` from the manifests,
 * and detection of regions gone stale after a hand edit.
 *
 * The regions are a pure function of the manifests (spec §3). Drift
 * detection keeps a fingerprint (size, mtime, ctime, inode) of every
 * manifest and of flake.nix in `.git/glix/fingerprint.json`, so when
 * nothing changed it costs one stat per file and no parse.
 */
import {mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {listHosts, readAllManifests} from '../manifest/hosts.js'
import {repoPaths} from '../repo/discover.js'
import {writeFileAtomic} from '../repo/fs.js'
import {patchRegions, readRegion} from './patcher.js'
import {collectInputs, type HostManifest, renderHosts, renderInputs} from './render.js'

/** What a regeneration did. */
export interface RegenerateResult {
  /** flake.nix was rewritten. */
  changed: boolean
  /** The inputs region changed (so flake.lock needs `nix flake lock`). */
  inputsChanged: boolean
  /** The manifests the regions were rendered from. */
  hosts: HostManifest[]
}

/** Renders `flake.nix` text for the given manifests. Pure. */
export function renderFlake(text: string, hosts: HostManifest[]): string {
  return patchRegions(text, {hosts: renderHosts(hosts), inputs: renderInputs(collectInputs(hosts))})
}

/** Rewrites the managed regions of `<root>/flake.nix` when they differ from the manifests. */
export async function regenerateFlake(root: string): Promise<RegenerateResult> {
  const file = repoPaths.flake(root)
  const [text, hosts] = await Promise.all([readFile(file, 'utf8'), readAllManifests(root)])
  const next = renderFlake(text, hosts)
  if (next === text) return {changed: false, hosts, inputsChanged: false}
  const inputsChanged = readRegion(text, 'inputs').join('\n') !== readRegion(next, 'inputs').join('\n')
  await writeFileAtomic(file, next)
  return {changed: true, hosts, inputsChanged}
}

function fingerprintFile(root: string): string | undefined {
  try {
    if (!statSync(join(root, '.git')).isDirectory()) return undefined
  } catch {
    return undefined
  }

  return join(root, '.git', 'glix', 'fingerprint.json')
}

/** A cheap summary of the files the regions depend on: one stat per file. */
export function computeFingerprint(root: string): string {
  const parts: string[] = []
  for (const file of [repoPaths.flake(root), ...listHosts(root).map((h) => repoPaths.manifest(root, h))]) {
    try {
      const s = statSync(file)
      parts.push(`${file}:${s.size}:${s.mtimeMs}:${s.ctimeMs}:${s.ino}`)
    } catch {
      parts.push(`${file}:-`)
    }
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

/** True when the manifests and flake.nix are as glix last left them. */
export function isFingerprintFresh(root: string): boolean {
  const file = fingerprintFile(root)
  if (!file) return false
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as {fingerprint?: string}
    return saved.fingerprint === computeFingerprint(root)
  } catch {
    return false
  }
}

/**
 * Regenerates the regions when the manifests changed by hand since glix
 * last saw them. Returns the regeneration result, or undefined when the
 * fingerprint shows nothing changed.
 */
export async function refreshIfDrifted(root: string): Promise<RegenerateResult | undefined> {
  if (isFingerprintFresh(root)) return undefined
  const result = await regenerateFlake(root)
  saveFingerprint(root)
  return result
}
