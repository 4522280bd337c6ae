/**
 * Property tests of the manifest writer and reader: for any manifest glix
 * can hold, writing then reading gives the same manifest, and writing is
 * idempotent (the canonical form is a fixed point).
 */
import TOML from '@iarna/toml'
import {expect} from 'chai'
import fc from 'fast-check'

import {parseManifest, parseManifestDocument} from '../../../src/lib/manifest/read.js'
import {
  type Extra,
  type HostSettings,
  type Manifest,
  OPTIONAL_SETTING_KEYS,
  type PackageEntry,
  type Scope,
} from '../../../src/lib/manifest/types.js'
import {renderManifest} from '../../../src/lib/manifest/write.js'

const NUM_RUNS = 200

/** Characters that stress TOML escaping, mixed into otherwise arbitrary code points. */
const TRICKY = ['"', '\\', "'", '#', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001F', '\u007F', '\u0085', '\u2028', 'é', '日', '🎉', '${', '=', '.', '[', ']', ' ']

/** Any code point (no lone surrogates), often one of the tricky ones. */
const char = fc.oneof(
  {arbitrary: fc.constantFrom(...TRICKY), weight: 1},
  {arbitrary: fc.string({maxLength: 1, minLength: 1, unit: 'binary'}), weight: 2},
  {arbitrary: fc.string({maxLength: 1, minLength: 1, unit: 'grapheme-ascii'}), weight: 2},
)
const anyString = fc.string({maxLength: 16, unit: char})
const nonEmptyString = fc.string({maxLength: 16, minLength: 1, unit: char})

/** Valid names, often named like Object.prototype members (which the old parser lost). */
const name = fc.oneof(
  {arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,11}$/), weight: 5},
  {arbitrary: fc.constantFrom('constructor', 'toString', 'valueOf', 'hasOwnProperty'), weight: 1},
)
const scope: fc.Arbitrary<Scope> = fc.constantFrom('system', 'home')

/** A record built with own data properties, so keys such as `constructor` stay keys. */
function record<T>(entries: Array<[string, T]>): Record<string, T> {
  const out: Record<string, T> = {}
  for (const [key, value] of entries) Object.defineProperty(out, key, {configurable: true, enumerable: true, value, writable: true})
  return out
}

/** Keys, often named like Object.prototype members, `__proto__` included. */
const mapKey = fc.oneof({arbitrary: anyString, weight: 5}, {arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString'), weight: 1})

const config = fc.uniqueArray(fc.tuple(mapKey, anyString), {maxLength: 5, selector: ([k]) => k}).map((e) => record(e))

/** Unknown values glix must keep: strings, booleans, safe integers, arrays of strings, small tables. */
const extraValue = fc.oneof(
  anyString,
  fc.boolean(),
  fc.integer({max: 1_000_000, min: -1_000_000}),
  fc.array(anyString, {maxLength: 3}),
  fc.uniqueArray(fc.tuple(mapKey, anyString), {maxLength: 3, selector: ([k]) => k}).map((e) => record(e)),
)

function extraWithout(known: readonly string[]): fc.Arbitrary<Extra> {
  const key = mapKey.filter((k) => !known.includes(k))
  return fc.uniqueArray(fc.tuple(key, extraValue), {maxLength: 3, selector: ([k]) => k}).map((e) => record(e))
}

const settings: fc.Arbitrary<HostSettings> = fc
  .record(
    {
      auto_apply: fc.boolean(),
      build_host: nonEmptyString,
      default_scope: scope,
      extra: extraWithout(['default_scope', 'auto_apply', ...OPTIONAL_SETTING_KEYS]),
      primary_user: name,
      registry_url: nonEmptyString,
      system: nonEmptyString,
      target_host: nonEmptyString,
    },
    {requiredKeys: ['auto_apply', 'default_scope', 'extra']},
  )
  .map((s) => s as HostSettings)

const packageEntry: fc.Arbitrary<PackageEntry> = fc
  .record(
    {
      config,
      enabled: fc.boolean(),
      extra: extraWithout(['flake', 'scope', 'enabled', 'pin', 'user', 'config']),
      flake: nonEmptyString,
      pin: nonEmptyString,
      scope,
      user: name,
    },
    {requiredKeys: ['config', 'enabled', 'extra', 'flake', 'scope']},
  )
  .map((p) => p as PackageEntry)

const manifest: fc.Arbitrary<Manifest> = fc.record({
  extra: extraWithout(['schema', 'settings', 'packages']),
  packages: fc.uniqueArray(fc.tuple(name, packageEntry), {maxLength: 4, selector: ([n]) => n}).map((e) => record(e)),
  schema: fc.constant(1 as const),
  settings,
})

describe('manifest round trip (property)', () => {
  it('parseManifest(renderManifest(m)) deep-equals m', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        const text = renderManifest(m)
        expect(parseManifest(text, 'glix.toml').manifest).to.deep.equal(m)
      }),
      {numRuns: NUM_RUNS},
    )
  })

  it('renderManifest is idempotent: rendering what it read gives the same bytes', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        const once = renderManifest(m)
        const twice = renderManifest(parseManifest(once, 'glix.toml').manifest)
        expect(twice).to.equal(once)
      }),
      {numRuns: NUM_RUNS},
    )
  })

  it('what glix writes is read the same by a plain TOML reader', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        const text = renderManifest(m)
        // @iarna/toml, the independent reader, loses keys named like Object.prototype members.
        fc.pre(!/__proto__|constructor|toString|valueOf|hasOwnProperty/.test(text))
        const data = TOML.parse(text) as Record<string, unknown>
        const packages = (data.packages ?? {}) as Record<string, Record<string, unknown>>
        expect(Object.keys(packages).sort()).to.deep.equal(Object.keys(m.packages).sort())
        for (const [n, entry] of Object.entries(m.packages)) {
          expect(packages[n].flake).to.equal(entry.flake)
          expect(packages[n].pin).to.equal(entry.pin)
          expect(packages[n].config ?? {}).to.deep.equal(entry.config)
        }

        const s = data.settings as Record<string, unknown>
        for (const key of OPTIONAL_SETTING_KEYS) expect(s[key]).to.equal(m.settings[key])
      }),
      {numRuns: NUM_RUNS},
    )
  })

  it('writes no comment but the header', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        expect(parseManifestDocument(renderManifest(m), 'glix.toml').document.comments).to.deep.equal([0])
      }),
      {numRuns: NUM_RUNS},
    )
  })
})
