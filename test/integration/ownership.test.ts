/**
 * A repository of another user is refused, as git refuses it (issue 15,
 * item 3): found from the working directory or named by `--dir`, for read
 * and write commands and `init`, before anything is read from it — unless
 * git's own `safe.directory` lists it (or `*`). And when git itself
 * refuses, its whole reason reaches the user (issue 11, item 13).
 *
 * The repo is made another user's with `chown -R 12345`, which needs root:
 * outside CI a non-root run skips; under CI=true it fails instead.
 */
import {expect} from 'chai'
import {execFileSync, spawnSync} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import {failureError} from '../../src/lib/process.js'
import {createRepo, expectOneLineError, glix, glixOk, useEnv, useHermeticGit, useTempDirs} from '../helpers/repo.js'
import {diffExact, snapshotExact} from '../helpers/tx.js'

const STRANGER = 12_345

describe('repositories owned by another user (integration)', function () {
  this.timeout(120_000)
  useHermeticGit()
  const tempDir = useTempDirs()
  const env = useEnv()
  let root: string
  let gitconfig: string

  before(function () {
    if (process.getuid?.() === 0) return
    if (process.env.CI === 'true') throw new Error('the ownership tests chown a repo to another uid and need root')
    this.skip()
  })

  beforeEach(async () => {
    const tmp = await tempDir('glix-owner-')
    root = await createRepo(path.join(tmp, 'repo'), [{host: 'laptop'}])
    execFileSync('chown', ['-R', `${STRANGER}:${STRANGER}`, root])
    gitconfig = path.join(tmp, 'gitconfig')
    await writeFile(gitconfig, '')
    env.set('GIT_CONFIG_GLOBAL', gitconfig)
  })

  const dubious = (dir: string) =>
    `detected dubious ownership in repository at '${dir}' ('${dir}' is owned by uid ${STRANGER}, but the current user is uid 0); glix, like git, refuses to work in another user's repository; try: to add an exception for this directory, call: git config --global --add safe.directory ${dir}`

  it('refuses it through --dir, from a directory inside it, and for init, reading nothing', async () => {
    const before = await snapshotExact(root)
    for (const args of [
      ['list', '--host', 'laptop', '--dir', root],
      ['add', 'github:owner/tool', '--host', 'laptop', '--no-lock', '--dir', root],
      ['init', '--host', 'other', '--user', 'alice', '--no-lock', '--dir', root],
    ]) {
      const r = await glix(args)
      expect(expectOneLineError(r, args[0], 1)).to.equal(dubious(root))
    }

    // Found by walking up from the working directory: the same refusal (a subprocess, for its own cwd).
    const run = spawnSync(process.execPath, [path.resolve('bin/run.js'), 'list', '--host', 'laptop'], {
      cwd: path.join(root, 'hosts', 'laptop'),
      encoding: 'utf8',
      env: {...process.env, GLIX_ROOT: '', HOME: path.dirname(root), XDG_CONFIG_HOME: path.dirname(root)},
    })
    expect(run.status, run.stderr).to.equal(1)
    expect(run.stderr.trim()).to.equal(`glix list: ${dubious(root)}`)
    expect(diffExact(before, await snapshotExact(root)), 'nothing written').to.deep.equal([])
  })

  it("is accepted once git's safe.directory lists it, or lists *; an empty entry clears the list", async () => {
    execFileSync('git', ['config', '--file', gitconfig, '--add', 'safe.directory', root])
    expect((await glixOk(['add', 'github:owner/tool', '--host', 'laptop', '--no-lock', '--dir', root])).stdout).to.include('added tool')

    execFileSync('git', ['config', '--file', gitconfig, '--add', 'safe.directory', ''])
    expectOneLineError(await glix(['list', '--host', 'laptop', '--dir', root]), 'list', 1)

    execFileSync('git', ['config', '--file', gitconfig, '--add', 'safe.directory', '*'])
    expect((await glixOk(['list', '--host', 'laptop', '--dir', root])).stdout).to.include('tool')
  })

  it("shows git's whole reason when git itself refuses the repository", function () {
    const result = spawnSync('git', ['status'], {cwd: root, encoding: 'utf8'})
    expect(result.status).to.not.equal(0)
    const message = failureError('git', ['status'], {code: result.status ?? 128, stderr: result.stderr, stdout: '', stdoutBytes: Buffer.alloc(0)}).message
    expect(message).to.equal(
      `git status failed: detected dubious ownership in repository at '${root}' To add an exception for this directory, call: git config --global --add safe.directory ${root}`,
    )
  })
})
