/**
 * Property test of the in-place manifest update: for random manifests
 * written in random layouts (glix's, the Go glix's, or by hand: shuffled
 * keys, omitted defaults, comments, blank lines, indentation, aligned or
 * not, config inline or in a distant table, packages defined by dotted or
 * inline keys, CRLF) and random edits (what glix's commands do, plus
 * changes to unknown keys),
 * - the updated text reads back as exactly the intended manifest;
 * - every table of an untouched package (and `[settings]`, when untouched)
 *   keeps its bytes;
 * - the comments of the new text are comments of the old one, and the
 *   ones that are gone are exactly the ones reported as dropped.
 */
import {expect} from 'chai'
import fc from 'fast-check'

import {parseManifest, parseManifestDocument} from '../../../src/lib/manifest/read.js'
import {type HostSettings, type Manifest, MANIFEST_HEADER, type PackageEntry} from '../../../src/lib/manifest/types.js'
import {renderManifest, updateManifestText} from '../../../src/lib/manifest/write.js'
import type {TomlDocument, TomlTableSpan} from '../../../src/lib/toml/parse.js'
import {renderTomlValue, tomlKey, tomlString} from '../../../src/lib/toml/render.js'
import type {TomlValue} from '../../../src/lib/toml/value.js'
import {seededRandom} from '../../helpers/seeded-random.js'
import {anyString, extraValue, manifest, mapKey, name, nonEmptyString, packageEntry} from './arbitraries.js'

const NUM_RUNS = 300

// ---- layouts -----------------------------------------------------------------

interface Layout {
  rng: () => number
  eol: string
}

const chance = (layout: Layout, p: number) => layout.rng() < p
const shuffle = <T,>(layout: Layout, items: T[]): T[] => {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(layout.rng() * (i + 1))
    ;[out[i], out[j]] = [out[j], out[i]]
  }

  return out
}

const comment = (layout: Layout, what: string) => (chance(layout, 0.2) ? `   # about ${what.length}` : '')

/** `key = value` lines in one table's style: aligned or not, maybe indented, with trailing comments. */
function keyLines(layout: Layout, pairs: Array<[string, string]>, lines: string[]): void {
  const aligned = chance(layout, 0.4)
  const indent = chance(layout, 0.15) ? '  ' : ''
  const width = Math.max(0, ...pairs.map(([k]) => tomlKey(k).length))
  for (const [k, v] of pairs) {
    const key = tomlKey(k)
    lines.push(`${indent}${aligned ? key.padEnd(width) : key} = ${v}${comment(layout, k)}`)
    if (chance(layout, 0.1)) lines.push(chance(layout, 0.5) ? '' : '# a note between keys')
  }
}

const extraPairs = (extra: Record<string, TomlValue>): Array<[string, string]> => Object.keys(extra).map((k) => [k, renderTomlValue(extra[k])])

function writeString(layout: Layout, value: string): string {
  // eslint-disable-next-line no-control-regex -- a literal string cannot hold control characters
  return !/['\u0000-\u001F\u007F]/.test(value) && chance(layout, 0.2) ? `'${value}'` : tomlString(value)
}

function settingsPairs(layout: Layout, s: HostSettings): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  if (s.default_scope !== 'system' || chance(layout, 0.7)) pairs.push(['default_scope', tomlString(s.default_scope)])
  if (s.auto_apply || chance(layout, 0.7)) pairs.push(['auto_apply', String(s.auto_apply)])
  for (const key of ['system', 'primary_user', 'registry_url', 'target_host', 'build_host'] as const) {
    const value = s[key]
    if (value !== undefined) pairs.push([key, writeString(layout, value)])
  }

  return [...pairs, ...extraPairs(s.extra)]
}

function packagePairs(layout: Layout, e: PackageEntry): Array<[string, string]> {
  const pairs: Array<[string, string]> = [['flake', writeString(layout, e.flake)]]
  if (e.scope !== 'system' || chance(layout, 0.7)) pairs.push(['scope', tomlString(e.scope)])
  if (!e.enabled || chance(layout, 0.7)) pairs.push(['enabled', String(e.enabled)])
  if (e.pin !== undefined) pairs.push(['pin', writeString(layout, e.pin)])
  if (e.user !== undefined) pairs.push(['user', tomlString(e.user)])
  return [...pairs, ...extraPairs(e.extra)]
}

const inline = (pairs: Array<[string, string]>) => (pairs.length === 0 ? '{}' : `{ ${pairs.map(([k, v]) => `${tomlKey(k)} = ${v}`).join(', ')} }`)

/** Writes `m` in a random layout; the result parses to `m`. */
function writeLayout(layout: Layout, m: Manifest): string {
  if (chance(layout, 0.15)) return renderManifest(m).replaceAll('\n', layout.eol)
  const root: string[] = chance(layout, 0.5) ? [MANIFEST_HEADER] : chance(layout, 0.5) ? ['# my host'] : []
  const tables: string[] = []
  const later: string[] = []
  root.push('schema = 1')
  keyLines(layout, extraPairs(m.extra), root)
  // A package defined outside its own header: by a dotted key at the top, or in a [packages] table (not both).
  const outside = chance(layout, 0.5) ? 'dotted' : 'container'
  const container: string[] = []
  tables.push('', '[settings]')
  keyLines(layout, shuffle(layout, settingsPairs(layout, m.settings)), tables)
  const names = Object.keys(m.packages)
  for (const n of chance(layout, 0.5) ? names.sort() : shuffle(layout, names)) {
    const e = m.packages[n]
    const configPairs = Object.keys(e.config).map((k): [string, string] => [k, writeString(layout, e.config[k])])
    if (chance(layout, 0.1)) {
      const pairs = packagePairs(layout, e)
      if (configPairs.length > 0) pairs.push(['config', inline(configPairs)])
      if (outside === 'dotted') root.push(`packages.${tomlKey(n)} = ${inline(pairs)}`)
      else container.push(`${tomlKey(n)} = ${inline(pairs)}`)
      continue
    }

    if (chance(layout, 0.3)) tables.push(`# ${n}`)
    tables.push(`[packages.${tomlKey(n)}]`)
    const pairs = shuffle(layout, packagePairs(layout, e))
    const configInline = configPairs.length > 0 && chance(layout, 0.2)
    if (configInline) pairs.push(['config', inline(configPairs)])
    keyLines(layout, pairs, tables)
    if (chance(layout, 0.7)) tables.push('')
    if (configPairs.length > 0 && !configInline) {
      const target = chance(layout, 0.2) ? later : tables
      target.push(`[packages.${tomlKey(n)}.config]`)
      keyLines(layout, chance(layout, 0.5) ? configPairs.sort(([a], [b]) => (a < b ? -1 : 1)) : shuffle(layout, configPairs), target)
      if (chance(layout, 0.7)) target.push('')
    }
  }

  const lines = [...root, ...(container.length > 0 ? ['', '[packages]', ...container] : []), ...tables, ...later]
  return lines.join(layout.eol) + (chance(layout, 0.3) ? layout.eol + layout.eol : chance(layout, 0.9) ? layout.eol : '')
}

const layouts = fc.tuple(fc.integer(), fc.boolean()).map(([seed, crlf]): Layout => ({eol: crlf ? '\r\n' : '\n', rng: seededRandom(seed)}))

// ---- edits -----------------------------------------------------------------------

type Edit = (m: Manifest) => Manifest

/** The package at `index` (modulo the count), changed by `change`; no-op without packages. */
const onPackage = (index: number, change: (e: PackageEntry) => PackageEntry | undefined): Edit => (m) => {
  const names = Object.keys(m.packages)
  if (names.length === 0) return m
  const n = names[index % names.length]
  const packages = {...m.packages}
  const next = change(packages[n])
  if (next) packages[n] = next
  else delete packages[n]
  return {...m, packages}
}

const without = <T extends object>(value: T, key: keyof T): T => {
  const copy = {...value}
  delete copy[key]
  return copy
}

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.tuple(name, packageEntry).map(([n, e]): Edit => (m) => ({...m, packages: {...m.packages, [n]: e}})),
  fc.nat().map((i) => onPackage(i, () => undefined)),
  fc.nat().map((i) => onPackage(i, (e) => ({...e, enabled: !e.enabled}))),
  fc.tuple(fc.nat(), fc.option(nonEmptyString, {nil: undefined})).map(([i, pin]) => onPackage(i, (e) => (pin === undefined ? without(e, 'pin') : {...e, pin}))),
  fc.tuple(fc.nat(), fc.option(name, {nil: undefined})).map(([i, user]) => onPackage(i, (e) => (user === undefined ? without(e, 'user') : {...e, scope: 'home', user}))),
  fc.tuple(fc.nat(), nonEmptyString).map(([i, flake]) => onPackage(i, (e) => ({...e, flake}))),
  fc.nat().map((i) => onPackage(i, (e) => ({...e, scope: e.scope === 'home' ? 'system' : 'home'}))),
  fc.tuple(fc.nat(), mapKey, anyString).map(([i, k, v]) =>
    onPackage(i, (e) => {
      const config = {...e.config}
      Object.defineProperty(config, k, {configurable: true, enumerable: true, value: v, writable: true})
      return {...e, config}
    }),
  ),
  fc.tuple(fc.nat(), fc.nat()).map(([i, k]) =>
    onPackage(i, (e) => {
      const keys = Object.keys(e.config)
      return keys.length === 0 ? e : {...e, config: without(e.config, keys[k % keys.length])}
    }),
  ),
  fc.tuple(fc.nat(), extraValue).map(([i, v]) => onPackage(i, (e) => ({...e, extra: {...e.extra, later_key: v}}))),
  fc
    .tuple(fc.constantFrom('system', 'primary_user', 'registry_url', 'target_host', 'build_host'), fc.option(name, {nil: undefined}))
    .map(([k, v]): Edit => (m) => ({...m, settings: v === undefined ? without(m.settings, k) : {...m.settings, [k]: v}})),
  fc.boolean().map((b): Edit => (m) => ({...m, settings: {...m.settings, auto_apply: b, default_scope: b ? 'home' : 'system'}})),
  extraValue.map((v): Edit => (m) => ({...m, settings: {...m.settings, extra: {...m.settings.extra, later_key: v}}})),
)

// ---- checks ------------------------------------------------------------------------

/**
 * A header table's own text: from its header line to the end of its last
 * key/value line, without that line's ending (a file's last line may have
 * none, and gets one when something is appended after it).
 */
const tableText = (text: string, t: TomlTableSpan) => text.slice(t.start, t.entries.at(-1)?.end ?? t.headerEnd).replace(/\r?\n$/, '')

function tablesOf(document: TomlDocument, prefix: string[]): TomlTableSpan[] {
  return document.tables.filter((t) => prefix.every((k, i) => t.key[i] === k) && t.key.length >= prefix.length)
}

/** The comments of a text other than glix's header line, as written. */
function userComments(text: string, document: TomlDocument): string[] {
  return document.comments
    .filter((at) => !(at === 0 && text.startsWith(MANIFEST_HEADER)))
    .map((at) => text.slice(at, text.indexOf('\n', at) === -1 ? text.length : text.indexOf('\n', at)).trimEnd())
}

describe('updateManifestText (property)', () => {
  it('reads back as the intended manifest, keeps untouched tables byte for byte, and reports exactly the comments it drops', () => {
    fc.assert(
      fc.property(manifest, layouts, fc.array(edit, {maxLength: 4, minLength: 1}), (m, layout, edits) => {
        const text = writeLayout(layout, m)
        const before = parseManifestDocument(text, 'before')
        expect(before.manifest, `the layout writer is wrong:\n${text}`).to.deep.equal(m)
        const intended = edits.reduce((current, e) => e(current), before.manifest)
        const update = updateManifestText(text, before.manifest, intended, before.document)
        const after = parseManifestDocument(update.text, 'after')
        const context = `--- before\n${text}\n--- after\n${update.text}`
        expect(after.manifest, context).to.deep.equal(intended)

        for (const n of Object.keys(intended.packages)) {
          if (before.manifest.packages[n] !== intended.packages[n]) continue
          for (const table of tablesOf(before.document, ['packages', n])) {
            const [now] = tablesOf(after.document, table.key).filter((t) => t.key.length === table.key.length)
            expect(now, `${table.key.join('.')} is gone\n${context}`).not.to.equal(undefined)
            expect(tableText(update.text, now), context).to.equal(tableText(text, table))
          }
        }

        if (before.manifest.settings === intended.settings) {
          for (const table of tablesOf(before.document, ['settings'])) {
            const [now] = tablesOf(after.document, table.key).filter((t) => t.key.length === table.key.length)
            expect(tableText(update.text, now), context).to.equal(tableText(text, table))
          }
        }

        const old = userComments(text, before.document)
        const kept = userComments(update.text, after.document)
        const remaining = [...old]
        for (const c of kept) {
          const i = remaining.indexOf(c)
          expect(i, `comment ${JSON.stringify(c)} was not in the old text\n${context}`).to.not.equal(-1)
          remaining.splice(i, 1)
        }

        expect(update.droppedComments, context).to.equal(remaining.length)
      }),
      {numRuns: NUM_RUNS},
    )
  })

  it('changes nothing, byte for byte, when the manifest does not change', () => {
    fc.assert(
      fc.property(manifest, layouts, (m, layout) => {
        const text = writeLayout(layout, m)
        const {manifest: read} = parseManifest(text, 'x')
        expect(updateManifestText(text, read, {...read, packages: {...read.packages}, settings: {...read.settings}})).to.deep.equal({droppedComments: 0, text})
      }),
      {numRuns: NUM_RUNS},
    )
  })
})
