/**
 * Running planned rebuilds: one `nixos-rebuild` per host, several at once,
 * keep-going or fail-fast, with the ledger written as hosts succeed.
 *
 * The process spawner and the reporter are parameters, so tests run the
 * real scheduling against a fake spawner, and the command layer decides
 * how progress looks (plain lines, a listr2 task list, nothing under
 * `--json`). A *session* runs single hosts and owns what every scheduler
 * must agree on: fail-fast, timing, the output tail, the ledger.
 * {@link runRebuilds} drives a session with its own pool; the listr2 view
 * drives the same session with listr2's.
 *
 * Invariants: at most `jobs` programs run at once; with fail-fast, no host
 * starts after a failure (hosts already running finish: killing
 * nixos-rebuild half-way through an activation would leave that host
 * half-switched) and the rest are reported as skipped; a host's deployed
 * commit is recorded only after its `switch`/`boot` exited 0, together
 * with its system as evaluated when nixos-rebuild started (the evaluation
 * runs beside it, on the same work tree), and a failure to record or
 * evaluate never turns the host's success into a failure. With a run log,
 * every host's output and outcome is written there as it happens.
 * Results come back in plan order.
 */
import {describeError, ProcessError} from '../errors.js'
import {type DeployedSystem, recordDeployment} from '../repo/ledger.js'
import {REBUILD_COMMAND} from './command-line.js'
import {describeCommand, type HostPlan, LEDGER_ACTIONS, type RebuildAction} from './plan.js'
import type {RunLog} from './runs.js'
import type {Spawner} from './spawn.js'
import type {SystemEvaluator, SystemPaths} from './system.js'

/** How one host's rebuild ended. */
export type HostOutcome = 'failed' | 'skipped' | 'succeeded'

/** One host's result (what `--json` prints per host). */
export interface HostResult {
  host: string
  action: RebuildAction
  result: HostOutcome
  /** The full command line run (argv, `nixos-rebuild` first). */
  command: string[]
  /** nixos-rebuild's exit status; absent when it did not run or could not start. */
  exit_code?: number
  /** Wall-clock time of the run in milliseconds (0 when skipped). */
  duration_ms: number
  /** Why it failed or was skipped. */
  error?: string
  /** The commit recorded in the ledger (`refs/glix/deployed/<host>`), after a successful switch or boot. */
  deployed?: string
  /** The system recorded with it (`refs/glix/system/<host>`). */
  system?: SystemPaths
  /** Something that went wrong without failing the host (the ledger could not be written). */
  warning?: string
  /** The last lines of output (captured mode only). */
  output_tail: string[]
  /** The file holding its full output (see runs.ts). */
  log?: string
}

/** Progress callbacks; every one is optional. */
export interface RebuildReporter {
  /** A host's program is about to start. */
  started?(plan: HostPlan): void
  /** A line of a host's output (captured mode). */
  line?(host: string, line: string): void
  /** A host finished, failed or was skipped. */
  finished?(result: HostResult): void
}

/** Options of a session. */
export interface SessionOptions {
  spawn: Spawner
  /** Working directory of nixos-rebuild (`build` leaves `./result` there). */
  cwd: string
  /** Stop starting hosts after the first failure. */
  failFast?: boolean
  /** Give the program the terminal instead of capturing its lines (one host at a time). */
  attach?: boolean
  reporter?: RebuildReporter
  /** Record successful switch/boot runs in the ledger of `root` as `commit`. */
  ledger?: {root: string; commit: string}
  /** Evaluates the system a switch/boot deploys, for the ledger (without it, only the commit is recorded). */
  evaluate?: SystemEvaluator
  /** Where each host's output and outcome are written. */
  runLog?: RunLog
  /** How many output lines a result keeps (default 20). */
  tailLines?: number
  /** The clock, in milliseconds. */
  now?: () => number
}

/** Runs hosts one by one, however a scheduler calls it. */
export interface RebuildSession {
  /** Runs (or, after a fail-fast failure, skips) one host. */
  run(plan: HostPlan): Promise<HostResult>
  /** The results so far in plan order; hosts never run count as skipped. */
  results(): HostResult[]
}

/** Starts a session for `plans`. */
export function createRebuildSession(plans: HostPlan[], options: SessionOptions): RebuildSession {
  const now = options.now ?? Date.now
  const keep = options.tailLines ?? 20
  const done = new Map<string, HostResult>()
  let stopped = false

  const skipped = (plan: HostPlan, why: string): HostResult => ({
    action: plan.action,
    command: [REBUILD_COMMAND, ...plan.args],
    duration_ms: 0,
    error: why,
    host: plan.host,
    output_tail: [],
    result: 'skipped',
  })

  async function run(plan: HostPlan): Promise<HostResult> {
    if (stopped) {
      const result = skipped(plan, 'not started: an earlier host failed (--fail-fast)')
      done.set(plan.host, result)
      options.runLog?.finishHost({error: result.error, host: plan.host, result: 'skipped'})
      options.reporter?.finished?.(result)
      return result
    }

    options.reporter?.started?.(plan)
    const log = options.runLog?.openHost(plan.host, describeCommand(plan))
    if (options.attach) log?.note('output went to the terminal (one host, attached), not into this log')
    const ledger = options.ledger && LEDGER_ACTIONS.has(plan.action) ? options.ledger : undefined
    // Evaluated beside nixos-rebuild, from the same work tree, for the ledger's system record.
    const evaluation: Promise<DeployedSystem> | undefined =
      ledger && options.evaluate
        ? options.evaluate(ledger.root, plan.host).catch((error: unknown) => ({error: describeError(error)}))
        : undefined
    const tail: string[] = []
    const start = now()
    const result: HostResult = {
      action: plan.action,
      command: [REBUILD_COMMAND, ...plan.args],
      duration_ms: 0,
      host: plan.host,
      output_tail: tail,
      result: 'failed',
    }
    if (options.runLog) result.log = options.runLog.logOf(plan.host)
    try {
      const {code, signal} = await options.spawn(REBUILD_COMMAND, plan.args, {
        attach: options.attach,
        cwd: options.cwd,
        onLine(line) {
          tail.push(line)
          if (tail.length > keep) tail.shift()
          log?.line(line)
          options.reporter?.line?.(plan.host, line)
        },
      })
      result.exit_code = code
      if (code === 0) result.result = 'succeeded'
      else result.error = `${REBUILD_COMMAND} ${plan.action} ${signal ? `was killed by ${signal}` : `exited with status ${code}`}`
    } catch (error) {
      result.error =
        error instanceof ProcessError && error.code === 'NOT_FOUND'
          ? `${REBUILD_COMMAND} not found on PATH (is this a NixOS machine?)`
          : describeError(error)
    }

    result.duration_ms = Math.max(0, now() - start)
    const system = await evaluation
    if (result.result === 'succeeded' && ledger) {
      try {
        await recordDeployment(ledger.root, plan.host, ledger.commit, plan.action, system)
        result.deployed = ledger.commit
        if (system && 'error' in system) result.warning = `recorded the deployed commit, but not its system: ${system.error}`
        else if (system) result.system = system
      } catch (error) {
        result.warning = `could not record the deployed commit: ${describeError(error)}`
      }
    }

    if (result.result === 'failed' && options.failFast) stopped = true
    done.set(plan.host, result)
    if (log) {
      log.note(`${result.result}${result.exit_code === undefined ? '' : ` (exit ${result.exit_code})`} after ${result.duration_ms} ms${result.error ? `: ${result.error}` : ''}`)
      if (result.warning) log.note(`warning: ${result.warning}`)
      log.close()
      options.runLog?.finishHost({
        duration_ms: result.duration_ms,
        error: result.error,
        exit_code: result.exit_code,
        host: plan.host,
        result: result.result,
      })
    }

    options.reporter?.finished?.(result)
    return result
  }

  return {
    results: () => plans.map((plan) => done.get(plan.host) ?? skipped(plan, 'not started')),
    run,
  }
}

/** Options of {@link runRebuilds}. */
export interface RunOptions extends SessionOptions {
  /** The most hosts run at once (at least 1). */
  jobs: number
}

/** Runs `plans` with at most `jobs` at once and returns one result per plan, in plan order. */
export async function runRebuilds(plans: HostPlan[], options: RunOptions): Promise<HostResult[]> {
  const session = createRebuildSession(plans, options)
  await runPool(plans, options.jobs, (plan) => session.run(plan))
  return session.results()
}

/** Calls `worker` for every item, in order, with at most `jobs` calls pending at once. */
export async function runPool<T>(items: readonly T[], jobs: number, worker: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0
  const lanes = Array.from({length: Math.max(1, Math.min(Math.floor(jobs) || 1, items.length))}, async () => {
    while (next < items.length) {
      const item = items[next++]
      await worker(item)
    }
  })
  await Promise.all(lanes)
}

/** The hosts of `results` that failed. */
export function failedHosts(results: HostResult[]): string[] {
  return results.filter((r) => r.result === 'failed').map((r) => r.host)
}
