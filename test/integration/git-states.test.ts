/**
 * git states glix must respect (issue 11, items 3, 4, 13): a merge,
 * rebase, `git am`, cherry-pick, revert or bisect in progress, an unmerged
 * path, git's `index.lock` before, during and after the commit, and a
 * linked `git worktree` (where `.git` is a file).
 *
 * Every refusal is one error line saying which state and how to end it,
 * and leaves the repo exactly as it was (files, index, refs). Real git
 * makes every state; a `git` wrapper first on PATH (test/helpers/tx.ts)
 * creates `index.lock` at one chosen step.
 */
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {rm, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {
  expectOneLineError,
  git,
  glix,
  glixOk,
  headOf,
  readText,
  subjectOf,
  useEnv,
  useHermeticGit,
} from '../helpers/repo.js'
import {diffExact, snapshotExact, useTxRepo} from '../helpers/tx.js'

/** git that may fail (conflicts are the point here). */
function gitMayFail(root: string, ...args: string[]): void {
  try {
    execFileSync('git', args, {cwd: root, stdio: 'ignore'})
  } catch {
    // The conflict is the state under test.
  }
}

describe('git states (integration)', function () {
  this.timeout(120_000)
  useHermeticGit()
  const env = useEnv()
  const repo = useTxRepo('glix-git-states-', [{host: 'laptop'}])
  let tmp: string
  let root: string

  beforeEach(() => {
    ;({root, tmp} = repo)
  })

  /** Two branches that both change flake.nix outside the regions: merging them conflicts there. */
  function makeConflictingBranch(): void {
    git(root, 'checkout', '-q', '-b', 'other')
    const flake = readText(root, 'flake.nix')
    execFileSync('sh', ['-c', `printf '# theirs\\n%s' "$1" > flake.nix`, 'sh', flake], {cwd: root})
    git(root, 'commit', '-q', '-am', 'theirs')
    git(root, 'checkout', '-q', 'main')
    execFileSync('sh', ['-c', `printf '# ours\\n%s' "$1" > flake.nix`, 'sh', flake], {cwd: root})
    git(root, 'commit', '-q', '-am', 'ours')
  }

  async function expectRefusedUnchanged(pattern: RegExp): Promise<void> {
    const before = await snapshotExact(root)
    const head = headOf(root)
    const r = await glix(['add', 'github:owner/tool', '--host', 'laptop', '--no-lock', '--dir', root])
    const message = expectOneLineError(r, 'add', 1)
    expect(message, message).to.match(pattern)
    expect(diffExact(before, await snapshotExact(root)), 'nothing changed').to.deep.equal([])
    expect(headOf(root)).to.equal(head)
  }

  it('refuses during a merge with flake.nix unmerged, naming the merge', async () => {
    makeConflictingBranch()
    gitMayFail(root, 'merge', 'other')
    expect(git(root, 'ls-files', '-u')).to.include('flake.nix')
    await expectRefusedUnchanged(/^a merge is in progress .*\(MERGE_HEAD exists\): finish it with `git commit` or abandon it with `git merge --abort`/)
  })

  it('refuses an unmerged flake.nix even when no operation is in progress (a conflicted stash pop)', async () => {
    makeConflictingBranch()
    const flake = readText(root, 'flake.nix')
    execFileSync('sh', ['-c', `printf '# stashed\\n%s' "$1" > flake.nix`, 'sh', flake.replace('# ours\n', '')], {cwd: root})
    git(root, 'stash', '-q')
    git(root, 'checkout', '-q', 'other')
    gitMayFail(root, 'stash', 'pop')
    expect(existsSync(path.join(root, '.git', 'MERGE_HEAD'))).to.equal(false)
    expect(git(root, 'ls-files', '-u')).to.include('flake.nix')
    await expectRefusedUnchanged(/^flake\.nix is unmerged/)
  })

  it('refuses during a rebase, a cherry-pick, a revert and a bisect, naming each', async () => {
    makeConflictingBranch()
    gitMayFail(root, 'rebase', 'other')
    await expectRefusedUnchanged(/^a rebase is in progress .*git rebase --abort/)
    git(root, 'rebase', '--abort')

    gitMayFail(root, 'cherry-pick', 'other')
    await expectRefusedUnchanged(/^a cherry-pick is in progress .*git cherry-pick --abort/)
    git(root, 'cherry-pick', '--abort')

    // Reverting an older change to notes.txt conflicts with a newer one.
    await writeFile(path.join(root, 'notes.txt'), 'one\n')
    git(root, 'add', 'notes.txt')
    git(root, 'commit', '-q', '-m', 'notes one')
    await writeFile(path.join(root, 'notes.txt'), 'two\n')
    git(root, 'commit', '-q', '-am', 'notes two')
    gitMayFail(root, 'revert', '--no-edit', 'HEAD~1')
    await expectRefusedUnchanged(/^a revert is in progress .*git revert --abort/)
    git(root, 'revert', '--abort')

    git(root, 'bisect', 'start')
    await expectRefusedUnchanged(/^a bisect is in progress .*git bisect reset/)
    git(root, 'bisect', 'reset')
  })

  it('refuses while `git am` stopped on a patch', async () => {
    await writeFile(path.join(tmp, 'bad.patch'), 'From: x <x@y>\nSubject: [PATCH] bad\n\n---\n nothing | 1 +\n\ndiff --git a/nothing b/nothing\n--- a/nothing\n+++ b/nothing\n@@ -1 +1 @@\n-a\n+b\n')
    gitMayFail(root, 'am', path.join(tmp, 'bad.patch'))
    await expectRefusedUnchanged(/^`git am` is in progress/)
  })

  it('refuses when index.lock exists before it starts, naming the file', async () => {
    const lock = path.join(root, '.git', 'index.lock')
    await writeFile(lock, '')
    const escaped = lock.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&')
    await expectRefusedUnchanged(new RegExp(`^${escaped} exists: another git process is using this repository, or one crashed; if no git process is running, remove ${escaped}`))
    await rm(lock)
    await glixOk(['add', 'github:owner/tool', '--host', 'laptop', '--no-lock', '--dir', root])
  })

  it('index.lock appearing while staging for nix: rolled back, git names the file', async () => {
    env.set('GLIX_TEST_GIT_AT', 'update-index')
    env.set('GLIX_TEST_GIT_HOOK', ': > "$(git rev-parse --git-dir)/index.lock"')
    const before = await snapshotExact(root)
    const r = await glix(['add', 'github:owner/tool', '--host', 'laptop', '--dir', root])
    const message = expectOneLineError(r, 'add', 1)
    expect(message, message).to.match(/^git update-index failed: Unable to create '.*\/\.git\/index\.lock': File exists\..*; rolled back$/)
    await rm(path.join(root, '.git', 'index.lock'))
    expect(diffExact(before, await snapshotExact(root))).to.deep.equal([])
  })

  it('index.lock appearing after the commit landed: the commit stands, nothing is restored, the fix is named', async () => {
    const head = headOf(root)
    // The wrapper takes index.lock just before glix's final `git update-index` (after update-ref).
    env.set('GLIX_TEST_GIT_AT', 'update-index')
    env.set('GLIX_TEST_GIT_HOOK', ': > "$(git rev-parse --git-dir)/index.lock"')
    const r = await glix(['add', 'github:owner/tool', '--host', 'laptop', '--no-lock', '--dir', root])
    const message = expectOneLineError(r, 'add', 1)
    expect(message).to.match(/^committed [0-9a-f]{12} \(glix add laptop: tool .*\), but git could not update the index: .*index\.lock.*; the change stands — once no other git is running, run `git reset --quiet -- (\S+ )*hosts\/laptop\/glix\.toml(\s\S+)*`$/)
    expect(message).to.not.match(/rolled back/)
    expect(git(root, 'rev-parse', 'HEAD~1').trim(), 'HEAD moved by one commit').to.equal(head)
    expect(subjectOf(root)).to.equal('glix add laptop: tool (github:owner/tool, system, via uri)')
    expect(readText(root, 'hosts/laptop/glix.toml'), 'the work tree keeps the change').to.include('[packages.tool]')
    expect(existsSync(path.join(root, '.git', 'glix', 'journal.json')), 'no journal to "recover" from').to.equal(false)

    // Doing what it says leaves a clean tree.
    await rm(path.join(root, '.git', 'index.lock'))
    env.set('GLIX_TEST_GIT_AT', undefined)
    const command = /run `git (reset --quiet -- .*)`$/.exec(message)![1].split(' ')
    git(root, ...command)
    expect(git(root, 'status', '--porcelain')).to.equal('')
    const list = await glixOk(['list', '--host', 'laptop', '--dir', root])
    expect(list.stderr).to.equal('')
  })

  it('works in a linked git worktree (where .git is a file)', async () => {
    const linked = path.join(tmp, 'linked')
    git(root, 'worktree', 'add', '-q', '-b', 'feature', linked)
    const r = await glixOk(['add', 'github:owner/tool', '--host', 'laptop', '--no-lock', '--dir', linked])
    expect(r.stdout).to.include('added tool')
    expect(subjectOf(linked)).to.equal('glix add laptop: tool (github:owner/tool, system, via uri)')
    expect(git(root, 'log', '-1', '--format=%s', 'feature').trim()).to.equal(subjectOf(linked))
    expect(subjectOf(root), 'the main work tree is untouched').to.not.include('tool')
    expect(git(linked, 'status', '--porcelain')).to.equal('')
    const gitDir = git(linked, 'rev-parse', '--absolute-git-dir').trim()
    expect(existsSync(path.join(gitDir, 'glix', 'lock')), "glix's state lives in the worktree's git dir").to.equal(true)
    expect(existsSync(path.join(linked, '.git', 'glix')), 'not under the .git file').to.equal(false)
    expect((await glixOk(['list', '--host', 'laptop', '--dir', linked])).stdout).to.include('tool')
  })
})
