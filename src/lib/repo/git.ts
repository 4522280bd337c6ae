/**
 * Git, as glix reads it and keeps its index: init, status, history, and
 * the index entries of the files a transaction touches. Commits are made
 * in commit.ts.
 *
 * Invariants: every path argument is literal (no pathspec magic); index
 * writes take the paths they change and nothing else, and report the pid
 * of the git process that holds `index.lock` (so a crash can be told
 * apart from another git at work).
 */
import {realpath} from 'node:fs/promises'

import {runProcess} from '../process.js'

/** The all-zero object id git uses for "no object". */
export const ZERO_OID = '0000000000000000000000000000000000000000'

function git(root: string, args: string[], allowFailure = false, input?: Buffer | string, onSpawn?: (pid: number) => void) {
  // Paths are file names, never pathspec magic (a file named ":(glob)*" is just that).
  return runProcess('git', ['--literal-pathspecs', ...args], {allowFailure, cwd: root, input, onSpawn})
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

/** `git status --porcelain` lines of tracked files only (untracked files do not count). */
export async function trackedChanges(root: string): Promise<string[]> {
  const result = await git(root, ['status', '--porcelain', '--untracked-files=no'])
  return result.stdout.split('\n').filter((line) => line !== '')
}

/** The index entries of `paths`, as `git ls-files --stage -z` prints them. */
export async function readIndexEntries(root: string, paths: string[]): Promise<string> {
  if (paths.length === 0) return ''
  return (await git(root, ['ls-files', '--stage', '-z', '--', ...paths])).stdout
}

/**
 * Stages `paths` as they are in the work tree — new and changed files
 * added, missing ones removed — so that Nix, which sees only what git
 * tracks, sees them. One `git update-index`.
 */
export async function stagePaths(root: string, paths: string[], onSpawn?: (pid: number) => void): Promise<void> {
  if (paths.length > 0) await git(root, ['update-index', '--add', '--remove', '-z', '--stdin'], false, paths.join('\0') + '\0', onSpawn)
}

/**
 * Puts the index entries of `paths` back to what {@link readIndexEntries}
 * saw (entries it did not list are removed), in one `git update-index`.
 */
export async function restoreIndexEntries(root: string, paths: string[], saved: string, onSpawn?: (pid: number) => void): Promise<void> {
  if (paths.length === 0) return
  const removals = paths.map((path) => `0 ${ZERO_OID}\t${path}`)
  const entries = saved.split('\0').filter((e) => e !== '')
  await git(root, ['update-index', '-z', '--index-info'], false, [...removals, ...entries].join('\0') + '\0', onSpawn)
}

/** Sets the index entries of `entries` (path → mode and object id, or undefined to remove), in one `git update-index`. */
export async function setIndexEntries(
  root: string,
  entries: ReadonlyMap<string, {mode: string; oid: string} | undefined>,
  onSpawn?: (pid: number) => void,
): Promise<void> {
  const info = [...entries].map(([path, entry]) => (entry ? `${entry.mode} ${entry.oid}\t${path}` : `0 ${ZERO_OID}\t${path}`))
  if (info.length > 0) await git(root, ['update-index', '-z', '--index-info'], false, info.join('\0') + '\0', onSpawn)
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

/** Resets the index entries of `paths` to HEAD's. */
export async function resetIndexToHead(root: string, paths: string[], onSpawn?: (pid: number) => void): Promise<void> {
  if (paths.length > 0) await git(root, ['reset', '--quiet', '--', ...paths], true, undefined, onSpawn)
}

/** True when `commit` is HEAD or one of its ancestors. */
export async function isInHistory(root: string, commit: string): Promise<boolean> {
  return (await git(root, ['merge-base', '--is-ancestor', commit, 'HEAD'], true)).code === 0
}

/**
 * The subject of the first commit after `base` on HEAD's first-parent line
 * (of HEAD's root commit when `base` is undefined), or undefined when there
 * is none.
 */
export async function firstSubjectAfter(root: string, base: string | undefined): Promise<string | undefined> {
  const result = await git(root, ['log', '--first-parent', '--reverse', '--format=%s', base ? `${base}..HEAD` : 'HEAD'], true)
  if (result.code !== 0) return undefined
  return result.stdout.split('\n')[0] || undefined
}
