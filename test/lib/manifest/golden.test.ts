/**
 * Golden-file tests of the manifest reader and writer (spec §2).
 *
 * `test/fixtures/golden/manifest/<name>.toml` are hand-written canonical
 * manifests: reading and re-rendering one must give the same bytes. Each
 * `input/<name>.toml` is a hand-edited, non-canonical spelling of the same
 * data (keys out of order, unsorted packages, odd spacing, literal strings,
 * dotted keys, inline tables, comments) and must render to `<name>.toml`.
 */
import TOML from '@iarna/toml'
import {expect} from 'chai'
import {readFileSync, readdirSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {MANIFEST_HEADER, parseManifest, parseManifestDocument} from '../../../src/lib/manifest/read.js'
import {type Manifest, type TomlValue} from '../../../src/lib/manifest/types.js'
import {renderManifest} from '../../../src/lib/manifest/write.js'
import {TomlDate} from '../../../src/lib/toml/value.js'
import {normalizeGlix, normalizeIarna} from '../toml/normalize.js'

const GOLDEN_DIR = fileURLToPath(new URL('../../fixtures/golden/manifest/', import.meta.url))

function golden(name: string): string {
  return readFileSync(`${GOLDEN_DIR}${name}.toml`, 'utf8')
}

function input(name: string): string {
  return readFileSync(`${GOLDEN_DIR}input/${name}.toml`, 'utf8')
}

const GOLDENS = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith('.toml'))
  .map((f) => f.slice(0, -'.toml'.length))
  .sort()

const INPUTS = readdirSync(`${GOLDEN_DIR}input`)
  .filter((f) => f.endsWith('.toml'))
  .map((f) => f.slice(0, -'.toml'.length))
  .sort()

/** The plain TOML document a manifest stands for, as a generic TOML reader sees it. */
function toTomlData(manifest: Manifest): Record<string, TomlValue> {
  const {extra: settingsExtra, ...known} = manifest.settings
  const data: Record<string, TomlValue> = {schema: 1, ...manifest.extra, settings: {...known, ...settingsExtra}}
  const packages: Record<string, TomlValue> = {}
  for (const [name, entry] of Object.entries(manifest.packages)) {
    const {config, extra, ...fields} = entry
    packages[name] = {...fields, ...(Object.keys(config).length > 0 ? {config} : {}), ...extra}
  }

  if (Object.keys(packages).length > 0) data.packages = packages
  return data
}

/** The manifest `full.toml` stands for, written out by hand. */
const FULL: Manifest = {
  extra: {},
  packages: {
    Zed: {config: {}, enabled: true, extra: {}, flake: 'github:zed-industries/zed', scope: 'home'},
    alacritty: {
      config: {},
      enabled: true,
      extra: {},
      flake: 'path:./pkgs/alacritty',
      pin: 'kept-in-manifest-only',
      scope: 'system',
    },
    firefox: {config: {}, enabled: true, extra: {}, flake: 'github:NixOS/nixpkgs#firefox', scope: 'system'},
    helix: {
      config: {
        Zed: 'upper case sorts first',
        'a.b': 'dotted key',
        'back\\slash': 'C:\\Users\\bob',
        'font-size': '14',
        'key with spaces': 'value with "quotes"',
        'quo"te': "it's",
        theme: 'catppuccin',
        ünïcode: '日本語 🎉',
      },
      enabled: false,
      extra: {},
      flake: 'github:helix-editor/helix?ref=master',
      pin: '0123456789abcdef0123456789abcdef01234567',
      scope: 'home',
      user: 'bob',
    },
    'my_tool-2': {
      config: {greeting: 'line1\nline2\ttab'},
      enabled: true,
      extra: {},
      flake: 'git+https://example.org/tool.git?ref=main',
      scope: 'home',
      user: 'carol',
    },
  },
  schema: 1,
  settings: {
    auto_apply: true,
    build_host: 'builder.lan',
    default_scope: 'home',
    extra: {},
    primary_user: 'alice',
    registry_url: 'https://registry.example.org/glix/registry.json',
    system: 'aarch64-linux',
    target_host: 'root@pi.lan',
  },
}

describe('manifest golden files', () => {
  it('has the goldens and inputs this suite relies on', () => {
    expect(GOLDENS).to.include.members(['escapes', 'full', 'minimal', 'unknown-keys'])
    expect(INPUTS).to.include.members(['full', 'minimal', 'unknown-keys'])
    for (const name of INPUTS) expect(GOLDENS, `input/${name}.toml has no golden`).to.include(name)
  })

  for (const name of GOLDENS) {
    describe(`${name}.toml`, () => {
      it('is a fixed point: render(parse(golden)) is the golden, byte for byte', () => {
        const text = golden(name)
        expect(renderManifest(parseManifest(text, `${name}.toml`).manifest)).to.equal(text)
      })

      it('starts with the header and schema line, ends with one newline, has no CR or trailing blanks', () => {
        const text = golden(name)
        expect(text.startsWith(`${MANIFEST_HEADER}\nschema = 1\n`)).to.equal(true)
        expect(text.endsWith('\n')).to.equal(true)
        expect(text.endsWith('\n\n')).to.equal(false)
        expect(text).not.to.include('\r')
        for (const line of text.split('\n')) expect(line, JSON.stringify(line)).not.to.match(/[ \t]$/)
      })

      it('has no comment but the header', () => {
        expect(parseManifestDocument(golden(name), `${name}.toml`).document.comments).to.deep.equal([0])
      })

      it('reads the same with @iarna/toml as the manifest glix parsed', () => {
        const text = golden(name)
        const {manifest} = parseManifest(text, `${name}.toml`)
        expect(normalizeIarna(TOML.parse(text))).to.deep.equal(normalizeGlix(toTomlData(manifest)))
        expect(normalizeIarna(TOML.parse(renderManifest(manifest)))).to.deep.equal(normalizeGlix(toTomlData(manifest)))
      })
    })
  }

  for (const name of INPUTS) {
    it(`renders the non-canonical input/${name}.toml to the canonical ${name}.toml`, () => {
      const expected = golden(name)
      const read = parseManifest(input(name), `input/${name}.toml`)
      expect(renderManifest(read.manifest)).to.equal(expected)
      expect(read.manifest).to.deep.equal(parseManifest(expected, `${name}.toml`).manifest)
    })
  }

  it('reads full.toml into exactly the expected manifest', () => {
    expect(parseManifest(golden('full'), 'full.toml').manifest).to.deep.equal(FULL)
  })

  it('renders the expected manifest of full.toml to full.toml', () => {
    expect(renderManifest(FULL)).to.equal(golden('full'))
  })

  it('reads minimal.toml as the defaults', () => {
    expect(parseManifest(golden('minimal'), 'minimal.toml').manifest).to.deep.equal({
      extra: {},
      packages: {},
      schema: 1,
      settings: {auto_apply: false, default_scope: 'system', extra: {}},
    })
  })

  it('reads escapes.toml: quotes, backslashes, control characters and non-ASCII', () => {
    const {manifest} = parseManifest(golden('escapes'), 'escapes.toml')
    expect(manifest.settings.registry_url).to.equal('https://example.org/r.json?q="x"&p=C:\\tmp')
    const entry = manifest.packages.esc
    expect(entry.flake).to.equal('path:/srv/with "quotes" and \\backslash # not a comment')
    expect(entry.pin).to.equal('\b\t\n\f\r')
    expect(entry.config).to.deep.equal({
      '#hash': '# not a comment either',
      '\u0001key': '\u0000\u001F\u007F',
      'tab\tkey': 'café € 日本 🎉 nel\u0085 ls\u2028 ps\u2029 nbsp\u00A0',
    })
    // Non-ASCII is written as is, never as \u escapes.
    expect(golden('escapes')).to.include('café € 日本 🎉 nel\u0085 ls\u2028 ps\u2029 nbsp\u00A0')
  })

  it('reads unknown-keys.toml, keeping every unknown key at its level', () => {
    const {manifest} = parseManifest(golden('unknown-keys'), 'unknown-keys.toml')
    expect(Object.keys(manifest.extra)).to.deep.equal(['comment_style', 'weird key', 'when', 'future'])
    expect(manifest.extra.comment_style).to.equal('terse')
    expect(manifest.extra['weird key']).to.deep.equal([1, 2, 3])
    expect(manifest.extra.when).to.deep.equal(new TomlDate('offset-date-time', '1979-05-27T07:32:00Z'))
    expect(manifest.extra.future).to.deep.equal({
      mode: 'fast',
      points: [
        [1, 2],
        ['x', 'y'],
      ],
      sub: {ok: false},
    })
    expect(manifest.settings.system).to.equal('x86_64-linux')
    expect(manifest.settings.extra).to.deep.equal({
      future_flag: true,
      'needs quoting': 'x',
      notifications: {email: 'a@example.org', levels: ['warn', 'error']},
    })
    const hello = manifest.packages.hello
    expect(hello.config).to.deep.equal({greeting: 'hi'})
    expect(Object.keys(hello.extra)).to.deep.equal(['priority', 'tags', 'meta'])
    expect(hello.extra.priority).to.equal(10)
    expect(hello.extra.tags).to.deep.equal(['cli', 'gnu'])
    const meta = hello.extra.meta as Record<string, TomlValue>
    expect(meta.by).to.equal('glix-go')
    expect(meta.nested).to.deep.equal({deep: true})
  })
})
