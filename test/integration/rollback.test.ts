/**
 * `glix rollback` under the lock (issue 11, item 9): it checks, holding the
 * repository lock, that HEAD is still the commit it planned to revert — a
 * commit that lands while it waits is never reverted unseen — and
 * `rollback --apply` rebuilds the host whose change it reverted, not the
 * `--host` it was run with.
 */
import {expect} from 'chai'
import {spawn} from 'node:child_process'
import os from 'node:os'
import path from 'node:path'

import {readCalls, writeFakePrograms} from '../helpers/fake-rebuild.js'
import {addPackage, git, glixOk, headOf, lines, readText, subjectOf, useEnv, useHermeticGit} from '../helpers/repo.js'
import {diffExact, isRepoLockFree, snapshotExact, startGlix, useTxRepo, waitFor} from '../helpers/tx.js'

describe('glix rollback (integration)', function () {
  this.timeout(120_000)
  useHermeticGit()
  const env = useEnv()
  const repo = useTxRepo('glix-rollback-', [{host: 'a'}, {host: 'b'}])
  let tmp: string
  let root: string

  beforeEach(() => {
    ;({root, tmp} = repo)
  })

  it('refuses when HEAD moved while it waited for the lock, reverting nothing', async () => {
    await addPackage(root, 'a', 'github:owner/tool')
    const planned = headOf(root)
    const holder = spawn('flock', [path.join(root, '.git', 'glix', 'lock'), 'sleep', '60'], {stdio: 'ignore'})
    try {
      await waitFor('the other lock holder', () => !isRepoLockFree(root))
      const rollback = startGlix(['rollback', '--host', 'a', '--dir', root, '--no-lock'], repo.env, tmp)
      await waitFor('rollback to wait for the lock', () => rollback.output().stderr.includes('waiting for'), 60_000, rollback)
      // A commit lands meanwhile (by hand): what rollback planned to revert is no longer HEAD.
      git(root, 'commit', '-q', '--allow-empty', '-m', 'by hand')
      const moved = headOf(root)
      const before = await snapshotExact(root)
      holder.kill('SIGKILL')
      const result = await rollback.done
      expect(result.code, JSON.stringify(result)).to.equal(1)
      const [, error] = lines(result.stderr)
      expect(error).to.equal(
        `glix rollback: HEAD moved while rollback was starting (it is now ${moved.slice(0, 12)}, not ${planned.slice(0, 12)}); nothing was reverted: run \`glix rollback\` again; rolled back`,
      )
      expect(headOf(root)).to.equal(moved)
      expect(diffExact(before, await snapshotExact(root))).to.deep.equal([])
      expect(readText(root, 'hosts/a/glix.toml')).to.include('[packages.tool]')
    } finally {
      holder.kill('SIGKILL')
    }
  })

  describe('--apply', () => {
    const realHostname = os.hostname
    before(() => {
      // This machine is host b: the reverted change is b's, so b is rebuilt here.
      os.hostname = () => 'b'
    })
    after(() => {
      os.hostname = realHostname
    })

    it('rebuilds the host of the reverted commit, not --host', async () => {
      const bin = await writeFakePrograms(tmp)
      const log = path.join(tmp, 'rebuild.log')
      env.set('PATH', `${bin}${path.delimiter}${process.env.PATH}`)
      env.set('FAKE_REBUILD_LOG', log)
      env.set('FAKE_REBUILD_LINES', '0')
      await addPackage(root, 'b', 'github:owner/tool')
      const r = await glixOk(['rollback', '--apply', '--host', 'a', '--dir', root, '--no-lock'])
      expect(r.stdout).to.include('reverted "glix add b: tool (github:owner/tool, system, via uri)"')
      expect(subjectOf(root)).to.equal('Revert "glix add b: tool (github:owner/tool, system, via uri)"')
      const calls = await readCalls(log)
      expect(calls.map((c) => c.host)).to.deep.equal(['b'])
      expect(calls[0].argv.slice(0, 3)).to.deep.equal(['switch', '--flake', `${root}#b`])
    })
  })
})
