/**
 * A stand-in for the SSH destination validator of `src/lib/validate.ts`
 * (issue 15), with the same signature, until that module lands on main;
 * then this file goes and the imports point there.
 *
 * Rule (spec §2): `[user@]host`, host a DNS name, an IPv4 address or a
 * bracketed IPv6 address; never starting with `-`.
 */
import {UsageError} from '../errors.js'
import {quoteForMessage} from '../names.js'

const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?'
const DNS_NAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`)
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
const IPV4 = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`)
const IPV6 = /^\[[0-9A-Fa-f:.]{2,45}\]$/
const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/

/** True when `value` is an SSH destination `[user@]host`. */
export function isSshDestination(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > 255) return false
  const at = value.lastIndexOf('@')
  const user = at === -1 ? undefined : value.slice(0, at)
  const host = at === -1 ? value : value.slice(at + 1)
  if (user !== undefined && !USER.test(user)) return false
  return DNS_NAME.test(host) || IPV4.test(host) || IPV6.test(host)
}

/** Returns `value` when it is an SSH destination, else throws a UsageError naming `key`. */
export function assertSshDestination(value: string, key: string): string {
  if (isSshDestination(value)) return value
  throw new UsageError(
    `${key}: ${quoteForMessage(value)} is not an SSH destination ([user@]host: a DNS name, an IPv4 address or a bracketed IPv6 address)`,
    {code: 'INVALID_VALUE'},
  )
}
