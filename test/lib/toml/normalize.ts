/**
 * One comparable form for TOML values from glix's parser and from
 * @iarna/toml (the test oracle), which represent dates, times, bigints and
 * special floats differently. Tagged objects (`{$: …}`) stand for what
 * JSON cannot hold; tables become plain objects.
 */
import {TomlDate} from '../../../src/lib/toml/value.js'

type Plain = boolean | number | string | Plain[] | {[key: string]: Plain}

/** Truncates fractional seconds to milliseconds (what a JavaScript Date keeps) and pads them. */
function millis(time: string): string {
  const [whole, fraction = ''] = time.split('.')
  return `${whole}.${fraction.slice(0, 3).padEnd(3, '0')}`
}

function normalizeDate(kind: string, text: string): Plain {
  const upper = text.toUpperCase().replace(' ', 'T')
  switch (kind) {
    case 'offset-date-time': {
      return {$: `odt ${new Date(upper).toISOString()}`}
    }

    case 'local-date-time': {
      return {$: `ldt ${millis(upper)}`}
    }

    case 'local-date': {
      return {$: `ld ${upper}`}
    }

    default: {
      return {$: `lt ${millis(upper)}`}
    }
  }
}

function normalizeNumber(value: number): Plain {
  if (Number.isNaN(value)) return {$: 'nan'}
  if (!Number.isFinite(value)) return {$: value > 0 ? 'inf' : '-inf'}
  if (Object.is(value, -0)) return {$: '-0'}
  return value
}

/** The comparable form of a value from glix's parser. */
export function normalizeGlix(value: unknown): Plain {
  if (typeof value === 'bigint') return {$: `int ${value}`}
  if (typeof value === 'number') return normalizeNumber(value)
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (value instanceof TomlDate) return normalizeDate(value.kind, value.text)
  if (Array.isArray(value)) return value.map((v) => normalizeGlix(v))
  const out: Record<string, Plain> = {}
  for (const key of Object.keys(value as object)) {
    Object.defineProperty(out, key, {enumerable: true, value: normalizeGlix((value as Record<string, unknown>)[key])})
  }

  return out
}

/** The comparable form of a value from @iarna/toml. */
export function normalizeIarna(value: unknown): Plain {
  if (typeof value === 'bigint') return {$: `int ${value}`}
  if (typeof value === 'number') return normalizeNumber(value)
  if (typeof value === 'string' || typeof value === 'boolean') return value
  if (value instanceof Date) {
    const flags = value as Date & {isDate?: boolean; isFloating?: boolean; isTime?: boolean}
    const text = JSON.parse(JSON.stringify(value)) as string
    if (flags.isDate) return {$: `ld ${text}`}
    if (flags.isTime) return {$: `lt ${millis(text)}`}
    if (flags.isFloating) return {$: `ldt ${millis(text)}`}
    return {$: `odt ${value.toISOString()}`}
  }

  if (Array.isArray(value)) return value.map((v) => normalizeIarna(v))
  const out: Record<string, Plain> = {}
  for (const key of Object.keys(value as object)) {
    Object.defineProperty(out, key, {enumerable: true, value: normalizeIarna((value as Record<string, unknown>)[key])})
  }

  return out
}
