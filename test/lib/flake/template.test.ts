import {expect} from 'chai'

import {patchRegions, readRegion, regionMarkers} from '../../../src/lib/flake/patcher.js'
import {collectInputs, renderHosts, renderInputs} from '../../../src/lib/flake/render.js'
import {
  DEFAULT_CHOICES,
  type FlakeChoices,
  GITIGNORE,
  renderFlakeTemplate,
  renderHostModule,
} from '../../../src/lib/flake/template.js'
import {createManifest} from '../../../src/lib/manifest/types.js'
import {readNixString} from './nix-literal.js'

const CHOICES: FlakeChoices = {...DEFAULT_CHOICES, defaultUser: 'alice'}

/** The decoded string literal that follows `prefix` on the line containing `prefix`. */
function literalAfter(text: string, prefix: string): string {
  const at = text.indexOf(prefix)
  expect(at, `${prefix} not found`).to.be.greaterThan(-1)
  const {end, value} = readNixString(text, at + prefix.length)
  expect(text[end], `after ${prefix}`).to.equal(';')
  return value
}

function countLines(text: string, line: string): number {
  return text.split('\n').filter((l) => l.trim() === line).length
}

/**
 * A cheap syntax smoke test of Nix text: brackets balance outside string
 * literals and comments, string literals (with `${…}` interpolations) close.
 */
function assertBalanced(text: string): void {
  // '(' '[' '{' for brackets, '${' for an interpolation inside a string.
  const stack: string[] = []
  let inString = false
  let i = 0
  while (i < text.length) {
    const ch = text[i]
    const next = text[i + 1]
    if (inString) {
      if (ch === '\\') i += 2
      else if (ch === '"') {
        inString = false
        i++
      } else if (ch === '$' && next === '{') {
        stack.push('${')
        inString = false
        i += 2
      } else if (ch === '$') i += next === '"' ? 1 : next === '\\' ? 3 : 2
      else i++
      continue
    }

    if (ch === '"') inString = true
    else if (ch === '#') {
      const eol = text.indexOf('\n', i)
      i = eol === -1 ? text.length : eol
      continue
    } else if (ch === "'" && next === "'") throw new Error(`indented string at ${i}: not expected in this text`)
    else if ('([{'.includes(ch)) stack.push(ch)
    else if (ch === '}' && stack.at(-1) === '${') {
      stack.pop()
      inString = true
    } else if (ch === '}' || ch === ')' || ch === ']') {
      const open = {')': '(', ']': '[', '}': '{'}[ch]
      expect(stack.pop(), `unbalanced ${ch} at ${i}: ${JSON.stringify(text.slice(Math.max(0, i - 40), i + 1))}`).to.equal(open)
    }

    i++
  }

  expect(inString, 'unterminated string').to.equal(false)
  expect(stack).to.deep.equal([])
}

describe('renderFlakeTemplate', () => {
  it('contains each region marker exactly once', () => {
    const text = renderFlakeTemplate(CHOICES)
    for (const region of ['inputs', 'hosts'] as const) {
      const {end, start} = regionMarkers(region)
      expect(countLines(text, start), start).to.equal(1)
      expect(countLines(text, end), end).to.equal(1)
      expect(text.split(start).length - 1, `${start} elsewhere in the text`).to.equal(1)
      expect(text.split(end).length - 1, `${end} elsewhere in the text`).to.equal(1)
    }
  })

  it('has empty regions, the inputs region inside `inputs` and the hosts region inside nixosConfigurations', () => {
    const text = renderFlakeTemplate(CHOICES)
    expect(readRegion(text, 'inputs')).to.deep.equal([])
    expect(readRegion(text, 'hosts')).to.deep.equal([])
    const inputsBlock = text.slice(text.indexOf('inputs = {'), text.indexOf('outputs ='))
    expect(inputsBlock).to.include(regionMarkers('inputs').start)
    const configurations = text.slice(text.indexOf('nixosConfigurations = {'))
    expect(configurations).to.include(regionMarkers('hosts').start)
  })

  it('declares nixpkgs, glixos-core and home-manager from the choices, the last two following nixpkgs', () => {
    const text = renderFlakeTemplate({
      core: 'github:me/core',
      defaultUser: 'bob',
      homeManager: 'github:me/hm',
      nixpkgs: 'github:me/nixpkgs',
    })
    expect(literalAfter(text, 'nixpkgs.url = ')).to.equal('github:me/nixpkgs')
    const core = text.slice(text.indexOf('glixos-core = {'))
    expect(literalAfter(core, 'url = ')).to.equal('github:me/core')
    expect(core.slice(0, core.indexOf('};'))).to.include('inputs.nixpkgs.follows = "nixpkgs";')
    const hm = text.slice(text.indexOf('home-manager = {'))
    expect(literalAfter(hm, 'url = ')).to.equal('github:me/hm')
    expect(hm.slice(0, hm.indexOf('};'))).to.include('inputs.nixpkgs.follows = "nixpkgs";')
    expect(literalAfter(text, 'defaultUser = ')).to.equal('bob')
  })

  it('uses the defaults of glix init', () => {
    expect(DEFAULT_CHOICES.core).to.equal('github:donnismoore/glixos')
    const text = renderFlakeTemplate(CHOICES)
    expect(literalAfter(text, 'nixpkgs.url = ')).to.equal(DEFAULT_CHOICES.nixpkgs)
  })

  it('escapes the choices for Nix: a URL with a quote, a backslash or ${ stays one valid literal', () => {
    const choices: FlakeChoices = {
      core: 'path:/srv/"core"',
      defaultUser: 'us${er}',
      homeManager: 'path:/hm\\x',
      nixpkgs: 'github:o/r?x="${y}"\n',
    }
    const text = renderFlakeTemplate(choices)
    expect(literalAfter(text, 'nixpkgs.url = ')).to.equal(choices.nixpkgs)
    expect(literalAfter(text.slice(text.indexOf('glixos-core = {')), 'url = ')).to.equal(choices.core)
    expect(literalAfter(text.slice(text.indexOf('home-manager = {')), 'url = ')).to.equal(choices.homeManager)
    expect(literalAfter(text, 'defaultUser = ')).to.equal(choices.defaultUser)
    assertBalanced(text)
  })

  it('has balanced brackets outside strings and comments', () => {
    assertBalanced(renderFlakeTemplate(CHOICES))
  })

  it('wires mkHost to importManifest and nixosSystem as the core contract says', () => {
    const text = renderFlakeTemplate(CHOICES)
    expect(text).to.include('mkHost = hostName: system:')
    expect(text).to.include('glixos-core.lib.importManifest {')
    expect(text).to.include('manifestPath = ./hosts/${hostName}/glix.toml;')
    expect(text).to.include('nixpkgs.lib.nixosSystem {')
    // The whole importManifest result (home modules under module keys) is `manifest`.
    expect(text).to.include('specialArgs = { inherit inputs manifest; };')
    expect(text).to.include('manifest = glix // {')
    for (const module of ['glixos-core.nixosModules.glixos', 'home-manager.nixosModules.home-manager', './hosts/${hostName}']) {
      expect(text).to.include(`\n            ${module}\n`)
    }

    expect(text).to.include('] ++ glix.systemModules;')
  })

  it('wires home-scope modules into home-manager.users under fixed module keys, stateVersion at default priority', () => {
    const text = renderFlakeTemplate(CHOICES)
    expect(text).to.include('(i: { key = "glix-home:${user}:${toString i}"; imports = [ (builtins.elemAt modules i) ]; })')
    expect(text).to.include('home-manager.users = builtins.mapAttrs')
    expect(text).to.include('{ home.stateVersion = nixpkgs.lib.mkDefault "24.11"; }')
    // Wired once, from the keyed lists.
    expect(text.split('home-manager.users =').length - 1).to.equal(1)
  })

  it('splits fragments on a literal dot (the Nix regex "\\\\.")', () => {
    expect(renderFlakeTemplate(CHOICES)).to.include('(builtins.split "\\\\." (fragmentOf')
  })

  it('patches cleanly: regions filled from manifests, every other byte kept', () => {
    const text = renderFlakeTemplate(CHOICES)
    const laptop = createManifest()
    laptop.packages.firefox = {config: {}, enabled: true, extra: {}, flake: 'github:NixOS/nixpkgs#firefox', scope: 'system'}
    const hosts = [
      {host: 'laptop', manifest: laptop},
      {host: 'pi', manifest: createManifest({system: 'aarch64-linux'})},
    ]
    const patched = patchRegions(text, {hosts: renderHosts(hosts), inputs: renderInputs(collectInputs(hosts))})
    expect(patched).to.include(
      [
        '    # >>> glix-managed inputs >>>',
        '    firefox = {',
        '      url = "github:NixOS/nixpkgs";',
        '    };',
        '    # <<< glix-managed inputs <<<',
      ].join('\n'),
    )
    expect(patched).to.include(
      [
        '        # >>> glix-managed hosts >>>',
        '        laptop = mkHost "laptop" "x86_64-linux";',
        '        pi = mkHost "pi" "aarch64-linux";',
        '        # <<< glix-managed hosts <<<',
      ].join('\n'),
    )
    assertBalanced(patched)
    // Emptying the regions again gives back the template byte for byte.
    expect(patchRegions(patched, {hosts: [], inputs: []})).to.equal(text)
  })

  it('ends with a newline and has no trailing whitespace or tabs', () => {
    const text = renderFlakeTemplate(CHOICES)
    expect(text.endsWith('}\n')).to.equal(true)
    for (const line of text.split('\n')) {
      expect(line, JSON.stringify(line)).not.to.match(/[ \t]$/)
      expect(line, JSON.stringify(line)).not.to.include('\t')
    }
  })
})

describe('renderHostModule', () => {
  it('sets the host name through an escaped Nix string', () => {
    const text = renderHostModule('laptop', 'alice')
    expect(literalAfter(text, 'networking.hostName = ')).to.equal('laptop')
    expect(text.startsWith('# The NixOS configuration of laptop.')).to.equal(true)
    assertBalanced(text)
    const hostile = renderHostModule('a"b${c}', 'alice')
    expect(literalAfter(hostile, 'networking.hostName = ')).to.equal('a"b${c}')
    assertBalanced(hostile)
  })

  it('wires manifest.homeModulesByUser (or nothing) into home-manager.users, stateVersion at default priority', () => {
    const text = renderHostModule('laptop', 'alice')
    expect(text).to.include('{ lib, manifest, ... }:')
    expect(text).to.include('(manifest.homeModulesByUser or { });')
    expect(text).to.include('{ home.stateVersion = lib.mkDefault "24.11"; }')
  })

  it('declares the primary user, whom home-manager needs to know (as the Go glix\'s host file does)', () => {
    expect(renderHostModule('laptop', 'alice')).to.include('  users.users."alice".isNormalUser = true;\n')
  })
})

describe('GITIGNORE', () => {
  it('ignores nix build results', () => {
    expect(GITIGNORE.split('\n')).to.include.members(['result', 'result-*'])
    expect(GITIGNORE.endsWith('\n')).to.equal(true)
  })
})
