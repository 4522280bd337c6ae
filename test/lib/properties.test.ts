/**
 * Round-trip properties of what glix writes, checked against independent
 * readers:
 *
 * - a manifest rendered by `renderManifest` reads back with the same values
 *   through @iarna/toml directly, through `parseManifest`, and (for a
 *   sample, in one `nix eval`) through real Nix `builtins.fromTOML` — the
 *   reader glixos-core uses, so this is the one that matters on a machine;
 * - a string escaped by `nixString` (what goes into flake.nix) evaluates to
 *   the same string in real Nix (`nix eval --json`, ~200 strings in one call).
 *
 * Strings are arbitrary Unicode (any code point, no lone surrogates) mixed
 * with characters that break naive escaping: quotes, backslashes, control
 * characters, DEL, `${`, `$${`, `''`, CR LF, line/paragraph separators.
 */
import TOML from '@iarna/toml'
import {expect} from 'chai'
import fc from 'fast-check'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {nixString} from '../../src/lib/flake/render.js'
import {parseManifest} from '../../src/lib/manifest/read.js'
import {type HostSettings, type Manifest, OPTIONAL_SETTING_KEYS, type PackageEntry, type Scope} from '../../src/lib/manifest/types.js'
import {renderManifest} from '../../src/lib/manifest/write.js'
import {describeNix, runNix} from '../helpers/nix.js'
import {isValidName} from '../../src/lib/names.js'

const NUM_RUNS = 300
/** Manifests checked through real Nix, all in one `nix eval`. */
const NIX_TOML_SAMPLE = 25
/** Strings checked through real Nix, all in one `nix eval`. */
const NIX_STRING_SAMPLE = 200

const TRICKY = [
  '"',
  '\\',
  "'",
  "''",
  '#',
  '$',
  '${',
  '$${',
  '\\${',
  '{',
  '}',
  '\n',
  '\r',
  '\r\n',
  '\t',
  '\b',
  '\f',
  '\u0000',
  '\u0001',
  '\u001B',
  '\u001F',
  '\u007F',
  '\u0085',
  '\u00A0',
  '\u2028',
  '\u2029',
  '\uFEFF',
  'é',
  '日',
  '🎉',
  '=',
  '.',
  '[',
  ']',
  ' ',
]

/**
 * Arbitrary strings, often made of tricky pieces. With `nul: false`, U+0000
 * is left out: a Nix string is a C string and cannot hold NUL at all
 * (`builtins.fromTOML` cuts `"a\u0000b"` to `"a"`), so no writer can make
 * Nix read one back. That is the only restriction.
 */
function strings(options: {minLength?: number; nul: boolean}): fc.Arbitrary<string> {
  const unit = fc.oneof(
    {arbitrary: fc.constantFrom(...TRICKY), weight: 2},
    {arbitrary: fc.string({maxLength: 1, minLength: 1, unit: 'binary'}), weight: 2},
    {arbitrary: fc.string({maxLength: 1, minLength: 1, unit: 'grapheme-ascii'}), weight: 2},
  )
  const arb = fc.string({maxLength: 20, minLength: options.minLength ?? 0, unit})
  return options.nul ? arb : arb.filter((s) => !s.includes('\u0000'))
}

/**
 * Config keys named like Object.prototype members (`__proto__`,
 * `constructor`, `toString`, …) are left out: @iarna/toml, one of the
 * independent readers here, loses them. glix's own reader is tested with
 * them in test/lib/manifest/roundtrip.property.test.ts.
 */
const notPrototypeMember = (k: string): boolean => k !== '__proto__' && !(k in Object.prototype)

const validName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,11}$/).filter((n) => notPrototypeMember(n) && isValidName(n))
const scope: fc.Arbitrary<Scope> = fc.constantFrom('system', 'home')

/** A record with own data properties only. */
function record<T>(entries: Array<[string, T]>): Record<string, T> {
  const out: Record<string, T> = {}
  for (const [key, value] of entries) Object.defineProperty(out, key, {configurable: true, enumerable: true, value, writable: true})
  return out
}

function manifests(nul: boolean): fc.Arbitrary<Manifest> {
  const any = strings({nul})
  const nonEmpty = strings({minLength: 1, nul})
  const configKey = any.filter((k) => notPrototypeMember(k))
  const config = fc.uniqueArray(fc.tuple(configKey, any), {maxLength: 5, selector: ([k]) => k}).map((e) => record(e))

  const settings: fc.Arbitrary<HostSettings> = fc
    .record(
      {
        auto_apply: fc.boolean(),
        build_host: nonEmpty,
        default_scope: scope,
        extra: fc.constant({}),
        primary_user: validName,
        registry_url: nonEmpty,
        system: nonEmpty,
        target_host: nonEmpty,
      },
      {requiredKeys: ['auto_apply', 'default_scope', 'extra']},
    )
    .map((s) => s as HostSettings)

  const entry: fc.Arbitrary<PackageEntry> = fc
    .record(
      {
        config,
        enabled: fc.boolean(),
        extra: fc.constant({}),
        flake: nonEmpty,
        pin: nonEmpty,
        scope,
        user: validName,
      },
      {requiredKeys: ['config', 'enabled', 'extra', 'flake', 'scope']},
    )
    .map((p) => p as PackageEntry)

  return fc.record({
    extra: fc.constant({}),
    packages: fc.uniqueArray(fc.tuple(validName, entry), {maxLength: 4, selector: ([n]) => n}).map((e) => record(e)),
    schema: fc.constant(1 as const),
    settings,
  })
}

/** What any TOML reader must see in `renderManifest(m)`: plain data, no glix model. */
function tomlData(m: Manifest): Record<string, unknown> {
  const settings: Record<string, unknown> = {auto_apply: m.settings.auto_apply, default_scope: m.settings.default_scope}
  for (const key of OPTIONAL_SETTING_KEYS) {
    const value = m.settings[key]
    if (value !== undefined) settings[key] = value
  }

  const data: Record<string, unknown> = {schema: 1, settings}
  const names = Object.keys(m.packages)
  if (names.length > 0) {
    const packages: Record<string, unknown> = {}
    for (const name of names) {
      const p = m.packages[name]
      const table: Record<string, unknown> = {enabled: p.enabled, flake: p.flake, scope: p.scope}
      if (p.pin !== undefined) table.pin = p.pin
      if (p.user !== undefined) table.user = p.user
      if (Object.keys(p.config).length > 0) table.config = {...p.config}
      packages[name] = table
    }

    data.packages = packages
  }

  return data
}

/** Plain JSON data (drops @iarna/toml's null prototypes and type symbols). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value))

describe('manifest TOML round trip (property)', () => {
  it('@iarna/toml reads renderManifest(m) as exactly the values of m', () => {
    fc.assert(
      fc.property(manifests(true), (m) => {
        const text = renderManifest(m)
        expect(plain(TOML.parse(text)), text).to.deep.equal(tomlData(m))
      }),
      {numRuns: NUM_RUNS},
    )
  })

  it('parseManifest(renderManifest(m)) deep-equals m', () => {
    fc.assert(
      fc.property(manifests(true), (m) => {
        const text = renderManifest(m)
        const {manifest} = parseManifest(text, 'glix.toml')
        expect(manifest, text).to.deep.equal(m)
      }),
      {numRuns: NUM_RUNS},
    )
  })
})

describeNix('round trips through real Nix (property, nix eval)', function () {
  this.timeout(120_000)

  let tmp: string

  before(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'glix-properties-'))
  })

  after(async () => {
    if (tmp) await rm(tmp, {force: true, recursive: true})
  })

  it(`builtins.fromTOML reads renderManifest(m) as the values of m (${NIX_TOML_SAMPLE} manifests, one nix eval)`, async () => {
    const sample = fc.sample(manifests(false), NIX_TOML_SAMPLE)
    const files: string[] = []
    for (const [i, m] of sample.entries()) {
      const file = path.join(tmp, `m${i}.toml`)
      await writeFile(file, renderManifest(m))
      files.push(file)
    }

    // --impure: reading absolute paths outside the store is refused in pure mode.
    const expr = `builtins.map (f: builtins.fromTOML (builtins.readFile f)) [ ${files.map((f) => JSON.stringify(f)).join(' ')} ]`
    const read = JSON.parse(runNix(['eval', '--impure', '--json', '--expr', expr], tmp)) as unknown[]
    expect(read).to.have.length(sample.length)
    for (const [i, m] of sample.entries()) {
      expect(read[i], `manifest ${i}:\n${renderManifest(m)}`).to.deep.equal(tomlData(m))
    }
  })

  it(`nix eval reads nixString(s) as s (${NIX_STRING_SAMPLE} strings, one nix eval)`, () => {
    const sample = [
      // The classic traps, always included.
      '',
      '$',
      '${',
      '$${',
      '$${x}',
      '\\${x}',
      '$\\{x}',
      '$$',
      'a$',
      '$"',
      '\\',
      '\\\\',
      "''${x}",
      '\r\n',
      '\r',
      'x\u007F\u0001y',
      ...fc.sample(strings({nul: false}), NIX_STRING_SAMPLE),
    ]
    const expr = `[ ${sample.map((s) => nixString(s)).join('\n')} ]`
    const read = JSON.parse(runNix(['eval', '--json', '--expr', expr], tmp)) as string[]
    expect(read).to.have.length(sample.length)
    for (const [i, s] of sample.entries()) {
      expect(read[i], `string ${i}: ${JSON.stringify(s)} written as ${nixString(s)}`).to.equal(s)
    }
  })
})
