import TOML from '@iarna/toml'
import {expect} from 'chai'
import {mkdtemp, readFile, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {MANIFEST_HEADER, parseManifest} from '../../../src/lib/manifest/read.js'
import {type Manifest, type PackageEntry, createManifest} from '../../../src/lib/manifest/types.js'
import {renderManifest, tomlKey, tomlString, writeManifest} from '../../../src/lib/manifest/write.js'
import {TomlDate} from '../../../src/lib/toml/value.js'

/** Parses `literal` as the value of a TOML key, the way any TOML reader would. */
function readTomlString(literal: string): unknown {
  return (TOML.parse(`v = ${literal}\n`) as {v: unknown}).v
}

function pkg(fields: Partial<PackageEntry> = {}): PackageEntry {
  return {config: {}, enabled: true, extra: {}, flake: 'github:o/r', scope: 'system', ...fields}
}

function manifestWith(packages: Record<string, PackageEntry>, settings: Partial<Manifest['settings']> = {}): Manifest {
  const m = createManifest()
  m.packages = packages
  Object.assign(m.settings, settings)
  return m
}

describe('tomlString', () => {
  const cases: Array<[string, string, string]> = [
    ['plain text', 'hello', '"hello"'],
    ['the empty string', '', '""'],
    ['a double quote', 'say "hi"', String.raw`"say \"hi\""`],
    ['a backslash', String.raw`C:\tmp`, String.raw`"C:\\tmp"`],
    ['backslash before a quote', '\\"', String.raw`"\\\""`],
    ['backspace', '\b', String.raw`"\b"`],
    ['tab', '\t', String.raw`"\t"`],
    ['newline', 'a\nb', String.raw`"a\nb"`],
    ['form feed', '\f', String.raw`"\f"`],
    ['carriage return', '\r\n', String.raw`"\r\n"`],
    ['NUL', '\u0000', String.raw`"\u0000"`],
    ['other C0 controls, upper-case hex', '\u0001\u001B\u001F', String.raw`"\u0001\u001B\u001F"`],
    ['DEL', '\u007F', String.raw`"\u007F"`],
    ['a single quote', "it's", `"it's"`],
    ['a hash', '# not a comment', '"# not a comment"'],
    ['${ (only Nix needs to escape it)', '${x}', '"${x}"'],
    ['Latin-1 and C1 characters as is', 'é\u0085\u00A0', '"é\u0085\u00A0"'],
    ['BMP characters as is', '日本 € \u2028', '"日本 € \u2028"'],
    ['astral characters as is', '🎉𝕏', '"🎉𝕏"'],
  ]
  for (const [what, value, expected] of cases) {
    it(`escapes ${what}`, () => {
      expect(tomlString(value)).to.equal(expected)
      expect(readTomlString(tomlString(value))).to.equal(value)
    })
  }

  it('round-trips every code point below U+0100 and a sample above through a TOML reader', () => {
    let all = ''
    for (let c = 0; c < 0x100; c++) all += String.fromCodePoint(c)
    all += '\u2028\uFFFD\u{10FFFF}\u{1F600}'
    expect(readTomlString(tomlString(all))).to.equal(all)
  })

  it('writes no raw C0 control character or DEL', () => {
    let all = ''
    for (let c = 0; c < 0x20; c++) all += String.fromCodePoint(c)
    // eslint-disable-next-line no-control-regex
    expect(tomlString(all + '\u007F')).not.to.match(/[\u0000-\u001F\u007F]/)
  })
})

describe('tomlKey', () => {
  for (const key of ['a', 'Z', 'font-size', 'snake_case', '123', '-', '_', 'A-1_b']) {
    it(`writes ${JSON.stringify(key)} bare`, () => {
      expect(tomlKey(key)).to.equal(key)
    })
  }

  const quoted: Array<[string, string]> = [
    ['', '""'],
    ['a.b', '"a.b"'],
    ['a b', '"a b"'],
    ['a=b', '"a=b"'],
    ['#x', '"#x"'],
    ['[x]', '"[x]"'],
    ['quo"te', String.raw`"quo\"te"`],
    [String.raw`back\slash`, String.raw`"back\\slash"`],
    ["it's", `"it's"`],
    ['ünï', '"ünï"'],
    ['tab\tkey', String.raw`"tab\tkey"`],
    ['nl\nkey', String.raw`"nl\nkey"`],
  ]
  for (const [key, expected] of quoted) {
    it(`quotes ${JSON.stringify(key)}`, () => {
      expect(tomlKey(key)).to.equal(expected)
      const data = TOML.parse(`${tomlKey(key)} = 1\n`)
      expect(Object.keys(data)).to.deep.equal([key])
    })
  }
})

describe('renderManifest', () => {
  it('renders an empty manifest as header, schema and the two fixed settings', () => {
    expect(renderManifest(createManifest())).to.equal(
      `${MANIFEST_HEADER}\nschema = 1\n\n[settings]\ndefault_scope = "system"\nauto_apply = false\n`,
    )
  })

  it('writes the optional settings in the order of the spec table, whatever the object order', () => {
    const m = createManifest()
    m.settings = {
      build_host: 'b',
      target_host: 't',
      registry_url: 'r',
      primary_user: 'alice',
      system: 's',
      auto_apply: true,
      default_scope: 'home',
      extra: {},
    }
    const lines = renderManifest(m).split('\n')
    expect(lines.slice(3, 11)).to.deep.equal([
      '[settings]',
      'default_scope = "home"',
      'auto_apply = true',
      'system = "s"',
      'primary_user = "alice"',
      'registry_url = "r"',
      'target_host = "t"',
      'build_host = "b"',
    ])
  })

  it('omits optional settings that are empty or absent', () => {
    const m = createManifest()
    m.settings.system = ''
    m.settings.target_host = undefined
    const text = renderManifest(m)
    expect(text).not.to.match(/^system/m)
    expect(text).not.to.match(/^target_host/m)
  })

  it('createManifest drops empty settings, so they never reach the file', () => {
    const m = createManifest({primary_user: '', system: 'aarch64-linux'})
    expect(m.settings).to.deep.equal({auto_apply: false, default_scope: 'system', extra: {}, system: 'aarch64-linux'})
  })

  it('writes one table per package, sorted byte-wise by name, with aligned keys in fixed order', () => {
    const m = manifestWith({
      zsh: pkg({flake: 'github:z/zsh'}),
      Alpha: pkg({flake: 'github:a/alpha'}),
      beta: pkg({enabled: false, flake: 'github:b/beta', pin: 'abc', scope: 'home', user: 'bob'}),
    })
    const text = renderManifest(m)
    expect(text.slice(text.indexOf('[packages.'))).to.equal(
      [
        '[packages.Alpha]',
        'flake   = "github:a/alpha"',
        'scope   = "system"',
        'enabled = true',
        '',
        '[packages.beta]',
        'flake   = "github:b/beta"',
        'scope   = "home"',
        'enabled = false',
        'pin     = "abc"',
        'user    = "bob"',
        '',
        '[packages.zsh]',
        'flake   = "github:z/zsh"',
        'scope   = "system"',
        'enabled = true',
        '',
      ].join('\n'),
    )
  })

  it('omits an empty pin and user', () => {
    const text = renderManifest(manifestWith({a: pkg({pin: '', user: ''})}))
    expect(text).not.to.match(/^pin|^user/m)
  })

  it('writes the config table after its package, keys sorted and quoted where needed', () => {
    const text = renderManifest(manifestWith({a: pkg({config: {'b key': '2', a: '1', 'C.d': '3', '': 'empty key'}})}))
    expect(text.slice(text.indexOf('[packages.a.config]'))).to.equal(
      ['[packages.a.config]', '"" = "empty key"', '"C.d" = "3"', 'a = "1"', '"b key" = "2"', ''].join('\n'),
    )
  })

  it('does not write an empty config table', () => {
    expect(renderManifest(manifestWith({a: pkg()}))).not.to.include('.config]')
  })

  it('writes unknown keys after the known ones at each level, sub-tables after the scalars', () => {
    const m = manifestWith({a: pkg({config: {k: 'v'}, extra: {sub: {x: 1}, z_last: 'z'}})})
    m.extra = {table: {inner: {deep: true}, s: 's'}, top: 'level'}
    m.settings.extra = {nested: {n: 1}, zz: false}
    expect(renderManifest(m)).to.equal(
      [
        MANIFEST_HEADER,
        'schema = 1',
        'top = "level"',
        '',
        '[settings]',
        'default_scope = "system"',
        'auto_apply = false',
        'zz = false',
        '',
        '[settings.nested]',
        'n = 1',
        '',
        '[packages.a]',
        'flake   = "github:o/r"',
        'scope   = "system"',
        'enabled = true',
        'z_last = "z"',
        '',
        '[packages.a.config]',
        'k = "v"',
        '',
        '[packages.a.sub]',
        'x = 1',
        '',
        '[table]',
        's = "s"',
        '',
        '[table.inner]',
        'deep = true',
        '',
      ].join('\n'),
    )
  })

  it('quotes unknown keys and sub-table names that need it', () => {
    const m = createManifest()
    m.extra = {'a b': 'x', 'dotted.table': {'q"k': 1}}
    const text = renderManifest(m)
    expect(text).to.include('"a b" = "x"\n')
    expect(text).to.include('\n["dotted.table"]\n"q\\"k" = 1\n')
    expect(TOML.parse(text)).to.deep.include({'a b': 'x', 'dotted.table': {'q"k': 1}})
  })

  it('writes unknown arrays, numbers, booleans and dates inline', () => {
    const m = createManifest()
    m.settings.extra = {
      arr: ['a', 'b"'],
      empty: [],
      flag: true,
      inf: Number.POSITIVE_INFINITY,
      int: -42,
      nested: [[1], [2, 3]],
      pi: 3.5,
      when: new TomlDate('offset-date-time', '2024-01-02T03:04:05Z'),
      big: 9_223_372_036_854_775_807n,
      day: new TomlDate('local-date', '2024-01-02'),
    }
    const text = renderManifest(m)
    expect(text).to.include(
      [
        'arr = ["a", "b\\""]',
        'empty = []',
        'flag = true',
        'inf = inf',
        'int = -42',
        'nested = [[1], [2, 3]]',
        'pi = 3.5',
        'when = 2024-01-02T03:04:05Z',
        'big = 9223372036854775807',
        'day = 2024-01-02',
      ].join('\n'),
    )
    const reread = parseManifest(text, 'x.toml').manifest
    expect(reread.settings.extra).to.deep.equal(m.settings.extra)
  })

  it('keeps arrays of tables and empty tables, in whatever form reads back', () => {
    const m = createManifest()
    m.extra = {empty: {}, list: [{a: 1, sub: {b: 'c'}}, {}], none: []}
    const text = renderManifest(m)
    const reread = parseManifest(text, 'x.toml').manifest
    expect(reread.extra).to.deep.equal(m.extra)
    expect(renderManifest(reread)).to.equal(text)
  })

  it('writes tiny and huge floats as valid TOML (bug: @iarna stringify gives "1e-7.undefined")', () => {
    // A hand-written `ratio = 0.0000001` is an unknown key glix must keep;
    // rewriting it must still give a file that parses to the same number.
    const m = createManifest()
    m.settings.extra = {big: 1e21, ratio: 1e-7, tiny: 5e-324}
    const text = renderManifest(m)
    expect(() => parseManifest(text, 'x.toml'), text).not.to.throw()
    expect(parseManifest(text, 'x.toml').manifest.settings.extra).to.deep.equal(m.settings.extra)
  })

  it('writes arrays of tables from [[...]] so they read back (bug: local dates cannot be inline)', () => {
    // @iarna/toml cannot read a local date inside an inline array
    // or inline table, so `[[events]]` must not be rewritten inline.
    const text = `schema = 1\n\n[[events]]\non = 2024-01-02\nname = "x"\n`
    const {manifest} = parseManifest(text, 'x.toml')
    const rendered = renderManifest(manifest)
    expect(() => parseManifest(rendered, 'x.toml'), rendered).not.to.throw()
    expect(parseManifest(rendered, 'x.toml').manifest).to.deep.equal(manifest)
    expect(renderManifest(parseManifest(rendered, 'x.toml').manifest)).to.equal(rendered)
  })

  it('writes and reads back packages and keys named like Object.prototype members (the old parser lost them)', () => {
    const names = ['constructor', 'toString', 'valueOf', 'hasOwnProperty']
    const packages: Record<string, PackageEntry> = {}
    for (const n of names) packages[n] = pkg({config: JSON.parse(`{"__proto__": "p", "${n}": "v"}`), flake: `github:o/${n}`})
    const m = manifestWith(packages)
    const text = renderManifest(m)
    for (const n of names) expect(text).to.include(`\n[packages.${n}]\n`)
    expect(parseManifest(text, 'x.toml').manifest).to.deep.equal(m)
    expect(typeof Object.prototype.toString).to.equal('function')
  })

  it('writes the package keys glix knows even when the entry object lists them in another order', () => {
    const entry = {user: 'u', pin: 'p', enabled: true, scope: 'home', flake: 'f', extra: {}, config: {}} as PackageEntry
    const text = renderManifest(manifestWith({a: entry}))
    expect(text).to.include('flake   = "f"\nscope   = "home"\nenabled = true\npin     = "p"\nuser    = "u"\n')
  })

  it('does not mutate its argument', () => {
    const m = manifestWith({b: pkg({config: {z: '1', a: '2'}}), a: pkg()})
    const before = structuredClone(m)
    renderManifest(m)
    expect(m).to.deep.equal(before)
    expect(Object.keys(m.packages)).to.deep.equal(['b', 'a'])
  })

  it('is idempotent on its own output', () => {
    const m = manifestWith({x: pkg({config: {'k"': 'v\\'}, extra: {e: [1]}, pin: 'p'})}, {primary_user: 'u'})
    const once = renderManifest(m)
    expect(renderManifest(parseManifest(once, 'x.toml').manifest)).to.equal(once)
  })
})

describe('writeManifest', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glix-write-'))
  })
  afterEach(async () => {
    await rm(dir, {force: true, recursive: true})
  })

  it('writes the canonical form and leaves no temporary file behind', async () => {
    const file = join(dir, 'glix.toml')
    const m = manifestWith({a: pkg()})
    await writeManifest(file, m)
    expect(await readFile(file, 'utf8')).to.equal(renderManifest(m))
    expect(await readdir(dir)).to.deep.equal(['glix.toml'])
  })

  it('replaces an existing file', async () => {
    const file = join(dir, 'glix.toml')
    await writeFile(file, 'old contents that are much longer than the new ones '.repeat(100))
    await writeManifest(file, createManifest())
    expect(await readFile(file, 'utf8')).to.equal(renderManifest(createManifest()))
    expect(await readdir(dir)).to.deep.equal(['glix.toml'])
  })

  it('fails when the directory does not exist, creating nothing', async () => {
    let error: unknown
    try {
      await writeManifest(join(dir, 'missing', 'glix.toml'), createManifest())
    } catch (error_) {
      error = error_
    }

    expect((error as NodeJS.ErrnoException).code).to.equal('ENOENT')
    expect(await readdir(dir)).to.deep.equal([])
  })
})
