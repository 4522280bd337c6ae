/**
 * Writing host manifests.
 *
 * A new file is written whole in the canonical form (canonical.ts). An
 * existing file is edited in place by {@link updateManifestText}: it
 * compares the manifest read from the file with the one to write and,
 * using the parser's document model, rewrites only what changed.
 *
 * Invariants of the in-place update:
 * - every byte outside the edited spans stays: comments, blank lines, key
 *   order, alignment, line endings, the Go glix's trailing blank line;
 * - the result parses to exactly the manifest asked for;
 * - a key glix changes in a table of the usual shape (one `[packages.x]`,
 *   `[settings]` or `[packages.x.config]` header, direct `key = value`
 *   lines) is edited on its own line: a new value replaces the old one
 *   (the key, its spacing and any trailing comment stay), a cleared key's
 *   line goes, a new key's line goes after the nearest key before it in
 *   canonical order that the table has, else after the table's last line
 *   (config keys: in sorted position when the table is sorted, else
 *   last), indented and aligned like its neighbours when they are;
 * - a config table that becomes empty is removed; one that appears goes
 *   right after its package's table; an inline `config = { … }` stays
 *   inline;
 * - a package or the settings in another shape (defined inline or by
 *   dotted keys) or whose unknown keys changed is re-rendered whole in the
 *   canonical form where it stood (a new package's place when it had no
 *   header);
 * - only a change of unknown top-level keys, or a `packages = { … }`
 *   value (which no header may extend), rewrites the whole file in the
 *   canonical form;
 * - a removed package loses all its tables and lines; a new one is
 *   inserted in name order among the existing packages (after the last
 *   one when the file is not sorted);
 * - `droppedComments` counts exactly the comments inside replaced or
 *   deleted text, so the notice about them is true.
 */
import {isDeepStrictEqual} from 'node:util'

import {writeFileAtomic} from '../repo/fs.js'
import {parseTomlDocument, type TomlDocument, type TomlEntrySpan, type TomlTableSpan} from '../toml/parse.js'
import {renderTomlValue, tomlKey} from '../toml/render.js'
import {TomlDate, type TomlValue} from '../toml/value.js'
import {renderConfigLines, renderManifest, renderPackageLines, renderSettingsLines} from './canonical.js'
import {type ManifestDocument, rememberWritten} from './read.js'
import {type Extra, type HostSettings, type Manifest, MANIFEST_HEADER, OPTIONAL_SETTING_KEYS, type PackageEntry} from './types.js'

export {renderManifest} from './canonical.js'
export {tomlKey, tomlString} from '../toml/render.js'

/** The result of an in-place update: the new text and how many comments it lost. */
export interface ManifestUpdate {
  text: string
  /** Comments that were inside replaced or deleted text. */
  droppedComments: number
}

/** Writes `manifest` to `file` atomically in the canonical form (a new file). */
export async function writeManifest(file: string, manifest: Manifest): Promise<void> {
  await writeFileAtomic(file, renderManifest(manifest))
}

/**
 * Writes `after` over the manifest `current` was read from, changing only
 * the tables that differ; returns the number of comments dropped.
 */
export async function writeManifestUpdate(file: string, current: ManifestDocument, after: Manifest): Promise<number> {
  const update = updateManifestText(current.text, current.manifest, after, current.document)
  await writeFileAtomic(file, update.text)
  rememberWritten(file, update.text)
  return update.droppedComments
}

/** The notice for a rewrite that drops comments the user wrote. */
export function droppedCommentsNotice(file: string, count: number): string {
  return `${file}: the rewrite dropped ${count} hand-written comment(s) inside the tables it changed; glix keeps every key and value`
}

/**
 * Returns `text` (which parses to `before`) edited so that it parses to
 * `after`, touching only the tables that differ. `document` is the text's
 * document model when the caller already has it.
 */
export function updateManifestText(text: string, before: Manifest, after: Manifest, document?: TomlDocument): ManifestUpdate {
  return new ManifestEditor(text, document ?? parseTomlDocument(text).document).update(before, after)
}

/** True when two TOML values (or extra maps) are equal, whatever their prototypes and key order. */
function sameValue(a: TomlValue | undefined, b: TomlValue | undefined): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object') return Number.isNaN(a) && Number.isNaN(b)
  if (a instanceof TomlDate || b instanceof TomlDate) return a instanceof TomlDate && b instanceof TomlDate && a.kind === b.kind && a.text === b.text
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => sameValue(v, b[i]))
  }

  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameValue(a[k], b[k]))
}

const sameExtra = (a: Extra, b: Extra): boolean => sameValue(a, b)

/** A table and the text it owns: attached comment lines above the header, its lines, its trailing blank lines. */
interface Block {
  table: TomlTableSpan
  /** Start of the comment lines attached to the header (no blank line between), else of the header. */
  start: number
  /** After the last line holding anything but whitespace. */
  contentEnd: number
  /** Where the next block starts, or the end of the text. */
  end: number
  /** The block after it in the text, if any. */
  next?: Block
}

/** The text pieces that make up one package or the settings. */
interface Unit {
  /** Header tables whose key starts with the unit's key, in text order. */
  blocks: Block[]
  /** `key = value` lines in enclosing tables that define part of the unit (inline or dotted). */
  outside: TomlEntrySpan[]
}

interface Edit {
  start: number
  end: number
  text: string
  seq: number
}

const PACKAGE_KEYS = ['flake', 'scope', 'enabled', 'pin', 'user'] as const
const SETTING_KEYS = ['default_scope', 'auto_apply', ...OPTIONAL_SETTING_KEYS] as const

class ManifestEditor {
  private readonly blocks: Block[] = []
  private readonly packages = new Map<string, Unit>()
  private readonly settings: Unit = {blocks: [], outside: []}
  /** True when `packages` itself is a value (`packages = { … }`), which no header may extend. */
  private packagesIsValue = false
  private readonly eol: string
  private readonly edits: Edit[] = []
  private readonly appends: string[][] = []
  private dropped = 0

  constructor(
    private readonly text: string,
    private readonly document: TomlDocument,
  ) {
    const firstNewline = text.indexOf('\n')
    this.eol = firstNewline > 0 && text[firstNewline - 1] === '\r' ? '\r\n' : '\n'
    this.indexBlocks()
    this.indexUnits()
  }

  // ---- the document's layout --------------------------------------------------

  /** Splits the text into blocks, one per header table (the root's lines are not a block). */
  private indexBlocks(): void {
    const {tables} = this.document
    for (let i = 1; i < tables.length; i++) {
      const table = tables[i]
      const previous = tables[i - 1]
      const floor = previous.entries.length > 0 ? (previous.entries.at(-1) as TomlEntrySpan).end : previous.headerEnd
      const block: Block = {contentEnd: 0, end: table.end, start: this.attachedCommentsStart(table.start, floor), table}
      const last = this.blocks.at(-1)
      if (last) {
        last.end = block.start
        last.next = block
      }

      this.blocks.push(block)
    }

    for (const block of this.blocks) block.contentEnd = Math.max(block.table.headerEnd, contentEnd(this.text, block.start, block.end))
  }

  /** Walks up from a header over comment-only lines directly above it (stopping at `floor`). */
  private attachedCommentsStart(headerStart: number, floor: number): number {
    const {text} = this
    let start = headerStart
    while (start > floor) {
      const lineStart = text.lastIndexOf('\n', start - 2) + 1
      if (lineStart < floor || !/^[ \t]*#/.test(text.slice(lineStart, start))) break
      start = lineStart
    }

    return start
  }

  /** Finds, for the settings and each package, its header tables and the lines elsewhere that define it. */
  private indexUnits(): void {
    const unit = (name: string): Unit => {
      let found = this.packages.get(name)
      if (!found) this.packages.set(name, (found = {blocks: [], outside: []}))
      return found
    }

    for (const block of this.blocks) {
      const {key} = block.table
      if (key[0] === 'settings') this.settings.blocks.push(block)
      else if (key[0] === 'packages' && key.length >= 2) unit(key[1]).blocks.push(block)
      else if (key.length === 1 && key[0] === 'packages') for (const entry of block.table.entries) unit(entry.key[0]).outside.push(entry)
    }

    for (const entry of this.document.tables[0].entries) {
      if (entry.key[0] === 'settings') this.settings.outside.push(entry)
      else if (entry.key[0] === 'packages' && entry.key.length === 1) this.packagesIsValue = true
      else if (entry.key[0] === 'packages') unit(entry.key[1]).outside.push(entry)
    }
  }

  // ---- edits ---------------------------------------------------------------

  private countComments(start: number, end: number): number {
    let count = 0
    for (const at of this.document.comments) if (at >= start && at < end) count++
    return count
  }

  private replace(start: number, end: number, text: string): void {
    this.dropped += this.countComments(start, end)
    this.edits.push({end, seq: this.edits.length, start, text})
  }

  private lines(lines: string[]): string {
    return lines.join(this.eol) + this.eol
  }

  private deleteBlock(block: Block): void {
    this.replace(block.start, block.end, '')
  }

  private deleteLine(entry: TomlEntrySpan): void {
    this.replace(entry.start, entry.end, '')
  }

  /** Inserts one line at `at`, a line start or the end of a last line without a line ending. */
  private insertLine(at: number, line: string): void {
    const text = at > 0 && this.text[at - 1] !== '\n' ? this.eol + line : line + this.eol
    this.replace(at, at, text)
  }

  /** True when the line before `at` is blank: the file separates tables with a blank line there. */
  private blankLineBefore(at: number): boolean {
    const {text} = this
    if (at === 0 || text[at - 1] !== '\n') return false
    const previous = text.lastIndexOf('\n', at - 2)
    return /^[ \t\r]*$/.test(text.slice(previous + 1, at - 1))
  }

  private insertBlockBefore(block: Block, lines: string[]): void {
    this.replace(block.start, block.start, this.lines(lines) + (this.blankLineBefore(block.start) ? this.eol : ''))
  }

  private insertBlockAfter(block: Block | undefined, lines: string[]): void {
    if (block?.next) this.insertBlockBefore(block.next, lines)
    else this.appends.push(lines)
  }

  // ---- the update ------------------------------------------------------------

  update(before: Manifest, after: Manifest): ManifestUpdate {
    if (this.packagesIsValue || !sameExtra(before.extra, after.extra)) return this.rewrite(after)
    this.updateSettings(before.settings, after.settings)
    const names = [...new Set([...Object.keys(before.packages), ...Object.keys(after.packages)])].sort()
    for (const name of names) {
      const old = Object.hasOwn(before.packages, name) ? before.packages[name] : undefined
      const next = Object.hasOwn(after.packages, name) ? after.packages[name] : undefined
      if (!old && next) this.insertPackage(name, next)
      else if (old && !next) this.deleteUnit(this.packages.get(name))
      else if (old && next && !isDeepStrictEqual(old, next)) this.updatePackage(name, old, next)
    }

    return this.finish(after)
  }

  /** The whole file in the canonical form: for changes no in-place edit can express. */
  private rewrite(after: Manifest): ManifestUpdate {
    const header = this.text.startsWith(MANIFEST_HEADER) ? 1 : 0
    const text = renderManifest(after)
    return {droppedComments: this.document.comments.length - header, text: this.eol === '\n' ? text : text.replaceAll('\n', this.eol)}
  }

  /** Applies the edits (insertions before replacements at one offset) and the appended blocks. */
  private finish(after: Manifest): ManifestUpdate {
    const edits = this.edits.sort((a, b) => a.start - b.start || (a.end === a.start ? 0 : 1) - (b.end === b.start ? 0 : 1) || a.seq - b.seq)
    let out = ''
    let cursor = 0
    for (const edit of edits) {
      // Never expected; a whole canonical file is still a correct answer.
      if (edit.start < cursor) return this.rewrite(after)
      out += this.text.slice(cursor, edit.start) + edit.text
      cursor = edit.end
    }

    out += this.text.slice(cursor)
    // The end of the file keeps its old shape (the Go glix ends with a blank line, glix does not).
    const trailer = this.text.slice(contentEnd(this.text, 0, this.text.length))
    let content = out.slice(0, contentEnd(out, 0, out.length))
    for (const lines of this.appends) {
      if (content.length > 0) content += (content.endsWith('\n') ? '' : this.eol) + this.eol
      content += this.lines(lines)
    }

    return {droppedComments: this.dropped, text: content + trailer}
  }

  private deleteUnit(unit: Unit | undefined): void {
    for (const block of unit?.blocks ?? []) this.deleteBlock(block)
    for (const entry of unit?.outside ?? []) this.deleteLine(entry)
  }

  /** Re-renders a unit: its first block becomes `lines`, its other pieces go; without a block, `place` puts the lines. */
  private rerender(unit: Unit | undefined, lines: string[], place: () => void): void {
    const [first, ...rest] = unit?.blocks ?? []
    for (const block of rest) this.deleteBlock(block)
    for (const entry of unit?.outside ?? []) this.deleteLine(entry)
    if (first) this.replace(first.start, first.contentEnd, this.lines(lines))
    else place()
  }

  // ---- settings ----------------------------------------------------------------

  private updateSettings(before: HostSettings, after: HostSettings): void {
    if (isDeepStrictEqual(before, after)) return
    const main = this.simpleTable(this.settings, 1)
    if (!main || !sameExtra(before.extra, after.extra)) {
      this.rerender(this.settings, renderSettingsLines(after), () => {
        const first = this.blocks[0]
        if (first) this.insertBlockBefore(first, renderSettingsLines(after))
        else this.appends.push(renderSettingsLines(after))
      })
      return
    }

    this.updateKeys(main.table, SETTING_KEYS, before, after)
  }

  /**
   * Edits the known keys of a table in the usual shape, line by line: a
   * changed value replaces the old one, a cleared key's line goes, a new
   * key's line goes after the nearest key before it in canonical order
   * that the table has (else after the table's last line).
   */
  private updateKeys<K extends string>(table: TomlTableSpan, keys: readonly K[], before: Partial<Record<K, TomlValue>>, after: Partial<Record<K, TomlValue>>): void {
    const entries = directEntries(table)
    let anchor: TomlEntrySpan | undefined
    for (const key of keys) {
      const value = after[key]
      const entry = entries.get(key)
      if (!sameValue(before[key], value)) {
        if (value === undefined) {
          if (entry) this.deleteLine(entry)
        } else if (entry) {
          this.replace(entry.valueStart, entry.valueEnd, renderTomlValue(value))
        } else {
          const at = anchor ? anchor.end : (table.entries.at(-1)?.end ?? table.headerEnd)
          this.insertLine(at, this.keyLine(table, key, renderTomlValue(value)))
        }
      }

      if (entry) anchor = entry
    }
  }

  /** The one header table of a unit whose key has `length` segments, when the unit is in the usual shape. */
  private simpleTable(unit: Unit | undefined, length: number): Block | undefined {
    if (!unit || unit.outside.length > 0) return undefined
    const main = unit.blocks.filter((b) => b.table.key.length === length)
    return main.length === 1 && !main[0].table.array ? main[0] : undefined
  }

  // ---- packages ----------------------------------------------------------------

  private insertPackage(name: string, entry: PackageEntry): void {
    const lines = renderPackageLines(name, entry)
    const placed = [...this.packages].filter(([, unit]) => this.simpleTable(unit, 2))
    const firsts = placed.map(([other, unit]) => ({block: unit.blocks[0], name: other})).sort((a, b) => a.block.start - b.block.start)
    const sorted = firsts.every((f, i) => i === 0 || firsts[i - 1].name < f.name)
    const successor = sorted ? firsts.find((f) => f.name > name) : undefined
    if (successor) {
      this.insertBlockBefore(successor.block, lines)
      return
    }

    const packageBlocks = this.blocks.filter((b) => b.table.key[0] === 'packages')
    this.insertBlockAfter(packageBlocks.at(-1) ?? this.settings.blocks.at(-1), lines)
  }

  private updatePackage(name: string, before: PackageEntry, after: PackageEntry): void {
    const unit = this.packages.get(name)
    const main = this.simpleTable(unit, 2)
    const configBlocks = unit?.blocks.filter((b) => b.table.key.length === 3 && b.table.key[2] === 'config') ?? []
    const mainEntries = main ? directEntries(main.table) : undefined
    const dottedConfig = main?.table.entries.some((e) => e.key[0] === 'config' && e.key.length > 1)
    const configTable = configBlocks.length === 1 && !configBlocks[0].table.array ? configBlocks[0] : undefined
    if (!main || !mainEntries || dottedConfig || configBlocks.length > (configTable ? 1 : 0) || !sameExtra(before.extra, after.extra)) {
      this.rerender(unit, renderPackageLines(name, after), () => this.insertPackage(name, after))
      return
    }

    this.updateKeys(main.table, PACKAGE_KEYS, before, after)
    this.updateConfig(name, main, mainEntries.get('config'), configTable, before.config, after.config)
  }

  private updateConfig(
    name: string,
    main: Block,
    inline: TomlEntrySpan | undefined,
    table: Block | undefined,
    before: Record<string, string>,
    after: Record<string, string>,
  ): void {
    if (isDeepStrictEqual(before, after)) return
    const empty = Object.keys(after).length === 0
    if (inline) {
      if (empty) this.deleteLine(inline)
      else this.replace(inline.valueStart, inline.valueEnd, renderTomlValue(after))
    } else if (!table) {
      if (!empty) this.insertBlockAfter(main, renderConfigLines(name, after))
    } else if (empty) {
      this.deleteBlock(table)
    } else {
      this.updateConfigTable(table.table, before, after)
    }
  }

  private updateConfigTable(table: TomlTableSpan, before: Record<string, string>, after: Record<string, string>): void {
    const entries = directEntries(table)
    const order = table.entries.map((e) => e.key[0])
    const sorted = order.every((k, i) => i === 0 || order[i - 1] < k)
    for (const key of Object.keys(before)) {
      const entry = entries.get(key)
      if (!entry || Object.hasOwn(after, key)) continue
      this.deleteLine(entry)
    }

    for (const key of Object.keys(after).sort()) {
      const entry = entries.get(key)
      if (entry) {
        if (before[key] !== after[key]) this.replace(entry.valueStart, entry.valueEnd, renderTomlValue(after[key]))
        continue
      }

      const next = sorted ? table.entries.find((e) => e.key[0] > key) : undefined
      const line = this.keyLine(table, key, renderTomlValue(after[key]))
      if (next) this.replace(next.start, next.start, line + this.eol)
      else this.insertLine(table.entries.at(-1)?.end ?? table.headerEnd, line)
    }
  }

  /** A new `key = value` line in the style of `table`'s lines: their indentation, and their `=` column when aligned. */
  private keyLine(table: TomlTableSpan, key: string, value: string): string {
    const {text} = this
    const lines = table.entries.filter((e) => e.key.length === 1)
    const indent = lines.length > 0 ? text.slice(lines[0].start, lines[0].keyStart) : ''
    const columns = lines.map((e) => text.indexOf('=', e.keyEnd) - e.start)
    const aligned = lines.length >= 2 && columns.every((c) => c === columns[0]) && lines.some((e, i) => columns[i] - (e.keyEnd - e.start) > 1)
    const name = tomlKey(key)
    const pad = aligned ? Math.max(1, columns[0] - indent.length - name.length) : 1
    return `${indent}${name}${' '.repeat(pad)}= ${value}`
  }
}

/** The end of the last line in [start, end) of `text` holding anything but whitespace (or `start`). */
function contentEnd(text: string, start: number, end: number): number {
  let last = end - 1
  while (last >= start && (text[last] === ' ' || text[last] === '\t' || text[last] === '\n' || text[last] === '\r')) last--
  if (last < start) return start
  const newline = text.indexOf('\n', last)
  return newline === -1 || newline >= end ? end : newline + 1
}

/** The `key = value` lines of a table whose key has one segment, by key. */
function directEntries(table: TomlTableSpan): Map<string, TomlEntrySpan> {
  const map = new Map<string, TomlEntrySpan>()
  for (const entry of table.entries) if (entry.key.length === 1) map.set(entry.key[0], entry)
  return map
}
