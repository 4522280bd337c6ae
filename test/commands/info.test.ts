import {expect} from 'chai'
import {rm, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {
  addPackage,
  createRepo,
  editManifest,
  git,
  glixOk,
  lines,
  subjectOf,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'

const NIXPKGS_REV = '0123456789abcdef0123456789abcdef01234567'
const HM_REV = 'fedcba9876543210fedcba9876543210fedcba98'
const FIREFOX_REV = '89abcdef0123456789abcdef0123456789abcdef'
const CORE_NAR = 'sha256-Q2orZSBmbGFrZSBuYXIgaGFzaCBmb3IgdGVzdHMgISE='

/** A small flake.lock as `nix flake lock` writes it: github nodes, a path node, a follows. */
const FLAKE_LOCK = {
  nodes: {
    firefox: {
      locked: {lastModified: 1_700_000_000, narHash: 'sha256-AAAA', owner: 'NixOS', repo: 'nixpkgs', rev: FIREFOX_REV, type: 'github'},
      original: {owner: 'NixOS', repo: 'nixpkgs', type: 'github'},
    },
    'glixos-core': {
      inputs: {nixpkgs: ['nixpkgs']},
      locked: {lastModified: 1_700_000_000, narHash: CORE_NAR, path: '/srv/glixos-core', type: 'path'},
      original: {path: '/srv/glixos-core', type: 'path'},
    },
    'home-manager': {
      inputs: {nixpkgs: ['nixpkgs']},
      locked: {lastModified: 1_700_000_000, narHash: 'sha256-BBBB', owner: 'nix-community', repo: 'home-manager', rev: HM_REV, type: 'github'},
      original: {owner: 'nix-community', repo: 'home-manager', type: 'github'},
    },
    nixpkgs: {
      locked: {lastModified: 1_700_000_000, narHash: 'sha256-CCCC', owner: 'NixOS', repo: 'nixpkgs', rev: NIXPKGS_REV, type: 'github'},
      original: {owner: 'NixOS', ref: 'nixos-unstable', repo: 'nixpkgs', type: 'github'},
    },
    root: {inputs: {firefox: 'firefox', 'glixos-core': 'glixos-core', 'home-manager': 'home-manager', nixpkgs: 'nixpkgs'}},
  },
  root: 'root',
  version: 7,
}

describe('glix info', () => {
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let root: string

  before(async () => {
    root = path.join(await tempDir(), 'repo')
    await createRepo(root, [
      {host: 'laptop', user: 'alice'},
      {host: 'desktop', user: 'alice'},
      {host: 'pi', system: 'aarch64-linux', user: 'pi-user'},
    ])
    await addPackage(root, 'desktop', 'github:NixOS/nixpkgs#firefox')
    await addPackage(root, 'laptop', 'github:NixOS/nixpkgs#firefox')
    await addPackage(root, 'laptop', 'github:owner/pkg-greeting', '--scope', 'home', '--name', 'greeting')
    await addPackage(root, 'laptop', 'github:owner/old-thing', '--name', 'old')
    await editManifest(root, 'laptop', (text) => text.replace(/(\[packages\.old\][^[]*?enabled = )true/, '$1false'))
    await glixOk(['list', '--dir', root, '--host', 'laptop'])
    await writeFile(path.join(root, 'flake.lock'), JSON.stringify(FLAKE_LOCK, null, 2) + '\n')
    git(root, 'add', '--all')
    git(root, 'commit', '--quiet', '-m', 'lock by hand')
  })

  it('prints root, git state, head, aligned host lines and the locked inputs', async () => {
    const r = await glixOk(['info', '--dir', root])
    expect(r.stderr).to.equal('')
    const out = lines(r.stdout)
    expect(out.slice(0, 4)).to.deep.equal([`root: ${root}`, 'git: clean', 'head: lock by hand', 'hosts:'])
    expect(out.slice(4, 7)).to.deep.equal([
      '  desktop  system=x86_64-linux primary_user=alice packages=1/1 enabled',
      '  laptop   system=x86_64-linux primary_user=alice packages=2/3 enabled',
      '  pi       system=aarch64-linux primary_user=pi-user packages=0/0 enabled',
    ])
    const hostLines = out.slice(4, 7)
    expect(new Set(hostLines.map((l) => l.indexOf('system='))).size, 'system= column aligned').to.equal(1)

    expect(out[7]).to.equal('flake.lock:')
    const lockLines = out.slice(8)
    expect(lockLines).to.have.lengthOf(4)
    expect(lockLines[0]).to.equal(`  firefox       github:NixOS/nixpkgs @ ${FIREFOX_REV.slice(0, 12)}`)
    expect(lockLines[1]).to.match(/^ {2}glixos-core {3}path:\/srv\/glixos-core( @ \S+)?$/)
    expect(lockLines[2]).to.equal(`  home-manager  github:nix-community/home-manager @ ${HM_REV.slice(0, 12)}`)
    expect(lockLines[3]).to.equal(`  nixpkgs       github:NixOS/nixpkgs @ ${NIXPKGS_REV.slice(0, 12)}`)
  })

  it('--json prints exactly one JSON document with the same data', async () => {
    const r = await glixOk(['info', '--dir', root, '--json'])
    expect(r.stderr).to.equal('')
    const doc = JSON.parse(r.stdout) as {lock: Array<{input: string; rev?: string; source: string}>}
    expect(doc).to.deep.include({
      git: 'clean',
      head: 'lock by hand',
      hosts: [
        {enabled: 1, host: 'desktop', primary_user: 'alice', system: 'x86_64-linux', total: 1},
        {enabled: 2, host: 'laptop', primary_user: 'alice', system: 'x86_64-linux', total: 3},
        {enabled: 0, host: 'pi', primary_user: 'pi-user', system: 'aarch64-linux', total: 0},
      ],
      root,
    })
    expect(doc.lock.map((l) => [l.input, l.source])).to.deep.equal([
      ['firefox', 'github:NixOS/nixpkgs'],
      ['glixos-core', 'path:/srv/glixos-core'],
      ['home-manager', 'github:nix-community/home-manager'],
      ['nixpkgs', 'github:NixOS/nixpkgs'],
    ])
    expect(doc.lock[0].rev).to.equal(FIREFOX_REV.slice(0, 12))
    expect(JSON.parse(JSON.stringify(r.result))).to.deep.equal(doc)
  })

  it('says dirty when the work tree has changes, and names the HEAD subject', async () => {
    const scratch = path.join(root, 'scratch.txt')
    await writeFile(scratch, 'wip\n')
    try {
      const r = await glixOk(['info', '--dir', root])
      expect(lines(r.stdout)[1]).to.equal('git: dirty')
      expect(lines(r.stdout)[2]).to.equal(`head: ${subjectOf(root)}`)
    } finally {
      await rm(scratch)
    }
  })

  it('says when flake.lock is missing', async () => {
    const other = path.join(await tempDir(), 'nolock')
    await createRepo(other, [{host: 'laptop', user: 'alice'}])
    const r = await glixOk(['info', '--dir', other])
    const out = lines(r.stdout)
    expect(out.slice(0, 5)).to.deep.equal([
      `root: ${other}`,
      'git: clean',
      'head: glix init: bootstrap host laptop',
      'hosts:',
      '  laptop  system=x86_64-linux primary_user=alice packages=0/0 enabled',
    ])
    expect(out[5]).to.match(/^flake\.lock: missing\b/)
    expect(out).to.have.lengthOf(6)
    const json = await glixOk<{lock?: unknown}>(['info', '--dir', other, '--json'])
    expect(JSON.parse(json.stdout)).not.to.have.property('lock')
  })
})
