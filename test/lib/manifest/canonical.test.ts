/**
 * The fast reader of canonical manifests (src/lib/manifest/canonical.ts)
 * against the general TOML reader: whenever the fast reader accepts a text,
 * the general one gives the same manifest (same keys in the same order) and
 * no user comments; it accepts what glix writes for plain values; and it
 * gives up, never throws, on anything else — checked on generated
 * manifests, on random edits of their text, and on hand-picked cases.
 */
import {expect} from 'chai'
import fc from 'fast-check'
import {readdirSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {readCanonicalManifest} from '../../../src/lib/manifest/canonical.js'
import {parseManifest, parseManifestToml} from '../../../src/lib/manifest/read.js'
import {type HostSettings, type Manifest, type PackageEntry} from '../../../src/lib/manifest/types.js'
import {renderManifest} from '../../../src/lib/manifest/write.js'

const NUM_RUNS = 300
const GOLDEN_DIR = fileURLToPath(new URL('../../fixtures/golden/manifest/', import.meta.url))

/** The general reader's result, or the error it throws. */
function general(text: string): {error?: Error; manifest?: Manifest; userComments?: number} {
  try {
    return parseManifestToml(text, 'glix.toml')
  } catch (error) {
    return {error: error as Error}
  }
}

/** Asserts the fast reader agrees with the general one on `text`; returns whether it accepted it. */
function expectAgreement(text: string): boolean {
  const fast = readCanonicalManifest(text)
  if (fast === undefined) return false
  const slow = general(text)
  expect(slow.error, `the general reader refused a text the fast one accepted:\n${text}`).to.equal(undefined)
  expect(fast).to.deep.equal(slow.manifest)
  // Same keys in the same order: renderers and JSON output see no difference.
  expect(JSON.stringify(fast)).to.equal(JSON.stringify(slow.manifest))
  expect(slow.userComments).to.equal(0)
  return true
}

// Values glix writes without escapes: the fast reader must take these.
const plainChar = fc.constantFrom(...'abcXYZ019 .:/?#=&_-+@~[]{}$\'é日🎉'.split(/(?:)/u))
const plain = fc.string({maxLength: 12, minLength: 1, unit: plainChar})
const plainOrEmpty = fc.string({maxLength: 12, unit: plainChar})
const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,9}$/).filter((n) => !(n in Object.prototype))
const bareKey = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/).filter((k) => !(k in Object.prototype))

function ownRecord<T>(entries: Array<[string, T]>): Record<string, T> {
  const out: Record<string, T> = {}
  for (const [key, value] of entries) Object.defineProperty(out, key, {configurable: true, enumerable: true, value, writable: true})
  return out
}

const plainSettings: fc.Arbitrary<HostSettings> = fc
  .record(
    {
      auto_apply: fc.boolean(),
      build_host: plain,
      default_scope: fc.constantFrom('system' as const, 'home' as const),
      extra: fc.constant({}),
      primary_user: name,
      registry_url: plain,
      system: plain,
      target_host: plain,
    },
    {requiredKeys: ['auto_apply', 'default_scope', 'extra']},
  )
  .map((s) => s as HostSettings)

const plainEntry: fc.Arbitrary<PackageEntry> = fc
  .record(
    {
      config: fc.uniqueArray(fc.tuple(bareKey, plainOrEmpty), {maxLength: 4, selector: ([k]) => k}).map((e) => ownRecord(e)),
      enabled: fc.boolean(),
      extra: fc.constant({}),
      flake: plain,
      pin: plain,
      scope: fc.constantFrom('system' as const, 'home' as const),
      user: name,
    },
    {requiredKeys: ['config', 'enabled', 'extra', 'flake', 'scope']},
  )
  .map((p) => p as PackageEntry)

const plainManifest: fc.Arbitrary<Manifest> = fc.record({
  extra: fc.constant({}),
  packages: fc.uniqueArray(fc.tuple(name, plainEntry), {maxLength: 5, selector: ([n]) => n}).map((e) => ownRecord(e)),
  schema: fc.constant(1 as const),
  settings: plainSettings,
})

// Any value glix may hold: escapes, control characters, unknown keys.
const anyChar = fc.oneof(fc.constantFrom('"', '\\', '\n', '\r', '\t', '\u0000', '\u007F', '#', '='), fc.string({maxLength: 1, minLength: 1, unit: 'binary'}))
const anyString = fc.string({maxLength: 8, minLength: 1, unit: fc.oneof(plainChar, anyChar)})
const anyManifest: fc.Arbitrary<Manifest> = fc
  .tuple(plainManifest, fc.array(fc.tuple(fc.nat(), anyString), {maxLength: 3}), fc.option(fc.tuple(bareKey, anyString)))
  .map(([m, edits, extra]) => {
    const names = Object.keys(m.packages)
    for (const [index, value] of edits) {
      if (names.length === 0) break
      const entry = m.packages[names[index % names.length]]
      if (index % 2 === 0) entry.flake = value
      else entry.config = {...entry.config, [`k${index % 5}`]: value}
    }

    if (extra) m.settings.extra = ownRecord([extra])
    return m
  })

/** A random edit of a text, line-wise or character-wise. */
const edit = fc.tuple(fc.nat(), fc.nat(), fc.constantFrom('drop', 'duplicate', 'swap', 'comment', 'space', 'char', 'crlf', 'blank'), fc.constantFrom(...'"\\#=[]. \tx0\u0000é'.split('')))

function applyEdit(text: string, [a, b, kind, ch]: [number, number, string, string]): string {
  const lines = text.split('\n')
  const i = a % lines.length
  const j = b % lines.length
  switch (kind) {
    case 'drop': {
      lines.splice(i, 1)
      break
    }

    case 'duplicate': {
      lines.splice(i, 0, lines[i])
      break
    }

    case 'swap': {
      ;[lines[i], lines[j]] = [lines[j], lines[i]]
      break
    }

    case 'comment': {
      lines.splice(i, 0, '# a comment')
      break
    }

    case 'space': {
      lines[i] = lines[i].replace(' = ', '  = ')
      break
    }

    case 'blank': {
      lines.splice(i, 0, '')
      break
    }

    case 'crlf': {
      lines[i] += '\r'
      break
    }

    default: {
      const pos = b % (lines[i].length + 1)
      lines[i] = lines[i].slice(0, pos) + ch + lines[i].slice(pos)
    }
  }

  return lines.join('\n')
}

describe('readCanonicalManifest (the fast path of parseManifest)', () => {
  it('takes what glix writes for plain values, exactly as the TOML reader reads it', () => {
    fc.assert(
      fc.property(plainManifest, (m) => {
        const text = renderManifest(m)
        expect(expectAgreement(text), `not taken:\n${text}`).to.equal(true)
        expect(readCanonicalManifest(text)).to.deep.equal(m)
      }),
      {numRuns: NUM_RUNS},
    )
  })

  it('agrees with the TOML reader whenever it takes a manifest with any values', () => {
    fc.assert(
      fc.property(anyManifest, (m) => {
        expectAgreement(renderManifest(m))
      }),
      {numRuns: NUM_RUNS},
    )
  })

  it('agrees with the TOML reader, or gives up, on random edits of a canonical text', () => {
    fc.assert(
      fc.property(plainManifest, fc.array(edit, {maxLength: 3, minLength: 1}), (m, edits) => {
        const text = edits.reduce((t, e) => applyEdit(t, e), renderManifest(m))
        expectAgreement(text)
        if (general(text).error) expect(readCanonicalManifest(text)).to.equal(undefined)
      }),
      {numRuns: NUM_RUNS * 3},
    )
  })

  it('agrees with the TOML reader on every golden manifest, taking the plain ones', () => {
    const taken = readdirSync(GOLDEN_DIR)
      .filter((f) => f.endsWith('.toml'))
      .filter((f) => expectAgreement(readFileSync(`${GOLDEN_DIR}${f}`, 'utf8')))
    expect(taken).to.include('minimal.toml')
  })

  const base = renderManifest({
    extra: {},
    packages: {
      hello: {config: {message: 'hi'}, enabled: true, extra: {}, flake: 'github:NixOS/nixpkgs#hello', scope: 'home', user: 'bob'},
    },
    schema: 1,
    settings: {auto_apply: false, default_scope: 'system', extra: {}, primary_user: 'alice', system: 'x86_64-linux'},
  })

  it('takes the canonical text it is built for', () => {
    expect(expectAgreement(base)).to.equal(true)
  })

  const cases: Array<[string, string]> = [
    ['CRLF line ends', base.replaceAll('\n', '\r\n')],
    ['no final newline', base.slice(0, -1)],
    ['a trailing blank line', base + '\n'],
    ['a comment', base.replace('[settings]\n', '[settings]\n# mine\n')],
    ['a trailing comment', base.replace('enabled = true', 'enabled = true # yes')],
    ['an escape in a string', base.replace('"hi"', '"h\\"i"')],
    ['an empty flake', base.replace('"github:NixOS/nixpkgs#hello"', '""')],
    ['an empty pin', base.replace('user    = "bob"', 'pin     = ""\nuser    = "bob"')],
    ['an invalid user', base.replace('user    = "bob"', 'user    = "b b"')],
    ['an invalid primary user', base.replace('primary_user = "alice"', 'primary_user = "9lives"')],
    ['an invalid scope', base.replace('scope   = "home"', 'scope   = "both"')],
    ['a string for enabled', base.replace('enabled = true', 'enabled = "true"')],
    ['schema 2', base.replace('schema = 1', 'schema = 2')],
    ['settings out of order', base.replace('system = "x86_64-linux"\nprimary_user = "alice"', 'primary_user = "alice"\nsystem = "x86_64-linux"')],
    ['an unknown package key', base.replace('user    = "bob"', 'user    = "bob"\nnote = "x"')],
    ['an unknown setting', base.replace('auto_apply = false', 'auto_apply = false\ncolour = "blue"')],
    ['a repeated package table', base + '\n[packages.hello]\nflake   = "x"\nscope   = "system"\nenabled = true\n'],
    ['a repeated config key', base.replace('message = "hi"', 'message = "hi"\nmessage = "ho"')],
    ['a built-in table name', base.replaceAll('packages.hello', 'packages.constructor')],
    ['a built-in config key', base.replace('message = "hi"', 'constructor = "hi"')],
    ['a quoted config key', base.replace('message = "hi"', '"a b" = "hi"')],
    ['odd spacing', base.replace('flake   = ', 'flake = ')],
  ]
  for (const [what, text] of cases) {
    it(`gives up on ${what}, and parseManifest still agrees with the TOML reader`, () => {
      expect(readCanonicalManifest(text)).to.equal(undefined)
      const slow = general(text)
      if (slow.error) {
        expect(() => parseManifest(text, 'glix.toml')).to.throw(slow.error.message)
      } else {
        expect(parseManifest(text, 'glix.toml')).to.deep.equal(slow)
      }
    })
  }
})
