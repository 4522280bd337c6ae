/**
 * Git, as glix uses it: init, status, and commits of exactly the files a
 * mutation changed.
 *
 * Invariants: only the paths handed to {@link commitPaths} are staged and
 * committed (`git commit --only`), so unrelated work in the user's tree is
 * never swept into a glix commit; when no identity is configured, commits
 * are made with a fallback identity and the caller is told so.
 */
import {runProcess} from '../process.js'

/** The identity glix commits with when git has none configured. */
export const FALLBACK_IDENTITY = {email: 'glix@localhost', name: 'glix'}

function git(root: string, args: string[], allowFailure = false) {
  return runProcess('git', args, {allowFailure, cwd: root})
}

/** Creates a git repository at `root` (branch `main`) unless one exists there. */
export async function initRepo(root: string): Promise<boolean> {
  if (await isRepoRoot(root)) return false
  await git(root, ['init', '--quiet', '--initial-branch=main'])
  return true
}

/** True when `root` is the top level of a git work tree. */
export async function isRepoRoot(root: string): Promise<boolean> {
  const result = await git(root, ['rev-parse', '--show-toplevel'], true)
  if (result.code !== 0) return false
  const {realpath} = await import('node:fs/promises')
  return (await realpath(result.stdout.trim())) === (await realpath(root))
}

/** The subject of HEAD, or undefined in a repository without commits. */
export async function headSubject(root: string): Promise<string | undefined> {
  const result = await git(root, ['log', '-1', '--format=%s'], true)
  return result.code === 0 ? result.stdout.trim() : undefined
}

/** The full hash of HEAD, or undefined without commits. */
export async function headCommit(root: string): Promise<string | undefined> {
  const result = await git(root, ['rev-parse', '--verify', '--quiet', 'HEAD'], true)
  return result.code === 0 ? result.stdout.trim() : undefined
}

/** `git status --porcelain` lines (empty when the tree is clean). */
export async function statusLines(root: string): Promise<string[]> {
  const result = await git(root, ['status', '--porcelain', '--untracked-files=normal'])
  return result.stdout.split('\n').filter((line) => line !== '')
}

/** Whether git has a user name and email configured for `root`. */
export async function hasIdentity(root: string): Promise<boolean> {
  if ((process.env.GIT_AUTHOR_NAME && process.env.GIT_AUTHOR_EMAIL) || process.env.GIT_COMMITTER_NAME) {
    const name = process.env.GIT_COMMITTER_NAME ?? process.env.GIT_AUTHOR_NAME
    const email = process.env.GIT_COMMITTER_EMAIL ?? process.env.GIT_AUTHOR_EMAIL
    if (name && email) return true
  }

  const name = await git(root, ['config', 'user.name'], true)
  const email = await git(root, ['config', 'user.email'], true)
  return name.stdout.trim() !== '' && email.stdout.trim() !== ''
}

/** Stages `paths` (additions, changes and deletions) in the index. */
export async function stagePaths(root: string, paths: string[]): Promise<void> {
  if (paths.length === 0) return
  await git(root, ['add', '--all', '--', ...paths])
}

/** Puts the index entries of `paths` back to HEAD (or removes them without a HEAD). */
export async function unstagePaths(root: string, paths: string[]): Promise<void> {
  if (paths.length === 0) return
  if (await headCommit(root)) {
    await git(root, ['reset', '--quiet', '--', ...paths], true)
  } else {
    await git(root, ['rm', '-r', '--cached', '--quiet', '--ignore-unmatch', '--', ...paths], true)
  }
}

/** The result of {@link commitPaths}. */
export interface CommitResult {
  commit: string
  /** True when the fallback identity was used. */
  fallbackIdentity: boolean
}

/**
 * Commits exactly `paths` with `message`: stages them, then commits with
 * `--only` so nothing else in the index goes into the commit.
 */
export async function commitPaths(root: string, paths: string[], message: string): Promise<CommitResult> {
  await stagePaths(root, paths)
  const fallbackIdentity = !(await hasIdentity(root))
  const identity = fallbackIdentity
    ? ['-c', `user.name=${FALLBACK_IDENTITY.name}`, '-c', `user.email=${FALLBACK_IDENTITY.email}`]
    : []
  await git(root, [...identity, 'commit', '--quiet', '--only', '-m', message, '--', ...paths])
  return {commit: (await headCommit(root)) as string, fallbackIdentity}
}
