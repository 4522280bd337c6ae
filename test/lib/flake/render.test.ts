import {expect} from 'chai'
import fc from 'fast-check'

import {
  type HostManifest,
  collectInputs,
  conflictError,
  findConflicts,
  compareNames,
  foldPin,
  inputUrl,
  nixString,
  renderHosts,
  renderInputs,
  splitFragment,
} from '../../../src/lib/flake/render.js'
import {type Manifest, type PackageEntry, createManifest} from '../../../src/lib/manifest/types.js'
import {decodeNixString, readNixString} from './nix-literal.js'

function pkg(flake: string, fields: Partial<PackageEntry> = {}): PackageEntry {
  return {config: {}, enabled: true, extra: {}, flake, scope: 'system', ...fields}
}

function host(name: string, packages: Record<string, PackageEntry>, system?: string): HostManifest {
  const manifest: Manifest = createManifest(system === undefined ? {} : {system})
  manifest.packages = packages
  return {host: name, manifest}
}


describe('nixString', () => {
  const cases: Array<[string, string, string]> = [
    ['plain text', 'github:NixOS/nixpkgs', '"github:NixOS/nixpkgs"'],
    ['the empty string', '', '""'],
    ['a backslash', String.raw`a\b`, String.raw`"a\\b"`],
    ['a double quote', 'a"b', String.raw`"a\"b"`],
    ['${', '${x}', String.raw`"\${x}"`],
    ['$ alone', 'a$b', '"a$b"'],
    ['$ at the end', 'a$', '"a$"'],
    ['$$ before {', '$${x}', String.raw`"$\${x}"`],
    ['{ alone', '{x}', '"{x}"'],
    ['newline', 'a\nb', String.raw`"a\nb"`],
    ['carriage return', 'a\rb', String.raw`"a\rb"`],
    ['tab', 'a\tb', String.raw`"a\tb"`],
    ["'' (special only in indented strings)", "''", `"''"`],
    ['non-ASCII as is', 'é 日本 🎉', '"é 日本 🎉"'],
    ['a backslash before $ and {', '\\${', String.raw`"\\\${"`],
  ]
  for (const [what, value, expected] of cases) {
    it(`escapes ${what}`, () => {
      expect(nixString(value)).to.equal(expected)
      expect(decodeNixString(nixString(value))).to.equal(value)
    })
  }

  it('reads back as the same string for any input (Nix lexer rules)', () => {
    const unit = fc.oneof(
      fc.constantFrom('$', '{', '}', '\\', '"', '\n', '\r', '\t', "'", '$$', '${', '\\$', 'é', '🎉'),
      fc.string({maxLength: 1, minLength: 1, unit: 'binary'}),
    )
    fc.assert(
      fc.property(fc.string({maxLength: 24, unit}), (value) => {
        const literal = nixString(value)
        expect(decodeNixString(literal)).to.equal(value)
        // No raw CR or LF, so a literal always fits on one line of flake.nix.
        expect(literal).not.to.match(/[\r\n]/)
      }),
      {numRuns: 300},
    )
  })
})

describe('splitFragment', () => {
  const cases: Array<[string, {fragment?: string; url: string}]> = [
    ['github:NixOS/nixpkgs#firefox', {fragment: 'firefox', url: 'github:NixOS/nixpkgs'}],
    ['nixpkgs#python3Packages.black', {fragment: 'python3Packages.black', url: 'nixpkgs'}],
    ['github:o/r', {url: 'github:o/r'}],
    ['github:o/r?dir=sub#pkg', {fragment: 'pkg', url: 'github:o/r?dir=sub'}],
    ['path:./x#a#b', {fragment: 'a#b', url: 'path:./x'}],
    ['github:o/r#', {fragment: '', url: 'github:o/r'}],
    ['#only', {fragment: 'only', url: ''}],
    ['', {url: ''}],
  ]
  for (const [reference, expected] of cases) {
    it(`splits ${JSON.stringify(reference)}`, () => {
      expect(splitFragment(reference)).to.deep.equal(expected)
    })
  }
})

describe('foldPin', () => {
  const pin = 'a1b2c3'
  const cases: Array<[string, string | undefined, string]> = [
    ['github:o/r', pin, `github:o/r?rev=${pin}`],
    ['gitlab:o/r', pin, `gitlab:o/r?rev=${pin}`],
    ['sourcehut:~o/r', pin, `sourcehut:~o/r?rev=${pin}`],
    ['srht:~o/r', pin, `srht:~o/r?rev=${pin}`],
    ['github:o/r?dir=sub', pin, `github:o/r?dir=sub&rev=${pin}`],
    ['github:o/r?ref=main&dir=x', pin, `github:o/r?ref=main&dir=x&rev=${pin}`],
    ['github:o/r?myrev=x', pin, `github:o/r?myrev=x&rev=${pin}`],
    ['github:o/r?rev=0000', pin, 'github:o/r?rev=0000'],
    ['github:o/r?dir=x&rev=0000', pin, 'github:o/r?dir=x&rev=0000'],
    ['github:o/r', undefined, 'github:o/r'],
    ['github:o/r', '', 'github:o/r'],
    ['path:./pkg', pin, 'path:./pkg'],
    ['git+https://example.org/r.git', pin, 'git+https://example.org/r.git'],
    ['git+https://example.org/r.git?ref=main', pin, 'git+https://example.org/r.git?ref=main'],
    ['https://example.org/x.tar.gz', pin, 'https://example.org/x.tar.gz'],
    ['nixpkgs', pin, 'nixpkgs'],
    ['./local', pin, './local'],
    ['GitHub:o/r', pin, 'GitHub:o/r'],
    ['notgithub:o/r', pin, 'notgithub:o/r'],
  ]
  for (const [url, p, expected] of cases) {
    it(`folds ${JSON.stringify(p)} into ${url}`, () => {
      expect(foldPin(url, p)).to.equal(expected)
    })
  }
})

describe('inputUrl', () => {
  it('drops the fragment', () => {
    expect(inputUrl('github:NixOS/nixpkgs#firefox')).to.equal('github:NixOS/nixpkgs')
  })

  it('drops the fragment, then folds the pin', () => {
    expect(inputUrl('github:NixOS/nixpkgs#firefox', 'abc')).to.equal('github:NixOS/nixpkgs?rev=abc')
    expect(inputUrl('github:o/r?dir=x#pkg', 'abc')).to.equal('github:o/r?dir=x&rev=abc')
  })

  it('keeps the pin out of URLs that cannot carry it', () => {
    expect(inputUrl('path:./pkgs/x#y', 'abc')).to.equal('path:./pkgs/x')
  })

  it('leaves a plain URL alone', () => {
    expect(inputUrl('git+https://example.org/r.git?ref=main')).to.equal('git+https://example.org/r.git?ref=main')
  })
})

describe('compareNames', () => {
  it('orders byte-wise, upper case before lower case, whatever the locale', () => {
    expect(['b', 'a-b', 'Z', 'a_b', 'a', 'A'].sort(compareNames)).to.deep.equal(['A', 'Z', 'a', 'a-b', 'a_b', 'b'])
    expect(compareNames('x', 'x')).to.equal(0)
  })
})

describe('collectInputs', () => {
  it('returns one URL per enabled package name, sorted by name', () => {
    const inputs = collectInputs([
      host('laptop', {zsh: pkg('github:z/zsh'), firefox: pkg('github:NixOS/nixpkgs#firefox')}),
      host('desk', {Alpha: pkg('github:a/a', {pin: 'p1'}), helix: pkg('github:h/h')}),
    ])
    expect([...inputs]).to.deep.equal([
      ['Alpha', 'github:a/a?rev=p1'],
      ['firefox', 'github:NixOS/nixpkgs'],
      ['helix', 'github:h/h'],
      ['zsh', 'github:z/zsh'],
    ])
  })

  it('skips disabled packages', () => {
    const inputs = collectInputs([host('laptop', {off: pkg('github:o/off', {enabled: false}), on: pkg('github:o/on')})])
    expect([...inputs.keys()]).to.deep.equal(['on'])
  })

  it('returns nothing for no hosts or no packages', () => {
    expect(collectInputs([]).size).to.equal(0)
    expect(collectInputs([host('a', {})]).size).to.equal(0)
  })

  it('allows one name with the same URL on two hosts', () => {
    const inputs = collectInputs([host('a', {x: pkg('github:o/x')}), host('b', {x: pkg('github:o/x', {scope: 'home'})})])
    expect([...inputs]).to.deep.equal([['x', 'github:o/x']])
  })

  it('compares URLs after dropping fragments: two outputs of one flake share the input', () => {
    const inputs = collectInputs([
      host('a', {browser: pkg('github:NixOS/nixpkgs#firefox')}),
      host('b', {browser: pkg('github:NixOS/nixpkgs#chromium')}),
    ])
    expect([...inputs]).to.deep.equal([['browser', 'github:NixOS/nixpkgs']])
  })

  it('ignores a disabled package with another URL on another host', () => {
    const inputs = collectInputs([host('a', {x: pkg('github:o/x')}), host('b', {x: pkg('github:o/y', {enabled: false})})])
    expect([...inputs]).to.deep.equal([['x', 'github:o/x']])
  })

  it('keeps the URL flake.nix has for a name two hosts disagree on, else the first host\'s', () => {
    const hosts = [host('desk', {x: pkg('github:other/x')}), host('laptop', {x: pkg('github:o/x')})]
    expect(collectInputs(hosts).get('x')).to.equal('github:other/x')
    expect(collectInputs(hosts, new Map([['x', 'github:o/x']])).get('x')).to.equal('github:o/x')
    expect(collectInputs(hosts, new Map([['x', 'github:third/x']])).get('x')).to.equal('github:other/x')
  })

  it('finds every name with two URLs (two pins count), naming each host, disabled packages included', () => {
    const conflicts = findConflicts([
      host('a', {x: pkg('github:o/x', {pin: '111'}), y: pkg('github:o/y')}),
      host('b', {x: pkg('github:o/x', {pin: '222'}), y: pkg('github:o/y')}),
      host('c', {x: pkg('github:o/x', {enabled: false})}),
    ])
    expect(conflicts).to.deep.equal([
      {
        name: 'x',
        uses: [
          {host: 'a', url: 'github:o/x?rev=111'},
          {host: 'b', url: 'github:o/x?rev=222'},
          {host: 'c', url: 'github:o/x'},
        ],
      },
    ])
  })

  it('conflictError names both hosts and URLs and suggests --name', () => {
    const error = conflictError('x', {host: 'laptop', url: 'github:o/x'}, {host: 'desk', url: 'github:other/x'})
    expect(error.code).to.equal('URL_CONFLICT')
    expect(error.message).to.include('github:o/x on host laptop')
    expect(error.message).to.include('github:other/x on host desk')
    expect(error.suggestions.join('\n')).to.include('--name=x-desk')
  })
})

describe('renderInputs', () => {
  it('renders one attribute set per input, in map order, without indentation', () => {
    const lines = renderInputs(
      new Map([
        ['firefox', 'github:NixOS/nixpkgs'],
        ['helix', 'github:helix-editor/helix?rev=abc'],
      ]),
    )
    expect(lines).to.deep.equal([
      'firefox = {',
      '  url = "github:NixOS/nixpkgs";',
      '};',
      'helix = {',
      '  url = "github:helix-editor/helix?rev=abc";',
      '};',
    ])
  })

  it('renders nothing for no inputs', () => {
    expect(renderInputs(new Map())).to.deep.equal([])
  })

  it('escapes URLs for Nix', () => {
    const url = 'path:/srv/"odd"/${x}\\y'
    const [, line] = renderInputs(new Map([['odd', url]]))
    const start = line.indexOf('"')
    const literal = readNixString(line, start)
    expect(literal.value).to.equal(url)
    expect(line.slice(literal.end)).to.equal(';')
  })

  it('renders what collectInputs gives, sorted', () => {
    const lines = renderInputs(collectInputs([host('h', {b: pkg('github:o/b'), a: pkg('github:o/a#x')})]))
    expect(lines.filter((l) => l.endsWith('= {'))).to.deep.equal(['a = {', 'b = {'])
  })
})

describe('renderHosts', () => {
  it('renders one mkHost line per host, sorted by name, with the default system when none is set', () => {
    const lines = renderHosts([host('laptop', {}), host('Desk', {}, 'aarch64-linux'), host('box', {}, 'x86_64-linux')])
    expect(lines).to.deep.equal([
      'Desk = mkHost "Desk" "aarch64-linux";',
      'box = mkHost "box" "x86_64-linux";',
      'laptop = mkHost "laptop" "x86_64-linux";',
    ])
  })

  it('does not reorder its argument', () => {
    const hosts = [host('b', {}), host('a', {})]
    renderHosts(hosts)
    expect(hosts.map((h) => h.host)).to.deep.equal(['b', 'a'])
  })

  it('refuses a system that is not a Nix system tuple (a hand edit never reaches flake.nix)', () => {
    expect(() => renderHosts([host('h', {}, 'weird"${sys}')])).to.throw(/hosts\/h\/glix.toml: invalid system "weird\\"\$\{sys\}"/)
  })

  it('refuses packages whose name, flake or pin breaks a field rule, wherever the manifest came from', () => {
    const entry = (fields: Partial<PackageEntry>): PackageEntry => ({config: {}, enabled: true, extra: {}, flake: 'github:a/b', scope: 'system', ...fields})
    const bad = (packages: Record<string, Partial<PackageEntry>>) => () =>
      collectInputs([host('h', Object.fromEntries(Object.entries(packages).map(([name, fields]) => [name, entry(fields)])))])
    expect(bad({'home-manager': {flake: 'github:a/b'}})).to.throw(/invalid package name "home-manager": is reserved/)
    expect(bad({x: {flake: 'github:a/b', pin: 'abc&host=evil.example'}})).to.throw(/invalid pin/)
    expect(bad({x: {flake: '-oops'}})).to.throw(/invalid flake reference/)
  })

  it('renders nothing for no hosts', () => {
    expect(renderHosts([])).to.deep.equal([])
  })
})
