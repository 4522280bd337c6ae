/**
 * glix's TOML parser against generated documents and against @iarna/toml
 * (a TOML 0.5 parser, kept as a devDependency for this test only).
 *
 * A random value tree is written out as TOML in a random spelling (the
 * four string kinds with escapes, integers in four bases with
 * underscores, floats, dates and times of the four kinds, headers, arrays
 * of tables, inline tables, dotted keys, comments, blank lines,
 * indentation, CRLF). glix must read back exactly the tree; @iarna must
 * agree wherever it accepts the document (TOML 0.5 lacks some 1.0 forms).
 * Mutated documents then check that every failure is a TomlError with a
 * position, and that the fast lane and the general code always agree.
 */
import TOML from '@iarna/toml'
import {expect} from 'chai'
import fc from 'fast-check'

import {parseToml, parseTomlDocument} from '../../../src/lib/toml/parse.js'
import {tomlString} from '../../../src/lib/toml/render.js'
import {TomlDate, type TomlDateKind, TomlError} from '../../../src/lib/toml/value.js'
import {seededRandom} from '../../helpers/seeded-random.js'
import {normalizeGlix, normalizeIarna} from './normalize.js'

const NUM_RUNS = 400

type Tree = {[key: string]: Value}
type Value = bigint | boolean | number | string | TomlDate | Tree | Value[]

const isTree = (v: Value): v is Tree => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof TomlDate)
const isTreeArray = (v: Value): v is Tree[] => Array.isArray(v) && v.length > 0 && v.every((e) => isTree(e))

// ---- values ------------------------------------------------------------------

const TRICKY = ['"', '\\', "'", '#', '\t', '\n', '\r', '\b', '\f', '\u0000', '\u001F', '\u007F', 'é', '日', '🎉', '\u2028', '=', '[', ']', '.', ' ', '"""', "'''"]
const text = fc.string({maxLength: 12, unit: fc.oneof(fc.constantFrom(...TRICKY), fc.string({maxLength: 1, minLength: 1, unit: 'binary'}), fc.string({maxLength: 1, minLength: 1, unit: 'grapheme-ascii'}))})
const plainKey = fc.oneof({arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), weight: 4}, {arbitrary: text, weight: 1})
const anyKey = fc.oneof({arbitrary: plainKey, weight: 5}, {arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'valueOf'), weight: 1})

const two = (n: number) => String(n).padStart(2, '0')
/** Dates and times of `kinds`. */
function datesOf(kinds: TomlDateKind[]): fc.Arbitrary<TomlDate> {
  return fc
    .record({
      day: fc.integer({max: 28, min: 1}),
      fraction: fc.option(fc.integer({max: 999, min: 0}).map((n) => String(n).padStart(3, '0')), {nil: undefined}),
      hour: fc.integer({max: 23, min: 0}),
      kind: fc.constantFrom(...kinds),
      minute: fc.integer({max: 59, min: 0}),
      month: fc.integer({max: 12, min: 1}),
      offset: fc.oneof(
        fc.constant('Z'),
        fc.tuple(fc.constantFrom('+', '-'), fc.integer({max: 23, min: 0}), fc.integer({max: 59, min: 0})).map(([s, h, m]) => `${s}${two(h)}:${two(m)}`),
      ),
      second: fc.integer({max: 59, min: 0}),
      separator: fc.constantFrom('T', ' '),
      year: fc.integer({max: 2999, min: 1000}),
    })
    .map((d) => {
      const time = `${two(d.hour)}:${two(d.minute)}:${two(d.second)}${d.fraction === undefined ? '' : `.${d.fraction}`}`
      const day = `${d.year}-${two(d.month)}-${two(d.day)}`
      const textOf = {
        'local-date': day,
        'local-date-time': `${day}${d.separator}${time}`,
        'local-time': time,
        'offset-date-time': `${day}${d.separator}${time}${d.offset}`,
      }
      return new TomlDate(d.kind, textOf[d.kind])
    })
}

/** Values of one document family: `date` is the arbitrary its dates come from. */
function valuesOf(date: fc.Arbitrary<TomlDate>): {array: fc.Arbitrary<Value[]>; scalar: fc.Arbitrary<Value>} {
  const scalar: fc.Arbitrary<Value> = fc.oneof(
    text,
    fc.boolean(),
    fc.integer({max: 1e9, min: -1e9}),
    fc.bigInt({max: 2n ** 63n - 1n, min: -(2n ** 63n)}).map((b) => (Number.isSafeInteger(Number(b)) ? Number(b) : b)),
    fc.double({noDefaultInfinity: false, noNaN: false}),
    date,
  )
  // One element type per array: TOML 0.5 (the oracle) wants homogeneous arrays.
  const array: fc.Arbitrary<Value[]> = fc.oneof(
    fc.array(text, {maxLength: 4}),
    fc.array(fc.integer(), {maxLength: 4}),
    fc.array(fc.boolean(), {maxLength: 4}),
    fc.array(date, {maxLength: 3}),
    fc.array(fc.array(fc.integer(), {maxLength: 3}), {maxLength: 3}),
  )
  return {array, scalar}
}

function treeOf(entries: Array<[string, Value]>): Tree {
  const tree: Tree = {}
  for (const [k, v] of entries) Object.defineProperty(tree, k, {configurable: true, enumerable: true, value: v, writable: true})
  return tree
}

/** Value trees whose keys come from `key` and dates from `date`. */
function trees(key: fc.Arbitrary<string>, date: fc.Arbitrary<TomlDate>): fc.Arbitrary<Tree> {
  const {array, scalar} = valuesOf(date)
  return fc.letrec<{tree: Tree; value: Value}>((tie) => ({
    tree: fc.uniqueArray(fc.tuple(key, tie('value')), {maxLength: 5, selector: ([k]) => k}).map((e) => treeOf(e)),
    value: fc.oneof({depthSize: 'small', withCrossShrink: true}, scalar, array, tie('tree'), fc.array(tie('tree'), {maxLength: 3, minLength: 1})),
  })).tree
}

// ---- writing -----------------------------------------------------------------
/* eslint-disable no-control-regex -- the writer decides by control characters */

/** Choices the writer makes, drawn per document. */
interface Style {
  rng: () => number
  crlf: boolean
}

const pick = <T,>(style: Style, options: readonly T[]): T => options[Math.floor(style.rng() * options.length)]

function writeString(style: Style, value: string): string {
  const controls = /[\u0000-\u0008\u000A-\u001F\u007F]/.test(value)
  const kinds = ['basic', 'escaped']
  if (!controls && !value.includes("'")) kinds.push('literal')
  // Multi-line forms: no CR (a newline would be normalised), no quote at the very end (0.5 readers differ there).
  if (!value.includes('\r') && !value.endsWith('"')) kinds.push('multi-basic')
  if (!/[\u0000-\u0008\u000B-\u001F\u007F]/.test(value) && !value.includes("'''") && !value.endsWith("'")) kinds.push('multi-literal')
  switch (pick(style, kinds)) {
    case 'literal': {
      return `'${value}'`
    }

    case 'escaped': {
      let out = '"'
      for (const ch of value) {
        const code = ch.codePointAt(0) as number
        out += code > 0xff_ff ? `\\U${code.toString(16).padStart(8, '0')}` : /["\\\u0000-\u001F\u007F]/.test(ch) || style.rng() < 0.3 ? `\\u${code.toString(16).padStart(4, '0')}` : ch
      }

      return out + '"'
    }

    case 'multi-basic': {
      const body = value.replaceAll(/[\\"\u0000-\u0008\u000B-\u001F\u007F]/g, (c) => tomlString(c).slice(1, -1))
      // A newline right after the delimiter is trimmed: write one when the value starts with a newline.
      return `"""${value.startsWith('\n') ? '\n' : pick(style, ['', '\n'])}${body}"""`
    }

    case 'multi-literal': {
      return `'''\n${value}'''`
    }

    default: {
      return tomlString(value)
    }
  }
}

function withUnderscores(style: Style, digits: string): string {
  let out = digits[0]
  for (let i = 1; i < digits.length; i++) out += (style.rng() < 0.2 ? '_' : '') + digits[i]
  return out
}

function writeInteger(style: Style, value: bigint | number): string {
  const big = BigInt(value)
  const form = big >= 0n ? pick(style, ['dec', 'dec', 'hex', 'oct', 'bin']) : 'dec'
  if (form === 'hex') return `0x${withUnderscores(style, big.toString(16))}`
  if (form === 'oct') return `0o${withUnderscores(style, big.toString(8))}`
  if (form === 'bin') return `0b${withUnderscores(style, big.toString(2))}`
  const sign = big < 0n ? '-' : style.rng() < 0.2 ? '+' : ''
  return sign + withUnderscores(style, (big < 0n ? -big : big).toString())
}

function writeFloat(style: Style, value: number): string {
  if (Number.isNaN(value)) return pick(style, ['nan', '+nan', '-nan'])
  if (!Number.isFinite(value)) return value > 0 ? pick(style, ['inf', '+inf']) : '-inf'
  if (Object.is(value, -0)) return '-0.0'
  const shortest = String(value)
  return /[.e]/.test(shortest) ? shortest : `${shortest}.0`
}

function writeValue(style: Style, value: Value): string {
  if (typeof value === 'string') return writeString(style, value)
  if (typeof value === 'boolean') return String(value)
  if (typeof value === 'bigint') return writeInteger(style, value)
  if (typeof value === 'number') return Number.isSafeInteger(value) && !Object.is(value, -0) && style.rng() < 0.7 ? writeInteger(style, value) : writeFloat(style, value)
  if (value instanceof TomlDate) return value.text
  if (Array.isArray(value)) {
    const items = value.map((v) => writeValue(style, v))
    if (items.length > 0 && style.rng() < 0.3) return `[${style.crlf ? '\r\n' : '\n'}  ${items.join(`, # c${style.crlf ? '\r\n' : '\n'}  `)},${style.crlf ? '\r\n' : '\n'}]`
    return `[${items.join(pick(style, [', ', ',']))}]`
  }

  const parts = Object.keys(value).map((k) => `${writeKey(style, k)} = ${writeValue(style, value[k])}`)
  return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`
}

function writeKey(style: Style, k: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(k) && style.rng() < 0.8) return k
  if (!/['\u0000-\u001F\u007F]/.test(k) && style.rng() < 0.3) return `'${k}'`
  return tomlString(k)
}

const writePath = (style: Style, path: string[]) => path.map((k) => writeKey(style, k)).join(pick(style, ['.', ' . ']))

/** True when a table holds only scalars and arrays (so dotted keys can spell it). */
const flat = (t: Tree) => Object.values(t).every((v) => !isTree(v) && !isTreeArray(v))

/** The lines of one table body at `path`: key/value lines, then its sub-tables as sections. */
function writeBody(style: Style, path: string[], table: Tree, lines: string[]): void {
  const sections: Array<() => void> = []
  for (const k of Object.keys(table)) {
    const v = table[k]
    const comment = style.rng() < 0.2 ? ` # note ${k.length}` : ''
    const indent = pick(style, ['', '', '  ', '\t'])
    if (isTree(v) && Object.keys(v).length > 0 && flat(v) && style.rng() < 0.3) {
      for (const sub of Object.keys(v)) lines.push(`${indent}${writeKey(style, k)}.${writeKey(style, sub)} = ${writeValue(style, v[sub])}${comment}`)
    } else if ((isTree(v) || isTreeArray(v)) && style.rng() < 0.75) {
      sections.push(() => writeSection(style, [...path, k], v, lines))
    } else {
      lines.push(`${indent}${writeKey(style, k)} = ${writeValue(style, v)}${comment}`)
    }

    if (style.rng() < 0.15) lines.push(pick(style, ['', '# a comment line', '   ']))
  }

  for (const section of sections) section()
}

function writeSection(style: Style, path: string[], value: Tree | Tree[], lines: string[]): void {
  for (const table of isTreeArray(value) ? value : [value]) {
    if (style.rng() < 0.5) lines.push('')
    lines.push(isTreeArray(value) ? `[[${writePath(style, path)}]]` : `[${writePath(style, path)}]${style.rng() < 0.2 ? ' # header' : ''}`)
    writeBody(style, path, table, lines)
  }
}

function writeDocument(style: Style, root: Tree): string {
  const lines: string[] = style.rng() < 0.5 ? ['# a document'] : []
  writeBody(style, [], root, lines)
  const eol = style.crlf ? '\r\n' : '\n'
  return lines.join(eol) + (style.rng() < 0.9 ? eol : '')
}

/**
 * Documents: a tree and its text in a random spelling. The oracle's family
 * avoids what @iarna/toml cannot read (its bugs): keys named like
 * JavaScript built-ins, CR after a comment, local dates and times inside
 * arrays and inline tables.
 */
const documentsOf = (family: 'all' | 'oracle') =>
  fc
    .tuple(
      trees(
        family === 'all' ? anyKey : plainKey,
        datesOf(family === 'all' ? ['offset-date-time', 'local-date-time', 'local-date', 'local-time'] : ['offset-date-time']),
      ),
      fc.integer(),
      family === 'all' ? fc.boolean() : fc.constant(false),
    )
    .map(([root, seed, crlf]) => ({root, text: writeDocument({crlf, rng: seededRandom(seed)}, root)}))
const documents = documentsOf('all')

/* eslint-enable no-control-regex */

// ---- properties ------------------------------------------------------------------

/** Names @iarna/toml confuses with Object.prototype members (its bug, which glix's parser fixes). */
const PROTOTYPE_NAMES = /__proto__|constructor|toString|valueOf|hasOwnProperty|isPrototypeOf|propertyIsEnumerable|toLocaleString/

function iarna(text: string): unknown {
  if (PROTOTYPE_NAMES.test(text)) return undefined
  try {
    return normalizeIarna(TOML.parse(text))
  } catch {
    return undefined
  }
}

describe('parseToml against generated documents and @iarna/toml (property)', () => {
  it('reads back exactly the value written, through the fast lane and the general code', () => {
    fc.assert(
      fc.property(documents, ({root, text}) => {
        const expected = normalizeGlix(root)
        expect(normalizeGlix(parseToml(text)), text).to.deep.equal(expected)
        expect(normalizeGlix(parseTomlDocument(text).value), text).to.deep.equal(expected)
      }),
      {numRuns: NUM_RUNS},
    )
  })

  it('agrees with @iarna/toml on every document it accepts (keys without JavaScript built-in names)', () => {
    let compared = 0
    fc.assert(
      fc.property(documentsOf('oracle'), ({text}) => {
        const oracle = iarna(text)
        if (oracle === undefined) return
        compared++
        expect(normalizeGlix(parseToml(text)), `@iarna/toml disagrees on:\n${text}`).to.deep.equal(oracle)
      }),
      {numRuns: NUM_RUNS},
    )
    // The oracle must really have been consulted, not skipped.
    expect(compared).to.be.greaterThan(NUM_RUNS * 0.9)
  })

  it('on mutated documents: either a value or a TomlError with a position, and the fast lane agrees with the general code', () => {
    const mutation = fc.tuple(fc.nat(), fc.constantFrom('delete', 'insert', 'replace'), fc.constantFrom(...'"\'\\[]{}=,.#\n\r\t 0_-+:eTZ'.split('')))
    fc.assert(
      fc.property(documents, fc.array(mutation, {maxLength: 3, minLength: 1}), ({text}, mutations) => {
        let mutated = text
        for (const [at, kind, ch] of mutations) {
          const i = mutated.length === 0 ? 0 : at % mutated.length
          mutated = mutated.slice(0, i) + (kind === 'delete' ? '' : ch) + mutated.slice(kind === 'insert' ? i : i + 1)
        }

        const outcome = (parse: () => unknown) => {
          try {
            return {value: normalizeGlix(parse())}
          } catch (error) {
            expect(error, `${String(error)}\n${mutated}`).to.be.instanceOf(TomlError)
            const {column, line} = error as TomlError
            expect(line).to.be.within(1, mutated.split('\n').length)
            expect(column).to.be.greaterThan(0)
            return {error: (error as Error).message}
          }
        }

        expect(outcome(() => parseToml(mutated)), mutated).to.deep.equal(outcome(() => parseTomlDocument(mutated).value))
      }),
      {numRuns: NUM_RUNS},
    )
  })
})
