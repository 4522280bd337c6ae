/**
 * The shape every manifest mutation shares: plan the new manifest from the
 * current state (validating everything), then commit it in one
 * transaction — planning again under the lock, so a concurrent glix that
 * changed the manifests in between is never overwritten. The manifest is
 * written back in place: only the tables the plan changed are rewritten.
 */
import {conflictError, type HostManifest, inputUrl} from '../flake/render.js'
import {assertHost, listHosts} from '../manifest/hosts.js'
import {type ManifestDocument, readManifest, readManifestDocument} from '../manifest/read.js'
import type {Manifest} from '../manifest/types.js'
import {droppedCommentsNotice, writeManifestUpdate} from '../manifest/write.js'
import {repoPaths} from '../repo/discover.js'
import {runTransaction, type TransactionResult} from '../repo/transaction.js'
import {type MutationDeps, transactionOptions} from './context.js'

/** What a planner sees: the host's manifest and every host's. */
export interface EditState {
  manifest: Manifest
  all: HostManifest[]
}

/** A planned change: the new manifest and the commit subject. */
export interface ManifestEdit {
  manifest: Manifest
  message: string
}

/** Plans an edit, or returns undefined when there is nothing to do. Throws on bad input. */
export type EditPlanner = (state: EditState) => ManifestEdit | undefined

/** Where an edit happens. */
export interface EditTarget {
  root: string
  host: string
  /** The command, for the journal. */
  command: string
  dryRun?: boolean
}

/** The outcome of {@link editManifest}: the plan, and the transaction unless no-op or dry run. */
export interface EditOutcome {
  edit?: ManifestEdit
  tx?: TransactionResult
}

/** Reads every manifest once: the edited host's with its text and document model, for the in-place update. */
async function loadState(root: string, host: string): Promise<EditState & {own: ManifestDocument}> {
  const own = await readManifestDocument(repoPaths.manifest(root, host))
  const all = await Promise.all(
    listHosts(root).map(async (name) => ({host: name, manifest: name === host ? own.manifest : (await readManifest(repoPaths.manifest(root, name))).manifest})),
  )
  return {all, manifest: own.manifest, own}
}

/**
 * Throws when the edit of `host` (from `before` to `after`) gives a package
 * name a URL no host had for it while another host has it with a different
 * one: a package name means one flake across the repo. A conflict that
 * already exists (a repo the Go glix wrote) does not block edits that keep
 * or reduce it — remove, disable, `set flake=`/`pin=` towards the other
 * host's URL — so glix's own commands can repair it.
 */
export function assertOneUrlPerName(host: string, after: Manifest, all: HostManifest[], before?: Manifest): void {
  for (const [name, entry] of Object.entries(after.packages)) {
    const url = inputUrl(entry.flake, entry.pin)
    const previous = before && Object.hasOwn(before.packages, name) ? before.packages[name] : undefined
    const others = all.filter((o) => o.host !== host && Object.hasOwn(o.manifest.packages, name))
    const known = new Set(others.map((o) => inputUrl(o.manifest.packages[name].flake, o.manifest.packages[name].pin)))
    if (previous) known.add(inputUrl(previous.flake, previous.pin))
    const other = others.find((o) => inputUrl(o.manifest.packages[name].flake, o.manifest.packages[name].pin) !== url)
    if (other && !known.has(url)) {
      const theirs = other.manifest.packages[name]
      throw conflictError(name, {host: other.host, url: inputUrl(theirs.flake, theirs.pin)}, {host, url})
    }
  }
}

/** Plans and commits one edit of one host's manifest. */
export async function editManifest(target: EditTarget, deps: MutationDeps, plan: EditPlanner): Promise<EditOutcome> {
  const {host, root} = target
  assertHost(root, host)
  const initial = await loadState(root, host)
  const first = plan(initial)
  if (!first) return {}
  assertOneUrlPerName(host, first.manifest, initial.all, initial.manifest)
  if (target.dryRun) return {edit: first}

  const manifestFile = `hosts/${host}/glix.toml`
  let edit = first
  const tx = await runTransaction(
    transactionOptions(deps, {command: target.command, files: [manifestFile], hosts: [host], root}),
    async () => {
      const state = await loadState(root, host)
      const fresh = plan(state)
      if (!fresh) return {message: first.message}
      assertOneUrlPerName(host, fresh.manifest, state.all, state.manifest)
      edit = fresh
      // Only the tables that changed are rewritten; every other byte of the file stays.
      const dropped = await writeManifestUpdate(repoPaths.manifest(root, host), state.own, fresh.manifest)
      if (dropped > 0) deps.notice(droppedCommentsNotice(manifestFile, dropped))
      return {message: fresh.message}
    },
  )
  return {edit, tx}
}
