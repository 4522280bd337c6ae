/**
 * SIGINT, SIGTERM and SIGHUP during a mutation (issue 11, item 10): glix
 * stops the child it is waiting for, restores every file, prints one line
 * and exits 130, 143 or 129 — at each step of the transaction: waiting for
 * the lock, reading HEAD, during `nix flake lock`, while git makes the
 * commit, and after the commit landed (then the commit stands).
 *
 * The built CLI runs as a child process; fake `nix` and a `git` wrapper
 * first on PATH (test/helpers/tx.ts) stop at the chosen step and say so
 * through a marker file, and the test sends the signal to glix alone (as
 * `kill` does; a terminal's Ctrl-C would reach the whole group).
 */
import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'

import {git, headOf, lines, readText, subjectOf, useHermeticGit} from '../helpers/repo.js'
import {diffExact, isRepoLockFree, snapshotExact, startGlix, useTxRepo, waitFor} from '../helpers/tx.js'

const EXIT: Record<string, number> = {SIGHUP: 129, SIGINT: 130, SIGTERM: 143}

function isAlive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return false
  }
}

describe('signals during a mutation (integration)', function () {
  this.timeout(180_000)
  useHermeticGit()
  const repo = useTxRepo('glix-signals-', [{host: 'laptop'}])
  let tmp: string
  let root: string
  let env: NodeJS.ProcessEnv
  let marker: string

  beforeEach(() => {
    ;({env, marker, root, tmp} = repo)
  })

  /**
   * Starts `glix add` with `extra` environment, waits until the step under test has begun (the marker
   * exists), sends `signal` to glix, and returns its exit, output and the pid that wrote the marker.
   */
  async function interruptAdd(signal: NodeJS.Signals, extra: NodeJS.ProcessEnv, args: string[] = []) {
    const child = startGlix(['add', 'github:owner/tool', '--host', 'laptop', '--dir', root, ...args], {...env, ...extra}, tmp)
    await waitFor('the step under test', () => existsSync(marker) && readFileSync(marker, 'utf8').trim() !== '', 60_000, child)
    const stepPid = Number(readFileSync(marker, 'utf8').trim())
    process.kill(child.pid, signal)
    const result = await child.done
    return {...result, stepPid}
  }

  function expectOneLine(result: {code: null | number; stderr: string; stdout: string}, signal: string, pattern: RegExp): void {
    const context = JSON.stringify(result)
    expect(result.code, context).to.equal(EXIT[signal])
    expect(result.stdout, context).to.equal('')
    expect(lines(result.stderr), context).to.have.lengthOf(1)
    expect(lines(result.stderr)[0], context).to.match(pattern)
    expect(result.stderr, 'no stack trace').to.not.match(/^\s+at /m)
  }

  async function expectRolledBack(before: Awaited<ReturnType<typeof snapshotExact>>, head: string): Promise<void> {
    expect(diffExact(before, await snapshotExact(root)), 'every file, the index and the refs as before').to.deep.equal([])
    expect(headOf(root)).to.equal(head)
    expect(existsSync(path.join(root, '.git', 'glix', 'journal.json')), 'no journal left').to.equal(false)
    expect(isRepoLockFree(root), 'lock released').to.equal(true)
  }

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`${signal} during nix flake lock: nix stopped, files and index restored, one line, exit ${EXIT[signal]}`, async () => {
      const before = await snapshotExact(root)
      const head = headOf(root)
      const result = await interruptAdd(signal, {FAKE_NIX_MARKER: marker, FAKE_NIX_SLEEP: '60'})
      expectOneLine(result, signal, new RegExp(`^glix add: interrupted by ${signal}; rolled back$`))
      await waitFor('the fake nix to stop', () => !isAlive(result.stepPid), 10_000)
      await expectRolledBack(before, head)
    })
  }

  it('SIGTERM while git writes the commit (commit-tree): rolled back', async () => {
    const before = await snapshotExact(root)
    const head = headOf(root)
    const hook = `echo $$ > ${JSON.stringify(marker)}; sleep 60`
    const result = await interruptAdd('SIGTERM', {GLIX_TEST_GIT_AT: 'commit-tree', GLIX_TEST_GIT_HOOK: hook}, ['--no-lock'])
    expectOneLine(result, 'SIGTERM', /^glix add: interrupted by SIGTERM; rolled back$/)
    await expectRolledBack(before, head)
  })

  it('SIGINT while reading HEAD, before anything was written: nothing to roll back', async () => {
    const before = await snapshotExact(root)
    const head = headOf(root)
    const hook = `echo $$ > ${JSON.stringify(marker)}; sleep 60`
    // The first git glix runs under the lock (cat-file; rev-parse in older versions).
    const result = await interruptAdd('SIGINT', {GLIX_TEST_GIT_AT: 'cat-file rev-parse', GLIX_TEST_GIT_HOOK: hook}, ['--no-lock'])
    expectOneLine(result, 'SIGINT', /^glix add: interrupted by SIGINT$/)
    await expectRolledBack(before, head)
  })

  it('SIGHUP while waiting for the lock: nothing changed', async () => {
    // Another process holds the repository lock.
    const holder = spawn('flock', [path.join(root, '.git', 'glix', 'lock'), 'sleep', '60'], {stdio: 'ignore'})
    try {
      await waitFor('the other holder', () => !isRepoLockFree(root))
      const before = await snapshotExact(root)
      const head = headOf(root)
      const child = startGlix(['add', 'github:owner/tool', '--host', 'laptop', '--dir', root, '--no-lock'], env, tmp)
      await waitFor('glix to wait for the lock', () => child.output().stderr.includes('waiting for'), 60_000, child)
      process.kill(child.pid, 'SIGHUP')
      const result = await child.done
      expect(result.code, JSON.stringify(result)).to.equal(129)
      const [waiting, ...rest] = lines(result.stderr)
      expect(waiting).to.match(/^glix: waiting for another process to release the repository lock .*\/\.git\/glix\/lock$/)
      expect(rest).to.deep.equal(['glix add: interrupted by SIGHUP'])
      expect(diffExact(before, await snapshotExact(root))).to.deep.equal([])
      expect(headOf(root)).to.equal(head)
    } finally {
      holder.kill('SIGKILL')
    }
  })

  it('SIGTERM after the commit landed (while the index is updated): the commit stands, exit 143', async () => {
    const head = headOf(root)
    // Stop only the first `git update-index` (the one after update-ref); the retry goes through.
    const hook = `if [ ! -s ${JSON.stringify(marker)} ]; then echo $$ > ${JSON.stringify(marker)}; sleep 60; fi`
    const result = await interruptAdd('SIGTERM', {GLIX_TEST_GIT_AT: 'update-index', GLIX_TEST_GIT_HOOK: hook}, ['--no-lock'])
    expectOneLine(result, 'SIGTERM', /^glix add: interrupted by SIGTERM after committing [0-9a-f]{12}: the change is committed$/)
    expect(git(root, 'rev-parse', 'HEAD~1').trim()).to.equal(head)
    expect(subjectOf(root)).to.equal('glix add laptop: tool (github:owner/tool, system, via uri)')
    expect(readText(root, 'hosts/laptop/glix.toml')).to.include('[packages.tool]')
    expect(git(root, 'status', '--porcelain'), 'index and work tree match the commit').to.equal('')
    expect(existsSync(path.join(root, '.git', 'glix', 'journal.json'))).to.equal(false)
  })
})
