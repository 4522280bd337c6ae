import {expect} from 'chai'

import {lookupNixRegistry, nixRegistryId, parseNixRegistryList} from '../../../src/lib/nix/registry.js'

/** What Nix 2.8 prints (user and system entries padded, as `nix registry list` does). */
const LIST = [
  'user   flake:foo path:/x',
  'user   flake:mytool github:owner/mytool?dir=sub',
  'system flake:nixpkgs path:/nix/store/fxl9mrm5xvzam0lxi9ygdmksskx4qq8s-source?lastModified=1605220118&narHash=sha256-Und10ixH1WuW0XHYMxxuHRohKYb45R%2fT8CwZuLd2D2Q=&rev=3090c65041104931adda7625d37fa874b2b5c124',
  'global flake:blender-bin github:edolstra/nix-warez?dir=blender',
  'global flake:nixpkgs github:NixOS/nixpkgs/nixpkgs-unstable',
  'global flake:nixpkgs/nixos-22.05 github:NixOS/nixpkgs/nixos-22.05',
  '',
].join('\n')

describe('nix registry list parsing', () => {
  it('reads type, from and to of every line, in order', () => {
    const entries = parseNixRegistryList(LIST)
    expect(entries).to.have.lengthOf(6)
    expect(entries[0]).to.deep.equal({from: 'flake:foo', to: 'path:/x', type: 'user'})
    expect(entries[4]).to.deep.equal({from: 'flake:nixpkgs', to: 'github:NixOS/nixpkgs/nixpkgs-unstable', type: 'global'})
  })

  it('skips lines that are not entries (warnings, blank lines)', () => {
    expect(parseNixRegistryList('warning: something odd\n\n  \nuser flake:a github:o/a\nnot three\n')).to.deep.equal([
      {from: 'flake:a', to: 'github:o/a', type: 'user'},
    ])
  })

  it('looks up a short name: the first entry wins (user before system before global)', () => {
    const entries = parseNixRegistryList(LIST)
    expect(lookupNixRegistry(entries, 'nixpkgs')?.to).to.match(/^path:\/nix\/store\//)
    expect(lookupNixRegistry(entries, 'blender-bin')?.to).to.equal('github:edolstra/nix-warez?dir=blender')
    expect(lookupNixRegistry(entries, 'foo')?.type).to.equal('user')
    expect(lookupNixRegistry(entries, 'nixos-22.05')).to.equal(undefined)
    expect(lookupNixRegistry(entries, 'missing')).to.equal(undefined)
  })

  it('only bare flake:<id> entries have an id', () => {
    expect(nixRegistryId({from: 'flake:nixpkgs', to: 'x', type: 'user'})).to.equal('nixpkgs')
    expect(nixRegistryId({from: 'flake:nixpkgs/nixos-22.05', to: 'x', type: 'user'})).to.equal(undefined)
  })
})
