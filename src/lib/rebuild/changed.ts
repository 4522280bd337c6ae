/**
 * Which hosts a change affects (`glix plan --changed`, `glix rebuild
 * --changed`): those whose system, evaluated now, differs from the one
 * recorded at their last deploy.
 *
 * Evaluation decides, not file names: a change to one manifest, to an
 * input two hosts share, or to a module under `shared/` selects exactly
 * the hosts whose toplevel derivation it changes. Invariants: a host is
 * unchanged only when its evaluated drvPath equals the drvPath recorded
 * with its deployed commit; a host never deployed, deployed without a
 * recorded system, or whose evaluation failed counts as changed (glix
 * cannot show it is not), with the reason. One evaluation per host; the
 * caller schedules the checks (a pool of `--jobs`, or a task list).
 */
import {describeError} from '../errors.js'
import {readDeployedStates} from '../repo/ledger.js'
import type {TaskOutcome} from './report.js'
import {evaluateSystem, type SystemEvaluator} from './system.js'

/** Why a host is selected, or not. */
export type ChangeReason = 'evaluation failed' | 'never deployed' | 'no recorded system' | 'system changed' | 'unchanged'

/** The verdict on one host. */
export interface HostChange {
  host: string
  /** True when a rebuild would change it (or glix cannot tell it would not). */
  changed: boolean
  reason: ChangeReason
  /** The deployed commit. */
  deployed?: string
  /** The drvPath recorded with it. */
  deployed_drv?: string
  /** The drvPath evaluated now. */
  drv_path?: string
  /** Why the evaluation failed. */
  error?: string
  /** Time spent evaluating, in milliseconds (0 when nothing was evaluated). */
  duration_ms: number
}

/** Checks one host; `evaluating` is called when (and only when) its evaluation starts. */
export type ChangeCheck = (host: string, evaluating?: () => void) => Promise<HostChange>

/** Options of {@link createChangeCheck}. */
export interface ChangeCheckOptions {
  /** The evaluator (default: `nix eval`). */
  evaluate?: SystemEvaluator
  now?: () => number
}

/**
 * Reads the ledger once and returns the check of one host: no evaluation
 * for a host that has nothing recorded to compare with.
 */
export async function createChangeCheck(root: string, options: ChangeCheckOptions = {}): Promise<ChangeCheck> {
  const evaluate = options.evaluate ?? evaluateSystem
  const now = options.now ?? Date.now
  const states = await readDeployedStates(root)
  return async (host, evaluating) => {
    const state = states.get(host)
    if (!state) return {changed: true, duration_ms: 0, host, reason: 'never deployed'}
    const recorded = state.record?.system
    if (!recorded) return {changed: true, deployed: state.commit, duration_ms: 0, host, reason: 'no recorded system'}
    const base = {deployed: state.commit, deployed_drv: recorded.drv_path, host}
    const start = now()
    evaluating?.()
    try {
      const {drv_path} = await evaluate(root, host)
      const changed = drv_path !== recorded.drv_path
      return {...base, changed, drv_path, duration_ms: now() - start, reason: changed ? 'system changed' : 'unchanged'}
    } catch (error) {
      return {...base, changed: true, duration_ms: now() - start, error: describeError(error), reason: 'evaluation failed'}
    }
  }
}

/** One line about a verdict: `system changed since de13b5445bb0`, `unchanged`, `never deployed`, … */
export function describeVerdict(change: HostChange): string {
  const since = change.deployed ? ` since ${change.deployed.slice(0, 12)}` : ''
  switch (change.reason) {
    case 'evaluation failed': {
      return `evaluation failed: ${change.error ?? 'unknown error'}`
    }

    case 'no recorded system': {
      return `deployed ${change.deployed?.slice(0, 12)} without a recorded system: counted as changed`
    }

    case 'system changed': {
      return `system changed${since}`
    }

    case 'never deployed':
    case 'unchanged': {
      return change.reason
    }
  }
}

/** The default number of evaluations at once: the CPUs, at most 4 (a NixOS evaluation takes a CPU and much memory). */
export function defaultEvalJobs(cpus: number): number {
  return Math.max(1, Math.min(4, cpus))
}

/** A verdict as progress output: a failed task when the host could not be evaluated. */
export function changeOutcome(change: HostChange): TaskOutcome {
  return {state: change.reason === 'evaluation failed' ? 'failed' : 'succeeded', text: describeVerdict(change)}
}
