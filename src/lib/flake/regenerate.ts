/**
 * Regeneration of the managed regions of `flake.nix` from the manifests,
 * and detection of regions gone stale after a hand edit.
 *
 * The regions are a pure function of the manifests (spec §3). Whether
 * they may be stale is told by the fingerprint of repo/fingerprint.ts,
 * without loading this module. The writer (and its crypto import) loads
 * only when a region is rewritten.
 */
import {readFile} from 'node:fs/promises'

import {readAllManifests} from '../manifest/hosts.js'
import {repoPaths} from '../repo/discover.js'
import {isFingerprintFresh, saveFingerprint} from '../repo/fingerprint.js'
import {patchRegions, readRegion} from './patcher.js'
import {collectInputs, type HostManifest, renderHosts, renderInputs} from './render.js'

export {computeFingerprint, isFingerprintFresh, saveFingerprint} from '../repo/fingerprint.js'

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
  const {writeFileAtomic} = await import('../repo/fs.js')
  await writeFileAtomic(file, next)
  return {changed: true, hosts, inputsChanged}
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
