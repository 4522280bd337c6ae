import {expect} from 'chai'
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {
  addPackage,
  commitCount,
  committedLine,
  createRepo,
  expectOneLineError,
  expectUnchanged,
  filesOf,
  git,
  GIT_IDENTITY_VARS,
  glix,
  glixBin,
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
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'
import type {AddResult} from '../../src/lib/ops/add.js'

/** The `[packages.<name>]` table of a manifest, up to the next blank line. */
function packageTable(manifest: string, name: string): string[] {
  const all = manifest.split('\n')
  const start = all.indexOf(`[packages.${name}]`)
  expect(start, `[packages.${name}] in\n${manifest}`).to.be.greaterThan(-1)
  const end = all.indexOf('', start)
  return all.slice(start, end === -1 ? undefined : end)
}

/** The inputs region as `name → url`, parsed from the exact three-line entries glix writes. */
function inputsOf(root: string): Record<string, string> {
  const body = regionLines(readText(root, 'flake.nix'), 'inputs')
  const inputs: Record<string, string> = {}
  for (let i = 0; i < body.length; i += 3) {
    const name = /^ {4}([A-Za-z][\w-]*) = \{$/.exec(body[i])
    const url = /^ {6}url = "(.*)";$/.exec(body[i + 1] ?? '')
    expect(name && url && body[i + 2] === '    };', `inputs entry at line ${i}:\n${body.join('\n')}`).to.equal(true)
    inputs[name![1]] = url![1]
  }

  return inputs
}

describe('glix add', () => {
  useHermeticGit()
  const tempDir = useTempDirs()

  let root: string
  beforeEach(async () => {
    root = await createRepo(path.join(await tempDir(), 'repo'), [{host: 'laptop', user: 'alice'}])
  })

  it('adds a package: two output lines, the manifest entry, the input, one commit of exactly the changed files', async () => {
    // Unrelated work in progress: a modified tracked file, a staged new file, an untracked file.
    await writeFile(path.join(root, 'hosts/laptop/default.nix'), `${readText(root, 'hosts/laptop/default.nix')}# wip\n`)
    await mkdir(path.join(root, 'shared'))
    await writeFile(path.join(root, 'shared/base.nix'), '{ ... }: { }\n')
    git(root, 'add', 'shared/base.nix')
    await writeFile(path.join(root, 'notes.txt'), 'todo\n')
    const flakeBefore = readText(root, 'flake.nix')
    const headBefore = headOf(root)

    const r = await glixOk<AddResult>(['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'laptop', '--no-lock'])

    expect(lines(r.stdout)).to.deep.equal([
      'added firefox -> github:NixOS/nixpkgs#firefox (scope=system) to host laptop',
      committedLine(root),
      'run `glix rebuild --host=laptop` to apply',
    ])
    expect(lines(r.stderr), 'only the --no-lock notice').to.have.lengthOf(1)
    expect(r.stderr).to.match(/^glix: skipped `nix flake lock` \(--no-lock\)/)

    expect(packageTable(readText(root, 'hosts/laptop/glix.toml'), 'firefox')).to.deep.equal([
      '[packages.firefox]',
      'flake   = "github:NixOS/nixpkgs#firefox"',
      'scope   = "system"',
      'enabled = true',
    ])
    const flake = readText(root, 'flake.nix')
    expect(regionLines(flake, 'inputs')).to.deep.equal(['    firefox = {', '      url = "github:NixOS/nixpkgs";', '    };'])
    expect(outsideRegions(flake)).to.equal(outsideRegions(flakeBefore))

    expect(commitCount(root)).to.equal(2)
    expect(git(root, 'rev-parse', 'HEAD~1').trim()).to.equal(headBefore)
    expect(subjectOf(root)).to.equal('glix add laptop: firefox (github:NixOS/nixpkgs#firefox, system, via uri)')
    expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/laptop/glix.toml'])
    expect(git(root, 'log', '-1', '--format=%an <%ae>').trim()).to.equal(`${TEST_IDENTITY.name} <${TEST_IDENTITY.email}>`)
    expect(statusOf(root), 'the user’s work stays as it was').to.deep.equal([' M hosts/laptop/default.nix', '?? notes.txt', 'A  shared/base.nix'])
    expect(r.result?.commit?.sha).to.equal(headOf(root))
  })

  it('--dry-run prints the plan and writes nothing', async () => {
    const before = await snapshotTree(root)
    const head = headOf(root)
    const r = await glixOk<AddResult>(['add', 'github:owner/pkg-greeting', '--dir', root, '--host', 'laptop', '--scope', 'home', '--dry-run'])
    expect(r.stdout).to.equal(
      'would add pkg-greeting -> github:owner/pkg-greeting (scope=home) to host laptop\n' +
        'would commit: glix add laptop: pkg-greeting (github:owner/pkg-greeting, home, via uri)\n',
    )
    expect(r.stderr).to.equal('')
    expect(r.result).to.include({changed: true, command: 'add', dry_run: true, subject: 'glix add laptop: pkg-greeting (github:owner/pkg-greeting, home, via uri)'})
    expect(r.result?.details).to.include({name: 'pkg-greeting', scope: 'home', user: 'alice'})
    expect(r.result?.commit).to.equal(null)
    await expectUnchanged(root, before, head)
  })

  it('--name overrides the inferred name', async () => {
    const r = await addPackage(root, 'laptop', 'github:owner/pkg-greeting', '--name', 'greeting')
    expect(lines(r.stdout)[0]).to.equal('added greeting -> github:owner/pkg-greeting (scope=system) to host laptop')
    expect(packageTable(readText(root, 'hosts/laptop/glix.toml'), 'greeting')[1]).to.equal('flake   = "github:owner/pkg-greeting"')
    expect(inputsOf(root)).to.deep.equal({greeting: 'github:owner/pkg-greeting'})
    expect(subjectOf(root)).to.equal('glix add laptop: greeting (github:owner/pkg-greeting, system, via uri)')
  })

  it('--pin is written to the manifest and folded into the input URL as rev=', async () => {
    const rev = '0123456789abcdef0123456789abcdef01234567'
    await addPackage(root, 'laptop', 'github:owner/raspi-firmware', '--name', 'raspi-fw', '--pin', rev)
    await addPackage(root, 'laptop', 'github:owner/mono?dir=pkgs/tool', '--pin', 'abc123')
    await addPackage(root, 'laptop', 'github:NixOS/nixpkgs#hello', '--pin', 'def456')
    await addPackage(root, 'laptop', 'https://example.com/dl/thing.tar.gz', '--pin', 'fff000')
    await addPackage(root, 'laptop', 'gitlab:group/proj?rev=111111', '--pin', '222222')

    const manifest = readText(root, 'hosts/laptop/glix.toml')
    expect(packageTable(manifest, 'raspi-fw')).to.deep.equal([
      '[packages.raspi-fw]',
      'flake   = "github:owner/raspi-firmware"',
      'scope   = "system"',
      'enabled = true',
      `pin     = "${rev}"`,
    ])
    expect(packageTable(manifest, 'thing')).to.include('pin     = "fff000"')
    expect(inputsOf(root)).to.deep.equal({
      hello: 'github:NixOS/nixpkgs?rev=def456',
      proj: 'gitlab:group/proj?rev=111111',
      'raspi-fw': `github:owner/raspi-firmware?rev=${rev}`,
      thing: 'https://example.com/dl/thing.tar.gz',
      tool: 'github:owner/mono?dir=pkgs/tool&rev=abc123',
    })
    expect(commitCount(root)).to.equal(6)
  })

  it('--scope=home with --user writes the user and reports the scope', async () => {
    const r = await addPackage(root, 'laptop', 'github:owner/pkg-greeting', '--scope', 'home', '--user', 'bob', '--name', 'greeting')
    expect(lines(r.stdout)[0]).to.equal('added greeting -> github:owner/pkg-greeting (scope=home) to host laptop')
    expect(packageTable(readText(root, 'hosts/laptop/glix.toml'), 'greeting')).to.deep.equal([
      '[packages.greeting]',
      'flake   = "github:owner/pkg-greeting"',
      'scope   = "home"',
      'enabled = true',
      'user    = "bob"',
    ])
    expect(subjectOf(root)).to.equal('glix add laptop: greeting (github:owner/pkg-greeting, home, via uri)')
  })

  it('takes the scope from the host’s default_scope when --scope is not given', async () => {
    await writeFile(
      path.join(root, 'hosts/laptop/glix.toml'),
      readText(root, 'hosts/laptop/glix.toml').replace('default_scope = "system"', 'default_scope = "home"'),
    )
    const r = await addPackage(root, 'laptop', 'github:owner/pkg-greeting')
    expect(lines(r.stdout)[0]).to.equal('added pkg-greeting -> github:owner/pkg-greeting (scope=home) to host laptop')
    expect(packageTable(readText(root, 'hosts/laptop/glix.toml'), 'pkg-greeting')).to.include('scope   = "home"')
    expect(subjectOf(root)).to.equal('glix add laptop: pkg-greeting (github:owner/pkg-greeting, home, via uri)')
  })

  describe('name inference', () => {
    const cases: Array<[string, string]> = [
      ['github:NixOS/nixpkgs#firefox', 'firefox'],
      ['nixpkgs#firefox', 'firefox'],
      ['nixpkgs#python3Packages.black', 'black'],
      ['github:owner/pkg-greeting', 'pkg-greeting'],
      ['github:owner/repo/v1.2', 'repo'],
      ['gitlab:group/proj', 'proj'],
      ['github:owner/mono?dir=pkgs/tool', 'tool'],
      ['path:./examples/pkg-hello', 'pkg-hello'],
      ['./pkgs/local-thing', 'local-thing'],
      ['https://example.com/x/foo.git', 'foo'],
      ['git+https://example.com/x/bar.git?ref=main', 'bar'],
    ]
    for (const [ref, name] of cases) {
      it(`${ref} → ${name}`, async () => {
        const r = await glixOk<AddResult>(['add', ref, '--dir', root, '--host', 'laptop', '--dry-run'])
        expect(r.result?.details.name).to.equal(name)
        expect(lines(r.stdout)[0]).to.equal(`would add ${name} -> ${ref} (scope=system) to host laptop`)
      })
    }

    it('keeps the #attr fragment in the manifest and drops it from the input URL', async () => {
      await addPackage(root, 'laptop', 'nixpkgs#python3Packages.black')
      expect(packageTable(readText(root, 'hosts/laptop/glix.toml'), 'black')[1]).to.equal('flake   = "nixpkgs#python3Packages.black"')
      expect(inputsOf(root)).to.deep.equal({black: 'nixpkgs'})
    })
  })

  describe('across hosts', () => {
    beforeEach(async () => {
      await createRepo(root, [{host: 'desktop', user: 'alice'}])
    })

    it('refuses one name for two URLs, naming both hosts and suggesting --name, and changes nothing', async () => {
      await addPackage(root, 'laptop', 'github:alice/tool')
      const before = await snapshotTree(root)
      const head = headOf(root)
      const r = await glix(['add', 'github:bob/tool', '--dir', root, '--host', 'desktop', '--no-lock'])
      const message = expectOneLineError(r, 'add', 1)
      expect(message).to.include('laptop').and.to.include('desktop')
      expect(message).to.include('github:alice/tool').and.to.include('github:bob/tool')
      expect(message).to.include('--name')
      await expectUnchanged(root, before, head)

      await addPackage(root, 'desktop', 'github:bob/tool', '--name', 'bob-tool')
      expect(inputsOf(root)).to.deep.equal({'bob-tool': 'github:bob/tool', tool: 'github:alice/tool'})
    })

    it('refuses one name with two different pins on two hosts', async () => {
      await addPackage(root, 'laptop', 'github:owner/tool', '--pin', 'aaaa')
      const before = await snapshotTree(root)
      const r = await glix(['add', 'github:owner/tool', '--dir', root, '--host', 'desktop', '--pin', 'bbbb', '--no-lock'])
      expect(expectOneLineError(r, 'add', 1)).to.include('laptop').and.to.include('desktop')
      await expectUnchanged(root, before)
    })

    it('accepts one name with the same URL on two hosts and declares the input once', async () => {
      await addPackage(root, 'laptop', 'github:NixOS/nixpkgs#firefox')
      await addPackage(root, 'desktop', 'github:NixOS/nixpkgs#firefox')
      expect(inputsOf(root)).to.deep.equal({firefox: 'github:NixOS/nixpkgs'})
      expect(subjectOf(root)).to.equal('glix add desktop: firefox (github:NixOS/nixpkgs#firefox, system, via uri)')
      expect(filesOf(root)).to.deep.equal(['hosts/desktop/glix.toml'])
    })
  })

  describe('git identity (subprocess)', () => {
    const tempHome = useTempDirs()

    /** The environment of a machine where git knows nobody. */
    async function noIdentityEnv(): Promise<Record<string, string | undefined>> {
      const env: Record<string, string | undefined> = {
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
        HOME: await tempHome('glix-home-'),
        XDG_CONFIG_HOME: undefined,
      }
      for (const name of GIT_IDENTITY_VARS) env[name] = undefined
      return env
    }

    it('commits as "glix <glix@localhost>" with a one-line notice when git has no identity', async () => {
      const head = headOf(root)
      const r = await glixBin(['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'laptop', '--no-lock'], {
        env: await noIdentityEnv(),
      })
      expect(r.code, r.stderr).to.equal(0)
      expect(lines(r.stdout)[0]).to.equal('added firefox -> github:NixOS/nixpkgs#firefox (scope=system) to host laptop')
      expect(git(root, 'rev-parse', 'HEAD~1').trim()).to.equal(head)
      expect(git(root, 'log', '-1', '--format=%an <%ae>|%cn <%ce>').trim()).to.equal('glix <glix@localhost>|glix <glix@localhost>')
      const identityNotices = lines(r.stderr).filter((l) => /identity|user\.name|user\.email|glix@localhost/.test(l))
      expect(identityNotices, r.stderr).to.have.lengthOf(1)
      expect(identityNotices[0]).to.match(/^glix: /)
    })

    it('commits when only GIT_AUTHOR_NAME/EMAIL are set (the committer falls back)', async () => {
      const env = await noIdentityEnv()
      env.GIT_AUTHOR_NAME = 'Ann Author'
      env.GIT_AUTHOR_EMAIL = 'ann@example.invalid'
      const r = await glixBin(['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'laptop', '--no-lock'], {env})
      expect(r.code, r.stderr).to.equal(0)
      expect(subjectOf(root)).to.equal('glix add laptop: firefox (github:NixOS/nixpkgs#firefox, system, via uri)')
      expect(git(root, 'log', '-1', '--format=%an <%ae>').trim()).to.equal('Ann Author <ann@example.invalid>')
    })
  })
})
