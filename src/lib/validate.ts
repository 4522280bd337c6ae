/**
 * One validator per field of the repo (spec §1, §2): every value glix
 * accepts — from a flag, a registry answer, `nix registry list`, a
 * manifest read from disk or a hand edit — passes the same rule here, so
 * a value accepted from one source is accepted from all and refused from
 * all otherwise.
 *
 * Each rule is a pure function returning the reason a value is invalid, or
 * undefined when it is valid ({@link FIELD_RULES}). {@link checkField} gives
 * that reason (manifest readers turn it into a warning or a refusal);
 * {@link assertField} throws a UsageError for values typed by the user.
 *
 * Invariants of what passes:
 * - names (host, user, package) match `^[A-Za-z][A-Za-z0-9_-]*$`, are not
 *   Nix keywords, and package names are not the fixed inputs — so a name is
 *   safe as a directory name, a TOML bare key and a bare Nix attribute;
 * - a pin is a revision (hex or a ref name): never URL syntax, so folding
 *   it into a URL as `rev=<pin>` adds exactly one parameter;
 * - `target_host`/`build_host` are SSH destinations `[user@]host` that can
 *   never be read as an option (`-oProxyCommand=…`);
 * - no value holds whitespace or a control character where a single token
 *   is expected.
 */
import {isIPv4, isIPv6} from 'node:net'

import {UsageError} from './errors.js'
import {NIX_KEYWORDS, NAME_PATTERN, quoteForMessage, RESERVED_PACKAGE_NAMES} from './names.js'

/** The fields glix validates. */
export type Field =
  | 'build_host'
  | 'current_system_path'
  | 'flake'
  | 'host'
  | 'package'
  | 'pin'
  | 'registry_url'
  | 'system'
  | 'target_host'
  | 'user'

// eslint-disable-next-line no-control-regex
const SPACE_OR_CONTROL = /[\s\u0000-\u001F\u007F-\u009F]/

function nameReason(value: string, kind: 'host' | 'package' | 'user'): string | undefined {
  if (!NAME_PATTERN.test(value)) return "must start with a letter and contain only letters, digits, '-' and '_'"
  if (NIX_KEYWORDS.includes(value)) return 'is a Nix keyword'
  if (kind === 'package' && RESERVED_PACKAGE_NAMES.includes(value)) return 'is reserved (a fixed flake input)'
  return undefined
}

/** A git revision or ref name: no URL syntax, no git revision syntax, one token. */
const PIN = /^[A-Za-z0-9][A-Za-z0-9._/+-]*$/

function pinReason(value: string): string | undefined {
  if (value.length > 255) return 'is longer than 255 characters'
  if (!PIN.test(value) || value.includes('..') || value.includes('//') || value.endsWith('/') || value.endsWith('.') || value.endsWith('.lock')) {
    return "expected a commit hash or a ref name (letters, digits, '.', '/', '+', '-', '_'; no URL syntax such as ?, &, # or =)"
  }

  return undefined
}

/** A user name as ssh and Unix take it; never an option. */
const SSH_USER = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,31}$/
/** A DNS name (labels of letters, digits, '-' and '_', not starting or ending with '-'). */
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/

function sshReason(value: string): string | undefined {
  const why = 'expected an SSH destination [user@]host (a DNS name, an IPv4 address or a bracketed IPv6 address)'
  if (value.startsWith('-')) return `must not start with '-' (${why})`
  const at = value.lastIndexOf('@')
  const user = at === -1 ? undefined : value.slice(0, at)
  const host = at === -1 ? value : value.slice(at + 1)
  if (user !== undefined && !SSH_USER.test(user)) return why
  if (host.startsWith('[') && host.endsWith(']')) return isIPv6(host.slice(1, -1)) ? undefined : why
  if (isIPv4(host) || DNS_NAME.test(host)) return undefined
  return why
}

/** A Nix system tuple such as x86_64-linux or aarch64-darwin. */
const SYSTEM = /^[a-z0-9_]+-[a-z0-9_]+$/

function registryUrlReason(value: string): string | undefined {
  const why = 'expected an http(s):// or file:// URL'
  if (SPACE_OR_CONTROL.test(value) || value.length > 2048) return why
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return why
  }

  return url.protocol === 'http:' || url.protocol === 'https:' || url.protocol === 'file:' ? undefined : why
}

/** An absolute path of plain segments (no shell syntax, no `.`/`..` segments, no whitespace): what a probe reads over ssh. */
const SYSTEM_PATH = /^(?:\/[A-Za-z0-9_+@%=:,-][A-Za-z0-9._+@%=:,-]*)+$/

function systemPathReason(value: string): string | undefined {
  return value.length <= 1024 && SYSTEM_PATH.test(value) ? undefined : 'expected a plain absolute path (segments of letters, digits and _+@%=:,.- only, none starting with ".")'
}

/** One attribute path segment of a `#fragment`. */
const ATTR = /^[A-Za-z_][A-Za-z0-9_'+-]*$/

function flakeReason(value: string): string | undefined {
  if (value === '') return 'is empty'
  if (SPACE_OR_CONTROL.test(value)) return 'must not contain spaces or control characters'
  if (value.startsWith('-')) return "must not start with '-'"
  const hash = value.indexOf('#')
  if (hash !== -1) {
    const fragment = value.slice(hash + 1)
    if (fragment === '') return "has an empty '#' fragment (name an attribute after '#', e.g. nixpkgs#firefox)"
    if (!fragment.split('.').every((part) => ATTR.test(part))) return `has an invalid '#' fragment ${quoteForMessage(fragment)} (expected an attribute path such as python3Packages.black)`
  }

  return undefined
}

/** Why a value of each field is invalid, or undefined when it is valid. */
export const FIELD_RULES: Readonly<Record<Field, (value: string) => string | undefined>> = {
  build_host: sshReason,
  current_system_path: systemPathReason,
  flake: flakeReason,
  host: (value) => nameReason(value, 'host'),
  package: (value) => nameReason(value, 'package'),
  pin: pinReason,
  registry_url: registryUrlReason,
  system: (value) => (SYSTEM.test(value) ? undefined : 'expected a Nix system tuple such as x86_64-linux or aarch64-linux'),
  target_host: sshReason,
  user: (value) => nameReason(value, 'user'),
}

const LABELS: Record<Field, string> = {
  build_host: 'build_host',
  current_system_path: 'current_system_path',
  flake: 'flake reference',
  host: 'host name',
  package: 'package name',
  pin: 'pin',
  registry_url: 'registry_url',
  system: 'system',
  target_host: 'target_host',
  user: 'user name',
}

/** The reason `value` is not a valid `field`, or undefined. */
export function checkField(field: Field, value: string): string | undefined {
  return FIELD_RULES[field](value)
}

/** True when `value` is a valid `field`. */
export function isValidField(field: Field, value: string): boolean {
  return FIELD_RULES[field](value) === undefined
}

/** The one-line message for an invalid value. */
export function describeInvalid(field: Field, value: string, reason: string): string {
  return `invalid ${LABELS[field]} ${quoteForMessage(value)}: ${reason}`
}

/** Returns `value`, or throws a UsageError when it is not a valid `field`. */
export function assertField(field: Field, value: string): string {
  const reason = checkField(field, value)
  if (reason !== undefined) throw new UsageError(describeInvalid(field, value, reason), {code: 'INVALID_VALUE'})
  return value
}

/** Returns `value`, or throws unless it is an SSH destination `[user@]host` (never an option). */
export function assertSshDestination(value: string, key: 'build_host' | 'target_host' = 'target_host'): string {
  return assertField(key, value)
}

/** True when `value` is an SSH destination `[user@]host`. */
export function isSshDestination(value: string): boolean {
  return sshReason(value) === undefined
}

/**
 * The scheme a flake reference resolves to: `path` for `/x`, `./x` and
 * `../x`; else the text before the first ':' (`github`, `git+file`,
 * `hg+file`, …); undefined for an indirect reference (`nixpkgs#x`).
 */
export function referenceScheme(reference: string): string | undefined {
  const url = reference.split('#')[0]
  if (url.startsWith('/') || url.startsWith('./') || url.startsWith('../') || url === '.' || url === '..') return 'path'
  const colon = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(url)
  return colon ? colon[1].toLowerCase() : undefined
}

/** True when a reference names something on this machine's file system (any `file`/`path` transport). */
export function isLocalReference(reference: string): boolean {
  const scheme = referenceScheme(reference)
  return scheme !== undefined && (scheme === 'path' || scheme === 'file' || scheme.endsWith('+file') || scheme.endsWith('+path'))
}

/** True when a reference points at an absolute path on this machine. */
export function isAbsoluteLocalPath(reference: string): boolean {
  if (!isLocalReference(reference)) return false
  const url = reference.split('#')[0]
  if (url.startsWith('/')) return true
  const rest = url.slice(url.indexOf(':') + 1)
  // file:///x and git+file:///x carry an empty authority; path:/x and file:/x do not.
  return rest.startsWith('/')
}
