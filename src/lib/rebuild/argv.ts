/**
 * The command line of `glix rebuild`, before oclif parses it.
 *
 * Two things oclif cannot do for this command: keep the arguments after
 * `--` apart (its parser drops the `--` and mixes them into the positional
 * arguments), and accept the shared `--host` flag more than once (it is a
 * single-valued base flag of every command). {@link splitRebuildArgv}
 * takes both out first: everything after the first `--` is passthrough,
 * and every `--host` value (repeatable, comma-separated) is collected.
 */
import {UsageError} from '../errors.js'

/** What {@link splitRebuildArgv} found. */
export interface RebuildArgv {
  /** The arguments left for oclif to parse (no `--host`, nothing after `--`). */
  argv: string[]
  /** Every host named with `--host`, in order, split at commas. */
  hosts: string[]
  /** The arguments after the first `--`, for nixos-rebuild. */
  passthrough: string[]
}

/** Splits `argv` into oclif's part, the `--host` values and the passthrough arguments. */
export function splitRebuildArgv(argv: string[]): RebuildArgv {
  const dashdash = argv.indexOf('--')
  const own = dashdash === -1 ? argv : argv.slice(0, dashdash)
  const passthrough = dashdash === -1 ? [] : argv.slice(dashdash + 1)
  const rest: string[] = []
  const hosts: string[] = []
  for (let i = 0; i < own.length; i++) {
    const arg = own[i]
    let value: string | undefined
    if (arg.startsWith('--host=')) {
      value = arg.slice('--host='.length)
    } else if (arg === '--host') {
      value = own[i + 1]
      if (value === undefined || value.startsWith('-')) throw new UsageError('--host expects a host name')
      i++
    } else {
      rest.push(arg)
      continue
    }

    const names = value.split(',').map((name) => name.trim())
    if (names.some((name) => name === '')) throw new UsageError(`--host=${value}: empty host name`)
    hosts.push(...names)
  }

  return {argv: rest, hosts, passthrough}
}
