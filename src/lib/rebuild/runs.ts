/**
 * The record of rebuild runs, so glix can say which hosts failed last time
 * (`glix rebuild --failed`), how each host's last run ended and where its
 * output is (`glix status`).
 *
 * One directory per run, `.git/glix/runs/<id>/` (the id is the start time,
 * `2026-01-26T072700.123Z`, so names sort by time), holding `run.json` —
 * the action, HEAD, and each host's outcome — and `<host>.log`, the full
 * output of that host's nixos-rebuild.
 *
 * Invariants: `run.json` is written when the run starts and rewritten
 * (atomically: a temporary file, then rename) each time a host starts or
 * finishes — the last one marks the run finished — so a run that died
 * shows its unfinished hosts as `interrupted`; a log
 * never exceeds its cap — the first `headBytes` are kept, then only the
 * last `tailBytes`, with one line saying how much was left out between;
 * a new run prunes old ones, keeping the newest `keepRuns` and, for every
 * host of the repo, the newest run that has it (so `status` never loses a
 * host's last outcome). Only this module writes under `runs/`; everything
 * it reads back is checked, and anything else found there is ignored.
 */
import {closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {isValidName} from '../names.js'

/** How a host's run ended, or that it has not (yet). */
export type RunOutcome = 'failed' | 'interrupted' | 'pending' | 'running' | 'skipped' | 'succeeded'

/** One host of a run, as `run.json` keeps it. */
export interface RunHost {
  host: string
  result: RunOutcome
  /** nixos-rebuild's exit status, when it ran. */
  exit_code?: number
  /** Why it failed or was skipped. */
  error?: string
  duration_ms?: number
}

/** One run, as `run.json` keeps it. */
export interface RunRecord {
  /** The directory name: the start time. */
  id: string
  action: string
  /** HEAD when the run started. */
  head?: string
  started_at: string
  /** Absent while the run goes on, or when it died. */
  finished_at?: string
  /** The process that ran it (to tell a running run from a dead one). */
  pid: number
  hosts: RunHost[]
}

/** Size limits and retention. */
export interface RunLimits {
  /** Bytes of a log kept from its start (default 256 KiB). */
  headBytes: number
  /** Bytes of a log kept from its end once the head is full (default 768 KiB). */
  tailBytes: number
  /** Runs kept besides each host's newest (default 20). */
  keepRuns: number
}

/** The default {@link RunLimits}: a log holds at most 1 MiB. */
export const DEFAULT_RUN_LIMITS: RunLimits = {headBytes: 256 * 1024, keepRuns: 20, tailBytes: 768 * 1024}

const RUN_ID = /^\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z(?:-\d+)?$/

/** Where the runs of the repo at `root` are kept. */
export function runsDir(root: string): string {
  return join(root, '.git', 'glix', 'runs')
}

/** The log of `host` in run `id`. */
export function runLogPath(root: string, id: string, host: string): string {
  return join(runsDir(root), id, `${host}.log`)
}

/** The output of one host in a run, capped. */
export interface HostLog {
  /** Appends one line of output. */
  line(text: string): void
  /** Writes a note (`# …`) that is not output. */
  note(text: string): void
  /** Finishes the log; later calls do nothing. */
  close(): void
}

/** A run being recorded. */
export interface RunLog {
  readonly id: string
  readonly dir: string
  /** The log file of `host`. */
  logOf(host: string): string
  /** Opens `host`'s log (its first line names `command`) and marks the host running. */
  openHost(host: string, command: string): HostLog
  /** Records how `host` ended; after the last host, the run is marked finished. */
  finishHost(entry: RunHost): void
}

/** Options of {@link startRun}. */
export interface StartRunOptions {
  action: string
  head?: string
  /** The hosts of the run, in order (all start `pending`). */
  hosts: string[]
  /** Every host of the repo: each keeps its newest run when old runs are pruned. */
  repoHosts?: string[]
  limits?: Partial<RunLimits>
  /** The clock (default: now). */
  now?: () => Date
}

function newRunId(date: Date): string {
  return date.toISOString().replaceAll(':', '')
}

function writeRecord(dir: string, record: RunRecord): void {
  const file = join(dir, 'run.json')
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, `${JSON.stringify(record, null, 2)}\n`)
  renameSync(temp, file)
}

/** Opens a capped log file. */
export function openCappedLog(file: string, limits: Pick<RunLimits, 'headBytes' | 'tailBytes'>): HostLog {
  const fd = openSync(file, 'w')
  let written = 0
  let closed = false
  const tail: string[] = []
  let tailBytes = 0
  let omittedLines = 0
  let omittedBytes = 0
  const write = (text: string) => {
    writeSync(fd, text)
  }

  const line = (text: string) => {
    if (closed) return
    const entry = `${text}\n`
    const size = Buffer.byteLength(entry)
    if (written + size <= limits.headBytes && tail.length === 0) {
      write(entry)
      written += size
      return
    }

    tail.push(entry)
    tailBytes += size
    while (tailBytes > limits.tailBytes && tail.length > 0) {
      const droppedSize = Buffer.byteLength(tail.shift()!)
      tailBytes -= droppedSize
      omittedLines++
      omittedBytes += droppedSize
    }
  }

  return {
    close() {
      if (closed) return
      closed = true
      if (omittedLines > 0) write(`# … ${omittedLines} line(s), ${omittedBytes} bytes left out (log cap) …\n`)
      for (const text of tail) write(text)
      closeSync(fd)
    },
    line,
    note: (text) => line(`# ${text}`),
  }
}

/**
 * Starts recording a run: prunes old runs, makes the run's directory and
 * writes its `run.json` with every host pending.
 */
export function startRun(root: string, options: StartRunOptions): RunLog {
  const limits = {...DEFAULT_RUN_LIMITS, ...options.limits}
  const started = (options.now ?? (() => new Date()))()
  mkdirSync(runsDir(root), {recursive: true})
  pruneRuns(root, {hosts: options.repoHosts ?? [], keep: Math.max(0, limits.keepRuns - 1)})
  const base = newRunId(started)
  let id = base
  for (let n = 1; ; n++) {
    try {
      mkdirSync(join(runsDir(root), id))
      break
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      id = `${base}-${n}`
    }
  }

  const dir = join(runsDir(root), id)
  const record: RunRecord = {
    action: options.action,
    head: options.head,
    hosts: options.hosts.map((host) => ({host, result: 'pending'})),
    id,
    pid: process.pid,
    started_at: started.toISOString(),
  }
  writeRecord(dir, record)
  const entryOf = (host: string): RunHost => {
    let entry = record.hosts.find((h) => h.host === host)
    if (!entry) {
      entry = {host, result: 'pending'}
      record.hosts.push(entry)
    }

    return entry
  }

  return {
    dir,
    finishHost(entry) {
      Object.assign(entryOf(entry.host), entry)
      if (record.hosts.every((h) => h.result !== 'pending' && h.result !== 'running')) record.finished_at = new Date().toISOString()
      writeRecord(dir, record)
    },
    id,
    logOf: (host) => join(dir, `${host}.log`),
    openHost(host, command) {
      entryOf(host).result = 'running'
      writeRecord(dir, record)
      const log = openCappedLog(join(dir, `${host}.log`), limits)
      log.note(`glix rebuild: ${command}`)
      log.note(`started ${new Date().toISOString()}`)
      return log
    },
  }
}

/** Longer than any rebuild: a run this old that never finished died, whatever now has its pid. */
const STALE_MS = 24 * 60 * 60 * 1000

function isAlive(pid: unknown, startedAt: string): boolean {
  if (typeof pid !== 'number' || !(Date.now() - Date.parse(startedAt) < STALE_MS)) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const OUTCOMES: ReadonlySet<string> = new Set(['failed', 'interrupted', 'pending', 'running', 'skipped', 'succeeded'])

/** Reads `run.json` of run `id`; undefined when it is missing or malformed. Unfinished hosts of a dead run read as `interrupted`. */
export function readRun(root: string, id: string): RunRecord | undefined {
  if (!RUN_ID.test(id)) return undefined
  let raw: Partial<RunRecord>
  try {
    raw = JSON.parse(readFileSync(join(runsDir(root), id, 'run.json'), 'utf8')) as Partial<RunRecord>
  } catch {
    return undefined
  }

  if (typeof raw.action !== 'string' || !Array.isArray(raw.hosts) || typeof raw.started_at !== 'string') return undefined
  const hosts = raw.hosts.filter((h): h is RunHost => typeof h?.host === 'string' && isValidName(h.host) && OUTCOMES.has(h.result))
  const record: RunRecord = {...(raw as RunRecord), hosts, id}
  if (record.finished_at === undefined && !isAlive(record.pid, record.started_at)) {
    for (const host of hosts) if (host.result === 'running' || host.result === 'pending') host.result = 'interrupted'
  }

  return record
}

/** The ids of the recorded runs, newest first. */
export function listRuns(root: string): string[] {
  let names: string[]
  try {
    names = readdirSync(runsDir(root))
  } catch {
    return []
  }

  return names.filter((name) => RUN_ID.test(name)).sort().reverse()
}

/** The newest run with a readable `run.json`, or undefined. */
export function readLastRun(root: string): RunRecord | undefined {
  for (const id of listRuns(root)) {
    const run = readRun(root, id)
    if (run) return run
  }

  return undefined
}

/** The hosts a run did not get through: failed, skipped (--fail-fast) or interrupted, in run order. */
export function unfinishedHosts(run: RunRecord): string[] {
  return run.hosts.filter((h) => h.result === 'failed' || h.result === 'skipped' || h.result === 'interrupted').map((h) => h.host)
}

/** A host's newest run. */
export interface HostLastRun extends RunHost {
  run: string
  action: string
  started_at: string
  /** The log file (absent when the host never started in that run). */
  log?: string
}

/** For each of `hosts`: its entry in the newest run that has it. */
export function readLastRuns(root: string, hosts: string[]): Map<string, HostLastRun> {
  const found = new Map<string, HostLastRun>()
  const wanted = new Set(hosts)
  for (const id of listRuns(root)) {
    if (found.size === wanted.size) break
    const run = readRun(root, id)
    if (!run) continue
    for (const entry of run.hosts) {
      if (!wanted.has(entry.host) || found.has(entry.host)) continue
      const last: HostLastRun = {...entry, action: run.action, run: run.id, started_at: run.started_at}
      if (entry.result !== 'pending' && entry.result !== 'skipped') last.log = runLogPath(root, id, entry.host)
      found.set(entry.host, last)
    }
  }

  return found
}

/** Removes old runs: all but the newest `keep` and, for each of `hosts`, its newest run. */
export function pruneRuns(root: string, options: {keep: number; hosts: string[]}): string[] {
  const seen = new Set<string>()
  const removed: string[] = []
  listRuns(root).forEach((id, index) => {
    const run = readRun(root, id)
    const news = (run?.hosts ?? []).filter((h) => options.hosts.includes(h.host) && !seen.has(h.host))
    for (const h of run?.hosts ?? []) seen.add(h.host)
    if (index < options.keep || news.length > 0) return
    rmSync(join(runsDir(root), id), {force: true, recursive: true})
    removed.push(id)
  })
  return removed
}
