/**
 * The one door to external programs (git, nix, nixos-rebuild), and what
 * glix knows about processes: their identity, their process groups, and
 * the signals that interrupt them.
 *
 * Invariants: programs are started from an argument array, never through
 * a shell, so no user string is ever interpreted by one. A failure names
 * the real subcommand (`nix flake lock`, `git update-ref`, not the first
 * two arguments) and carries the program's own `error:`/`fatal:` lines.
 * Every child started here is tracked until it exits, so a signal handled
 * by {@link deferSignals} can stop it. A process is identified by pid, boot
 * id and start time together, so a recycled pid is never taken for the
 * process it replaced.
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {readFileSync} from 'node:fs'

import {InterruptedError, ProcessError} from './errors.js'

/** Options of {@link runProcess}. */
export interface ProcessOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Data written to the program's stdin. */
  input?: Buffer | string
  /** Return the result instead of throwing when the exit status is not 0. */
  allowFailure?: boolean
  /** Called with every chunk of stderr as it arrives (progress). */
  onStderr?: (chunk: string) => void
  /** Called once the program has started, with its pid (before it has done anything glix waits for). */
  onSpawn?: (pid: number) => void
  /** Kill the program (SIGTERM) after this many milliseconds; it then fails with "timed out". */
  timeoutMs?: number
  /** An open file descriptor of this process handed to the program as its fd 3. */
  fd3?: number
}

/** What a finished program left behind. */
export interface RunResult {
  code: number
  /** The signal that ended the program, if one did. */
  signal?: NodeJS.Signals
  stderr: string
  stdout: string
  /** stdout as bytes, for binary content (`git cat-file`). */
  stdoutBytes: Buffer
}

/** Returns the last non-empty line of `text`, without trailing spaces. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '' && !SHOW_TRACE.test(l))
  return lines.at(-1) ?? ''
}

const SHOW_TRACE = /^\(use '--show-trace'/
const DIAGNOSTIC = /^(error|fatal):\s*/

/**
 * The diagnostic of a failed program, one line: Nix's `error:` lines (each
 * with the lines that continue it up to a blank line; never the
 * `(use '--show-trace' …)` hint), git's `fatal:` line and everything after
 * it (git's advice, e.g. the safe.directory command, follows its `fatal:`);
 * else the last meaningful line.
 */
export function summariseStderr(text: string): string {
  const lines = text.split('\n').map((l) => l.trimEnd())
  const parts: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const match = DIAGNOSTIC.exec(lines[i])
    if (!match) continue
    const fatal = match[1] === 'fatal'
    parts.push(lines[i].slice(match[0].length))
    while (i + 1 < lines.length && !DIAGNOSTIC.test(lines[i + 1])) {
      const next = lines[i + 1]
      if (!fatal && next.trim() === '') break
      i++
      if (next.trim() !== '' && !SHOW_TRACE.test(next)) parts.push(next.trim())
    }
  }

  const unique = [...new Set(parts)].slice(0, 8)
  return unique.length > 0 ? unique.join(' ') : lastLine(text)
}

/** Options of the programs glix runs that take a value (skipped when naming the subcommand). */
const VALUE_OPTIONS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  git: {'-C': 1, '-c': 1},
  nix: {'--experimental-features': 1, '--extra-experimental-features': 1, '--log-format': 1, '--option': 2, '--store': 1},
}

/** Nix commands that take a subcommand (`nix flake lock`, `nix registry list`). */
const NIX_GROUPS = new Set(['derivation', 'flake', 'hash', 'key', 'nar', 'profile', 'realisation', 'registry', 'store'])

/**
 * The command as a user would name it: the program and its subcommand,
 * global options skipped (`nix flake lock`, `git update-ref`,
 * `nixos-rebuild switch`).
 */
export function describeCommand(command: string, args: readonly string[]): string {
  const valued = VALUE_OPTIONS[command] ?? {}
  const words: string[] = []
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg.startsWith('-')) {
      i += valued[arg] ?? 0
      continue
    }

    // A subcommand is a word (`lock`, `update-ref`, `switch`), never a script or a path.
    if (!/^[A-Za-z][\w.-]*$/.test(arg)) break
    words.push(arg)
    const wanted = command === 'nix' && NIX_GROUPS.has(words[0]) ? 2 : 1
    if (words.length >= wanted) break
  }

  return [command, ...words].join(' ')
}

/** `word` as it would be typed in a shell command glix suggests: quoted only when it needs to be. */
export function shellQuote(word: string): string {
  return /^[\w./@+=:-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`
}

/** The error for a program that could not start (NOT_FOUND when it is not on PATH). */
export function startError(command: string, error: NodeJS.ErrnoException): ProcessError {
  return error.code === 'ENOENT'
    ? new ProcessError(`${command} not found on PATH`, {code: 'NOT_FOUND'})
    : new ProcessError(`${command}: ${error.message}`, {code: 'PROCESS_FAILED'})
}

/** The error for a program that exited with a non-zero status. */
export function failureError(command: string, args: readonly string[], result: RunResult): ProcessError {
  const why =
    summariseStderr(result.stderr) || lastLine(result.stdout) || (result.signal ? `killed by ${result.signal}` : `exit status ${result.code}`)
  return new ProcessError(`${describeCommand(command, args)} failed: ${why}`)
}

/** The children started here that have not exited yet, and those glix stopped itself. */
const running = new Set<ChildProcess>()
const stopped = new WeakSet<ChildProcess>()

/**
 * Tracks `child` until it exits, so {@link stopRunningChildren} can stop
 * it (for programs spawned outside {@link runProcess}, e.g. a streaming
 * `git cat-file` session). A child glix stopped counts as finished when it
 * exits, even if a grandchild it left behind still holds its output pipes.
 */
export function trackChild(child: ChildProcess): void {
  if (child.pid === undefined) return
  running.add(child)
  child.on('exit', () => {
    running.delete(child)
    if (stopped.has(child)) {
      setTimeout(() => {
        for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy()
      }, 200).unref()
    }
  })
  child.on('error', () => running.delete(child))
}

/** Runs `command args…` and resolves with its output. */
export function runProcess(command: string, args: string[], options: ProcessOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let timedOut = false
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', ...(options.fd3 === undefined ? [] : [options.fd3])],
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr.push(chunk)
      options.onStderr?.(chunk.toString('utf8'))
    })
    child.on('error', (error: NodeJS.ErrnoException) => reject(startError(command, error)))
    trackChild(child)
    if (child.pid !== undefined) options.onSpawn?.(child.pid)

    // A program that exits without reading all of its input is not an error of ours (EPIPE).
    if (options.input !== undefined) child.stdin!.on('error', () => {}).end(options.input)
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true
            child.kill('SIGTERM')
          }, options.timeoutMs)
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer)
      const stdoutBytes = Buffer.concat(stdout)
      const result: RunResult = {
        code: code ?? 128,
        signal: signal ?? undefined,
        stderr: Buffer.concat(stderr).toString('utf8'),
        stdout: stdoutBytes.toString('utf8'),
        stdoutBytes,
      }
      if (timedOut) {
        reject(new ProcessError(`${describeCommand(command, args)} timed out after ${options.timeoutMs} ms`, {code: 'TIMEOUT'}))
        return
      }

      if (result.code === 0 || options.allowFailure) resolve(result)
      else reject(failureError(command, args, result))
    })
  })
}

/**
 * Runs a short program synchronously (for the rare checks that happen
 * before any asynchronous work, such as git's safe.directory list).
 * Resolves with stdout, or undefined when it fails or cannot start.
 */
export function runProcessSync(command: string, args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv} = {}): string | undefined {
  try {
    return execFileSync(command, args, {cwd: options.cwd, encoding: 'utf8', env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'ignore']})
  } catch {
    return undefined
  }
}

/**
 * Sends `signal` to the process group led by `pid` (a child spawned with
 * `detached: true`), falling back to the process alone when it leads no
 * group. Returns false when no such process exists any more.
 */
export function killProcessGroup(pid: number, signal: NodeJS.Signals = 'SIGTERM'): boolean {
  for (const target of [-pid, pid]) {
    try {
      process.kill(target, signal)
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error
    }
  }

  return false
}

/** Sends `signal` to every child {@link runProcess} started that is still running. */
export function stopRunningChildren(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const child of running) {
    stopped.add(child)
    if (child.pid !== undefined) killProcessGroup(child.pid, signal)
  }
}

/** The signals that interrupt a glix command (terminal Ctrl-C, kill, a closed terminal). */
export const INTERRUPT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']

/** What {@link deferSignals} hands its function. */
export interface SignalScope {
  /** The first interrupting signal received, if any. */
  readonly signal?: NodeJS.Signals
  /** Throws an {@link InterruptedError} when a signal has arrived. */
  check(): void
}

let activeScope: (SignalScope & {signal?: NodeJS.Signals}) | undefined

/**
 * Runs `fn` with SIGINT, SIGTERM and SIGHUP caught instead of ending the
 * process: the first one stops every running child (SIGTERM to its group)
 * and is remembered, so `fn` can restore what it changed and then throw
 * {@link InterruptedError} (`scope.check()` does); later ones are ignored
 * until `fn` settles. Nested calls share the outer scope.
 */
export async function deferSignals<T>(fn: (scope: SignalScope) => Promise<T>): Promise<T> {
  if (activeScope) return fn(activeScope)
  const scope: SignalScope & {signal?: NodeJS.Signals} = {
    check() {
      if (scope.signal) throw new InterruptedError(scope.signal)
    },
  }
  const handlers = INTERRUPT_SIGNALS.map((signal) => {
    const handler = () => {
      if (scope.signal) return
      scope.signal = signal
      stopRunningChildren('SIGTERM')
    }

    process.on(signal, handler)
    return [signal, handler] as const
  })
  activeScope = scope
  try {
    return await fn(scope)
  } finally {
    activeScope = undefined
    for (const [signal, handler] of handlers) process.off(signal, handler)
  }
}

/** A process as glix records it: pid, boot id and start time (clock ticks since boot). */
export interface ProcessIdentity {
  pid: number
  /** /proc/sys/kernel/random/boot_id, when readable. */
  boot?: string
  /** Field 22 of /proc/<pid>/stat, when readable. */
  start?: string
}

function readProcStat(pid: number): {start: string; state: string} | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // "pid (comm) state …": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return {start: fields[19], state: fields[0]}
  } catch {
    return undefined
  }
}

let cachedBootId: string | undefined

/** The kernel's boot id (changes at every boot), or undefined where there is none. */
export function bootId(): string | undefined {
  if (cachedBootId === undefined) {
    try {
      cachedBootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
    } catch {
      cachedBootId = ''
    }
  }

  return cachedBootId || undefined
}

/** The identity of process `pid` (this process by default). */
export function identifyProcess(pid: number = process.pid): ProcessIdentity {
  return {boot: bootId(), pid, start: readProcStat(pid)?.start}
}

/**
 * True when the process `identity` recorded is still running: same boot,
 * and a live (not zombie) process with that pid and that start time.
 */
export function isProcessAlive(identity: ProcessIdentity): boolean {
  if (identity.boot && bootId() && identity.boot !== bootId()) return false
  const stat = readProcStat(identity.pid)
  if (stat) return stat.state !== 'Z' && (identity.start === undefined || stat.start === identity.start)
  try {
    process.kill(identity.pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
