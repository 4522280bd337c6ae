/**
 * Git, as glix uses it: init, status, and commits of exactly the files a
 * mutation changed.
 *
 * Invariants: only the paths handed to {@link commitPaths} are staged and
 * committed (`git commit --only`), so unrelated work in the user's tree is
 * never swept into a glix commit; when no identity is configured, commits
 * are made with a fallback identity and the caller is told so.
 */
import {existsSync} from 'node:fs'
import {realpath} from 'node:fs/promises'
import {join} from 'node:path'

import {runProcess} from '../process.js'

/** The identity glix commits with when git has none configured. */
export const FALLBACK_IDENTITY = {email: 'glix@localhost', name: 'glix'}

function git(root: string, args: string[], allowFailure = false) {
  // Paths are file names, never pathspec magic (a file named ":(glob)*" is just that).
  return runProcess('git', ['--literal-pathspecs', ...args], {allowFailure, cwd: root})
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

/** Whether git can name an author and a committer for a commit in `root`. */
export async function hasIdentity(root: string): Promise<boolean> {
  const [name, email] = await Promise.all([
    git(root, ['config', 'user.name'], true).then((r) => r.stdout.trim()),
    git(root, ['config', 'user.email'], true).then((r) => r.stdout.trim()),
  ])
  const {env} = process
  const complete = (n?: string, e?: string) => Boolean((n || name) && (e || email))
  return complete(env.GIT_AUTHOR_NAME, env.GIT_AUTHOR_EMAIL) && complete(env.GIT_COMMITTER_NAME, env.GIT_COMMITTER_EMAIL)
}

/**
 * Stages `paths` (additions, changes and deletions) and returns the paths
 * a commit can take: a deleted path counts when git knows it (index or
 * HEAD); one git never tracked is skipped.
 */
export async function stagePaths(root: string, paths: string[]): Promise<string[]> {
  const present = paths.filter((p) => existsSync(join(root, p)))
  const missing = paths.filter((p) => !existsSync(join(root, p)))
  const list = async (args: string[]) => (await git(root, [...args, '--', ...missing], true)).stdout.split('\0').filter((p) => p !== '')
  const inIndex = missing.length === 0 ? [] : await list(['ls-files', '-z'])
  const inHead = missing.length === 0 || !(await headCommit(root)) ? [] : await list(['ls-tree', '-r', '--name-only', '-z', 'HEAD'])
  const toAdd = [...present, ...inIndex]
  if (toAdd.length > 0) await git(root, ['add', '--all', '--', ...toAdd])
  return [...present, ...new Set([...inIndex, ...inHead])]
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
  /** The new commit, or undefined when none of the paths had anything to commit. */
  commit?: string
  /** True when the fallback identity was used. */
  fallbackIdentity: boolean
}

/**
 * Commits exactly `paths` with `message`: stages them, then commits with
 * `--only` so nothing else in the index goes into the commit.
 */
export async function commitPaths(root: string, paths: string[], message: string): Promise<CommitResult> {
  const staged = await stagePaths(root, paths)
  if (staged.length === 0) return {fallbackIdentity: false}
  const fallbackIdentity = !(await hasIdentity(root))
  const identity = fallbackIdentity
    ? ['-c', `user.name=${FALLBACK_IDENTITY.name}`, '-c', `user.email=${FALLBACK_IDENTITY.email}`]
    : []
  await git(root, [...identity, 'commit', '--quiet', '--only', '-m', message, '--', ...staged])
  return {commit: await headCommit(root), fallbackIdentity}
}

/** `git status --porcelain` lines of tracked files only (untracked files do not count). */
export async function trackedChanges(root: string): Promise<string[]> {
  const result = await git(root, ['status', '--porcelain', '--untracked-files=no'])
  return result.stdout.split('\n').filter((line) => line !== '')
}

/** The hash of `rev`, or undefined when it does not exist. */
export async function resolveRevision(root: string, rev: string): Promise<string | undefined> {
  const result = await git(root, ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], true)
  return result.code === 0 ? result.stdout.trim() : undefined
}

/** The paths a commit changed relative to its first parent. */
export async function changedInCommit(root: string, rev: string): Promise<string[]> {
  const result = await git(root, ['diff-tree', '--no-commit-id', '--name-only', '-r', '-z', `${rev}^`, rev])
  return result.stdout.split('\0').filter((p) => p !== '')
}

/** The bytes of `path` at `rev`, or undefined when it does not exist there. */
export async function readAtRevision(root: string, rev: string, path: string): Promise<Buffer | undefined> {
  const result = await git(root, ['cat-file', 'blob', `${rev}:${path}`], true)
  return result.code === 0 ? result.stdoutBytes : undefined
}
