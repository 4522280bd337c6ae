/**
 * The shape every manifest mutation shares: plan the new manifest from the
 * current state (validating everything), then commit it in one
 * transaction — planning again under the lock, so a concurrent glix that
 * changed the manifests in between is never overwritten.
 */
import {conflictError, type HostManifest, inputUrl} from '../flake/render.js'
import {assertHost, readAllManifests} from '../manifest/hosts.js'
import {readManifest} from '../manifest/read.js'
import type {Manifest} from '../manifest/types.js'
import {droppedCommentsNotice, writeManifest} from '../manifest/write.js'
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

async function loadState(root: string, host: string): Promise<EditState & {userComments: number}> {
  const [all, own] = await Promise.all([readAllManifests(root), readManifest(repoPaths.manifest(root, host))])
  return {all, manifest: own.manifest, userComments: own.userComments}
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
    const previous = before?.packages[name]
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
      await writeManifest(repoPaths.manifest(root, host), fresh.manifest)
      if (state.userComments > 0) deps.notice(droppedCommentsNotice(manifestFile, state.userComments))
      return {message: fresh.message}
    },
  )
  return {edit, tx}
}
