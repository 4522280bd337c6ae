/**
 * The one builder of every command line glix runs for a host:
 * `nixos-rebuild` (rebuild, `--apply`), `ssh` (`status --probe`) and
 * `nix eval` of a host's system (`--changed`, the deploy ledger).
 *
 * The repo is shared, so what it says about a host is untrusted input.
 * Invariants: every value from the repo or a flag — host name,
 * `target_host`, `build_host`, `current_system_path` — is validated here
 * before it becomes an argument (host names by the name rule, SSH
 * destinations as `[user@]host`, paths as plain absolute paths), so none
 * can start with `-`; each value is one argument of its own, after the
 * option it belongs to; in an ssh command line the destination follows
 * `--`, and the remote command is built only from constants and a
 * validated path (ssh hands it to the remote shell, so the path rule
 * admits no shell syntax). Options the *user* gives — arguments after `--`
 * for nixos-rebuild, `$NIX_SSHOPTS` for ssh — pass as given.
 */
import {UsageError} from '../errors.js'
import {assertName} from '../names.js'
import {checkField, describeInvalid, isValidField} from '../validate.js'

/** The program of every rebuild. */
export const REBUILD_COMMAND = 'nixos-rebuild'

/** The program of every probe. */
export const SSH_COMMAND = 'ssh'

/** Switches flakes on for one Nix call, whatever the machine's nix.conf says. */
export const NIX_FEATURES: readonly string[] = ['--extra-experimental-features', 'nix-command flakes']

/** Where NixOS keeps the link to the running system; the default of a host's `current_system_path`. */
export const DEFAULT_CURRENT_SYSTEM_PATH = '/run/current-system'

/** Seconds ssh waits for a connection before a probe reports the host unreachable. */
export const PROBE_CONNECT_TIMEOUT = 10


/**
 * Returns `value` when it is an SSH destination `[user@]host` (validate.ts),
 * else throws a UsageError that names where it came from (`--target-host`,
 * `hosts/pi/glix.toml`), when given.
 */
export function assertDestination(value: string, field: 'build_host' | 'target_host', source?: string): string {
  const reason = checkField(field, value)
  if (reason === undefined) return value
  const message = describeInvalid(field, value, reason)
  throw new UsageError(source ? `${source}: ${message}` : message, {code: 'INVALID_VALUE'})
}

/** Options of {@link rebuildArgs}. */
export interface RebuildArgsOptions {
  /** `--target-host`: an SSH destination. */
  targetHost?: string
  /** `--build-host`: an SSH destination. */
  buildHost?: string
  /** The user's own arguments after `--`, last and untouched. */
  extra?: string[]
}

/**
 * The arguments after `nixos-rebuild` for one host:
 * `<action> --flake <root>#<host> [--target-host D] [--build-host D] [extra…]`.
 * Throws a UsageError for an invalid host name or destination.
 */
export function rebuildArgs(root: string, host: string, action: string, options: RebuildArgsOptions = {}): string[] {
  const args = [action, '--flake', `${root}#${assertName('host', host)}`]
  if (options.targetHost) args.push('--target-host', assertDestination(options.targetHost, 'target_host'))
  if (options.buildHost) args.push('--build-host', assertDestination(options.buildHost, 'build_host'))
  return [...args, ...(options.extra ?? [])]
}

/**
 * The arguments after `nix` that evaluate one host's system without
 * building it: its `config.system.build.toplevel` as
 * `{"drv": <drvPath>, "out": <outPath>}`, the same flake reference
 * nixos-rebuild builds (`<root>`: the work tree as git sees it). The lock
 * file is never written: an evaluation must not change the repo.
 */
export function evalSystemArgs(root: string, host: string): string[] {
  return [
    ...NIX_FEATURES,
    'eval',
    '--json',
    '--no-write-lock-file',
    `${root}#nixosConfigurations.${assertName('host', host)}.config.system.build.toplevel`,
    '--apply',
    'toplevel: { drv = toplevel.drvPath; out = toplevel.outPath; }',
  ]
}

/** True when `value` can be a host's `current_system_path`: an absolute path of plain segments. */
export function isSystemPath(value: unknown): value is string {
  return typeof value === 'string' && isValidField('current_system_path', value)
}

/** Returns `value` when it is a valid `current_system_path` (validate.ts), else throws a UsageError naming `key`. */
export function assertSystemPath(value: string, key = 'current_system_path'): string {
  const reason = checkField('current_system_path', value)
  if (reason === undefined) return value
  throw new UsageError(`${key}: ${describeInvalid('current_system_path', value, reason)}`, {code: 'INVALID_VALUE'})
}

/**
 * The user's options for ssh from `$NIX_SSHOPTS` — the variable
 * nixos-rebuild reads for its own ssh calls, so a probe reaches a host the
 * way a rebuild does — split at whitespace as nixos-rebuild splits it.
 */
export function sshOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.NIX_SSHOPTS ?? '').split(/\s+/).filter((word) => word !== '')
}

/** Options of {@link probeArgs}. */
export interface ProbeArgsOptions {
  /** The user's ssh options ({@link sshOptionsFromEnv}). */
  sshOptions?: string[]
  /** ConnectTimeout in seconds (default {@link PROBE_CONNECT_TIMEOUT}). */
  connectTimeout?: number
}

/**
 * The arguments after `ssh` that ask `destination` where `systemPath`
 * points: no terminal, never a prompt (`BatchMode=yes`, which the user's
 * options cannot undo: ssh keeps the first value of an option), the user's
 * options, a connect timeout (theirs wins when they give one), `--`, the
 * destination, `readlink <path>`. The user's ssh config applies as usual.
 */
export function probeArgs(destination: string, systemPath: string, options: ProbeArgsOptions = {}): string[] {
  const timeout = Math.max(1, Math.floor(options.connectTimeout ?? PROBE_CONNECT_TIMEOUT))
  return [
    '-T',
    '-o',
    'BatchMode=yes',
    ...(options.sshOptions ?? []),
    '-o',
    `ConnectTimeout=${timeout}`,
    '--',
    assertDestination(destination, 'target_host'),
    'readlink',
    assertSystemPath(systemPath),
  ]
}
