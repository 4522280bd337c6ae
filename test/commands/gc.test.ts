/**
 * `glix gc` against a recording `nix-collect-garbage` first on PATH.
 */
import {expect} from 'chai'
import {mkdir} from 'node:fs/promises'
import path from 'node:path'

import {readCalls, writeFakePrograms} from '../helpers/fake-rebuild.js'
import {expectOneLineError, glixBin, lines, useTempDirs} from '../helpers/repo.js'

describe('glix gc', function () {
  this.timeout(60_000)
  const tempDir = useTempDirs('suite')
  let bin: string
  let cwd: string
  let empty: string
  let n = 0

  before(async () => {
    const tmp = await tempDir()
    bin = await writeFakePrograms(tmp)
    cwd = path.join(tmp, 'not-a-repo')
    empty = path.join(tmp, 'empty-bin')
    await mkdir(cwd)
    await mkdir(empty)
  })

  /** Runs `glix gc …` outside any repo, with the fakes first on PATH. */
  async function gc(args: string[], env: Record<string, string> = {}) {
    const log = path.join(cwd, `..`, `gc-${++n}.jsonl`)
    const r = await glixBin(['gc', ...args], {
      cwd,
      env: {FAKE_REBUILD_LOG: log, GLIX_ROOT: cwd, HOME: cwd, PATH: `${bin}${path.delimiter}${process.env.PATH}`, XDG_CONFIG_HOME: cwd, ...env},
    })
    return {...r, calls: await readCalls(log)}
  }

  it('runs nix-collect-garbage, needing no repo, and streams its output', async () => {
    const r = await gc([])
    expect(r.code, r.stderr).to.equal(0)
    expect(r.calls.map((c) => c.argv)).to.deep.equal([[]])
    expect(lines(r.stdout)).to.deep.equal(['finding garbage collector roots...', '0 store paths deleted, 0.00 MiB freed'])
    expect(r.stderr).to.equal('')
  })

  it('--delete-old adds -d; arguments after -- pass through', async () => {
    expect((await gc(['--delete-old'])).calls.map((c) => c.argv)).to.deep.equal([['-d']])
    expect((await gc(['--', '--delete-older-than', '14d'])).calls.map((c) => c.argv)).to.deep.equal([['--delete-older-than', '14d']])
    expect((await gc(['--delete-old', '--', '--dry-run'])).calls.map((c) => c.argv)).to.deep.equal([['-d', '--dry-run']])
  })

  it('fails in one line with the exit status of nix-collect-garbage', async () => {
    const r = await gc([], {FAKE_GC_EXIT: '3'})
    expect(r.code).to.equal(1)
    expect(lines(r.stderr)).to.deep.equal(['glix gc: nix-collect-garbage exited with status 3'])
  })

  it('says so when nix-collect-garbage is missing', async () => {
    expect(expectOneLineError(await gc([], {PATH: empty}), 'gc', 1)).to.equal('nix-collect-garbage not found on PATH: install Nix')
  })
})
