// Timing whole processes for `npm run bench`, and the statistics of paired runs.
//
// A sample is one run of one command line: its wall time and, when `perf
// stat` works on this machine, the CPU time of the process and every child
// it started (perf's task-clock, which a loaded machine disturbs far less
// than wall time). With perf, the wall time is perf's duration_time, which
// starts at the exec of the command, so perf's own start-up is in neither
// figure; without it, wall time is Node's clock around a synchronous spawn.
// Either way every command, the `node -e 0` floor included, is timed the
// same way.
import {Buffer} from 'node:buffer'
import {execFileSync, spawnSync} from 'node:child_process'
import {readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'
import {performance} from 'node:perf_hooks'

const PERF_ARGS = ['stat', '-x,', '--log-fd', '3', '-e', 'task-clock,duration_time', '--']

/** Whether `perf stat` can count task-clock and duration_time here (it needs perf_event access). */
export function probePerf() {
  try {
    const r = spawnSync('perf', [...PERF_ARGS, 'true'], {encoding: 'utf8', stdio: ['ignore', 'ignore', 'ignore', 'pipe']})
    return r.status === 0 && parsePerf(r.output[3]) !== undefined
  } catch {
    return false
  }
}

function parsePerf(text) {
  const values = {}
  for (const line of (text ?? '').split('\n')) {
    const [value, unit, event] = line.split(',')
    if (event === 'task-clock' && unit === 'msec') values.cpu = Number(value)
    if (event === 'duration_time' && unit === 'ns') values.wall = Number(value) / 1e6
  }

  return Number.isFinite(values.cpu) && Number.isFinite(values.wall) ? values : undefined
}

/**
 * Runs `argv` once and returns {wall, cpu, stdout, stderr}; cpu is undefined
 * without perf. Throws when the command fails, with its stderr.
 */
export function runTimed(argv, {cwd, env, perf}) {
  const options = {cwd, encoding: 'utf8', env, maxBuffer: 1 << 30}
  let r
  let sample
  if (perf) {
    r = spawnSync('perf', [...PERF_ARGS, ...argv], {...options, stdio: ['ignore', 'pipe', 'pipe', 'pipe']})
    sample = parsePerf(r.output?.[3])
  } else {
    const start = performance.now()
    r = spawnSync(argv[0], argv.slice(1), options)
    sample = {cpu: undefined, wall: performance.now() - start}
  }

  if (r.error) throw r.error
  if (r.status !== 0 || !sample) throw new Error(`${argv.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stderr}`)
  return {...sample, stderr: r.stderr, stdout: r.stdout}
}

/** Peak resident set size in KiB of one run of `argv`, by GNU time (`/usr/bin/time -f %M`); undefined without it. */
export function peakRss(argv, {cwd, env, scratch}) {
  const out = join(scratch, 'rss.txt')
  try {
    const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', out, ...argv], {cwd, encoding: 'utf8', env, maxBuffer: 1 << 30})
    if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr}`)
    return {kib: Number(readFileSync(out, 'utf8').trim().split('\n').at(-1)), stdoutBytes: Buffer.byteLength(r.stdout)}
  } catch (error) {
    if (error.code === 'ENOENT') return undefined
    throw error
  } finally {
    rmSync(out, {force: true})
  }
}

/** Whether GNU time is there to measure peak RSS. */
export function probeTime() {
  try {
    execFileSync('/usr/bin/time', ['-f', '%M', 'true'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

/** The q-quantile (0…1) of numbers, linearly interpolated. */
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return Number.NaN
  const i = (s.length - 1) * q
  const lo = Math.floor(i)
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo)
}

export const median = (xs) => quantile(xs, 0.5)

/** Median and interquartile range of numbers: {median, p25, p75, min, max}. */
export function summarize(xs) {
  return {max: Math.max(...xs), median: median(xs), min: Math.min(...xs), p25: quantile(xs, 0.25), p75: quantile(xs, 0.75)}
}

/** Ratios of two series sampled in the same rounds (a[i] / b[i]), summarized. */
export function pairedRatio(a, b) {
  const n = Math.min(a.length, b.length)
  return summarize(Array.from({length: n}, (_, i) => a[i] / b[i]))
}

/** A small deterministic generator of shuffles, so every run of the bench orders its rounds alike. */
export function shuffler(seed) {
  let x = seed
  const next = () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31
    return x / 2 ** 31
  }

  return (items) => {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1))
      ;[out[i], out[j]] = [out[j], out[i]]
    }

    return out
  }
}
