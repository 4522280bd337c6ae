/**
 * The repository lock (issue 11, item 6): a kernel flock that lives as
 * long as its holder, never judged by age.
 *
 * - A glix stopped with SIGSTOP for longer than any old timeout (the mtime
 *   lock went stale after 10 s) keeps its lock: a second glix waits, says
 *   whom it waits for, and both finish, in order, after SIGCONT.
 * - A lock file removed under a running glix ends that glix with one clear
 *   line: no commit and no rollback (another glix may hold a new lock);
 *   the journal stays and the next command recovers from it.
 * (A holder killed with SIGKILL frees the lock at once: crash.test.ts.)
 */
import {expect} from 'chai'
import {existsSync, readFileSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import path from 'node:path'

import {git, headOf, lines, readText, subjectOf, useHermeticGit} from '../helpers/repo.js'
import {startGlix, useTxRepo, waitFor} from '../helpers/tx.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('the repository lock (integration)', function () {
  this.timeout(180_000)
  useHermeticGit()
  const repo = useTxRepo('glix-lock-', [{host: 'laptop'}])
  let tmp: string
  let root: string
  let env: NodeJS.ProcessEnv
  let marker: string

  beforeEach(() => {
    ;({env, marker, root, tmp} = repo)
  })

  /**
   * `glix add <name> --no-lock` that pauses `seconds` inside its transaction, after writing the
   * marker: when git is about to make the commit object (`commit-tree`), holding the lock.
   */
  function startPausingAdd(name: string, seconds: number) {
    const hook = `if [ ! -e ${JSON.stringify(marker)} ]; then echo $$ > ${JSON.stringify(marker)}; sleep ${seconds}; fi`
    return startGlix(['add', `github:owner/${name}`, '--host', 'laptop', '--dir', root, '--no-lock'], {...env, GLIX_TEST_GIT_AT: 'commit-tree', GLIX_TEST_GIT_HOOK: hook}, tmp)
  }

  it('a holder stopped past any timeout keeps its lock; the next glix waits and both finish in order', async () => {
    const base = headOf(root)
    const first = startPausingAdd('first', 1)
    await waitFor('the first glix to be inside its transaction', () => existsSync(marker), 60_000, first)
    process.kill(first.pid, 'SIGSTOP')
    try {
      const second = startGlix(['add', 'github:owner/second', '--host', 'laptop', '--dir', root, '--no-lock'], env, tmp)
      // Longer than the old lock's 10 s staleness (plus its 2 s refresh): it must still be waiting.
      await sleep(13_000)
      expect(second.exited(), `the second glix did not wait: ${JSON.stringify(second.output())}`).to.equal(false)
      expect(headOf(root), 'nothing committed meanwhile').to.equal(base)
      expect(second.output().stderr).to.match(new RegExp(`^glix: waiting for \`glix add\` \\(pid ${first.pid}\\) to release the repository lock .*/\\.git/glix/lock\\n$`))

      process.kill(first.pid, 'SIGCONT')
      const [a, b] = await Promise.all([first.done, second.done])
      for (const run of [a, b]) {
        expect(run.code, JSON.stringify(run)).to.equal(0)
        expect(run.stderr, 'no stack trace').to.not.match(/^\s+at /m)
        expect(run.stderr).to.not.match(/recovered|rolled back/)
      }
    } finally {
      try {
        process.kill(first.pid, 'SIGCONT')
      } catch {
        // Already gone.
      }
    }

    expect(git(root, 'rev-parse', 'HEAD~2').trim()).to.equal(base)
    expect(subjectOf(root, 'HEAD~1')).to.equal('glix add laptop: first (github:owner/first, system, via uri)')
    expect(subjectOf(root)).to.equal('glix add laptop: second (github:owner/second, system, via uri)')
    const manifest = readText(root, 'hosts/laptop/glix.toml')
    expect(manifest).to.include('[packages.first]').and.to.include('[packages.second]')
    expect(git(root, 'status', '--porcelain')).to.equal('')
  })

  it('a lock file removed under a running glix stops it with one line, without commit or rollback', async () => {
    const base = headOf(root)
    const first = startPausingAdd('first', 3)
    await waitFor('the first glix to be inside its transaction', () => existsSync(marker), 60_000, first)
    await rm(path.join(root, '.git', 'glix', 'lock'))
    const result = await first.done
    expect(result.code, JSON.stringify(result)).to.equal(1)
    expect(result.stdout).to.equal('')
    expect(lines(result.stderr)).to.have.lengthOf(1)
    expect(lines(result.stderr)[0]).to.match(
      /^glix add: the repository lock .*\/\.git\/glix\/lock was removed or replaced while this glix held it; stopped without committing or rolling back, since another glix may be running now$/,
    )
    expect(result.stderr, 'no stack trace').to.not.match(/^\s+at /m)
    expect(headOf(root), 'no commit').to.equal(base)
    expect(readText(root, 'hosts/laptop/glix.toml'), 'not rolled back either').to.include('[packages.first]')
    const journal = path.join(root, '.git', 'glix', 'journal.json')
    expect(JSON.parse(readFileSync(journal, 'utf8')).command, 'the journal stays').to.equal('add')

    // The next command (holding a fresh lock) restores from the journal.
    const list = startGlix(['list', '--host', 'laptop', '--dir', root], env, tmp)
    const listed = await list.done
    expect(listed.code, JSON.stringify(listed)).to.equal(0)
    expect(listed.stderr).to.match(/^glix: recovered an interrupted `glix add` \(pid \d+, started [^)]+\): restored 2 file\(s\)\n$/)
    expect(readText(root, 'hosts/laptop/glix.toml')).to.not.include('[packages.first]')
    expect(git(root, 'status', '--porcelain')).to.equal('')
  })
})
