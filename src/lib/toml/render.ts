/**
 * Writing TOML values: basic strings, keys and inline values.
 *
 * Invariant: what these functions write reads back through
 * {@link parseToml} (and any TOML 1.0 reader) as the same value: strings
 * escape quotes, backslashes and every control character; keys are bare
 * only when TOML allows it; floats always read back as floats.
 */
import {isTomlTable, TomlDate, type TomlValue} from './value.js'

const BARE_KEY = /^[A-Za-z0-9_-]+$/
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /["\\\u0000-\u001F\u007F]/

const ESCAPES: Record<string, string> = {'\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r', '"': '\\"', '\\': '\\\\'}

/** Escapes `value` as a TOML basic string, quotes included; other Unicode is written as is. */
export function tomlString(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return `"${value}"`
  let out = '"'
  for (const ch of value) {
    const code = ch.codePointAt(0) as number
    out += ESCAPES[ch] ?? (code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0').toUpperCase()}` : ch)
  }

  return out + '"'
}

/** Writes `key` bare when TOML allows it, else as a quoted basic string. */
export function tomlKey(key: string): string {
  return BARE_KEY.test(key) ? key : tomlString(key)
}

/** Writes a number: integers as is, other floats in JavaScript's shortest form (`1e-7`, `1.5`, `1e+21`), and inf/nan. */
function tomlNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan'
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf'
  if (Object.is(value, -0)) return '-0.0'
  return String(value)
}

/** Writes `value` as an inline TOML value (one line). */
export function renderTomlValue(value: TomlValue): string {
  switch (typeof value) {
    case 'string': {
      return tomlString(value)
    }

    case 'number': {
      return tomlNumber(value)
    }

    case 'bigint':
    case 'boolean': {
      return String(value)
    }

    default: {
      if (value instanceof TomlDate) return value.text
      if (Array.isArray(value)) return `[${value.map((v) => renderTomlValue(v)).join(', ')}]`
      if (!isTomlTable(value)) throw new TypeError('not a TOML value')
      const parts = Object.keys(value).map((k) => `${tomlKey(k)} = ${renderTomlValue(value[k])}`)
      return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`
    }
  }
}
