/**
 * The resolver chain with fake collaborators: what is consulted, in which
 * order, what wins, and what the error says when nothing does.
 */
import {expect} from 'chai'

import {GlixError} from '../../../src/lib/errors.js'
import type {NixRegistryEntry} from '../../../src/lib/nix/registry.js'
import type {Registry} from '../../../src/lib/registry/document.js'
import {type FetchedRegistry, resolveReference, type ResolverDeps} from '../../../src/lib/resolver/resolve.js'

const URL = 'http://127.0.0.1:1/registry.json'
const REGISTRY: Registry = {
  packages: {
    'firefox': {description: 'Web browser', flake: 'github:NixOS/nixpkgs#firefox'},
    'raspi-firmware': {description: 'Pi firmware', flake: 'github:owner/raspi-firmware'},
    'shadowed': {description: '', flake: 'github:glixos/shadowed'},
  },
  schema: 1,
}
const NIX: NixRegistryEntry[] = [
  {from: 'flake:mytool', to: 'github:owner/mytool?dir=sub', type: 'user'},
  {from: 'flake:shadowed', to: 'github:nix/shadowed', type: 'user'},
  {from: 'flake:nixpkgs/nixos-22.05', to: 'github:NixOS/nixpkgs/nixos-22.05', type: 'user'},
  {from: 'flake:home-manager', to: 'github:nix-community/home-manager', type: 'global'},
  {from: 'flake:mytool', to: 'github:global/mytool', type: 'global'},
]

/** Fakes that record what was called. */
function fakes(options: {registry?: Registry | 'none' | Error; nix?: NixRegistryEntry[] | Error | 'skip'} = {}) {
  const calls: string[] = []
  const deps: ResolverDeps = {
    async fetchRegistry(): Promise<FetchedRegistry | undefined> {
      calls.push('registry')
      const r = options.registry ?? REGISTRY
      if (r === 'none') return undefined
      if (r instanceof Error) throw r
      return {registry: r, url: URL}
    },
  }
  const nix = options.nix ?? NIX
  if (nix !== 'skip') {
    deps.listNixRegistry = async () => {
      calls.push('nix')
      if (nix instanceof Error) throw nix
      return nix
    }
  }

  return {calls, deps}
}

async function failure(promise: Promise<unknown>): Promise<GlixError> {
  try {
    await promise
  } catch (error) {
    expect(error).to.be.instanceOf(GlixError)
    expect((error as GlixError).code).to.equal('UNRESOLVED')
    expect((error as Error).message).not.to.include('\n')
    return error as GlixError
  }

  return expect.fail('expected an UNRESOLVED error')
}

describe('resolver chain', () => {
  describe('full references pass through without consulting anything', () => {
    const refs = [
      'github:NixOS/nixpkgs#firefox',
      'nixpkgs#firefox',
      'firefox#',
      'gitlab:group/proj',
      'sourcehut:~user/repo',
      'srht:~user/repo',
      'git+https://example.org/x.git',
      'tarball+https://example.org/x.tar.gz',
      'file:///x',
      'path:./pkgs/foo',
      'http://example.org/x.tar.gz',
      'https://example.org/x.tar.gz',
      'flake:nixpkgs',
      '/abs/path',
      './rel',
      '../up',
    ]
    for (const ref of refs) {
      it(ref, async () => {
        const {calls, deps} = fakes({nix: new Error('must not be called'), registry: new Error('must not be called')})
        expect(await resolveReference(ref, deps)).to.deep.equal({flake: ref, input: ref, via: 'uri', warnings: []})
        expect(calls).to.deep.equal([])
      })
    }
  })

  it('a registry hit takes the short name as package name; nix is not asked', async () => {
    const {calls, deps} = fakes()
    expect(await resolveReference('raspi-firmware', deps)).to.deep.equal({
      description: 'Pi firmware',
      flake: 'github:owner/raspi-firmware',
      input: 'raspi-firmware',
      name: 'raspi-firmware',
      via: 'registry',
      warnings: [],
    })
    expect(calls).to.deep.equal(['registry'])
  })

  it('the glixos registry wins over the nix registry', async () => {
    const {deps} = fakes()
    const r = await resolveReference('shadowed', deps)
    expect(r).to.include({flake: 'github:glixos/shadowed', via: 'registry'})
  })

  it('falls back to nix registry list: first entry for flake:<name> wins, the short name is the package name', async () => {
    const {calls, deps} = fakes()
    expect(await resolveReference('mytool', deps)).to.deep.equal({
      flake: 'github:owner/mytool?dir=sub',
      input: 'mytool',
      name: 'mytool',
      via: 'nix-registry',
      warnings: [],
    })
    expect(calls).to.deep.equal(['registry', 'nix'])
  })

  it('uses the nix registry when no glixos registry is configured', async () => {
    const {deps} = fakes({registry: 'none'})
    expect(await resolveReference('home-manager', deps)).to.include({flake: 'github:nix-community/home-manager', via: 'nix-registry'})
  })

  it('a broken registry does not stop the chain: a nix hit wins, with the failure as a warning', async () => {
    const {deps} = fakes({registry: new GlixError(`registry ${URL}: HTTP 500 Internal Server Error`)})
    const r = await resolveReference('mytool', deps)
    expect(r.via).to.equal('nix-registry')
    expect(r.warnings).to.deep.equal([`registry ${URL}: HTTP 500 Internal Server Error`])
  })

  it('does not match branch entries (flake:nixpkgs/nixos-22.05) or prototype keys', async () => {
    const {deps} = fakes({nix: NIX})
    await failure(resolveReference('nixpkgs', deps))
    await failure(resolveReference('constructor', fakes({nix: 'skip'}).deps))
    await failure(resolveReference('toString', fakes({nix: []}).deps))
  })

  describe('unresolved: one line naming what was consulted, with the closest names', () => {
    it('suggests raspi-firmware for raspi-firmwar', async () => {
      const {calls, deps} = fakes()
      const error = await failure(resolveReference('raspi-firmwar', deps))
      expect(error.message).to.equal(`cannot resolve "raspi-firmwar": not a flake reference, not in the registry ${URL}, not in nix registry list`)
      expect(error.suggestions).to.deep.equal(['raspi-firmware'])
      expect(error.exit).to.equal(1)
      expect(calls).to.deep.equal(['registry', 'nix'])
    })

    it('suggests names from both registries, closest first', async () => {
      const {deps} = fakes()
      expect((await failure(resolveReference('mytol', deps))).suggestions).to.deep.equal(['mytool'])
      expect((await failure(resolveReference('shadow', deps))).suggestions).to.deep.equal(['shadowed'])
      expect((await failure(resolveReference('firefix', deps))).suggestions).to.deep.equal(['firefox'])
    })

    it('with --no-nix-registry, nix is not asked', async () => {
      const {calls, deps} = fakes({nix: 'skip'})
      const error = await failure(resolveReference('mytool', deps))
      expect(error.message).to.equal(`cannot resolve "mytool": not a flake reference, not in the registry ${URL}`)
      expect(calls).to.deep.equal(['registry'])
    })

    it('says when no registry is configured, and hints at nixpkgs when nothing is close', async () => {
      const {deps} = fakes({nix: [], registry: 'none'})
      const error = await failure(resolveReference('vim', deps))
      expect(error.message).to.equal(
        `cannot resolve "vim": not a flake reference, no registry configured (--registry-url, $GLIX_REGISTRY_URL or the host's registry_url), not in nix registry list`,
      )
      expect(error.suggestions).to.deep.equal(['nixpkgs#vim for a package of nixpkgs, or a full flake reference'])
    })

    it('reports a broken registry and a failing nix in the same line', async () => {
      const {deps} = fakes({
        nix: new GlixError("nix registry list failed: unable to download 'https://example.org/flake-registry.json'"),
        registry: new GlixError(`registry ${URL}: connection refused`),
      })
      const error = await failure(resolveReference('raspi-firmware', deps))
      expect(error.message).to.equal(
        `cannot resolve "raspi-firmware": not a flake reference, registry ${URL}: connection refused, ` +
          "nix registry list failed: unable to download 'https://example.org/flake-registry.json'",
      )
    })
  })
})
