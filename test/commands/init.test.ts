import {expect} from 'chai'
import {existsSync} from 'node:fs'
import {mkdir, readdir, writeFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import path from 'node:path'

import {
  commitCount,
  committedLine,
  createRepo,
  expectOneLineError,
  expectUnchanged,
  filesOf,
  git,
  glix,
  glixOk,
  headOf,
  lines,
  outsideRegions,
  readText,
  regionLines,
  snapshotTree,
  statusOf,
  subjectOf,
  TEST_IDENTITY,
  useEnv,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'
import type {InitResult} from '../../src/lib/ops/init.js'

/** The one-line notice of `--no-lock` (its advice may change; its start may not). */
const NO_LOCK_NOTICE = /^glix: skipped `nix flake lock` \(--no-lock\)/

describe('glix init', () => {
  useHermeticGit()
  const tempDir = useTempDirs()
  const env = useEnv()

  let root: string
  beforeEach(async () => {
    root = path.join(await tempDir(), 'glixos')
  })

  it('creates flake.nix, .gitignore and the host files in one commit', async () => {
    const r = await glixOk<InitResult>(['init', '--dir', root, '--host', 'laptop', '--user', 'alice', '--no-lock'])

    expect(r.stdout).to.equal(`created ${root}\nadded host laptop (system=x86_64-linux primary_user=alice)\n${committedLine(root)}\n`)
    expect(lines(r.stderr)).to.have.lengthOf(1)
    expect(r.stderr).to.match(NO_LOCK_NOTICE)
    expect(readText(root, '.gitignore')).to.equal('result\nresult-*\n')
    expect(readText(root, 'hosts/laptop/default.nix')).to.include('networking.hostName = "laptop";')
    expect(readText(root, 'hosts/laptop/glix.toml')).to.equal(
      [
        '# glixos manifest. Managed by glix; hand edits preserved on best-effort.',
        'schema = 1',
        '',
        '[settings]',
        'default_scope = "system"',
        'auto_apply = false',
        'system = "x86_64-linux"',
        'primary_user = "alice"',
        '',
      ].join('\n'),
    )

    const flake = readText(root, 'flake.nix')
    expect(regionLines(flake, 'hosts')).to.deep.equal(['        laptop = mkHost "laptop" "x86_64-linux";'])
    expect(regionLines(flake, 'inputs')).to.deep.equal([])
    expect(flake).to.include('url = "github:donnismoore/glixos";')
    expect(flake).to.include('defaultUser = "alice";')

    expect(commitCount(root)).to.equal(1)
    expect(subjectOf(root)).to.equal('glix init: bootstrap host laptop')
    expect(filesOf(root)).to.deep.equal(['.gitignore', 'flake.nix', 'hosts/laptop/default.nix', 'hosts/laptop/glix.toml'])
    expect(git(root, 'log', '-1', '--format=%an <%ae>').trim()).to.equal(`${TEST_IDENTITY.name} <${TEST_IDENTITY.email}>`)
    expect(git(root, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).to.equal('main')
    expect(statusOf(root), 'work tree clean').to.deep.equal([])
    expect(r.result?.details.created_repo).to.equal(true)
    expect(r.result?.commit?.sha).to.equal(headOf(root))
  })

  it('writes --core, --nixpkgs and --home-manager into the flake inputs', async () => {
    await glixOk([
      'init',
      ...['--dir', root, '--host', 'laptop', '--user', 'alice', '--no-lock'],
      ...['--core', 'github:someone/glixos-fork', '--nixpkgs', 'github:NixOS/nixpkgs/nixos-24.05'],
      ...['--home-manager', 'github:nix-community/home-manager/release-24.05'],
    ])
    const flake = readText(root, 'flake.nix')
    expect(flake).to.include('nixpkgs.url = "github:NixOS/nixpkgs/nixos-24.05";')
    expect(flake).to.include('url = "github:someone/glixos-fork";')
    expect(flake).to.include('url = "github:nix-community/home-manager/release-24.05";')
    expect(flake).not.to.include('github:donnismoore/glixos"')
  })

  it('adds a second host without touching the first host or flake.nix outside the regions', async () => {
    await createRepo(root, [{host: 'laptop', user: 'alice'}])
    // A hand edit outside the regions, committed by the user: it must survive byte for byte.
    await writeFile(path.join(root, 'flake.nix'), `# my own comment\n${readText(root, 'flake.nix')}`)
    git(root, 'commit', '--quiet', '-am', 'my edit')
    const flakeBefore = readText(root, 'flake.nix')
    const before = await snapshotTree(root)

    const r = await glixOk<InitResult>(['init', '--dir', root, '--host', 'pi', '--user', 'pi-user', '--system', 'aarch64-linux', '--no-lock'])

    expect(r.stdout).to.equal(`updated ${root}\nadded host pi (system=aarch64-linux primary_user=pi-user)\n${committedLine(root)}\n`)
    expect(r.result?.details.created_repo).to.equal(false)
    const after = await snapshotTree(root)
    for (const rel of ['.gitignore', 'hosts/laptop/default.nix', 'hosts/laptop/glix.toml']) {
      expect(after.get(rel)?.equals(before.get(rel) as Buffer), `${rel} unchanged`).to.equal(true)
    }

    const flake = readText(root, 'flake.nix')
    expect(outsideRegions(flake)).to.equal(outsideRegions(flakeBefore))
    expect(regionLines(flake, 'hosts')).to.deep.equal([
      '        laptop = mkHost "laptop" "x86_64-linux";',
      '        pi = mkHost "pi" "aarch64-linux";',
    ])
    expect(readText(root, 'hosts/pi/glix.toml')).to.include('system = "aarch64-linux"\nprimary_user = "pi-user"\n')
    expect(commitCount(root)).to.equal(3)
    expect(subjectOf(root)).to.equal('glix init: bootstrap host pi')
    expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/pi/default.nix', 'hosts/pi/glix.toml'])
    expect(statusOf(root)).to.deep.equal([])
  })

  it('refuses a host that already exists and changes nothing', async () => {
    await createRepo(root, [{host: 'laptop'}])
    const before = await snapshotTree(root)
    const head = headOf(root)
    const r = await glix(['init', '--dir', root, '--host', 'laptop', '--user', 'bob', '--no-lock'])
    const message = expectOneLineError(r, 'init', 1)
    expect(message).to.include('host "laptop" already exists')
    await expectUnchanged(root, before, head)
  })

  it('refuses a non-empty directory that is not a glix repo and leaves it alone', async () => {
    await mkdir(root)
    await writeFile(path.join(root, 'notes.txt'), 'mine\n')
    const r = await glix(['init', '--dir', root, '--host', 'laptop', '--user', 'alice', '--no-lock'])
    expect(expectOneLineError(r, 'init', 1)).to.include('not empty and not a glix repository')
    expect(await readdir(root)).to.deep.equal(['notes.txt'])
  })

  it('accepts an empty existing directory', async () => {
    await mkdir(root)
    await glixOk(['init', '--dir', root, '--host', 'laptop', '--user', 'alice', '--no-lock'])
    expect(subjectOf(root)).to.equal('glix init: bootstrap host laptop')
  })

  for (const system of ['arm', 'x86_64 linux', 'X86_64-Linux', '../x-linux', '']) {
    it(`refuses --system ${JSON.stringify(system)} before creating anything`, async () => {
      const r = await glix(['init', '--dir', root, '--host', 'laptop', '--user', 'alice', '--system', system, '--no-lock'])
      expect(expectOneLineError(r, 'init', 2)).to.include('invalid system')
      expect(existsSync(root)).to.equal(false)
    })
  }

  for (const core of ['./core', '../core', '/srv/glixos-core', 'path:/srv/glixos-core', 'path:./core']) {
    it(`refuses the local --core ${core} without --allow-local-core`, async () => {
      const r = await glix(['init', '--dir', root, '--host', 'laptop', '--user', 'alice', '--core', core, '--no-lock'])
      expect(expectOneLineError(r, 'init', 2)).to.include('--allow-local-core')
      expect(existsSync(root)).to.equal(false)
    })
  }

  it('accepts a local --core with --allow-local-core', async () => {
    await glixOk(['init', '--dir', root, '--host', 'laptop', '--user', 'alice', '--core', 'path:/srv/glixos-core', '--allow-local-core', '--no-lock'])
    expect(readText(root, 'flake.nix')).to.include('url = "path:/srv/glixos-core";')
  })

  for (const user of ['a b', '../x', '9lives', 'a/b', 'al"ice']) {
    it(`refuses --user ${JSON.stringify(user)} before creating anything`, async () => {
      const r = await glix(['init', '--dir', root, '--host', 'laptop', '--user', user, '--no-lock'])
      expect(expectOneLineError(r, 'init', 2)).to.include('invalid user name')
      expect(existsSync(root)).to.equal(false)
    })
  }

  it('creates the repo at $GLIX_ROOT when no --dir is given', async () => {
    env.set('GLIX_ROOT', root)
    env.set('XDG_CONFIG_HOME', path.join(path.dirname(root), 'xdg'))
    const r = await glixOk(['init', '--host', 'laptop', '--user', 'alice', '--no-lock'])
    expect(r.stdout).to.equal(`created ${root}\nadded host laptop (system=x86_64-linux primary_user=alice)\n${committedLine(root)}\n`)
    expect(existsSync(path.join(root, 'hosts', 'laptop', 'glix.toml'))).to.equal(true)
    expect(existsSync(path.join(path.dirname(root), 'xdg'))).to.equal(false)
  })

  it('creates the repo at $XDG_CONFIG_HOME/glixos when $GLIX_ROOT is unset', async () => {
    const xdg = path.join(path.dirname(root), 'xdg')
    env.set('GLIX_ROOT', undefined)
    env.set('XDG_CONFIG_HOME', xdg)
    await glixOk(['init', '--host', 'laptop', '--user', 'alice', '--no-lock'])
    expect(existsSync(path.join(xdg, 'glixos', 'hosts', 'laptop', 'glix.toml'))).to.equal(true)
  })

  it('takes the host from $GLIX_HOST when --host is not given', async () => {
    env.set('GLIX_HOST', 'desk')
    await glixOk(['init', '--dir', root, '--user', 'alice', '--no-lock'])
    expect(existsSync(path.join(root, 'hosts', 'desk', 'glix.toml'))).to.equal(true)
    expect(subjectOf(root)).to.equal('glix init: bootstrap host desk')
  })

  it("takes the host from the machine's hostname (up to the first dot) without --host or $GLIX_HOST", async () => {
    env.set('GLIX_HOST', undefined)
    const expected = hostname().split('.')[0]
    const r = await glix(['init', '--dir', root, '--user', 'alice', '--no-lock'])
    if (/^[A-Za-z][A-Za-z0-9_-]*$/.test(expected)) {
      expect(r.exitCode, r.stderr).to.equal(0)
      expect(subjectOf(root)).to.equal(`glix init: bootstrap host ${expected}`)
    } else {
      // A hostname that is no valid host name is refused like any other bad --host.
      expect(expectOneLineError(r, 'init', 2)).to.include('invalid host name')
    }
  })
})
