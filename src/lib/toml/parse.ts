/**
 * glix's TOML 1.0 parser: one pass over the text, returning the plain
 * value and, on request, a light document model (where each table and
 * each key/value line sits in the text) for editing a file in place.
 *
 * It runs on every command over every manifest of a fleet, in a cold
 * process where most code is still interpreted, so it scans with sticky
 * regular expressions and `charCodeAt`, allocates only the values it
 * returns, and keeps the document model off unless asked for.
 *
 * Invariants:
 * - the whole of TOML 1.0 is accepted and nothing else: every invalid
 *   document throws a {@link TomlError} with the 1-based line and column
 *   (in code points) of the offending character and a short reason;
 * - tables come from createTomlTable, so any key is plain data;
 * - arrays and inline tables may nest at most {@link MAX_NESTING} deep,
 *   so a hostile file gives a clear error instead of a stack overflow;
 * - a leading byte-order mark is skipped (and stays part of the text, so
 *   offsets in the document model are offsets into the string given);
 * - CRLF and LF line endings are both accepted; a newline inside a
 *   multi-line string reads as LF either way.
 */
import {createTomlTable, isTomlTable, TomlDate, type TomlDateKind, TomlError, type TomlTable, type TomlValue} from './value.js'

/** The deepest nesting of arrays and inline tables accepted (a documented limit). */
export const MAX_NESTING = 128

/** Where one `key = value` line sits in the text (offsets are UTF-16 indices). */
export interface TomlEntrySpan {
  /** The key's segments, relative to its table (`a.b = 1` gives `['a', 'b']`). */
  key: string[]
  /** Start of the line the key is on. */
  start: number
  keyStart: number
  /** Just after the key's last segment. */
  keyEnd: number
  valueStart: number
  valueEnd: number
  /** Just after the line ending that ends the entry (or the end of the text). */
  end: number
}

/** Where one table sits in the text: the root, a `[table]` or one `[[array]]` element. */
export interface TomlTableSpan {
  /** The table's key path; empty for the root table. */
  key: string[]
  /** True for a `[[array of tables]]` element. */
  array: boolean
  /** Start of the header line (0 for the root). */
  start: number
  /** Just after the header line's line ending (0 for the root). */
  headerEnd: number
  /** Where the next header line starts, or the end of the text. */
  end: number
  /** The key/value lines of the table, in text order. */
  entries: TomlEntrySpan[]
}

/** The document model: every table in text order (the root first) and where each comment starts. */
export interface TomlDocument {
  tables: TomlTableSpan[]
  comments: number[]
}

/** A parsed document and its model. */
export interface ParsedTomlDocument {
  value: TomlTable
  document: TomlDocument
}

const BARE_KEY = /[A-Za-z0-9_-]+/y
/**
 * The fast lane: one whole line of the shapes nearly every manifest is
 * made of, checked by one sticky expression without captures (captures
 * cost more than the match) — a blank line, a `[bare.dotted]` header, or
 * `bare_key = ` a plain string, true, false or a decimal integer of at
 * most 15 digits (always a safe integer), with no comment.
 * Anything else fails the test and goes through the general code from the
 * same offset.
 */
// eslint-disable-next-line no-control-regex
const SIMPLE_LINE = /[ \t]*(?:[A-Za-z0-9_-]+[ \t]*=[ \t]*(?:"[^"\\\u0000-\u0008\u000A-\u001F\u007F]*"|true|false|-?(?:0|[1-9]\d{0,14}))|\[[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\]|)[ \t]*(?:\r?\n|$)/y
/** Characters of a basic string that need no attention: not `"`, `\` or a control character other than tab. */
// eslint-disable-next-line no-control-regex
const BASIC_PLAIN = /[^"\\\u0000-\u0008\u000A-\u001F\u007F]*/y
/** The same inside a multi-line basic string, where LF is allowed too (CR is handled apart). */
// eslint-disable-next-line no-control-regex
const ML_BASIC_PLAIN = /[^"\\\u0000-\u0008\u000B-\u001F\u007F]*/y
// eslint-disable-next-line no-control-regex
const LITERAL_PLAIN = /[^'\u0000-\u0008\u000A-\u001F\u007F]*/y
// eslint-disable-next-line no-control-regex
const ML_LITERAL_PLAIN = /[^'\u0000-\u0008\u000B-\u001F\u007F]*/y
// eslint-disable-next-line no-control-regex
const COMMENT_TEXT = /[^\u0000-\u0008\u000A-\u001F\u007F]*/y
const DECIMAL = /[+-]?(?:0|[1-9](?:_?\d)*)(?:\.\d(?:_?\d)*)?(?:[Ee][+-]?\d(?:_?\d)*)?/y
const HEX = /0x[\dA-Fa-f](?:_?[\dA-Fa-f])*/y
const OCTAL = /0o[0-7](?:_?[0-7])*/y
const BINARY = /0b[01](?:_?[01])*/y
const HEX_DIGITS_4 = /[\dA-Fa-f]{4}/y
const HEX_DIGITS_8 = /[\dA-Fa-f]{8}/y
const DATE_TIME = /(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:(Z)|[+-](\d{2}):(\d{2}))?)?/iy
const TIME = /(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?/y

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** Parses TOML `text` and returns its value; throws a {@link TomlError} when it is not valid TOML 1.0. */
export function parseToml(text: string): TomlTable {
  return new Parser(text, false).parse()
}

/** Parses TOML `text` and returns its value and its document model. */
export function parseTomlDocument(text: string): ParsedTomlDocument {
  const parser = new Parser(text, true)
  const value = parser.parse()
  return {document: parser.document as TomlDocument, value}
}

/** Renders a key path for a message: `a.b."c d"`. */
function describeKey(keys: readonly string[], count = keys.length): string {
  let out = ''
  for (let i = 0; i < count; i++) {
    BARE_KEY.lastIndex = 0
    const key = keys[i]
    const bare = key.length > 0 && BARE_KEY.test(key) && BARE_KEY.lastIndex === key.length
    out += (i === 0 ? '' : '.') + (bare ? key : JSON.stringify(key))
  }

  return out
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
}

class Parser {
  readonly document: TomlDocument | undefined
  private pos = 0
  /** Start of the line the cursor is on (kept for the document model). */
  private lineStart = 0
  private depth = 0
  private readonly root: TomlTable = createTomlTable()
  private current: TomlTable
  /** The key path of the current table, for messages: its keys, or (from the fast lane) its bare keys joined by dots. */
  private currentPath: string[] | string = []
  /**
   * The fast lane's header cache: the last table it defined and that
   * table's ancestors, as dotted paths and tables, outermost first.
   * Headers of a manifest repeat their parents (`[packages.a]`,
   * `[packages.a.config]`, `[packages.b]`), so most skip the walk from the
   * root. A path names the same table for the rest of the document, except
   * through an array of tables: an array-of-tables header clears the cache.
   */
  private cachedPaths: string[] = []
  private cachedTables: TomlTable[] = []
  private currentSpan: TomlTableSpan | undefined
  /*
   * How a table came to be decides what may add to it later. Tables
   * defined by a header (the common case) need no record; the rare others
   * are kept in sets:
   */
  /** Created as the parent of a header (`a` for `[a.b]`): a later `[a]` may still define it. */
  private readonly implicitTables = new Set<TomlValue>()
  /** Created by a dotted key: more dotted keys of the same table may add to it, no header may define it. */
  private readonly dottedTables = new Set<TomlValue>()
  /** Inline tables, which nothing may add to. */
  private readonly inlineTables = new Set<TomlValue>()
  /** Arrays made by `[[header]]`s, which later headers may extend. */
  private readonly tableArrays = new Set<TomlValue[]>()

  constructor(
    private readonly src: string,
    withDocument: boolean,
  ) {
    this.current = this.root
    if (withDocument) {
      this.currentSpan = {array: false, end: src.length, entries: [], headerEnd: 0, key: [], start: 0}
      this.document = {comments: [], tables: [this.currentSpan]}
    }
  }

  parse(): TomlTable {
    const {src} = this
    const end = src.length
    if (src.charCodeAt(0) === 0xfe_ff) this.pos = 1
    for (;;) {
      // The document model needs every offset, which the fast lane does not keep.
      if (!this.document) this.parseSimpleLines()
      this.skipBlank()
      if (this.pos >= end) break
      if (src.charCodeAt(this.pos) === 0x5b) this.parseHeader()
      else this.parseKeyValue()
    }

    return this.root
  }

  /**
   * Consumes lines of the simplest shapes (see SIMPLE_LINE), stopping at
   * the first other line. A line that passed the test has a known shape,
   * so its parts are found with indexOf. Tables and keys are defined
   * exactly as the general code defines them; a duplicate key stops the
   * lane so the general code reports it.
   */
  private parseSimpleLines(): void {
    const {src} = this
    const end = src.length
    let current = this.current
    let pos = this.pos
    while (pos < end) {
      SIMPLE_LINE.lastIndex = pos
      if (!SIMPLE_LINE.test(src)) break
      const next = SIMPLE_LINE.lastIndex
      let at = pos
      let c = src.charCodeAt(at)
      while (c === 0x20 || c === 0x09) c = src.charCodeAt(++at)
      if (c === 0x5b) {
        current = this.defineSimpleTable(src.slice(at + 1, src.indexOf(']', at)), at + 1)
        this.current = current
      } else if (c !== 0x0a && c !== 0x0d && at < next) {
        const eq = src.indexOf('=', at)
        let keyEnd = eq
        while ((c = src.charCodeAt(keyEnd - 1)) === 0x20 || c === 0x09) keyEnd--
        const key = src.slice(at, keyEnd)
        if (current[key] !== undefined) break
        let value = eq + 1
        while ((c = src.charCodeAt(value)) === 0x20 || c === 0x09) value++
        if (c === 0x22) {
          current[key] = src.slice(value + 1, src.indexOf('"', value + 1))
        } else if (c === 0x74 || c === 0x66) {
          current[key] = c === 0x74
        } else {
          let digits = value + 1
          while (isDigit(src.charCodeAt(digits))) digits++
          // `|| 0`: TOML has no negative zero integer.
          current[key] = Number(src.slice(value, digits)) || 0
        }
      }

      pos = next
    }

    this.pos = pos
  }

  /** Defines the table of a fast-lane header: `path` is bare keys joined by dots. */
  private defineSimpleTable(path: string, at: number): TomlTable {
    const dot = path.lastIndexOf('.')
    const paths = this.cachedPaths
    const tables = this.cachedTables
    let parent = this.root
    let depth = 0
    if (dot !== -1) {
      const parentPath = path.slice(0, dot)
      depth = paths.length
      while (depth > 0 && paths[depth - 1] !== parentPath) depth--
      if (depth > 0) {
        parent = tables[depth - 1]
      } else {
        parent = this.walkHeader([...parentPath.split('.'), ''], at)
        paths[0] = parentPath
        tables[0] = parent
        depth = 1
      }
    }

    const table = this.defineTableIn(parent, dot === -1 ? path : path.slice(dot + 1), path, at)
    paths.length = depth
    tables.length = depth
    paths.push(path)
    tables.push(table)
    this.currentPath = path
    return table
  }

  /** The current table's key path as keys. */
  private currentKeys(): string[] {
    return typeof this.currentPath === 'string' ? this.currentPath.split('.') : this.currentPath
  }

  // ---- errors --------------------------------------------------------

  private fail(reason: string, at: number): never {
    const {src} = this
    let line = 1
    let lineStart = 0
    for (let i = src.indexOf('\n'); i !== -1 && i < at; i = src.indexOf('\n', i + 1)) {
      line++
      lineStart = i + 1
    }

    throw new TomlError(reason, line, [...src.slice(lineStart, at)].length + 1)
  }

  private describeChar(at: number): string {
    if (at >= this.src.length) return 'the end of the file'
    const code = this.src.codePointAt(at) as number
    if (code === 0x0a) return 'the end of the line'
    if (code < 0x20 || code === 0x7f) return `control character U+${code.toString(16).padStart(4, '0').toUpperCase()}`
    return JSON.stringify(String.fromCodePoint(code))
  }

  // ---- whitespace, comments, line ends --------------------------------

  /** Skips spaces and tabs from `pos`; returns the new position. */
  private skipSpaces(pos: number): number {
    const {src} = this
    for (let c = src.charCodeAt(pos); c === 0x20 || c === 0x09; c = src.charCodeAt(++pos));
    return pos
  }

  /** Skips whitespace, newlines and comments (between entries and inside arrays). */
  private skipBlank(): void {
    const {src} = this
    let pos = this.pos
    for (;;) {
      const c = src.charCodeAt(pos)
      if (c === 0x20 || c === 0x09) {
        pos++
      } else if (c === 0x0a) {
        this.lineStart = ++pos
      } else if (c === 0x0d) {
        if (src.charCodeAt(pos + 1) !== 0x0a) this.fail('a carriage return must be followed by a line feed', pos)
        pos += 2
        this.lineStart = pos
      } else if (c === 0x23) {
        pos = this.skipComment(pos)
      } else {
        break
      }
    }

    this.pos = pos
  }

  /** Skips the comment starting at `pos` (a `#`) up to its line ending; returns the position of that ending. */
  private skipComment(pos: number): number {
    this.document?.comments.push(pos)
    COMMENT_TEXT.lastIndex = pos + 1
    COMMENT_TEXT.test(this.src)
    const end = COMMENT_TEXT.lastIndex
    const c = this.src.charCodeAt(end)
    if (end < this.src.length && c !== 0x0a && c !== 0x0d) this.fail(`${this.describeChar(end)} is not allowed in a comment`, end)
    return end
  }

  /** Consumes optional spaces, an optional comment and the line ending (or the end of the text). */
  private expectLineEnd(): void {
    const {src} = this
    let pos = this.skipSpaces(this.pos)
    let c = src.charCodeAt(pos)
    if (c === 0x23) {
      pos = this.skipComment(pos)
      c = src.charCodeAt(pos)
    }

    if (c === 0x0a) {
      pos++
    } else if (c === 0x0d && src.charCodeAt(pos + 1) === 0x0a) {
      pos += 2
    } else if (pos < src.length) {
      this.fail(`expected the end of the line, found ${this.describeChar(pos)}`, pos)
    }

    this.pos = pos
    this.lineStart = pos
  }

  // ---- keys ------------------------------------------------------------

  /** Parses one key segment at the cursor: bare, basic or literal. */
  private parseKeySegment(): string {
    const {src} = this
    const pos = this.pos
    const c = src.charCodeAt(pos)
    if (c === 0x22) {
      if (src.startsWith('"""', pos)) this.fail('a key cannot be a multi-line string', pos)
      return this.parseBasicString()
    }

    if (c === 0x27) {
      if (src.startsWith("'''", pos)) this.fail('a key cannot be a multi-line string', pos)
      return this.parseLiteralString()
    }

    BARE_KEY.lastIndex = pos
    if (!BARE_KEY.test(src)) this.fail(`expected a key, found ${this.describeChar(pos)}`, pos)
    this.pos = BARE_KEY.lastIndex
    return src.slice(pos, this.pos)
  }

  /** Parses a key, dotted or not; the cursor ends just after its last segment. */
  private parseKey(): string[] {
    const keys: string[] = []
    for (;;) {
      keys.push(this.parseKeySegment())
      const dot = this.skipSpaces(this.pos)
      if (this.src.charCodeAt(dot) !== 0x2e) return keys
      this.pos = this.skipSpaces(dot + 1)
    }
  }

  // ---- tables ------------------------------------------------------------

  private parseHeader(): void {
    const {src} = this
    const start = this.lineStart
    let pos = this.pos + 1
    const array = src.charCodeAt(pos) === 0x5b
    if (array) pos++
    this.pos = this.skipSpaces(pos)
    const keyStart = this.pos
    const keys = this.parseKey()
    pos = this.skipSpaces(this.pos)
    if (src.charCodeAt(pos) !== 0x5d || (array && src.charCodeAt(pos + 1) !== 0x5d)) {
      this.fail(`expected "${array ? ']]' : ']'}" to close the table header, found ${this.describeChar(pos)}`, pos)
    }

    this.pos = pos + (array ? 2 : 1)
    this.expectLineEnd()
    this.current = array ? this.defineTableArrayElement(keys, keyStart) : this.defineTable(keys, keyStart)
    this.currentPath = keys
    if (this.document) {
      ;(this.currentSpan as TomlTableSpan).end = start
      this.currentSpan = {array, end: src.length, entries: [], headerEnd: this.pos, key: keys, start}
      this.document.tables.push(this.currentSpan)
    }
  }

  /** Walks to the parent of the table a header names, creating implicit tables on the way. */
  private walkHeader(keys: string[], at: number): TomlTable {
    let table = this.root
    for (let i = 0; i < keys.length - 1; i++) {
      const value: TomlValue | undefined = table[keys[i]]
      if (value === undefined) {
        const next = createTomlTable()
        table[keys[i]] = next
        this.implicitTables.add(next)
        table = next
      } else if (Array.isArray(value)) {
        if (!this.tableArrays.has(value)) this.fail(`${describeKey(keys, i + 1)} is an array value; a table header cannot add to it`, at)
        table = value.at(-1) as TomlTable
      } else if (isTomlTable(value) && !this.inlineTables.has(value)) {
        table = value
      } else {
        this.fail(`${describeKey(keys, i + 1)} is already a value; a table header cannot add to it`, at)
      }
    }

    return table
  }

  private defineTable(keys: string[], at: number): TomlTable {
    return this.defineTableIn(this.walkHeader(keys, at), keys.at(-1) as string, keys, at)
  }

  /** Defines the table `key` of `parent`; `name` (its whole path) is for messages. */
  private defineTableIn(parent: TomlTable, key: string, name: string[] | string, at: number): TomlTable {
    const value: TomlValue | undefined = parent[key]
    if (value === undefined) {
      const table = createTomlTable()
      parent[key] = table
      return table
    }

    if (this.implicitTables.delete(value)) return value as TomlTable
    const table = isTomlTable(value) && !this.inlineTables.has(value)
    this.fail(`${table ? 'table' : 'key'} ${typeof name === 'string' ? name : describeKey(name)} is already defined`, at)
  }

  private defineTableArrayElement(keys: string[], at: number): TomlTable {
    // Which element a path goes through changes now: forget the fast lane's cached walks.
    this.cachedPaths = []
    this.cachedTables = []
    const parent = this.walkHeader(keys, at)
    const key = keys.at(-1) as string
    const value: TomlValue | undefined = parent[key]
    const table = createTomlTable()
    if (value === undefined) {
      const array = [table]
      this.tableArrays.add(array)
      parent[key] = array
    } else if (Array.isArray(value) && this.tableArrays.has(value)) {
      value.push(table)
    } else {
      this.fail(`${describeKey(keys)} is already defined and is not an array of tables`, at)
    }

    return table
  }

  // ---- key/value pairs ---------------------------------------------------

  private parseKeyValue(): void {
    const {src} = this
    const start = this.lineStart
    const keyStart = this.pos
    let key: string | undefined
    let keys: string[] | undefined
    let keyEnd = keyStart
    // The common case first: one bare key followed by `=`.
    BARE_KEY.lastIndex = keyStart
    if (BARE_KEY.test(src)) {
      keyEnd = BARE_KEY.lastIndex
      const eq = this.skipSpaces(keyEnd)
      if (src.charCodeAt(eq) === 0x3d) {
        key = src.slice(keyStart, keyEnd)
        this.pos = eq
      }
    }

    if (key === undefined) {
      keys = this.parseKey()
      keyEnd = this.pos
      this.pos = this.skipSpaces(keyEnd)
      if (src.charCodeAt(this.pos) !== 0x3d) this.fail(`expected "=" after a key, found ${this.describeChar(this.pos)}`, this.pos)
    }

    const valueStart = this.skipSpaces(this.pos + 1)
    this.pos = valueStart
    const value = this.parseValue()
    const valueEnd = this.pos
    this.expectLineEnd()
    if (keys === undefined || keys.length === 1) {
      const name = key ?? (keys as string[])[0]
      if (this.current[name] !== undefined) this.fail(`key ${describeKey([...this.currentKeys(), name])} is already defined`, keyStart)
      this.current[name] = value
    } else {
      this.assignDotted(this.current, this.currentKeys(), keys, value, keyStart)
    }

    this.currentSpan?.entries.push({end: this.pos, key: keys ?? [key as string], keyEnd, keyStart, start, valueEnd, valueStart})
  }

  /** Assigns `a.b.c = value` in `table` (at `path`), creating the tables `a` and `a.b` as dotted tables. */
  private assignDotted(table: TomlTable, path: string[], keys: string[], value: TomlValue, at: number): void {
    const last = keys.length - 1
    for (let i = 0; i < last; i++) {
      const existing: TomlValue | undefined = table[keys[i]]
      if (existing === undefined) {
        const next = createTomlTable()
        table[keys[i]] = next
        this.dottedTables.add(next)
        table = next
      } else if (this.dottedTables.has(existing)) {
        table = existing as TomlTable
      } else {
        this.fail(`${describeKey([...path, ...keys], path.length + i + 1)} is already defined; a dotted key cannot add to it`, at)
      }
    }

    if (table[keys[last]] !== undefined) this.fail(`key ${describeKey([...path, ...keys])} is already defined`, at)
    table[keys[last]] = value
  }

  // ---- values ------------------------------------------------------------

  private parseValue(): TomlValue {
    const {src} = this
    const pos = this.pos
    switch (src.charCodeAt(pos)) {
      case 0x22: {
        return src.startsWith('"""', pos) ? this.parseMultilineString(true) : this.parseBasicString()
      }

      case 0x27: {
        return src.startsWith("'''", pos) ? this.parseMultilineString(false) : this.parseLiteralString()
      }

      case 0x74: {
        if (src.startsWith('true', pos)) return this.endScalar(pos + 4, true)
        break
      }

      case 0x66: {
        if (src.startsWith('false', pos)) return this.endScalar(pos + 5, false)
        break
      }

      case 0x5b: {
        return this.parseArray()
      }

      case 0x7b: {
        return this.parseInlineTable()
      }

      default: {
        return this.parseNumberOrDate()
      }
    }

    this.fail(`expected a value, found ${this.describeChar(pos)}`, pos)
  }

  /** Ends a bare scalar at `end`: what follows must end the value. */
  private endScalar<T extends TomlValue>(end: number, value: T): T {
    const c = this.src.charCodeAt(end)
    if (
      end < this.src.length &&
      c !== 0x20 &&
      c !== 0x09 &&
      c !== 0x0a &&
      c !== 0x0d &&
      c !== 0x23 &&
      c !== 0x2c &&
      c !== 0x5d &&
      c !== 0x7d
    ) {
      this.fail(`invalid value: unexpected ${this.describeChar(end)}`, end)
    }

    this.pos = end
    return value
  }

  /** Parses the escape sequence whose backslash is at `pos`; returns the character, leaves the cursor after it. */
  private parseEscape(pos: number): string {
    const {src} = this
    const c = src.charCodeAt(pos + 1)
    this.pos = pos + 2
    switch (c) {
      case 0x62: {
        return '\b'
      }

      case 0x74: {
        return '\t'
      }

      case 0x6e: {
        return '\n'
      }

      case 0x66: {
        return '\f'
      }

      case 0x72: {
        return '\r'
      }

      case 0x22: {
        return '"'
      }

      case 0x5c: {
        return '\\'
      }

      case 0x75:
      case 0x55: {
        const digits = c === 0x75 ? HEX_DIGITS_4 : HEX_DIGITS_8
        digits.lastIndex = pos + 2
        if (!digits.test(src)) this.fail(`\\${String.fromCodePoint(c)} needs ${c === 0x75 ? 4 : 8} hexadecimal digits`, pos)
        const code = Number.parseInt(src.slice(pos + 2, digits.lastIndex), 16)
        if (code > 0x10_ff_ff || (code >= 0xd8_00 && code <= 0xdf_ff)) {
          this.fail(`${src.slice(pos, digits.lastIndex)} is not a Unicode scalar value`, pos)
        }

        this.pos = digits.lastIndex
        return String.fromCodePoint(code)
      }

      default: {
        this.fail(`invalid escape sequence \\${pos + 1 < src.length ? String.fromCodePoint(src.codePointAt(pos + 1) as number) : ''}`, pos)
      }
    }
  }

  private parseBasicString(): string {
    const {src} = this
    const open = this.pos
    let pos = open + 1
    BASIC_PLAIN.lastIndex = pos
    BASIC_PLAIN.test(src)
    let end = BASIC_PLAIN.lastIndex
    if (src.charCodeAt(end) === 0x22) {
      this.pos = end + 1
      return src.slice(pos, end)
    }

    let out = ''
    for (;;) {
      out += src.slice(pos, end)
      const c = src.charCodeAt(end)
      if (c === 0x22) {
        this.pos = end + 1
        return out
      }

      if (c === 0x5c) {
        out += this.parseEscape(end)
        pos = this.pos
      } else if (end >= src.length || c === 0x0a || c === 0x0d) {
        this.fail('unterminated string: a basic string must end on its line', end)
      } else {
        this.fail(`${this.describeChar(end)} in a string must be written as an escape`, end)
      }

      BASIC_PLAIN.lastIndex = pos
      BASIC_PLAIN.test(src)
      end = BASIC_PLAIN.lastIndex
    }
  }

  private parseLiteralString(): string {
    const {src} = this
    const pos = this.pos + 1
    LITERAL_PLAIN.lastIndex = pos
    LITERAL_PLAIN.test(src)
    const end = LITERAL_PLAIN.lastIndex
    if (src.charCodeAt(end) !== 0x27) {
      const c = src.charCodeAt(end)
      if (end >= src.length || c === 0x0a || c === 0x0d) this.fail('unterminated string: a literal string must end on its line', end)
      this.fail(`${this.describeChar(end)} is not allowed in a literal string`, end)
    }

    this.pos = end + 1
    return src.slice(pos, end)
  }

  /** After `"""` or `'''`: skips a newline right after the delimiter; returns the position of the content. */
  private skipFirstNewline(pos: number): number {
    const c = this.src.charCodeAt(pos)
    if (c === 0x0a) return pos + 1
    if (c === 0x0d && this.src.charCodeAt(pos + 1) === 0x0a) return pos + 2
    return pos
  }

  /**
   * Handles a run of `quote` characters at `pos` inside a multi-line
   * string: returns the quotes that belong to the content and whether the
   * string ended (the cursor is then after the closing delimiter).
   */
  private takeQuotes(pos: number, quote: number): {text: string; closed: boolean} {
    const {src} = this
    let count = 1
    while (src.charCodeAt(pos + count) === quote) count++
    const char = String.fromCodePoint(quote)
    if (count < 3) {
      this.pos = pos + count
      return {closed: false, text: char.repeat(count)}
    }

    if (count > 5) this.fail('too many quotes at the end of a multi-line string', pos + 5)
    this.pos = pos + count
    return {closed: true, text: char.repeat(count - 3)}
  }

  /**
   * Parses a multi-line string at the cursor: basic (`"""`: escapes, and a
   * backslash ending a line trims the newline and the whitespace after it)
   * or literal (`'''`: no escapes).
   */
  private parseMultilineString(basic: boolean): string {
    const {src} = this
    const open = this.pos
    const quote = basic ? 0x22 : 0x27
    const plain = basic ? ML_BASIC_PLAIN : ML_LITERAL_PLAIN
    let pos = this.skipFirstNewline(open + 3)
    let out = ''
    for (;;) {
      plain.lastIndex = pos
      plain.test(src)
      const end = plain.lastIndex
      out += src.slice(pos, end)
      const c = src.charCodeAt(end)
      if (c === quote) {
        const quotes = this.takeQuotes(end, quote)
        out += quotes.text
        if (quotes.closed) return out
        pos = this.pos
      } else if (basic && c === 0x5c) {
        out += this.parseMultilineBackslash(end)
        pos = this.pos
      } else if (c === 0x0d && src.charCodeAt(end + 1) === 0x0a) {
        out += '\n'
        pos = end + 2
      } else if (end >= src.length) {
        this.fail('unterminated multi-line string', open)
      } else {
        this.fail(`${this.describeChar(end)} ${basic ? 'in a string must be written as an escape' : 'is not allowed in a literal string'}`, end)
      }
    }
  }

  /** A backslash at `at` in a multi-line basic string: an escape, or a line ending to trim with the whitespace after it. */
  private parseMultilineBackslash(at: number): string {
    const {src} = this
    let after = this.skipSpaces(at + 1)
    const next = src.charCodeAt(after)
    if (next !== 0x0a && !(next === 0x0d && src.charCodeAt(after + 1) === 0x0a)) return this.parseEscape(at)
    for (let w = next; ; w = src.charCodeAt(after)) {
      if (w === 0x20 || w === 0x09 || w === 0x0a) after++
      else if (w === 0x0d && src.charCodeAt(after + 1) === 0x0a) after += 2
      else break
    }

    this.pos = after
    return ''
  }

  private enterNesting(at: number): void {
    if (++this.depth > MAX_NESTING) this.fail(`arrays and inline tables nest deeper than ${MAX_NESTING} levels`, at)
  }

  private parseArray(): TomlValue[] {
    const {src} = this
    const open = this.pos
    this.enterNesting(open)
    this.pos++
    const out: TomlValue[] = []
    for (;;) {
      this.skipBlank()
      let c = src.charCodeAt(this.pos)
      if (c === 0x5d) break
      if (this.pos >= src.length) this.fail('unterminated array', open)
      out.push(this.parseValue())
      this.skipBlank()
      c = src.charCodeAt(this.pos)
      if (c === 0x5d) break
      if (this.pos >= src.length) this.fail('unterminated array', open)
      if (c !== 0x2c) this.fail(`expected "," or "]" in an array, found ${this.describeChar(this.pos)}`, this.pos)
      this.pos++
    }

    this.pos++
    this.depth--
    return out
  }

  private parseInlineTable(): TomlTable {
    const {src} = this
    const open = this.pos
    this.enterNesting(open)
    const table = createTomlTable()
    this.inlineTables.add(table)
    this.pos = this.skipSpaces(open + 1)
    if (src.charCodeAt(this.pos) === 0x7d) {
      this.pos++
      this.depth--
      return table
    }

    for (;;) {
      const keyStart = this.pos
      const first = src.charCodeAt(keyStart)
      if (first === 0x0a || first === 0x0d) this.fail('an inline table must be on one line', keyStart)
      const keys = this.parseKey()
      this.pos = this.skipSpaces(this.pos)
      if (src.charCodeAt(this.pos) !== 0x3d) this.fail(`expected "=" after a key, found ${this.describeChar(this.pos)}`, this.pos)
      this.pos = this.skipSpaces(this.pos + 1)
      const value = this.parseValue()
      if (keys.length === 1) {
        if (table[keys[0]] !== undefined) this.fail(`key ${describeKey(keys)} is already defined`, keyStart)
        table[keys[0]] = value
      } else {
        this.assignDotted(table, [], keys, value, keyStart)
      }

      this.pos = this.skipSpaces(this.pos)
      const c = src.charCodeAt(this.pos)
      if (c === 0x7d) break
      if (c !== 0x2c) {
        const what = c === 0x0a || c === 0x0d ? 'an inline table must be on one line' : `expected "," or "}" in an inline table, found ${this.describeChar(this.pos)}`
        this.fail(what, this.pos)
      }

      this.pos = this.skipSpaces(this.pos + 1)
      if (src.charCodeAt(this.pos) === 0x7d) this.fail('an inline table cannot end with a comma', this.pos)
    }

    this.pos++
    this.depth--
    return table
  }

  private parseNumberOrDate(): TomlValue {
    const {src} = this
    const pos = this.pos
    const c = src.charCodeAt(pos)
    if (isDigit(c)) {
      if (src.charCodeAt(pos + 2) === 0x3a) return this.parseTime()
      if (src.charCodeAt(pos + 4) === 0x2d && isDigit(src.charCodeAt(pos + 1))) return this.parseDateTime()
      if (c === 0x30) {
        const radix = src.charCodeAt(pos + 1)
        if (radix === 0x78) return this.parseRadixInteger(HEX)
        if (radix === 0x6f) return this.parseRadixInteger(OCTAL)
        if (radix === 0x62) return this.parseRadixInteger(BINARY)
      }
    } else if (c === 0x2b || c === 0x2d || c === 0x69 || c === 0x6e) {
      const at = c === 0x2b || c === 0x2d ? pos + 1 : pos
      if (src.startsWith('inf', at)) return this.endScalar(at + 3, c === 0x2d ? -Infinity : Infinity)
      if (src.startsWith('nan', at)) return this.endScalar(at + 3, Number.NaN)
    } else {
      this.fail(`expected a value, found ${this.describeChar(pos)}`, pos)
    }

    DECIMAL.lastIndex = pos
    if (!DECIMAL.test(src)) this.fail(`invalid value starting with ${this.describeChar(pos)}`, pos)
    const end = DECIMAL.lastIndex
    const next = src.charCodeAt(end)
    if (isDigit(next)) this.fail('a number cannot have leading zeros', pos)
    if (next === 0x5f) this.fail('an underscore in a number must sit between two digits', end)
    let token = src.slice(pos, end)
    if (token.includes('_')) token = token.replaceAll('_', '')
    const float = token.includes('.') || token.includes('e') || token.includes('E')
    if (float) return this.endScalar(end, Number(token))
    return this.endScalar(end, this.toInteger(token, pos))
  }

  private parseRadixInteger(pattern: RegExp): number | bigint {
    const pos = this.pos
    pattern.lastIndex = pos
    if (!pattern.test(this.src)) this.fail(`invalid integer ${JSON.stringify(this.src.slice(pos, pos + 3))}`, pos)
    let token = this.src.slice(pos, pattern.lastIndex)
    if (token.includes('_')) token = token.replaceAll('_', '')
    return this.endScalar(pattern.lastIndex, this.toInteger(token, pos))
  }

  /** Converts an integer token (no underscores) to a number, or a bigint when it is not a safe integer. */
  private toInteger(token: string, at: number): number | bigint {
    const number = Number(token)
    if (Number.isSafeInteger(number)) return number === 0 ? 0 : number
    const big = BigInt(token)
    if (big < INT64_MIN || big > INT64_MAX) this.fail(`integer ${token} does not fit in 64 bits`, at)
    return big
  }

  private checkTime(hour: string, minute: string, second: string, at: number): void {
    if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 60) this.fail(`invalid time ${hour}:${minute}:${second}`, at)
  }

  private parseDateTime(): TomlDate {
    const {src} = this
    const pos = this.pos
    DATE_TIME.lastIndex = pos
    const match = DATE_TIME.exec(src)
    if (!match) this.fail('invalid date: expected YYYY-MM-DD', pos)
    const [text, year, month, day, hour, minute, second, zulu, offsetHour, offsetMinute] = match
    const m = Number(month)
    if (m < 1 || m > 12 || Number(day) < 1 || Number(day) > daysInMonth(Number(year), m)) this.fail(`invalid date ${year}-${month}-${day}`, pos)
    let kind: TomlDateKind = 'local-date'
    if (hour !== undefined) {
      this.checkTime(hour, minute, second, pos)
      kind = 'local-date-time'
      if (zulu !== undefined) kind = 'offset-date-time'
      if (offsetHour !== undefined) {
        if (Number(offsetHour) > 23 || Number(offsetMinute) > 59) this.fail(`invalid time offset ${offsetHour}:${offsetMinute}`, pos)
        kind = 'offset-date-time'
      }
    }

    return this.endScalar(DATE_TIME.lastIndex, new TomlDate(kind, text))
  }

  private parseTime(): TomlDate {
    const pos = this.pos
    TIME.lastIndex = pos
    const match = TIME.exec(this.src)
    if (!match) this.fail('invalid time: expected HH:MM:SS', pos)
    this.checkTime(match[1], match[2], match[3], pos)
    return this.endScalar(TIME.lastIndex, new TomlDate('local-time', match[0]))
  }
}
