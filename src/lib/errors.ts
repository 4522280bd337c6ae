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
    this.code = options.code ?? 'GLIX_ERROR'
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

/** Returns the message of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message
  return String(error)
}
