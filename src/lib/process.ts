/**
 * The one door to external programs (git, nix, nixos-rebuild).
 *
 * Programs are started from an argument array, never through a shell, so
 * no user string is ever interpreted by one. Output is collected; a
 * non-zero exit becomes a ProcessError whose message is the program's last
 * meaningful stderr line.
 */
import {spawn} from 'node:child_process'

import {ProcessError} from './errors.js'

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
  /** Kill the program (SIGTERM) after this many milliseconds; it then fails with "timed out". */
  timeoutMs?: number
}

/** What a finished program left behind. */
export interface RunResult {
  code: number
  stderr: string
  stdout: string
  /** stdout as bytes, for binary content (`git cat-file`). */
  stdoutBytes: Buffer
}

/** Returns the last non-empty line of `text`, without trailing spaces. */
export function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '')
  return lines.at(-1) ?? ''
}

/** The error for a program that could not start (NOT_FOUND when it is not on PATH). */
export function startError(command: string, error: NodeJS.ErrnoException): ProcessError {
  return error.code === 'ENOENT'
    ? new ProcessError(`${command} not found on PATH`, {code: 'NOT_FOUND'})
    : new ProcessError(`${command}: ${error.message}`, {code: 'PROCESS_FAILED'})
}

/** Runs `command args…` and resolves with its output. */
export function runProcess(command: string, args: string[], options: ProcessOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let timedOut = false
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    })
    const stdout: Buffer[] = []
    const stderr: Buffer[] = []
    child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk))
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr.push(chunk)
      options.onStderr?.(chunk.toString('utf8'))
    })
    child.on('error', (error: NodeJS.ErrnoException) => reject(startError(command, error)))
    if (options.input !== undefined) child.stdin!.end(options.input)
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
      const result = {
        code: code ?? 128,
        stderr: Buffer.concat(stderr).toString('utf8'),
        stdout: stdoutBytes.toString('utf8'),
        stdoutBytes,
      }
      if (timedOut) {
        reject(new ProcessError(`${[command, ...args.slice(0, 2)].join(' ')} timed out after ${options.timeoutMs} ms`, {code: 'TIMEOUT'}))
        return
      }

      if (result.code === 0 || options.allowFailure) {
        resolve(result)
        return
      }

      const why = lastLine(result.stderr) || lastLine(result.stdout) || (signal ? `killed by ${signal}` : `exit status ${result.code}`)
      reject(new ProcessError(`${[command, ...args.slice(0, 2)].join(' ')} failed: ${why}`))
    })
  })
}
