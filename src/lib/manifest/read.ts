/**
 * Reading host manifests.
 *
 * Every manifest, whoever wrote it (glix, the Go glix, a text editor), is
 * parsed by the one TOML 1.0 parser of src/lib/toml and then validated
 * against schema 1 (spec §2), one function per table. A structural problem
 * becomes one ManifestError naming the file and, for syntax errors, the
 * 1-based line and column, or the offending key and value; a well-typed
 * value that breaks its field's rule (src/lib/validate.ts) is kept and
 * reported through problems.ts, the same rule whatever wrote the file.
 *
 * Invariants: unknown keys are kept in `extra` maps, nothing is dropped
 * silently; a missing `scope` reads as "system" and a missing `enabled` as
 * true, exactly as the core's `importManifest` reads them (the document
 * model, when asked for, still shows that the keys are absent, so an
 * untouched package is written back without them); bytes that are not
 * UTF-8 are an error, never U+FFFD.
 */
import {closeSync, constants, fstatSync, openSync, readFileSync} from 'node:fs'

import {ManifestError} from '../errors.js'
import {quoteForMessage} from '../names.js'
import {currentIdentity, knownContent, knownIdentity, lstatNs, noteRead, recall} from '../repo/known.js'
import {parseToml, parseTomlDocument, type TomlDocument} from '../toml/parse.js'
import {renderTomlValue} from '../toml/render.js'
import {decodeUtf8} from '../toml/utf8.js'
import {createRecord, isTomlTable, TomlError, type TomlTable, type TomlValue} from '../toml/value.js'
import {checkField, describeInvalid, type Field} from '../validate.js'
import {peekProblems, reportProblem} from './problems.js'
import {type Extra, type HostSettings, type Manifest, MANIFEST_HEADER, OPTIONAL_SETTING_KEYS, type PackageEntry, type Scope} from './types.js'

/** The first line of every manifest glix writes. */
export {MANIFEST_HEADER}

/** A parsed, validated manifest. */
export interface ReadResult {
  manifest: Manifest
}

/** A manifest with the text it was read from and that text's document model, for editing in place. */
export interface ManifestDocument extends ReadResult {
  text: string
  document: TomlDocument
}

const KNOWN_TOP_LEVEL = new Set(['schema', 'settings', 'packages'])
const KNOWN_SETTINGS = new Set<string>(['default_scope', 'auto_apply', ...OPTIONAL_SETTING_KEYS])

/** Reads the bytes of `file` (or recalls them, when this command read or wrote the same file), turning I/O errors into ManifestErrors. */
function readManifestBytes(file: string): Buffer {
  try {
    const remembered = knownIdentity(file) === undefined ? undefined : recall(file, lstatNs(file))
    if (remembered) return remembered.data
    // Never through a link (the repo gate refuses linked directories; this covers the file itself).
    const fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW)
    try {
      const readAt = Date.now()
      const stat = fstatSync(fd, {bigint: true})
      const data = readFileSync(fd)
      noteRead(file, stat, data, readAt)
      return data
    } finally {
      closeSync(fd)
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ELOOP') throw new ManifestError(`${file} is a symbolic link, which glix does not follow; replace it with the file itself`, {code: 'SYMLINK'})
    throw new ManifestError(code === 'ENOENT' ? `${file}: no such manifest` : `${file}: cannot read: ${String(error)}`, {
      code: code === 'ENOENT' ? 'NO_MANIFEST' : 'BAD_MANIFEST',
    })
  }
}

/**
 * Reads and validates the manifest at `file`. The read is synchronous: for
 * small files it is several times cheaper than the thread-pool round trips
 * of an asynchronous one, which adds up over a fleet of hosts.
 */
export async function readManifest(file: string): Promise<ReadResult> {
  return remembered(file, false) ?? remember(file, parseManifest(readManifestBytes(file), file))
}

/** Reads and validates the manifest at `file`, keeping its text and document model for an in-place edit. */
export async function readManifestDocument(file: string): Promise<ManifestDocument> {
  return (remembered(file, true) as ManifestDocument | undefined) ?? remember(file, parseManifestDocument(readManifestBytes(file), file))
}

/**
 * Manifests parsed by this process, by path, with the identity of the file
 * they were parsed from (src/lib/repo/known.ts): a command parses each
 * manifest once however many steps need it (planning, planning again
 * under the lock, regeneration, --apply). A file written since — glix
 * writes by rename, so a new inode; an editor at least a new change time —
 * no longer matches and is read again; so is one read too soon after it
 * last changed, which known.ts does not vouch for. The problems a manifest
 * had are said again by every command that uses the remembered copy.
 */
const memory = new Map<string, {identity: string; problems: string[]; result: ManifestDocument | ReadResult}>()

function remembered(file: string, needDocument: boolean): ReadResult | undefined {
  const entry = memory.get(file)
  if (!entry || (needDocument && !('document' in entry.result)) || entry.identity !== currentIdentity(file)) return undefined
  for (const problem of entry.problems) reportProblem(problem)
  return entry.result
}

function remember<T extends ReadResult>(file: string, result: T): T {
  const identity = knownIdentity(file)
  if (identity === undefined) memory.delete(file)
  else memory.set(file, {identity, problems: peekProblems(file), result})
  return result
}

/** Remembers the manifest glix just wrote to `file` as `text`, so the rest of the command need not read it back. */
export function rememberWritten(file: string, text: string): void {
  remember(file, parseManifestDocument(text, file))
}

/**
 * The manifest in `data`, a copy of `file` read from git: when those are
 * the bytes this command already parsed from `file`, that parse (a pure
 * function of the bytes) is reused; otherwise they are parsed without
 * reporting field-rule problems (the work-tree file's were reported),
 * `label` naming them in messages.
 */
export function parseCommittedManifest(data: Buffer, file: string, label = file): ReadResult {
  const entry = memory.get(file)
  const content = knownContent(file)
  if (entry && content && entry.identity === content.identity && content.data.equals(data)) return entry.result
  return parseManifest(data, label, {report: false})
}

/**
 * Parses and validates manifest `source` (text, or bytes that must be
 * UTF-8); `file` is used in messages. With `report: false` the field-rule
 * problems are not reported (a copy read from git for a commit, whose
 * work-tree file the command already read and reported).
 */
export function parseManifest(source: string | Uint8Array, file: string, options: {report?: boolean} = {}): ReadResult {
  const text = decode(source, file)
  const data = syntax(file, () => parseToml(text))
  if (options.report !== false) return {manifest: validate(data, file)}
  reporting = false
  try {
    return {manifest: validate(data, file)}
  } finally {
    reporting = true
  }
}

/** Like {@link parseManifest}, and also returns the text and its document model. */
export function parseManifestDocument(source: string | Uint8Array, file: string): ManifestDocument {
  const text = decode(source, file)
  const {document, value} = syntax(file, () => parseTomlDocument(text))
  return {document, manifest: validate(value, file), text}
}

function decode(source: string | Uint8Array, file: string): string {
  return typeof source === 'string' ? source : syntax(file, () => decodeUtf8(source))
}

/** Runs `parse`, turning a TOML syntax error into the ManifestError `<file>:<line>:<col>: invalid TOML: <reason>`. */
function syntax<T>(file: string, parse: () => T): T {
  try {
    return parse()
  } catch (error) {
    if (error instanceof TomlError) throw new ManifestError(`${file}:${error.line}:${error.column}: invalid TOML: ${error.reason}`)
    throw error
  }
}

/** Sets `key` as an own property of a plain object, so even `__proto__` stays data. */
function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(target, key, {configurable: true, enumerable: true, value, writable: true})
  else target[key] = value
}

function fail(file: string, message: string): never {
  throw new ManifestError(`${file}: ${message}`)
}

/** A value as the user wrote it, for a message: strings quoted with control characters escaped, anything else as TOML. */
function describeValue(value: TomlValue): string {
  return typeof value === 'string' ? quoteForMessage(value) : renderTomlValue(value)
}

/*
 * The expect* functions take the key's table and name apart, so the
 * dotted path for the message is only built when there is an error: they
 * run for every key of every package of every host.
 */

const path = (table: string, key: string): string => (table === '' ? key : `${table}.${key}`)

function expectString(file: string, table: string, key: string, value: TomlValue): string {
  if (typeof value !== 'string') fail(file, `${path(table, key)} must be a string, got ${describeValue(value)}`)
  return value
}

function expectBool(file: string, table: string, key: string, value: TomlValue): boolean {
  if (typeof value !== 'boolean') fail(file, `${path(table, key)} must be true or false, got ${describeValue(value)}`)
  return value
}

function expectScope(file: string, table: string, key: string, value: TomlValue): Scope {
  if (value !== 'system' && value !== 'home') fail(file, `${path(table, key)} must be "system" or "home", got ${describeValue(value)}`)
  return value
}

function expectTable(file: string, table: string, key: string, value: TomlValue): TomlTable {
  if (!isTomlTable(value)) fail(file, `${path(table, key)} must be a table, got ${describeValue(value)}`)
  return value
}

/** Copies the keys of `raw` that `known` does not hold into a new extra map. */
function unknownKeys(raw: TomlTable, known: Set<string>): Extra {
  const extra: Extra = {}
  for (const key of Object.keys(raw)) if (!known.has(key)) setOwn(extra, key, raw[key])
  return extra
}

/** Validates a whole parsed manifest: the top level, then one function per table. */
function validate(data: TomlTable, file: string): Manifest {
  if (data.schema === undefined) fail(file, 'missing schema (expected schema = 1)')
  // A TOML float 1.0 reads as the number 1 and is accepted, as Nix's `schema != 1` accepts it.
  if (data.schema !== 1) fail(file, `unsupported schema ${describeValue(data.schema)} (expected 1)`)
  return {
    extra: unknownKeys(data, KNOWN_TOP_LEVEL),
    packages: validatePackages(file, data.packages === undefined ? {} : expectTable(file, '', 'packages', data.packages)),
    schema: 1,
    settings: validateSettings(file, data.settings === undefined ? {} : expectTable(file, '', 'settings', data.settings)),
  }
}

/**
 * Checks a well-typed value against its field's rule; a value that breaks
 * it is kept (read commands show it, escaped) and reported (problems.ts).
 */
let reporting = true

function checkRule(file: string, key: string, field: Field, value: string): void {
  const reason = checkField(field, value)
  if (reason !== undefined && reporting) reportProblem(`${file}: ${key}: ${describeInvalid(field, value, reason)}; glix shows it but will not act on it`)
}

const SETTING_FIELDS: Partial<Record<string, Field>> = {
  build_host: 'build_host',
  current_system_path: 'current_system_path',
  primary_user: 'user',
  registry_url: 'registry_url',
  system: 'system',
  target_host: 'target_host',
}

/** Validates `[settings]`: scope and boolean types, optional strings (empty means unset), field rules. */
function validateSettings(file: string, raw: TomlTable): HostSettings {
  const settings: HostSettings = {
    auto_apply: raw.auto_apply === undefined ? false : expectBool(file, 'settings', 'auto_apply', raw.auto_apply),
    default_scope: raw.default_scope === undefined ? 'system' : expectScope(file, 'settings', 'default_scope', raw.default_scope),
    extra: {},
  }
  for (const key of OPTIONAL_SETTING_KEYS) {
    if (raw[key] === undefined) continue
    const value = expectString(file, 'settings', key, raw[key])
    if (value === '') continue
    settings[key] = value
    const field = SETTING_FIELDS[key]
    if (field) checkRule(file, `settings.${key}`, field, value)
  }

  settings.extra = unknownKeys(raw, KNOWN_SETTINGS)
  return settings
}

/** Validates `[packages]`: every name, then every package table. */
function validatePackages(file: string, raw: TomlTable): Record<string, PackageEntry> {
  // Inherits nothing: `packages[name]` is undefined for a package the host lacks, even `constructor`.
  const packages = createRecord<PackageEntry>()
  const names = Object.keys(raw)
  // Indexed loops here and below: this runs interpreted, for every package of every host.
  for (let i = 0; i < names.length; i++) {
    const name = names[i]
    checkRule(file, `[packages.${name}]`, 'package', name)
    setOwn(packages, name, validatePackage(file, name, raw[name]))
  }

  return packages
}

/** Validates one `[packages.<name>]`: `flake` required, `scope` defaults to system, `enabled` to true. */
function validatePackage(file: string, name: string, value: TomlValue): PackageEntry {
  const where = `packages.${name}`
  const raw = isTomlTable(value) ? value : expectTable(file, 'packages', name, value)
  const entry: PackageEntry = {config: {}, enabled: true, extra: {}, flake: '', scope: 'system'}
  let pin: string | undefined
  let user: string | undefined
  let hasFlake = false
  // One pass over the keys as written, type checks inline.
  const keys = Object.keys(raw)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]
    const v = raw[key]
    switch (key) {
      case 'flake': {
        if (typeof v !== 'string') expectString(file, where, key, v)
        entry.flake = v as string
        hasFlake = true
        break
      }

      case 'scope': {
        if (v !== 'system' && v !== 'home') expectScope(file, where, key, v)
        entry.scope = v as Scope
        break
      }

      case 'enabled': {
        if (typeof v !== 'boolean') expectBool(file, where, key, v)
        entry.enabled = v as boolean
        break
      }

      case 'pin': {
        if (typeof v !== 'string') expectString(file, where, key, v)
        pin = v as string
        break
      }

      case 'user': {
        if (typeof v !== 'string') expectString(file, where, key, v)
        user = v as string
        break
      }

      case 'config': {
        entry.config = validateConfig(file, `${where}.config`, expectTable(file, where, key, v))
        break
      }

      default: {
        setOwn(entry.extra, key, v)
      }
    }
  }

  if (!hasFlake) fail(file, `${where}.flake is missing`)
  if (entry.flake === '') fail(file, `${where}.flake is empty`)
  checkRule(file, `${where}.flake`, 'flake', entry.flake)
  if (pin) {
    entry.pin = pin
    checkRule(file, `${where}.pin`, 'pin', pin)
  }

  if (user) {
    entry.user = user
    checkRule(file, `${where}.user`, 'user', user)
  }

  return entry
}

/**
 * Validates `[packages.<name>.config]`: a table of strings, handed to the
 * package's module as `glixConfig`. The parser's table is kept as it is
 * (no copy): its keys are own properties and it inherits none, so any
 * key, `__proto__` included, is plain data.
 */
function validateConfig(file: string, where: string, raw: TomlTable): Record<string, string> {
  const keys = Object.keys(raw)
  for (let i = 0; i < keys.length; i++) if (typeof raw[keys[i]] !== 'string') expectString(file, where, keys[i], raw[keys[i]])
  return raw as Record<string, string>
}
