/**
 * Running a long program (nixos-rebuild, nix-collect-garbage) while its
 * output streams, next to `runProcess` (which collects output for short
 * programs).
 *
 * Like `runProcess`, programs start from an argument array, never a shell.
 * Two modes: *attached* — stdin is the terminal (nixos-rebuild may ask for
 * a sudo or ssh password) and the program's stdout and stderr both go to
 * glix's stderr, since its output is progress, not data; and *captured* —
 * stdin is closed and every output line (stdout or stderr, ANSI escapes
 * removed, `\r` progress rewrites split, empty lines dropped) goes to
 * `onLine` as it arrives.
 */
import {spawn} from 'node:child_process'
import {constants} from 'node:os'

import {startError} from '../process.js'

/** Options of a {@link Spawner}. */
export interface SpawnOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Give the program the terminal (stdin inherited, output on glix's stderr); no lines are reported. */
  attach?: boolean
  /** In attached mode, where the program's stdout goes (default: glix's stderr). */
  stdout?: 'stderr' | 'stdout'
  /** Called with every output line in captured mode. */
  onLine?: (line: string) => void
}

/** How a program ended. */
export interface SpawnResult {
  /** The exit status; 128 + n when killed by signal n (as a shell reports it). */
  code: number
  signal?: NodeJS.Signals
}

/**
 * Starts `command args…` and resolves when it ends, whatever its exit
 * status; rejects (ProcessError, code NOT_FOUND) when it cannot start.
 */
export type Spawner = (command: string, args: string[], options: SpawnOptions) => Promise<SpawnResult>

// CSI and OSC sequences and lone escapes: colours, cursor moves, window titles.
// eslint-disable-next-line no-control-regex
const ANSI = /\u001B(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001B]*(?:\u0007|\u001B\\)|[@-Z\\-_])/g

/** `text` without ANSI escape sequences. */
export function stripAnsi(text: string): string {
  return text.replaceAll(ANSI, '')
}

/**
 * Returns a function that takes chunks of output and calls `onLine` with
 * each complete line, plus a `flush` for the last, unterminated one.
 */
export function lineSplitter(onLine: (line: string) => void): {push: (chunk: string) => void; flush: () => void} {
  let pending = ''
  const emit = (raw: string) => {
    const line = stripAnsi(raw).trimEnd()
    if (line.trim() !== '') onLine(line)
  }

  return {
    flush() {
      if (pending !== '') emit(pending)
      pending = ''
    },
    push(chunk) {
      const parts = (pending + chunk).split(/\r\n|\n|\r/)
      pending = parts.pop() ?? ''
      for (const part of parts) emit(part)
    },
  }
}

/** The real {@link Spawner}. */
export const spawnStreaming: Spawner = (command, args, options) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: options.attach ? ['inherit', options.stdout === 'stdout' ? 1 : 2, 2] : ['ignore', 'pipe', 'pipe'],
    })
    const splitters = options.attach
      ? []
      : [child.stdout!, child.stderr!].map((stream) => {
          const splitter = lineSplitter((line) => options.onLine?.(line))
          stream.setEncoding('utf8')
          stream.on('data', (chunk: string) => splitter.push(chunk))
          return splitter
        })
    child.on('error', (error: NodeJS.ErrnoException) => reject(startError(command, error)))
    child.on('close', (code, signal) => {
      for (const splitter of splitters) splitter.flush()
      if (signal) resolve({code: 128 + signalNumber(signal), signal})
      else resolve({code: code ?? 1})
    })
  })

function signalNumber(signal: NodeJS.Signals): number {
  return (constants.signals as Partial<Record<NodeJS.Signals, number>>)[signal] ?? 0
}
