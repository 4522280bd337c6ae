import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import {nixString} from '../../../src/lib/flake/render.js'
import {renderFlakeTemplate} from '../../../src/lib/flake/template.js'
import {addHostsRegion, describeManualMkHost, inspectMkHost, upgradeMkHost} from '../../../src/lib/flake/upgrade.js'

const CHOICES = {core: 'github:donnismoore/glixos', defaultUser: 'alice', homeManager: 'github:nix-community/home-manager', nixpkgs: 'github:NixOS/nixpkgs/nixos-unstable'}

/** glix's template before the home wiring: the golden copy of test/fixtures/nix/repos/glix-main, for `defaultUser`. */
function legacyFlake(defaultUser: string): string {
  const golden = readFileSync(fileURLToPath(new URL('../../fixtures/nix/repos/glix-main/flake.nix', import.meta.url)), 'utf8')
  return golden
    .replace('"@NIXPKGS@"', nixString(CHOICES.nixpkgs))
    .replace('"@CORE@"', nixString(CHOICES.core))
    .replace('"@HOME_MANAGER@"', nixString(CHOICES.homeManager))
    .replace('defaultUser = "alice";', `defaultUser = ${nixString(defaultUser)};`)
}

/** The let of a Go glix flake.nix (0.1.0-m7), with its surroundings. */
function goFlake(defaultUserLiteral: string): string {
  return `{
  outputs = { self, nixpkgs, glixos-core, home-manager, ... }@inputs:
    let
      lib = nixpkgs.lib;

      mkHost = hostName: system:
        let
          manifest = glixos-core.lib.importManifest {
            manifestPath = ./hosts/\${hostName}/glix.toml;
            inherit inputs;
            defaultUser = ${defaultUserLiteral};
          };
        in
        lib.nixosSystem {
          inherit system;
          specialArgs = { inherit inputs manifest; };
          modules = [
            glixos-core.nixosModules.glixos
            home-manager.nixosModules.home-manager
            ./hosts/\${hostName}
          ] ++ manifest.systemModules;
        };
    in
    {
      nixosConfigurations = {
        # >>> glix-managed hosts >>>
        laptop = mkHost "laptop" "x86_64-linux";
        # <<< glix-managed hosts <<<
      };
    };
}
`
}

describe('inspectMkHost / upgradeMkHost', () => {
  it('knows the current template: nothing missing, nothing to upgrade', () => {
    const text = renderFlakeTemplate(CHOICES)
    expect(inspectMkHost(text)).to.deep.equal({missing: [], shape: 'current'})
    expect(upgradeMkHost(text)).to.equal(undefined)
  })

  it("upgrades glix's older template to today's, keeping an escaped defaultUser literal byte for byte", () => {
    for (const user of ['alice', 'a"b\\c${d}']) {
      const old = legacyFlake(user)
      expect(inspectMkHost(old)).to.deep.equal({missing: ['home wiring'], shape: 'glix-legacy'})
      expect(upgradeMkHost(old)).to.equal(renderFlakeTemplate({...CHOICES, defaultUser: user}))
    }
  })

  it("upgrades the Go glix's mkHost: helpers inserted before it, `lib = nixpkgs.lib;` and the rest kept", () => {
    const go = goFlake('"al\\"ice"')
    expect(inspectMkHost(go, ['{ manifest, ... }: { home-manager.users = lib.mapAttrs f manifest.homeModulesByUser; }'])).to.deep.equal({
      missing: ['fragment adapter'],
      shape: 'go',
    })
    expect(inspectMkHost(go, ['{ ... }: { }']).missing).to.deep.equal(['fragment adapter', 'home wiring'])
    const upgraded = upgradeMkHost(go)!
    expect(upgraded).to.include('      lib = nixpkgs.lib;\n\n      # Walks an attribute path')
    expect(upgraded).to.include('            defaultUser = "al\\"ice";\n')
    expect(upgraded).to.include('        laptop = mkHost "laptop" "x86_64-linux";')
    expect(inspectMkHost(upgraded).shape).to.equal('current')
    expect(upgradeMkHost(upgraded)).to.equal(undefined)
  })

  it('leaves a hand-edited mkHost alone and says what it lacks', () => {
    const edited = legacyFlake('alice').replace('./hosts/${hostName}\n', './hosts/${hostName}\n            ./shared\n')
    expect(upgradeMkHost(edited)).to.equal(undefined)
    const inspection = inspectMkHost(edited)
    expect(inspection.shape).to.equal('unknown')
    // The adapter (legacyPackages) is still there; nothing wires home-manager.
    expect(inspection.missing).to.deep.equal(['home wiring'])
    expect(describeManualMkHost(inspection.missing).join('\n')).to.include('homeModulesByUser')
  })

  it('does not take two copies of a known mkHost for one', () => {
    const go = goFlake('"alice"')
    const anchor = '    in\n    {\n'
    const twice = go.replace(anchor, go.slice(go.indexOf('      lib = nixpkgs.lib;'), go.indexOf(anchor)) + anchor)
    expect(inspectMkHost(twice).shape).to.equal('unknown')
  })
})

describe('addHostsRegion', () => {
  const lines = (...l: string[]) => l.join('\n')

  it('replaces hand-declared `nixosConfigurations.<h> = mkHost …;` lines of known hosts by a block with the region', () => {
    const text = lines(
      '    {',
      '      nixosConfigurations.example = mkHost "example" "x86_64-linux";',
      '      nixosConfigurations.other = mkHost "other" "x86_64-linux";',
      '      nixosConfigurations.pi = mkHost "pi" "aarch64-linux";',
      '      checks = { };',
      '    };',
    )
    expect(addHostsRegion(text, ['example', 'pi'])).to.deep.equal({
      moved: ['example', 'pi'],
      text: lines(
        '    {',
        '      nixosConfigurations = {',
        '        # >>> glix-managed hosts >>>',
        '        # <<< glix-managed hosts <<<',
        '      };',
        '      nixosConfigurations.other = mkHost "other" "x86_64-linux";',
        '      checks = { };',
        '    };',
      ),
    })
  })

  it('turns a contiguous run of `<h> = mkHost …;` lines inside nixosConfigurations = { … } into the region', () => {
    const text = lines(
      '      nixosConfigurations = {',
      '        a = mkHost "a" "x86_64-linux";',
      '        b = mkHost "b" "x86_64-linux";',
      '        custom = nixpkgs.lib.nixosSystem { };',
      '      };',
    )
    expect(addHostsRegion(text, ['a', 'b'])?.text).to.equal(
      lines(
        '      nixosConfigurations = {',
        '        # >>> glix-managed hosts >>>',
        '        # <<< glix-managed hosts <<<',
        '        custom = nixpkgs.lib.nixosSystem { };',
        '      };',
      ),
    )
  })

  it('puts the region first in an empty nixosConfigurations block', () => {
    const text = lines('      nixosConfigurations = {', '      };')
    expect(addHostsRegion(text, ['a'])).to.deep.equal({
      moved: [],
      text: lines('      nixosConfigurations = {', '        # >>> glix-managed hosts >>>', '        # <<< glix-managed hosts <<<', '      };'),
    })
  })

  it('gives up (undefined) on shapes it does not recognise', () => {
    // Host lines split by another declaration.
    const split = lines('  nixosConfigurations = {', '    a = mkHost "a" "s";', '    x = 1;', '    b = mkHost "b" "s";', '  };')
    expect(addHostsRegion(split, ['a', 'b'])).to.equal(undefined)
    // No declaration at all.
    expect(addHostsRegion('{ outputs = _: { }; }', ['a'])).to.equal(undefined)
    // An attribute that is not the host it builds.
    expect(addHostsRegion('  nixosConfigurations.a = mkHost "b" "s";', ['a', 'b'])).to.equal(undefined)
  })
})
