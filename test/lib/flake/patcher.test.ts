import {expect} from 'chai'
import fc from 'fast-check'

import {GlixError} from '../../../src/lib/errors.js'
import {patchRegions, readRegion, regionMarkers} from '../../../src/lib/flake/patcher.js'

const IN_START = '# >>> glix-managed inputs >>>'
const IN_END = '# <<< glix-managed inputs <<<'
const HOST_START = '# >>> glix-managed hosts >>>'
const HOST_END = '# <<< glix-managed hosts <<<'

/** A small flake.nix with both regions, each holding one old line, and hand-written text around them. */
const FLAKE = [
  '{',
  '  description = "mine";  # a comment with trailing spaces   ',
  '  inputs = {',
  '    nixpkgs.url = "github:NixOS/nixpkgs";',
  `    ${IN_START}`,
  '    old-input = { url = "github:old/old"; };',
  `    ${IN_END}`,
  '    my-own.url = "path:./mine";',
  '  };',
  '',
  '  outputs = { self, ... }: {',
  '    nixosConfigurations = {',
  `        ${HOST_START}`,
  '        oldhost = mkHost "oldhost" "x86_64-linux";',
  `        ${HOST_END}`,
  '    };',
  '  };',
  '}',
  '',
].join('\n')

function thrown(fn: () => unknown): GlixError {
  try {
    fn()
  } catch (error) {
    expect(error).to.be.instanceOf(GlixError)
    return error as GlixError
  }

  throw new Error('expected an error')
}

/** The text before the line holding `startMarker` and from the line holding `endMarker` on. */
function outside(text: string, startMarker: string, endMarker: string): [string, string] {
  const start = text.indexOf(startMarker)
  const end = text.indexOf(endMarker)
  return [text.slice(0, text.indexOf('\n', start) + 1), text.slice(text.lastIndexOf('\n', end) + 1)]
}

describe('regionMarkers', () => {
  it('gives the markers the Go glix writes', () => {
    expect(regionMarkers('inputs')).to.deep.equal({end: IN_END, start: IN_START})
    expect(regionMarkers('hosts')).to.deep.equal({end: HOST_END, start: HOST_START})
  })
})

describe('patchRegions', () => {
  it('replaces both region bodies, indenting each line like its start marker', () => {
    const out = patchRegions(FLAKE, {
      hosts: ['a = mkHost "a" "x86_64-linux";', 'b = mkHost "b" "aarch64-linux";'],
      inputs: ['foo = {', '  url = "github:o/foo";', '};'],
    })
    expect(out).to.equal(
      [
        '{',
        '  description = "mine";  # a comment with trailing spaces   ',
        '  inputs = {',
        '    nixpkgs.url = "github:NixOS/nixpkgs";',
        `    ${IN_START}`,
        '    foo = {',
        '      url = "github:o/foo";',
        '    };',
        `    ${IN_END}`,
        '    my-own.url = "path:./mine";',
        '  };',
        '',
        '  outputs = { self, ... }: {',
        '    nixosConfigurations = {',
        `        ${HOST_START}`,
        '        a = mkHost "a" "x86_64-linux";',
        '        b = mkHost "b" "aarch64-linux";',
        `        ${HOST_END}`,
        '    };',
        '  };',
        '}',
        '',
      ].join('\n'),
    )
  })

  it('never changes a byte outside the regions', () => {
    const out = patchRegions(FLAKE, {hosts: ['h = 1;'], inputs: ['i = 1;', 'j = 2;']})
    const [beforeIn] = outside(FLAKE, IN_START, IN_END)
    const [outBeforeIn] = outside(out, IN_START, IN_END)
    expect(outBeforeIn).to.equal(beforeIn)
    const between = FLAKE.slice(FLAKE.indexOf(IN_END), FLAKE.indexOf(HOST_START))
    expect(out.slice(out.indexOf(IN_END), out.indexOf(HOST_START))).to.equal(between)
    const [, afterHosts] = outside(FLAKE, HOST_START, HOST_END)
    const [, outAfterHosts] = outside(out, HOST_START, HOST_END)
    expect(outAfterHosts).to.equal(afterHosts)
  })

  it('empties a region', () => {
    const out = patchRegions(FLAKE, {hosts: [], inputs: []})
    expect(out).to.include(`    ${IN_START}\n    ${IN_END}\n`)
    expect(out).to.include(`        ${HOST_START}\n        ${HOST_END}\n`)
    expect(out).not.to.include('old')
  })

  it('leaves a region whose body is not given untouched', () => {
    const out = patchRegions(FLAKE, {inputs: ['x = 1;']})
    expect(out).to.include('oldhost = mkHost')
    expect(out).not.to.include('old-input')
    expect(patchRegions(FLAKE, {})).to.equal(FLAKE)
  })

  it('is idempotent and a no-op when the bodies are already there', () => {
    const bodies = {hosts: ['h = 1;'], inputs: ['i = {', '  url = "x";', '};']}
    const once = patchRegions(FLAKE, bodies)
    expect(patchRegions(once, bodies)).to.equal(once)
    expect(patchRegions(FLAKE, {hosts: readRegion(FLAKE, 'hosts'), inputs: readRegion(FLAKE, 'inputs')})).to.equal(FLAKE)
  })

  it('writes empty body lines without indentation (no trailing whitespace)', () => {
    const out = patchRegions(FLAKE, {inputs: ['a = 1;', '', 'b = 2;']})
    expect(out).to.include(`    ${IN_START}\n    a = 1;\n\n    b = 2;\n    ${IN_END}`)
  })

  it('takes indentation from the start marker, tabs included, even when the end marker differs', () => {
    const text = `{\n\t\t${IN_START}\n  ${IN_END}\n  ${HOST_START}\n${HOST_END}\n}\n`
    expect(patchRegions(text, {hosts: ['h;'], inputs: ['i;']})).to.equal(
      `{\n\t\t${IN_START}\n\t\ti;\n  ${IN_END}\n  ${HOST_START}\n  h;\n${HOST_END}\n}\n`,
    )
  })

  it('accepts markers at column 0 and with trailing whitespace', () => {
    const text = `${IN_START}  \n${IN_END}\t\n${HOST_START}\n${HOST_END}`
    expect(patchRegions(text, {hosts: ['h;'], inputs: ['i;']})).to.equal(
      `${IN_START}  \ni;\n${IN_END}\t\n${HOST_START}\nh;\n${HOST_END}`,
    )
  })

  it('keeps a missing final newline missing', () => {
    const text = FLAKE.slice(0, -1)
    expect(patchRegions(text, {hosts: ['h;']}).endsWith('}')).to.equal(true)
  })

  it('preserves CRLF line endings everywhere', () => {
    const crlf = FLAKE.replaceAll('\n', '\r\n')
    const out = patchRegions(crlf, {hosts: ['h1;', 'h2;'], inputs: ['i;']})
    expect(out).to.equal(patchRegions(FLAKE, {hosts: ['h1;', 'h2;'], inputs: ['i;']}).replaceAll('\n', '\r\n'))
    expect(out.replaceAll('\r\n', '')).not.to.match(/[\r\n]/)
  })

  it('patches a file with mixed line endings, keeping each line ending (bug: split on CRLF only)', () => {
    // One CRLF line outside the regions (a pasted snippet) must not make
    // the markers unfindable, nor change that line.
    const mixed = FLAKE.replace('spaces   \n', 'spaces   \r\n')
    expect(mixed).to.include('\r\n')
    const out = patchRegions(mixed, {hosts: ['h;'], inputs: ['i;']})
    expect(out).to.equal(patchRegions(FLAKE, {hosts: ['h;'], inputs: ['i;']}).replace('spaces   \n', 'spaces   \r\n'))
  })

  it('accepts the hosts region before the inputs region', () => {
    const text = `${HOST_START}\n${HOST_END}\nmiddle\n  ${IN_START}\n  ${IN_END}\n`
    expect(patchRegions(text, {hosts: ['h;'], inputs: ['i;']})).to.equal(
      `${HOST_START}\nh;\n${HOST_END}\nmiddle\n  ${IN_START}\n  i;\n  ${IN_END}\n`,
    )
  })

  it('accepts adjacent regions', () => {
    const text = `${IN_START}\n${IN_END}\n${HOST_START}\n${HOST_END}\n`
    expect(patchRegions(text, {hosts: ['h;'], inputs: ['i;']})).to.equal(
      `${IN_START}\ni;\n${IN_END}\n${HOST_START}\nh;\n${HOST_END}\n`,
    )
  })

  it('does not take a marker that shares its line with other text', () => {
    const text = FLAKE.replace(`    ${IN_START}`, `    foo = 1; ${IN_START}`)
    expect(thrown(() => patchRegions(text, {inputs: []})).message).to.include('missing its start marker')
  })

  describe('broken markers', () => {
    const broken: Array<[string, string, RegExp]> = [
      ['a missing inputs start marker', FLAKE.replace(IN_START, '# gone'), /inputs region is missing its start marker/],
      ['a missing inputs end marker', FLAKE.replace(IN_END, '# gone'), /inputs region is missing its end marker/],
      ['a missing hosts start marker', FLAKE.replace(HOST_START, ''), /hosts region is missing its start marker/],
      ['a missing hosts end marker', FLAKE.replace(HOST_END, ''), /hosts region is missing its end marker/],
      ['both markers of a region missing', FLAKE.replace(HOST_START, '').replace(HOST_END, ''), /hosts region is missing/],
      ['a repeated start marker', FLAKE.replace('my-own.url', `${IN_START}\n    my-own.url`), /inputs markers appear more than once/],
      ['a repeated end marker', FLAKE.replace('oldhost =', `${HOST_END}\n        oldhost =`), /hosts markers appear more than once/],
      [
        'a whole region repeated',
        FLAKE.replace('  };\n\n', `  };\n    ${HOST_START}\n    ${HOST_END}\n\n`),
        /hosts markers appear more than once/,
      ],
      [
        'an end marker before its start marker',
        FLAKE.replace(`    ${IN_START}`, '    @@END@@').replace(`    ${IN_END}`, `    ${IN_START}`).replace('@@END@@', IN_END),
        /inputs end marker comes before its start marker/,
      ],
      [
        'one region inside the other',
        `${IN_START}\n${HOST_START}\n${HOST_END}\n${IN_END}\n`,
        /regions overlap/,
      ],
      ['interleaved regions', `${IN_START}\n${HOST_START}\n${IN_END}\n${HOST_END}\n`, /regions overlap/],
      ['an empty file', '', /inputs region is missing its start marker/],
    ]
    for (const [what, text, message] of broken) {
      it(`refuses ${what}, naming the file, and changes nothing`, () => {
        const copy = String(text)
        const error = thrown(() => patchRegions(text, {hosts: ['h;'], inputs: ['i;']}, '/repo/flake.nix'))
        expect(error.message).to.match(message)
        expect(error.message).to.match(/^\/repo\/flake\.nix: /)
        expect(error.message).to.include('left untouched')
        expect(error.code).to.equal('BAD_MARKERS')
        expect(text).to.equal(copy)
      })
    }

    it('patches one region without reading the other (a flake.nix whose hosts are declared by hand)', () => {
      const text = FLAKE.replace(HOST_END, '').replace(HOST_START, '')
      expect(readRegion(patchRegions(text, {inputs: ['i;']}), 'inputs')).to.deep.equal(['i;'])
    })

    it('names flake.nix when no file is given', () => {
      expect(thrown(() => patchRegions('', {inputs: []})).message).to.match(/^flake\.nix: /)
    })
  })

  it('changes only region bodies for any bodies (property)', () => {
    const line = fc.string({maxLength: 20, unit: fc.constantFrom('a', ' ', '"', '=', ';', '{', '}', '#', '\t', 'é')})
    fc.assert(
      fc.property(fc.array(line, {maxLength: 5}), fc.array(line, {maxLength: 5}), (inputs, hosts) => {
        const out = patchRegions(FLAKE, {hosts, inputs})
        expect(readRegion(out, 'inputs')).to.deep.equal(inputs)
        expect(readRegion(out, 'hosts')).to.deep.equal(hosts)
        const [before] = outside(out, IN_START, IN_END)
        expect(before).to.equal(outside(FLAKE, IN_START, IN_END)[0])
        const [, after] = outside(out, HOST_START, HOST_END)
        expect(after).to.equal(outside(FLAKE, HOST_START, HOST_END)[1])
        expect(out.slice(out.indexOf(IN_END), out.indexOf(HOST_START))).to.equal(
          FLAKE.slice(FLAKE.indexOf(IN_END), FLAKE.indexOf(HOST_START)),
        )
        expect(patchRegions(FLAKE, {hosts: readRegion(out, 'hosts'), inputs: readRegion(out, 'inputs')})).to.equal(out)
      }),
      {numRuns: 200},
    )
  })
})

describe('readRegion', () => {
  it('returns the body lines without the marker indentation', () => {
    expect(readRegion(FLAKE, 'inputs')).to.deep.equal(['old-input = { url = "github:old/old"; };'])
    expect(readRegion(FLAKE, 'hosts')).to.deep.equal(['oldhost = mkHost "oldhost" "x86_64-linux";'])
  })

  it('reads back what patchRegions wrote', () => {
    const inputs = ['a = {', '  url = "x";', '};', '', 'b = 1;']
    expect(readRegion(patchRegions(FLAKE, {inputs}), 'inputs')).to.deep.equal(inputs)
  })

  it('reads CRLF files without carriage returns in the lines', () => {
    expect(readRegion(FLAKE.replaceAll('\n', '\r\n'), 'hosts')).to.deep.equal(['oldhost = mkHost "oldhost" "x86_64-linux";'])
  })

  it('trims lines indented less than the marker', () => {
    const text = `    ${IN_START}\n  less;\n      more;\n    ${IN_END}\n${HOST_START}\n${HOST_END}\n`
    expect(readRegion(text, 'inputs')).to.deep.equal(['less;', '  more;'])
  })

  it('returns nothing for an empty region', () => {
    expect(readRegion(patchRegions(FLAKE, {hosts: []}), 'hosts')).to.deep.equal([])
  })

  it('refuses broken markers', () => {
    expect(thrown(() => readRegion(FLAKE.replace(IN_END, ''), 'inputs', 'x/flake.nix')).message).to.match(
      /^x\/flake\.nix: the glix-managed inputs region is missing its end marker/,
    )
  })

  it('reads one region even when the other is broken', () => {
    expect(readRegion(FLAKE.replace(HOST_END, ''), 'inputs')).to.deep.equal(['old-input = { url = "github:old/old"; };'])
  })
})
