/**
 * The canonical form of a manifest (spec §2): what glix writes when it
 * writes a whole file (`glix init`) and what it writes for a table it
 * re-renders inside an existing file.
 *
 * Invariant: the output is a pure function of the values: the header
 * comment, `schema = 1`, `[settings]` in fixed key order, then packages
 * sorted by name with keys in the order flake, scope, enabled, pin, user
 * and `=` aligned, then each `[packages.<name>.config]` with sorted keys.
 * Unknown keys follow the known ones at their level, in the order they
 * were read; unknown tables become `[path]` sections and arrays of tables
 * `[[path]]` sections. Strings are TOML basic strings; keys are bare when
 * they can be. Lines are returned without line endings.
 */
import {renderTomlValue, tomlKey, tomlString} from '../toml/render.js'
import {isTomlTable, type TomlTable, type TomlValue} from '../toml/value.js'
import {type Extra, type HostSettings, type Manifest, MANIFEST_HEADER, OPTIONAL_SETTING_KEYS, type PackageEntry} from './types.js'

const isArrayOfTables = (value: TomlValue): value is TomlTable[] => Array.isArray(value) && value.length > 0 && value.every((v) => isTomlTable(v))

/**
 * Renders the unknown keys of one table: scalars, arrays and inline values
 * as `key = value` lines (appended to `lines`), sub-tables as their own
 * sections (returned, each preceded by a blank line, to be placed after
 * the table's lines).
 */
function renderExtra(extra: Extra, path: string[], lines: string[]): string[] {
  const sections: string[] = []
  for (const key of Object.keys(extra)) {
    const value = extra[key]
    if (isTomlTable(value)) {
      sections.push(...renderSection([...path, key], value, false))
    } else if (isArrayOfTables(value)) {
      for (const element of value) sections.push(...renderSection([...path, key], element, true))
    } else {
      lines.push(`${tomlKey(key)} = ${renderTomlValue(value)}`)
    }
  }

  return sections
}

function renderSection(path: string[], table: Extra, arrayElement: boolean): string[] {
  const lines: string[] = []
  const sections = renderExtra(table, path, lines)
  const name = path.map((p) => tomlKey(p)).join('.')
  return ['', arrayElement ? `[[${name}]]` : `[${name}]`, ...lines, ...sections]
}

/** The `[settings]` table and its unknown sub-tables, starting with the header line. */
export function renderSettingsLines(settings: HostSettings): string[] {
  const lines = ['[settings]', `default_scope = ${tomlString(settings.default_scope)}`, `auto_apply = ${settings.auto_apply}`]
  for (const key of OPTIONAL_SETTING_KEYS) {
    const value = settings[key]
    if (value !== undefined && value !== '') lines.push(`${key} = ${tomlString(value)}`)
  }

  const sections = renderExtra(settings.extra, ['settings'], lines)
  return [...lines, ...sections]
}

/** The `[packages.<name>.config]` table, starting with the header line. */
export function renderConfigLines(name: string, config: Record<string, string>): string[] {
  const lines = [`[packages.${tomlKey(name)}.config]`]
  for (const key of Object.keys(config).sort()) lines.push(`${tomlKey(key)} = ${tomlString(config[key])}`)
  return lines
}

/** A package's tables: `[packages.<name>]`, its config table and its unknown sub-tables, starting with the header line. */
export function renderPackageLines(name: string, entry: PackageEntry): string[] {
  const lines = [
    `[packages.${tomlKey(name)}]`,
    `flake   = ${tomlString(entry.flake)}`,
    `scope   = ${tomlString(entry.scope)}`,
    `enabled = ${entry.enabled}`,
  ]
  if (entry.pin) lines.push(`pin     = ${tomlString(entry.pin)}`)
  if (entry.user) lines.push(`user    = ${tomlString(entry.user)}`)
  const sections = renderExtra(entry.extra, ['packages', name], lines)
  if (Object.keys(entry.config).length > 0) lines.push('', ...renderConfigLines(name, entry.config))
  return [...lines, ...sections]
}

/** Renders `manifest` in the canonical form; the result ends with a newline. */
export function renderManifest(manifest: Manifest): string {
  const out: string[] = [MANIFEST_HEADER, 'schema = 1']
  const topSections = renderExtra(manifest.extra, [], out)
  out.push('', ...renderSettingsLines(manifest.settings))
  for (const name of Object.keys(manifest.packages).sort()) out.push('', ...renderPackageLines(name, manifest.packages[name]))
  out.push(...topSections)
  return out.join('\n') + '\n'
}
