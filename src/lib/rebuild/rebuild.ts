/**
 * Getting a rebuild ready: which hosts (named, all, or those the last run
 * did not get through), their settings, the plans, and the commit the
 * ledger will record. Reads the repo (manifests, HEAD, git status) and
 * runs nothing; running is {@link runRebuilds}'s job, and
 * {@link startRebuildRun} wires up what every run records.
 *
 * Invariant: every host is checked (valid name, present in the repo) and
 * every plan made before the first program starts, so a bad host or a
 * refused activation fails the whole command with nothing run.
 */
import {GlixError} from '../errors.js'
import {assertHost, listHosts} from '../manifest/hosts.js'
import {readManifest} from '../manifest/read.js'
import {repoPaths} from '../repo/discover.js'
import {headCommit, trackedChanges} from '../repo/git.js'
import {type HostPlan, LEDGER_ACTIONS, planRebuilds, type RebuildAction} from './plan.js'
import type {SessionOptions} from './run.js'
import {readLastRun, type RunLimits, type RunRecord, startRun, unfinishedHosts} from './runs.js'
import {evaluateSystem} from './system.js'

/** What to rebuild. */
export interface RebuildRequest {
  root: string
  action: RebuildAction
  /** The hosts, in order (duplicates are dropped); ignored with `allHosts`. */
  hosts: string[]
  /** Every host of the repo, sorted by name. */
  allHosts?: boolean
  targetHost?: string
  buildHost?: string
  /** Arguments after `--`. */
  extra?: string[]
  force?: boolean
  /** This machine's name (localHostName()). */
  localHost: string
}

/** A rebuild ready to run. */
export interface PreparedRebuild {
  action: RebuildAction
  plans: HostPlan[]
  /** HEAD when the rebuild started: what the ledger records. Absent in a repo without commits. */
  head?: string
  /** Tracked files with uncommitted changes (nixos-rebuild builds them, the ledger cannot name them). */
  uncommitted: string[]
  /** Where successful runs are recorded; absent for actions that are not recorded, or without HEAD. */
  ledger?: {root: string; commit: string}
}

/** Resolves the hosts, reads their settings and plans one nixos-rebuild each. */
export async function prepareRebuild(request: RebuildRequest): Promise<PreparedRebuild> {
  const {root} = request
  let hosts: string[]
  if (request.allHosts) {
    hosts = listHosts(root)
    if (hosts.length === 0) throw new GlixError(`no hosts in ${root}`, {code: 'NO_HOST', suggestions: ['add one with `glix init --host=<host>`']})
  } else {
    hosts = [...new Set(request.hosts)]
    if (hosts.length === 0) throw new GlixError('no host to rebuild: pass --host or --all-hosts', {exit: 2})
    for (const host of hosts) assertHost(root, host)
  }

  const settings = await Promise.all(
    hosts.map(async (host) => ({host, settings: (await readManifest(repoPaths.manifest(root, host))).manifest.settings})),
  )
  const plans = planRebuilds({
    action: request.action,
    buildHost: request.buildHost,
    extra: request.extra,
    force: request.force,
    hosts: settings,
    localHost: request.localHost,
    root,
    targetHost: request.targetHost,
  })
  const [head, uncommitted] = await Promise.all([headCommit(root), trackedChanges(root).catch(() => [])])
  const prepared: PreparedRebuild = {action: request.action, head, plans, uncommitted}
  if (head && LEDGER_ACTIONS.has(request.action)) prepared.ledger = {commit: head, root}
  return prepared
}

/**
 * Starts the run log of a prepared rebuild and returns what each of its
 * sessions records: the run log, the ledger, and the evaluator of the
 * deployed systems.
 */
export function startRebuildRun(
  root: string,
  prepared: PreparedRebuild,
  limits?: Partial<RunLimits>,
): Required<Pick<SessionOptions, 'evaluate' | 'runLog'>> & Pick<SessionOptions, 'ledger'> {
  const runLog = startRun(root, {
    action: prepared.action,
    head: prepared.head,
    hosts: prepared.plans.map((plan) => plan.host),
    limits,
    repoHosts: listHosts(root),
  })
  return {evaluate: evaluateSystem, ledger: prepared.ledger, runLog}
}

/** The hosts `--failed` retries. */
export interface FailedSelection {
  /** The last run. */
  run: RunRecord
  /** Its hosts that failed, were skipped or interrupted, and are still in the repo. */
  hosts: string[]
  /** Such hosts that are no longer in the repo. */
  gone: string[]
}

/** The hosts the last run did not get through (`glix rebuild --failed`); throws when no run was recorded. */
export function selectFailedHosts(root: string): FailedSelection {
  const run = readLastRun(root)
  if (!run) {
    throw new GlixError('no rebuild has been recorded in this repo yet: nothing to retry', {
      code: 'NO_RUN',
      suggestions: ['run `glix rebuild` first'],
    })
  }

  const present = new Set(listHosts(root))
  const unfinished = unfinishedHosts(run)
  return {gone: unfinished.filter((h) => !present.has(h)), hosts: unfinished.filter((h) => present.has(h)), run}
}
