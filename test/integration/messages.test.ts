/**
 * What glix says when things fail (issue 11, items 11, 13, 14): the seed's
 * plain `glix init` offline names the download Nix could not make and the
 * way on without a network; `init --dir=<relative>` works; usage errors
 * report code USAGE under --json; a command that reports its own outcome
 * (doctor) still leaves through the one error path with its exit status.
 */
import {expect} from 'chai'
import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, symlink} from 'node:fs/promises'
import path from 'node:path'

import {GlixError} from '../../src/lib/errors.js'
import {BIN, createRepo, git, glix, glixOk, lines, useEnv, useHermeticGit, useTempDirs} from '../helpers/repo.js'
import {hasNix, nixEnv} from '../helpers/nix.js'
import {realGitPath} from '../helpers/tx.js'

describe('messages and exits (integration)', function () {
  this.timeout(180_000)
  useHermeticGit()
  const tempDir = useTempDirs()
  const env = useEnv()

  it("the seed's plain `glix init` offline: Nix's own error, the network named, the way on, nothing left behind", async function () {
    const isRoot = process.getuid?.() === 0
    if (!isRoot || !hasNix()) {
      if (process.env.CI === 'true') throw new Error('this test needs root (unshare -n) and nix')
      this.skip()
    }

    const tmp = await tempDir('glix-offline-')
    const root = path.join(tmp, 'glixos')
    // No network at all: a fresh network namespace.
    const run = spawnSync('unshare', ['-n', process.execPath, BIN, 'init', '--host', 'laptop', '--user', 'alice'], {
      cwd: tmp,
      encoding: 'utf8',
      env: {...nixEnv(), GLIX_ROOT: root, NO_COLOR: '1'},
      timeout: 120_000,
    })
    expect(run.status, run.stderr).to.equal(1)
    expect(run.stdout).to.equal('')
    const stderr = lines(run.stderr)
    expect(stderr, run.stderr).to.have.lengthOf(1)
    expect(stderr[0]).to.match(
      /^glix init: nix flake lock failed: unable to download 'https:\/\/[^']+': [^;]+ \(is this machine offline\?\); rolled back; try: check the network connection and run the command again, or pass --no-lock to commit without locking and run `glix update` once online$/,
    )
    expect(stderr[0], 'not the --show-trace hint').to.not.include('show-trace')
    expect(existsSync(root), 'the repo this init created is gone again').to.equal(false)
  })

  it('init --dir=<relative> creates the repo there', async () => {
    const tmp = await tempDir('glix-relative-')
    const run = spawnSync(process.execPath, [BIN, 'init', '--dir=some/where', '--host', 'laptop', '--user', 'alice', '--no-lock'], {
      cwd: tmp,
      encoding: 'utf8',
      env: {...process.env, NO_COLOR: '1'},
    })
    expect(run.status, run.stderr).to.equal(0)
    expect(run.stdout).to.include(`created ${path.join(tmp, 'some/where')}`)
    expect(git(path.join(tmp, 'some/where'), 'log', '-1', '--format=%s').trim()).to.equal('glix init: bootstrap host laptop')
    expect(git(path.join(tmp, 'some/where'), 'status', '--porcelain')).to.equal('')
  })

  it('usage errors report code USAGE under --json, wherever they are thrown', async () => {
    // Every exit-2 error is a usage error, also one thrown as a plain GlixError (`rebuild`'s "no host").
    expect(new GlixError('no host to rebuild: pass --host or --all-hosts', {exit: 2}).code).to.equal('USAGE')
    expect(new GlixError('failed').code).to.equal('GLIX_ERROR')
    const tmp = await tempDir('glix-usage-')
    const root = await createRepo(path.join(tmp, 'repo'), [{host: 'laptop'}])
    const r = await glix(['list', '--host', 'laptop', '--dir', root, '--json', '--no-such-flag'])
    expect(r.exitCode).to.equal(2)
    expect((JSON.parse(r.stdout) as {error: {code: string}}).error.code).to.equal('USAGE')
  })

  it('doctor ends with exit 1 through the error path, printing its report as the --json document', async () => {
    const tmp = await tempDir('glix-doctor-')
    const root = await createRepo(path.join(tmp, 'repo'), [{host: 'laptop'}])
    // git but no nix on PATH: the nix check fails.
    const bin = path.join(tmp, 'bin')
    await mkdir(bin)
    await symlink(realGitPath(), path.join(bin, 'git'))
    env.set('PATH', bin)
    const r = await glix(['doctor', '--dir', root, '--json'])
    expect(r.exitCode).to.equal(1)
    const report = JSON.parse(r.stdout) as {ok: boolean; checks: Array<{name: string; status: string}>}
    expect(report.ok).to.equal(false)
    expect(report.checks.find((c) => c.name === 'nix')?.status).to.equal('FAIL')
    expect(r.stderr).to.equal('')
    const text = await glix(['doctor', '--dir', root])
    expect(text.exitCode).to.equal(1)
    expect(text.stdout).to.match(/^FAIL +nix +nix not found/m)
    expect(text.stderr).to.equal('')
    env.set('PATH', undefined)
    await glixOk(['list', '--host', 'laptop', '--dir', root])
  })
})
