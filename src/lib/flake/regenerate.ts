/**
 * Regeneration of the managed regions of `flake.nix` from the manifests,
 * and detection of regions gone stale after a hand edit.
 *
 * The regions are a pure function of the manifests (spec §3) in what they
 * mean: which inputs with which URLs, which hosts with which systems. How
 * another writer laid them out (the Go glix's blank lines between inputs,
 * extra lines inside an input block) is kept: only entries whose meaning
 * differs are rewritten (blocks.ts), so a region is rewritten exactly when
 * it is really stale. A flake.nix without a hosts region (hosts declared by
 * hand, as in upstream's example) has only its inputs region patched.
 * Whether the regions may be stale is told by the fingerprint of
 * repo/fingerprint.ts, without loading this module.
 */
import {readFile} from 'node:fs/promises'

import {readAllManifests} from '../manifest/hosts.js'
import {repoPaths} from '../repo/discover.js'
import {isFingerprintFresh, saveFingerprint} from '../repo/fingerprint.js'
import {entryValues, patchEntries, readHostEntries, readInputEntries} from './blocks.js'
import {patchRegions, readRegion, regionState} from './patcher.js'
import {collectInputs, findConflicts, hostSystems, type HostManifest, renderHost, renderHosts, renderInput, renderInputs, type UrlConflict} from './render.js'

export {computeFingerprint, isFingerprintFresh, saveFingerprint} from '../repo/fingerprint.js'

/** What a regeneration did. */
export interface RegenerateResult {
  /** flake.nix was rewritten. */
  changed: boolean
  /** The inputs region changed (so flake.lock needs `nix flake lock`). */
  inputsChanged: boolean
  /** The manifests the regions were rendered from. */
  hosts: HostManifest[]
  /** flake.nix has no hosts region: its hosts are declared by hand. */
  hostsByHand: boolean
  /** Package names that mean two flakes on two hosts (left as flake.nix has them). */
  conflicts: UrlConflict[]
}

/** The new text of a flake.nix, and what kind of file it is. */
export interface FlakePlan {
  text: string
  /** flake.nix has no hosts region (hosts declared by hand): only the inputs region was patched. */
  hostsByHand: boolean
}

/**
 * Plans `flake.nix` text for the given manifests: the inputs region (and
 * the hosts region, when the file has one) patched to what the manifests
 * mean, rewriting only the entries that differ. Pure. Throws, changing
 * nothing, when a region's markers are broken or the inputs region is
 * missing.
 */
export function planFlake(text: string, hosts: HostManifest[]): FlakePlan {
  const inputsLines = readRegion(text, 'inputs')
  const inputsBody = readInputEntries(inputsLines)
  const current = inputsBody ? entryValues(inputsBody) : new Map<string, string | undefined>()
  const inputs = collectInputs(hosts, current)
  const bodies: {hosts?: string[]; inputs: string[]} = {
    inputs: inputsBody ? patchEntries(inputsBody, inputs, renderInput) : renderInputs(inputs),
  }
  const hostsState = regionState(text, 'hosts')
  if (hostsState.state === 'broken') throw hostsState.error
  if (hostsState.state === 'ok') {
    const hostsBody = readHostEntries(hostsState.body)
    bodies.hosts = hostsBody ? patchEntries(hostsBody, hostSystems(hosts), renderHost) : renderHosts(hosts)
  }

  return {hostsByHand: hostsState.state === 'absent', text: patchRegions(text, bodies)}
}

/** Renders `flake.nix` text for the given manifests. Pure; see {@link planFlake}. */
export function renderFlake(text: string, hosts: HostManifest[]): string {
  return planFlake(text, hosts).text
}

/** Rewrites the managed regions of `<root>/flake.nix` when they differ from the manifests. */
export async function regenerateFlake(root: string): Promise<RegenerateResult> {
  const file = repoPaths.flake(root)
  const [text, hosts] = await Promise.all([readFile(file, 'utf8'), readAllManifests(root)])
  const {hostsByHand, text: next} = planFlake(text, hosts)
  const conflicts = findConflicts(hosts)
  if (next === text) return {changed: false, conflicts, hosts, hostsByHand, inputsChanged: false}
  const inputsChanged = readRegion(text, 'inputs').join('\n') !== readRegion(next, 'inputs').join('\n')
  const {writeFileAtomic} = await import('../repo/fs.js')
  await writeFileAtomic(file, next)
  return {changed: true, conflicts, hosts, hostsByHand, inputsChanged}
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
