/**
 * Text of `glix show`: `key: value` lines (name, flake, scope, state, pin,
 * user, host), then `config:` with one indented `key = "value"` line per
 * key. Every value passes the output boundary.
 */
import type {PackageDetails} from '../lib/ops/read.js'
import {safeText} from '../lib/ui/safe.js'

/** Renders one package as `glix show` prints it. */
export function formatPackage(details: PackageDetails): string {
  const fields: Array<[string, string | undefined]> = [
    ['name', details.name],
    ['flake', details.flake],
    ['scope', details.scope],
    ['state', details.state],
    ['pin', details.pin],
    ['user', details.user],
    ['host', details.host],
  ]
  const lines: string[] = []
  for (const [key, value] of fields) if (value !== undefined) lines.push(`${`${key}:`.padEnd(7)}${safeText(value)}`)
  const keys = Object.keys(details.config)
  lines.push(keys.length === 0 ? 'config: (none)' : 'config:')
  for (const key of keys) lines.push(`  ${safeText(key)} = ${safeText(JSON.stringify(details.config[key]))}`)
  return lines.join('\n')
}
