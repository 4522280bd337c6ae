/**
 * What each host really runs (`glix status --probe`): ask the host over
 * ssh where its current-system link points, and compare that with what
 * glix deployed and with what the repo evaluates to now.
 *
 * States: `in sync` — the host runs the system the repo evaluates to now;
 * `behind` — it runs the system glix last deployed there, and the repo
 * has changed it since; `drifted` — it runs something else, a system glix
 * did not deploy (changed by hand or by another tool); `unreachable` —
 * ssh could not get an answer (its reason is kept); `not probed` — the
 * host has no `target_host`.
 *
 * Invariants: every setting a probe uses is validated before the first
 * ssh starts (an invalid `target_host` or `current_system_path` refuses
 * the whole probe, as a rebuild refuses it); ssh runs with the argv of
 * command-line.ts, never prompts and gives up after its connect timeout;
 * what the host answers is untrusted — only a plain store path counts as
 * an answer, and text from ssh is kept clipped to one line of at most 300
 * characters (callers escape it for the terminal; JSON stays exact);
 * at most `evalJobs` evaluations run at once, however many hosts are
 * probed at once.
 */
import {describeError, GlixError} from '../errors.js'
import {readManifest} from '../manifest/read.js'
import {runProcess} from '../process.js'
import {repoPaths} from '../repo/discover.js'
import {type DeployedState, readDeployedStates} from '../repo/ledger.js'
import type {TaskOutcome} from './report.js'
import {assertDestination, assertSystemPath, DEFAULT_CURRENT_SYSTEM_PATH, PROBE_CONNECT_TIMEOUT, probeArgs, SSH_COMMAND} from './command-line.js'
import {evaluateSystem, isStorePath, type SystemEvaluator} from './system.js'

/** Where a host stands. */
export type ProbeState = 'behind' | 'drifted' | 'in sync' | 'not probed' | 'unreachable'

/** One host's probe. */
export interface HostProbe {
  host: string
  state: ProbeState
  /** The host's `target_host`. */
  target_host?: string
  /** The path read on the host (its `current_system_path`). */
  path: string
  /** Where that path points on the host (a store path). */
  running?: string
  /** The commit glix last deployed there. */
  deployed?: string
  /** The system glix recorded with that deploy (outPath). */
  deployed_system?: string
  /** The system the repo evaluates to now (outPath). */
  current_system?: string
  /** Why it is not in sync, in words. */
  reason?: string
  duration_ms: number
}

/** What a probe needs to reach one host. */
export interface ProbeTarget {
  host: string
  destination?: string
  path: string
}

/** Runs ssh; the default runs the real one. Resolves with its exit status and output. */
export type SshRunner = (args: string[]) => Promise<{code: number; stdout: string; stderr: string}>

/** Options of {@link createProbe}. */
export interface ProbeOptions {
  /** The user's ssh options (`$NIX_SSHOPTS`). */
  sshOptions?: string[]
  /** ssh's ConnectTimeout, in seconds. */
  connectTimeout?: number
  /** Evaluations at once (default 1). */
  evalJobs?: number
  evaluate?: SystemEvaluator
  ssh?: SshRunner
  /** HEAD, for the fallback when the repo cannot be evaluated. */
  head?: string
  now?: () => number
}

/** At most 300 characters of a text a remote host sent (it is kept as sent: output escapes it, JSON stays exact). */
export function clipRemoteText(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}…` : text
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .at(-1) ?? ''
  )
}

/** The real {@link SshRunner}: runs ssh without a shell, a little longer than its own connect timeout at most. */
export function sshRunner(timeoutMs: number): SshRunner {
  return async (args) => {
    try {
      return await runProcess(SSH_COMMAND, args, {allowFailure: true, timeoutMs})
    } catch (error) {
      return {code: 255, stderr: describeError(error), stdout: ''}
    }
  }
}

/**
 * Reads and validates what probing `hosts` needs: each host's target and
 * probed path. Throws before anything runs when a value is invalid.
 */
export async function readProbeTargets(root: string, hosts: string[]): Promise<ProbeTarget[]> {
  return Promise.all(
    hosts.map(async (host) => {
      const {settings} = (await readManifest(repoPaths.manifest(root, host))).manifest
      const where = `hosts/${host}/glix.toml`
      const target: ProbeTarget = {host, path: assertSystemPath(settings.current_system_path ?? DEFAULT_CURRENT_SYSTEM_PATH, `${where}: current_system_path`)}
      if (settings.target_host) target.destination = assertDestination(settings.target_host, 'target_host', where)
      return target
    }),
  )
}

/** A limit on how many calls of `fn` run at once. */
function limit<A extends unknown[], R>(n: number, fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let active = 0
  const waiting: Array<() => void> = []
  return async (...args) => {
    if (active >= n) await new Promise<void>((resolve) => waiting.push(resolve))
    active++
    try {
      return await fn(...args)
    } finally {
      active--
      waiting.shift()?.()
    }
  }
}

/** Decides the state of a reachable host that runs `running`. */
function judge(
  probe: HostProbe,
  state: DeployedState | undefined,
  current: {out?: string; error?: string},
  head: string | undefined,
): HostProbe {
  const running = probe.running!
  if (current.out !== undefined && running === current.out) return {...probe, state: 'in sync'}
  const deployed = state?.record?.system?.out_path
  if (deployed !== undefined && running === deployed) {
    if (current.out !== undefined) return {...probe, reason: 'runs the system glix deployed; the repo has changed it since', state: 'behind'}
    const atHead = state?.commit === head
    return {...probe, reason: `could not evaluate the repo (${current.error}); judged by commit`, state: atHead ? 'in sync' : 'behind'}
  }

  let reason: string
  if (!state) reason = 'glix never deployed this host'
  else if (deployed === undefined) reason = `no system was recorded with the deploy of ${state.commit.slice(0, 12)}`
  else reason = `runs a system glix did not deploy (glix deployed ${deployed})`
  if (current.error !== undefined) reason += `; the repo could not be evaluated: ${current.error}`
  return {...probe, reason, state: 'drifted'}
}

/**
 * Reads the ledger once and returns the probe of one target: ssh, then
 * (for a host that answered) one evaluation of its system.
 */
export async function createProbe(root: string, options: ProbeOptions = {}): Promise<(target: ProbeTarget) => Promise<HostProbe>> {
  const connectTimeout = options.connectTimeout ?? PROBE_CONNECT_TIMEOUT
  const ssh = options.ssh ?? sshRunner((connectTimeout + 50) * 1000)
  const evaluate = limit(options.evalJobs ?? 1, options.evaluate ?? evaluateSystem)
  const now = options.now ?? Date.now
  const states = await readDeployedStates(root)
  return async (target) => {
    const start = now()
    const state = states.get(target.host)
    const probe: HostProbe = {duration_ms: 0, host: target.host, path: target.path, state: 'not probed'}
    if (state) probe.deployed = state.commit
    if (state?.record?.system) probe.deployed_system = state.record.system.out_path
    const done = (result: HostProbe) => ({...result, duration_ms: now() - start})
    if (!target.destination) return done({...probe, reason: 'no target_host'})
    probe.target_host = target.destination
    const answer = await ssh(probeArgs(target.destination, target.path, {connectTimeout, sshOptions: options.sshOptions}))
    if (answer.code !== 0) {
      const why = clipRemoteText(lastLine(answer.stderr) || `ssh exited with status ${answer.code}`)
      const reason = answer.code === 255 ? why : `readlink ${target.path} failed on the host: ${why}`
      return done({...probe, reason, state: 'unreachable'})
    }

    const running = answer.stdout.trim()
    if (!isStorePath(running)) {
      return done({...probe, reason: `${target.path} points to "${clipRemoteText(running)}", not a store path`, state: 'drifted'})
    }

    probe.running = running
    let current: {out?: string; error?: string}
    try {
      current = {out: (await evaluate(root, target.host)).out_path}
      probe.current_system = current.out
    } catch (error) {
      current = {error: describeError(error)}
    }

    return done(judge(probe, state, current, options.head))
  }
}

/** The exit status of a probe: 0 when every probed host is in sync, else 1; a probe that reached no host is an error. */
export function probeExitCode(probes: HostProbe[]): number {
  const probed = probes.filter((p) => p.state !== 'not probed')
  if (probed.length === 0) {
    throw new GlixError('nothing to probe: none of the hosts has a target_host', {
      code: 'NO_TARGET',
      suggestions: ['set one with `glix host set --host=<host> target_host=<user@machine>`'],
    })
  }

  return probed.every((p) => p.state === 'in sync') ? 0 : 1
}

/** One line about a probe: `in sync`, `drifted: runs a system glix did not deploy (…)`, … */
export function describeProbe(probe: HostProbe): string {
  return probe.reason ? `${probe.state}: ${probe.reason}` : probe.state
}

/** A probe as progress output: in sync succeeds, not probed is skipped, anything else fails. */
export function probeOutcome(probe: HostProbe): TaskOutcome {
  const state = probe.state === 'in sync' ? 'succeeded' : probe.state === 'not probed' ? 'skipped' : 'failed'
  return {state, text: describeProbe(probe)}
}
