/**
 * Reading host manifests.
 *
 * A manifest in glix's canonical form is read by the fast reader of
 * canonical.ts; any other text is parsed with @iarna/toml (loaded only
 * then) and validated against schema 1 (spec §2). Both give the same
 * result for the same text. Every problem becomes one ManifestError naming
 * the file and, for syntax errors, the 1-based line and column, or the
 * offending key and value. Unknown keys are kept in `extra` maps; nothing
 * is dropped silently.
 */
import {readFileSync} from 'node:fs'

import {ManifestError} from '../errors.js'
import {isValidName, quoteForMessage} from '../names.js'
import {MANIFEST_HEADER, readCanonicalManifest} from './canonical.js'
import {loadToml} from './toml.js'
import {
  type Extra,
  type HostSettings,
  type Manifest,
  OPTIONAL_SETTING_KEYS,
  type PackageEntry,
  type Scope,
  type TomlValue,
} from './types.js'

/** The first line of every manifest glix writes. */
export {MANIFEST_HEADER}

/** A parsed manifest and facts about its text. */
export interface ReadResult {
  manifest: Manifest
  /** The number of comments in the text other than glix's own header. */
  userComments: number
}

type Table = Record<string, TomlValue>

const isTable = (value: unknown): value is Table =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date)

const KNOWN_SETTINGS = new Set<string>(['default_scope', 'auto_apply', ...OPTIONAL_SETTING_KEYS])
const KNOWN_PACKAGE_KEYS = new Set(['flake', 'scope', 'enabled', 'pin', 'user', 'config'])

/**
 * Reads and validates the manifest at `file`. The read is synchronous: for
 * small files it is several times cheaper than the thread-pool round trips
 * of an asynchronous one, which adds up over a fleet of hosts.
 */
export async function readManifest(file: string): Promise<ReadResult> {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new ManifestError(code === 'ENOENT' ? `${file}: no such manifest` : `${file}: cannot read: ${String(error)}`, {
      code: code === 'ENOENT' ? 'NO_MANIFEST' : 'BAD_MANIFEST',
    })
  }

  return parseManifest(text, file)
}

/** Parses and validates manifest `text`; `file` is used in error messages. */
export function parseManifest(text: string, file: string): ReadResult {
  const canonical = readCanonicalManifest(text)
  return canonical ? {manifest: canonical, userComments: 0} : parseManifestToml(text, file)
}

/**
 * Parses and validates any manifest `text` with the TOML parser: the
 * general path of {@link parseManifest}, which gives the same result.
 */
export function parseManifestToml(text: string, file: string): ReadResult {
  assertNoBuiltinKeys(text, file)
  let data: Table
  try {
    data = loadToml().parse(text.replaceAll('\r\n', '\n')) as Table
  } catch (error) {
    const e = error as {col?: number; line?: number; message?: string}
    if (typeof e.line === 'number') {
      const reason = String(e.message ?? '').split(/ at row \d+|\n/)[0]
      throw new ManifestError(`${file}:${e.line + 1}:${(e.col ?? 0) + 1}: invalid TOML: ${reason}`)
    }

    throw new ManifestError(`${file}: invalid TOML: ${String(e.message ?? error)}`)
  }

  return {manifest: validate(data, file), userComments: countUserComments(text)}
}

// __proto__ is parsed as data by @iarna/toml and kept by setOwn below.
const BUILTIN_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype).filter((key) => key !== '__proto__'))

/**
 * Refuses tables named `constructor`, `toString` and the like before
 * parsing: @iarna/toml resolves them to Object.prototype members, silently
 * losing the table (or throwing "Can't redefine existing key"). A clear error naming
 * the line beats lost data.
 */
function assertNoBuiltinKeys(text: string, file: string): void {
  for (const [index, line] of text.split('\n').entries()) {
    // Table names clash (the parser looks them up as objects); a leaf `constructor = "x"` is fine.
    const header = /^\s*\[\[?([^\]]+)\]/.exec(line)
    const tables = header ? header[1].split('.') : ((/^\s*([^=]+?)\s*=/.exec(line) ?? [])[1] ?? '').split('.').slice(0, -1)
    for (const raw of tables) {
      const key = raw.trim().replace(/^(["'])(.*)\1$/, '$2')
      if (BUILTIN_KEYS.has(key)) {
        fail(file, `line ${index + 1}: the key "${key}" is not supported (glix's TOML parser confuses it with a JavaScript built-in); rename it`)
      }
    }
  }
}

/** Sets `key` as an own property, so keys such as `__proto__` stay data. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, {configurable: true, enumerable: true, value, writable: true})
}

function fail(file: string, message: string): never {
  throw new ManifestError(`${file}: ${message}`)
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return quoteForMessage(value)
  if (value instanceof Date) return value.toISOString()
  return JSON.stringify(value) ?? String(value)
}

function expectString(file: string, key: string, value: unknown): string {
  if (typeof value !== 'string') fail(file, `${key} must be a string, got ${describeValue(value)}`)
  return value
}

function expectBool(file: string, key: string, value: unknown): boolean {
  if (typeof value !== 'boolean') fail(file, `${key} must be true or false, got ${describeValue(value)}`)
  return value
}

function expectScope(file: string, key: string, value: unknown): Scope {
  if (value !== 'system' && value !== 'home') fail(file, `${key} must be "system" or "home", got ${describeValue(value)}`)
  return value
}

function validate(data: Table, file: string): Manifest {
  if (!('schema' in data)) fail(file, 'missing schema (expected schema = 1)')
  if (data.schema !== 1) fail(file, `unsupported schema ${describeValue(data.schema)} (expected 1)`)

  const extra: Extra = {}
  for (const [key, value] of Object.entries(data)) {
    if (key !== 'schema' && key !== 'settings' && key !== 'packages') setOwn(extra, key, value)
  }

  const rawSettings = data.settings ?? {}
  if (!isTable(rawSettings)) fail(file, `settings must be a table, got ${describeValue(rawSettings)}`)
  const rawPackages = data.packages ?? {}
  if (!isTable(rawPackages)) fail(file, `packages must be a table, got ${describeValue(rawPackages)}`)

  const packages: Record<string, PackageEntry> = {}
  for (const [name, raw] of Object.entries(rawPackages)) {
    if (!isValidName(name)) fail(file, `invalid package name ${quoteForMessage(name)} in [packages]`)
    packages[name] = validatePackage(file, name, raw)
  }

  return {extra, packages, schema: 1, settings: validateSettings(file, rawSettings)}
}

function validateSettings(file: string, raw: Table): HostSettings {
  const settings: HostSettings = {
    auto_apply: raw.auto_apply === undefined ? false : expectBool(file, 'settings.auto_apply', raw.auto_apply),
    default_scope:
      raw.default_scope === undefined ? 'system' : expectScope(file, 'settings.default_scope', raw.default_scope),
    extra: {},
  }
  for (const key of OPTIONAL_SETTING_KEYS) {
    if (raw[key] === undefined) continue
    const value = expectString(file, `settings.${key}`, raw[key])
    if (value !== '') settings[key] = value
  }

  if (settings.primary_user !== undefined && !isValidName(settings.primary_user)) {
    fail(file, `settings.primary_user: invalid user name ${quoteForMessage(settings.primary_user)}`)
  }

  for (const [key, value] of Object.entries(raw)) {
    if (!KNOWN_SETTINGS.has(key)) setOwn(settings.extra, key, value)
  }

  return settings
}

function validatePackage(file: string, name: string, raw: TomlValue): PackageEntry {
  const where = `packages.${name}`
  if (!isTable(raw)) fail(file, `${where} must be a table, got ${describeValue(raw)}`)
  if (raw.flake === undefined) fail(file, `${where}.flake is missing`)
  if (raw.scope === undefined) fail(file, `${where}.scope is missing`)
  if (raw.enabled === undefined) fail(file, `${where}.enabled is missing`)
  const entry: PackageEntry = {
    config: {},
    enabled: expectBool(file, `${where}.enabled`, raw.enabled),
    extra: {},
    flake: expectString(file, `${where}.flake`, raw.flake),
    scope: expectScope(file, `${where}.scope`, raw.scope),
  }
  if (entry.flake === '') fail(file, `${where}.flake is empty`)
  if (raw.pin !== undefined) {
    const pin = expectString(file, `${where}.pin`, raw.pin)
    if (pin !== '') entry.pin = pin
  }

  if (raw.user !== undefined) {
    const user = expectString(file, `${where}.user`, raw.user)
    if (user !== '') {
      if (!isValidName(user)) fail(file, `${where}.user: invalid user name ${quoteForMessage(user)}`)
      entry.user = user
    }
  }

  if (raw.config !== undefined) {
    if (!isTable(raw.config)) fail(file, `${where}.config must be a table, got ${describeValue(raw.config)}`)
    for (const [key, value] of Object.entries(raw.config)) {
      setOwn(entry.config, key, expectString(file, `${where}.config.${key}`, value))
    }
  }

  for (const [key, value] of Object.entries(raw)) {
    if (!KNOWN_PACKAGE_KEYS.has(key)) setOwn(entry.extra, key, value)
  }

  return entry
}

/**
 * Counts the comments in TOML `text` other than glix's header line: whole
 * comment lines and trailing comments, skipping `#` inside strings.
 */
export function countUserComments(text: string): number {
  let count = 0
  let multiline: '"""' | "'''" | undefined
  for (const line of text.split(/\r?\n/)) {
    if (line === MANIFEST_HEADER) continue
    let i = 0
    let quote: '"' | "'" | undefined
    while (i < line.length) {
      const ch = line[i]
      if (multiline) {
        if (line.startsWith(multiline, i)) {
          i += 3
          // One or two quotes just inside the closing delimiter belong to the string.
          for (let n = 0; n < 2 && line[i] === multiline[0]; n++) i++
          multiline = undefined
          continue
        }

        if (ch === '\\' && multiline === '"""') i++
      } else if (quote) {
        if (ch === '\\' && quote === '"') i++
        else if (ch === quote) quote = undefined
      } else if (line.startsWith('"""', i) || line.startsWith("'''", i)) {
        multiline = line.slice(i, i + 3) as '"""' | "'''"
        i += 3
        continue
      } else if (ch === '"' || ch === "'") {
        quote = ch
      } else if (ch === '#') {
        count++
        break
      }

      i++
    }
  }

  return count
}
