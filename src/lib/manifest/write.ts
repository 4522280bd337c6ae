/**
 * Writing host manifests in the canonical form (spec §2).
 *
 * The output is a pure function of the Manifest value: header comment,
 * `schema = 1`, `[settings]` in fixed key order, then packages sorted by
 * name with keys in the order flake, scope, enabled, pin, user and `=`
 * aligned, then each `[packages.<name>.config]` with sorted keys. Unknown
 * keys follow the known ones at their level, in the order they were read.
 * Strings are TOML basic strings; keys are bare when they can be.
 */
import {writeFileAtomic} from '../repo/fs.js'
import {MANIFEST_HEADER} from './canonical.js'
import {loadToml} from './toml.js'
import {type Extra, type Manifest, OPTIONAL_SETTING_KEYS, type TomlValue} from './types.js'

const BARE_KEY = /^[A-Za-z0-9_-]+$/

/** Escapes `value` as a TOML basic string, quotes included. */
export function tomlString(value: string): string {
  let out = '"'
  for (const ch of value) {
    const code = ch.codePointAt(0) as number
    switch (ch) {
      case '"': {
        out += '\\"'
        break
      }

      case '\\': {
        out += '\\\\'
        break
      }

      case '\b': {
        out += '\\b'
        break
      }

      case '\t': {
        out += '\\t'
        break
      }

      case '\n': {
        out += '\\n'
        break
      }

      case '\f': {
        out += '\\f'
        break
      }

      case '\r': {
        out += '\\r'
        break
      }

      default: {
        out += code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0').toUpperCase()}` : ch
      }
    }
  }

  return out + '"'
}

/** Writes `key` bare when TOML allows it, else as a quoted basic string. */
export function tomlKey(key: string): string {
  return BARE_KEY.test(key) ? key : tomlString(key)
}

const isTable = (value: TomlValue): value is {[key: string]: TomlValue} =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)

/** Writes a number as TOML: integers as is, floats in JavaScript's shortest form (`1e-7`, `1.5`, `1e+21`). */
function tomlNumber(value: number): string {
  if (Number.isNaN(value)) return 'nan'
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf'
  if (Object.is(value, -0)) return '-0.0'
  return String(value)
}

const isArrayOfTables = (value: TomlValue): value is Array<{[key: string]: TomlValue}> =>
  Array.isArray(value) && value.length > 0 && value.every((v) => isTable(v))

function inlineValue(value: TomlValue): string {
  if (typeof value === 'string') return tomlString(value)
  if (typeof value === 'number') return tomlNumber(value)
  if (Array.isArray(value)) return `[${value.map((v) => inlineValue(v)).join(', ')}]`
  if (isTable(value)) {
    const parts = Object.entries(value).map(([k, v]) => `${tomlKey(k)} = ${inlineValue(v)}`)
    return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`
  }

  const toml = loadToml()
  return toml.stringify.value(value as Parameters<typeof toml.stringify.value>[0]).trim()
}

/**
 * Renders the unknown keys of one table: scalars and arrays as `key = value`
 * lines (appended to `lines`), sub-tables as their own `[path.key]`
 * sections (returned, to be placed after the table's lines).
 */
function renderExtra(extra: Extra, path: string[], lines: string[]): string[] {
  const sections: string[] = []
  for (const [key, value] of Object.entries(extra)) {
    if (isTable(value)) {
      sections.push(...renderTable([...path, key], value))
    } else if (isArrayOfTables(value)) {
      for (const element of value) sections.push(...renderTable([...path, key], element, true))
    } else {
      lines.push(`${tomlKey(key)} = ${inlineValue(value)}`)
    }
  }

  return sections
}

function renderTable(path: string[], table: Extra, arrayElement = false): string[] {
  const lines: string[] = []
  const sections = renderExtra(table, path, lines)
  const name = path.map((p) => tomlKey(p)).join('.')
  return ['', arrayElement ? `[[${name}]]` : `[${name}]`, ...lines, ...sections]
}

/** Renders `manifest` in the canonical form; the result ends with a newline. */
export function renderManifest(manifest: Manifest): string {
  const out: string[] = [MANIFEST_HEADER, 'schema = 1']
  const topLines: string[] = []
  const topSections = renderExtra(manifest.extra, [], topLines)
  out.push(...topLines, '', '[settings]')

  const {settings} = manifest
  out.push(`default_scope = ${tomlString(settings.default_scope)}`, `auto_apply = ${settings.auto_apply}`)
  for (const key of OPTIONAL_SETTING_KEYS) {
    const value = settings[key]
    if (value !== undefined && value !== '') out.push(`${key} = ${tomlString(value)}`)
  }

  out.push(...renderExtra(settings.extra, ['settings'], out))

  for (const name of Object.keys(manifest.packages).sort()) {
    const entry = manifest.packages[name]
    out.push('', `[packages.${tomlKey(name)}]`)
    out.push(`flake   = ${tomlString(entry.flake)}`, `scope   = ${tomlString(entry.scope)}`, `enabled = ${entry.enabled}`)
    if (entry.pin) out.push(`pin     = ${tomlString(entry.pin)}`)
    if (entry.user) out.push(`user    = ${tomlString(entry.user)}`)
    const sections = renderExtra(entry.extra, ['packages', name], out)
    const configKeys = Object.keys(entry.config).sort()
    if (configKeys.length > 0) {
      out.push('', `[packages.${tomlKey(name)}.config]`)
      for (const key of configKeys) out.push(`${tomlKey(key)} = ${tomlString(entry.config[key])}`)
    }

    out.push(...sections)
  }

  out.push(...topSections)
  return out.join('\n') + '\n'
}

/** Writes `manifest` to `file` atomically in the canonical form. */
export async function writeManifest(file: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(file, renderManifest(manifest))
}

/** The notice for a rewrite that drops comments the user wrote. */
export function droppedCommentsNotice(file: string, count: number): string {
  return `${file}: the rewrite dropped ${count} hand-written comment(s); glix keeps every key and value, but not comments`
}
