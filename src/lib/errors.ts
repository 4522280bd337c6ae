/**
 * Typed errors of glix's domain code.
 *
 * lib/ never prints: it throws a GlixError carrying the exit status and
 * optional suggestions, and only the command layer (GlixCommand.catch)
 * turns it into the single `glix <command>: <message>` line on stderr.
 * Exit 1 is a failed operation, exit 2 a usage error (bad flag or argument).
 */

/** Options for a {@link GlixError}. */
export interface GlixErrorOptions {
  /** Process exit status; 1 for failures, 2 for usage errors. */
  exit?: number
  /** Short hints printed after the message ("did you mean", "use --name"). */
  suggestions?: string[]
  /** A stable machine-readable code, used in `--json` error output. */
  code?: string
  /** The underlying error, if any. */
  cause?: unknown
}

/** An expected failure with a message fit for the user. */
export class GlixError extends Error {
  readonly exit: number
  readonly suggestions: string[]
  readonly code: string

  constructor(message: string, options: GlixErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = 'GlixError'
    this.exit = options.exit ?? 1
    this.suggestions = options.suggestions ?? []
    // Exit 2 is a usage error wherever it is thrown: --json reports it as USAGE.
    this.code = options.code ?? (this.exit === 2 ? 'USAGE' : 'GLIX_ERROR')
  }
}

/** A bad argument, flag value or name given by the user (exit 2). */
export class UsageError extends GlixError {
  constructor(message: string, options: Omit<GlixErrorOptions, 'exit'> = {}) {
    super(message, {...options, exit: 2, code: options.code ?? 'USAGE'})
    this.name = 'UsageError'
  }
}

/** A manifest that cannot be read: syntax error, wrong schema or wrong value. */
export class ManifestError extends GlixError {
  constructor(message: string, options: GlixErrorOptions = {}) {
    super(message, {...options, code: options.code ?? 'BAD_MANIFEST'})
    this.name = 'ManifestError'
  }
}

/** An external program (git, nix) failed. */
export class ProcessError extends GlixError {
  constructor(message: string, options: GlixErrorOptions = {}) {
    super(message, {...options, code: options.code ?? 'PROCESS_FAILED'})
    this.name = 'ProcessError'
  }
}

/**
 * Ends a command that has already reported its outcome (a rebuild summary,
 * a doctor report) with a non-zero exit status. The command layer prints
 * `message` as the usual one error line when it is not empty, and `result`
 * as the `--json` document instead of an error document.
 */
export class ExitStatus extends GlixError {
  readonly result: unknown

  constructor(exit: number, options: {message?: string; result?: unknown; code?: string} = {}) {
    super(options.message ?? '', {code: options.code ?? 'FAILED', exit})
    this.name = 'ExitStatus'
    this.result = options.result
  }
}

/** The exit status of a process ended by `signal`, as shells report it (128 + number). */
export const SIGNAL_EXIT: Readonly<Record<string, number>> = {SIGHUP: 129, SIGINT: 130, SIGTERM: 143}

/** The command was interrupted by SIGINT, SIGTERM or SIGHUP (exit 130, 143, 129). */
export class InterruptedError extends GlixError {
  readonly signal: NodeJS.Signals

  constructor(signal: NodeJS.Signals, message = `interrupted by ${signal}`) {
    super(message, {code: 'INTERRUPTED', exit: SIGNAL_EXIT[signal] ?? 130})
    this.name = 'InterruptedError'
    this.signal = signal
  }
}

/** Returns the message of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
