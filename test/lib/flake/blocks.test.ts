import {expect} from 'chai'
import fc from 'fast-check'

import {patchEntries, readHostEntries, readInputEntries} from '../../../src/lib/flake/blocks.js'
import {renderHost, renderHosts, renderInput, renderInputs} from '../../../src/lib/flake/render.js'
import {createManifest} from '../../../src/lib/manifest/types.js'

/** An inputs region body as the Go glix lays it out: a blank line between blocks. */
const GO_INPUTS = ['firefox = {', '  url = "github:NixOS/nixpkgs";', '};', '', 'greeting = {', '  url = "github:owner/pkg-greeting?rev=abc123";', '};']

/** Upstream's hand-written example: extra lines inside each block. */
const UPSTREAM_INPUTS = [
  'pkg-hello = {',
  '  url = "path:../pkg-hello";',
  '  inputs.nixpkgs.follows = "nixpkgs";',
  '};',
  'pkg-greeting = {',
  '  url = "path:../pkg-greeting";',
  '  inputs.nixpkgs.follows = "nixpkgs";',
  '};',
]

describe('region blocks: minimal edits of a managed region', () => {
  it('reads input blocks of every layout, with their URLs', () => {
    expect(readInputEntries(GO_INPUTS)?.entries.map((e) => [e.name, e.value])).to.deep.equal([
      ['firefox', 'github:NixOS/nixpkgs'],
      ['greeting', 'github:owner/pkg-greeting?rev=abc123'],
    ])
    expect(readInputEntries(UPSTREAM_INPUTS)?.entries.map((e) => [e.name, e.value])).to.deep.equal([
      ['pkg-hello', 'path:../pkg-hello'],
      ['pkg-greeting', 'path:../pkg-greeting'],
    ])
    expect(readInputEntries(['x.url = "github:o/x";', 'y = { url = "a\\"b\\${c}"; };'])?.entries.map((e) => [e.name, e.value])).to.deep.equal([
      ['x', 'github:o/x'],
      ['y', 'a"b${c}'],
    ])
    expect(readInputEntries(['x = {', '  url = "github:o/x";'])).to.equal(undefined)
    expect(readInputEntries(['what is this'])).to.equal(undefined)
  })

  it('keeps a Go-written region byte for byte when it means what the manifests mean', () => {
    const body = readInputEntries(GO_INPUTS)!
    const wanted = new Map([
      ['firefox', 'github:NixOS/nixpkgs'],
      ['greeting', 'github:owner/pkg-greeting?rev=abc123'],
    ])
    expect(patchEntries(body, wanted, renderInput)).to.deep.equal(GO_INPUTS)
  })

  it('adds, changes and drops single blocks in a Go-written region, keeping its blank-line style', () => {
    const body = readInputEntries(GO_INPUTS)!
    const wanted = new Map([
      ['alpha', 'github:o/alpha'],
      ['greeting', 'github:owner/pkg-greeting'],
      ['zeta', 'github:o/zeta'],
    ])
    expect(patchEntries(body, wanted, renderInput)).to.deep.equal([
      ...renderInput('alpha', 'github:o/alpha'),
      '',
      ...renderInput('greeting', 'github:owner/pkg-greeting'),
      '',
      ...renderInput('zeta', 'github:o/zeta'),
    ])
  })

  it('keeps the extra lines of untouched upstream blocks', () => {
    const body = readInputEntries(UPSTREAM_INPUTS)!
    const out = patchEntries(body, new Map([['pkg-greeting', 'path:../pkg-greeting'], ['pkg-hello', 'path:../pkg-hello'], ['tool', 'github:o/tool']]), renderInput)
    expect(out).to.deep.equal([...UPSTREAM_INPUTS, ...renderInput('tool', 'github:o/tool')])
  })

  it('property: on a region glix rendered, patching gives exactly a fresh rendering', () => {
    const name = fc.constantFrom('a', 'b', 'c', 'd', 'firefox', 'pkg-x', 'Z')
    const url = fc.constantFrom('github:o/a', 'github:o/b?rev=1', 'path:./x', 'https://e.org/x.tar.gz')
    const inputs = fc.dictionary(name, url).map((d) => new Map(Object.entries(d).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))))
    fc.assert(
      fc.property(inputs, inputs, (before, after) => {
        const body = readInputEntries(renderInputs(before))!
        expect(patchEntries(body, after, renderInput)).to.deep.equal(renderInputs(after))
      }),
      {numRuns: 500},
    )
  })

  it('property: the hosts region likewise', () => {
    const hosts = fc
      .dictionary(fc.constantFrom('desktop', 'laptop', 'pi', 'Alpha', 'z'), fc.constantFrom('x86_64-linux', 'aarch64-linux'))
      .map((d) => Object.entries(d).map(([host, system]) => ({host, manifest: createManifest({system})})))
    fc.assert(
      fc.property(hosts, hosts, (before, after) => {
        const body = readHostEntries(renderHosts(before))!
        const wanted = new Map(after.map(({host, manifest}) => [host, manifest.settings.system as string]))
        const sorted = new Map([...wanted].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)))
        expect(patchEntries(body, sorted, renderHost)).to.deep.equal(renderHosts(after))
      }),
      {numRuns: 300},
    )
  })
})
