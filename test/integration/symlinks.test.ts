/**
 * Symbolic links are never followed under the repo root (issue 11, item 1).
 *
 * A link at `hosts/`, `hosts/<h>`, `hosts/<h>/glix.toml`, `flake.nix`,
 * `flake.lock` or `.gitignore`, pointing outside the repo, is refused by
 * every command that would read or write through it — one error line
 * naming the link — and nothing is written anywhere: the repo (files,
 * links, modes, index, refs) and the outside directory are compared
 * exactly before and after. And what glix writes and restores keeps type
 * and mode: a commit never records a file glix wrote as a link (mode
 * 120000), a rollback restores a file's mode, and a failed `host remove`
 * puts a link back as a link, not as a copy of what it pointed to.
 */
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {lstatSync, readlinkSync, statSync} from 'node:fs'
import {chmod, mkdir, rename, symlink, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {expectOneLineError, git, glix, glixOk, headOf, readText, useEnv, useHermeticGit} from '../helpers/repo.js'
import {diffExact, snapshotExact, useTxRepo} from '../helpers/tx.js'

describe('symbolic links under the repo root (integration)', function () {
  this.timeout(120_000)
  useHermeticGit()
  const env = useEnv()
  const repo = useTxRepo('glix-links-', [{host: 'laptop'}, {host: 'desktop'}])
  let root: string
  let outside: string

  beforeEach(async () => {
    root = repo.root
    outside = path.join(repo.tmp, 'outside')
    await mkdir(outside)
  })

  /** Moves `rel` out of the repo into `outside/<name>` and leaves a link to it (committed when `commit`). */
  async function linkOut(rel: string, options: {commit?: boolean} = {}): Promise<string> {
    const target = path.join(outside, path.basename(rel))
    await rename(path.join(root, rel), target)
    await symlink(target, path.join(root, rel))
    if (options.commit) {
      git(root, 'add', '-A')
      git(root, 'commit', '-q', '-m', `link ${rel}`)
    }

    return target
  }

  /** Runs glix, expects the one-line refusal naming `rel`, and that nothing changed inside or outside. */
  async function expectRefused(args: string[], command: string, rel: string): Promise<void> {
    const inside = await snapshotExact(root)
    const out = await snapshotExact(outside)
    const head = headOf(root)
    const r = await glix([...args, '--dir', root])
    const message = expectOneLineError(r, command, 1)
    expect(message).to.include(`${rel} is a symbolic link`)
    expect(diffExact(inside, await snapshotExact(root)), 'the repo is unchanged').to.deep.equal([])
    expect(diffExact(out, await snapshotExact(outside)), 'nothing was written outside').to.deep.equal([])
    expect(headOf(root)).to.equal(head)
  }

  const add = ['add', 'github:owner/tool', '--host', 'laptop']

  for (const rel of ['hosts', 'hosts/laptop', 'hosts/laptop/glix.toml', 'flake.nix', 'flake.lock']) {
    it(`${rel} linked outside: add, set, list and host remove refuse it`, async () => {
      if (rel === 'flake.lock') {
        await writeFile(path.join(root, 'flake.lock'), '{"nodes":{"root":{}},"root":"root","version":7}\n')
        git(root, 'add', 'flake.lock')
        git(root, 'commit', '-q', '-m', 'lock')
      }

      await linkOut(rel)
      await expectRefused(add, 'add', rel)
      await expectRefused(['set', 'anything', 'pin=abc', '--host', 'laptop', '--no-lock'], 'set', rel)
      await expectRefused(['list', '--host', 'laptop'], 'list', rel)
      await expectRefused(['host', 'remove', '--host', 'desktop', '--yes'], 'host remove', rel)
    })
  }

  it('init refuses a linked hosts/, host directory, flake.nix or .gitignore', async () => {
    // .gitignore: not in the repo, a dangling link to a file outside that glix would create.
    git(root, 'rm', '-q', '.gitignore')
    git(root, 'commit', '-q', '-m', 'no .gitignore')
    await symlink(path.join(outside, 'gitignore'), path.join(root, '.gitignore'))
    await expectRefused(['init', '--host', 'newhost', '--user', 'alice', '--no-lock'], 'init', '.gitignore')
    execFileSync('rm', ['-f', path.join(root, '.gitignore')])

    await symlink(outside, path.join(root, 'hosts', 'newhost'))
    await expectRefused(['init', '--host', 'newhost', '--user', 'alice', '--no-lock'], 'init', 'hosts/newhost')
    execFileSync('rm', ['-f', path.join(root, 'hosts', 'newhost')])

    await linkOut('flake.nix')
    await expectRefused(['init', '--host', 'newhost', '--user', 'alice', '--no-lock'], 'init', 'flake.nix')
  })

  it('init refuses hosts/ linked outside', async () => {
    await linkOut('hosts')
    await expectRefused(['init', '--host', 'newhost', '--user', 'alice', '--no-lock'], 'init', 'hosts')
  })

  it("init refuses another host's directory linked outside (regeneration would read through it)", async () => {
    await linkOut('hosts/desktop')
    await expectRefused(['init', '--host', 'newhost', '--user', 'alice', '--no-lock'], 'init', 'hosts/desktop')
  })

  it('commits the mode glix wrote: a manifest committed as a link goes in as a regular file (100644)', async () => {
    // HEAD records the manifest as a link; the user then put the real file back without committing.
    const target = await linkOut('hosts/laptop/glix.toml', {commit: true})
    expect(git(root, 'ls-tree', 'HEAD', 'hosts/laptop/glix.toml')).to.match(/^120000 /)
    execFileSync('rm', [path.join(root, 'hosts/laptop/glix.toml')])
    await rename(target, path.join(root, 'hosts/laptop/glix.toml'))

    await glixOk([...add, '--dir', root, '--no-lock'])
    expect(git(root, 'ls-tree', 'HEAD', 'hosts/laptop/glix.toml')).to.match(/^100644 blob /)
    expect(git(root, 'show', 'HEAD:hosts/laptop/glix.toml')).to.equal(readText(root, 'hosts/laptop/glix.toml'))
    expect(git(root, 'show', 'HEAD:hosts/laptop/glix.toml')).to.include('[packages.tool]')
  })

  it('keeps an executable manifest executable, in the work tree and in the commit', async () => {
    await chmod(path.join(root, 'hosts/laptop/glix.toml'), 0o755)
    git(root, 'add', 'hosts/laptop/glix.toml')
    git(root, 'commit', '-q', '-m', 'exec')
    await glixOk([...add, '--dir', root, '--no-lock'])
    expect(statSync(path.join(root, 'hosts/laptop/glix.toml')).mode & 0o777).to.equal(0o755)
    expect(git(root, 'ls-tree', 'HEAD', 'hosts/laptop/glix.toml')).to.match(/^100755 blob /)
    expect(git(root, 'status', '--porcelain')).to.equal('')
  })

  it('a rollback restores the mode of a file exactly (0600 stays 0600)', async () => {
    await chmod(path.join(root, 'hosts/laptop/glix.toml'), 0o600)
    const before = await snapshotExact(root)
    env.set('FAKE_NIX_FAIL', '1')
    const r = await glix([...add, '--dir', root])
    expect(expectOneLineError(r, 'add', 1)).to.match(/simulated nix failure; rolled back$/)
    expect(diffExact(before, await snapshotExact(root))).to.deep.equal([])
    expect(statSync(path.join(root, 'hosts/laptop/glix.toml')).mode & 0o777).to.equal(0o600)
  })

  it('host remove deletes a link inside the host (never what it points to), and a failed one puts the link back as a link', async () => {
    await writeFile(path.join(outside, 'secret.txt'), 'outside data\n')
    await mkdir(path.join(outside, 'dir'))
    await writeFile(path.join(outside, 'dir', 'keep.txt'), 'keep\n')
    await symlink(path.join(outside, 'secret.txt'), path.join(root, 'hosts/desktop/secret'))
    await symlink(path.join(outside, 'dir'), path.join(root, 'hosts/desktop/linked-dir'))
    git(root, 'add', '-A')
    git(root, 'commit', '-q', '-m', 'links in the host')

    // The commit fails at the very end: the reference-transaction hook rejects moving HEAD.
    const hook = path.join(root, '.git', 'hooks', 'reference-transaction')
    await mkdir(path.dirname(hook), {recursive: true})
    await writeFile(hook, '#!/bin/sh\n[ "$1" = prepared ] && exit 1\nexit 0\n')
    await chmod(hook, 0o755)
    const inside = await snapshotExact(root)
    const out = await snapshotExact(outside)
    const head = headOf(root)
    const failed = await glix(['host', 'remove', '--host', 'desktop', '--yes', '--no-lock', '--dir', root])
    expect(expectOneLineError(failed, 'host remove', 1)).to.match(/rolled back$/)
    expect(diffExact(inside, await snapshotExact(root)), 'restored exactly').to.deep.equal([])
    expect(lstatSync(path.join(root, 'hosts/desktop/secret')).isSymbolicLink(), 'still a link').to.equal(true)
    expect(readlinkSync(path.join(root, 'hosts/desktop/secret'))).to.equal(path.join(outside, 'secret.txt'))
    expect(diffExact(out, await snapshotExact(outside))).to.deep.equal([])
    expect(headOf(root)).to.equal(head)

    execFileSync('rm', [hook])
    await glixOk(['host', 'remove', '--host', 'desktop', '--yes', '--no-lock', '--dir', root])
    expect(git(root, 'ls-tree', '-r', '--name-only', 'HEAD', 'hosts')).to.not.include('desktop')
    expect(diffExact(out, await snapshotExact(outside)), 'the link targets are untouched').to.deep.equal([])
  })
})
