/**
 * Git, as glix uses it: init, status, index bookkeeping, and commits of
 * exactly the contents a mutation produced.
 *
 * Invariants: a glix commit is built from HEAD's tree plus the given
 * paths in a temporary index (commitContents), so neither what the user
 * staged nor their unstaged edits are swept into it; every path argument
 * is literal (no pathspec magic); when no identity is configured, commits
 * are made with a fallback identity and the caller is told so.
 */
import {existsSync} from 'node:fs'
import {realpath, rm} from 'node:fs/promises'
import {join} from 'node:path'

import {runProcess} from '../process.js'

/** The identity glix commits with when git has none configured. */
export const FALLBACK_IDENTITY = {email: 'glix@localhost', name: 'glix'}

function git(root: string, args: string[], allowFailure = false, input?: Buffer | string) {
  // Paths are file names, never pathspec magic (a file named ":(glob)*" is just that).
  return runProcess('git', ['--literal-pathspecs', ...args], {allowFailure, cwd: root, input})
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

/** The index entries of `paths`, as `git ls-files --stage -z` prints them. */
export async function readIndexEntries(root: string, paths: string[]): Promise<string> {
  if (paths.length === 0) return ''
  return (await git(root, ['ls-files', '--stage', '-z', '--', ...paths])).stdout
}

/** Puts the index entries of `paths` back to what {@link readIndexEntries} saw. */
export async function restoreIndexEntries(root: string, paths: string[], saved: string): Promise<void> {
  if (paths.length === 0) return
  await git(root, ['update-index', '--force-remove', '--', ...paths], true)
  const entries = saved.split('\0').filter((e) => e !== '')
  if (entries.length > 0) await git(root, ['update-index', '-z', '--index-info'], false, entries.join('\0') + '\0')
}

/** The result of {@link commitContents}. */
export interface CommitResult {
  /** The new commit, or undefined when the contents equal HEAD's. */
  commit?: string
  /** True when a fallback identity was used. */
  fallbackIdentity: boolean
}

const ZERO = '0000000000000000000000000000000000000000'

async function identityEnv(root: string): Promise<{env: NodeJS.ProcessEnv; fallback: boolean}> {
  const [name, email] = await Promise.all([
    git(root, ['config', 'user.name'], true).then((r) => r.stdout.trim()),
    git(root, ['config', 'user.email'], true).then((r) => r.stdout.trim()),
  ])
  const env: NodeJS.ProcessEnv = {...process.env}
  let fallback = false
  for (const role of ['AUTHOR', 'COMMITTER']) {
    if (!env[`GIT_${role}_NAME`] && !name) {
      env[`GIT_${role}_NAME`] = FALLBACK_IDENTITY.name
      fallback = true
    }

    if (!env[`GIT_${role}_EMAIL`] && !email) {
      env[`GIT_${role}_EMAIL`] = FALLBACK_IDENTITY.email
      fallback = true
    }
  }

  return {env, fallback}
}

/**
 * Commits exactly `files` (path → new bytes, or undefined for a deletion)
 * on top of HEAD, with `message`. The commit is built in a temporary index
 * from HEAD's tree, so nothing else — neither what the user staged nor
 * their unstaged edits — goes into it; afterwards the real index entries
 * of these paths point at the committed blobs, and the work tree is not
 * touched (a file glix committed differently from the work tree shows as
 * an unstaged change).
 */
export async function commitContents(root: string, files: Map<string, Buffer | undefined>, message: string): Promise<CommitResult> {
  const head = await headCommit(root)
  const paths = [...files.keys()]
  const modes = new Map<string, string>()
  if (head && paths.length > 0) {
    for (const line of (await git(root, ['ls-tree', '-z', 'HEAD', '--', ...paths])).stdout.split('\0')) {
      const match = /^(\d+) blob [0-9a-f]+\t(.*)$/s.exec(line)
      if (match) modes.set(match[2], match[1])
    }
  }

  const info: string[] = []
  for (const [path, content] of files) {
    if (content === undefined) {
      info.push(`0 ${ZERO}\t${path}`)
    } else {
      const sha = (await git(root, ['hash-object', '-w', '--stdin'], false, content)).stdout.trim()
      info.push(`${modes.get(path) ?? '100644'} ${sha}\t${path}`)
    }
  }

  const indexInfo = info.join('\0') + '\0'
  const tmpIndex = join(root, '.git', 'glix', `index.${process.pid}`)
  const tmp = {...process.env, GIT_INDEX_FILE: tmpIndex}
  try {
    await runProcess('git', head ? ['read-tree', head] : ['read-tree', '--empty'], {cwd: root, env: tmp})
    await runProcess('git', ['update-index', '-z', '--index-info'], {cwd: root, env: tmp, input: indexInfo})
    const tree = (await runProcess('git', ['write-tree'], {cwd: root, env: tmp})).stdout.trim()
    if (head && tree === (await git(root, ['rev-parse', `${head}^{tree}`])).stdout.trim()) return {fallbackIdentity: false}
    const {env, fallback} = await identityEnv(root)
    const commit = (
      await runProcess('git', ['commit-tree', tree, ...(head ? ['-p', head] : []), '-F', '-'], {cwd: root, env, input: message + '\n'})
    ).stdout.trim()
    await git(root, ['update-ref', '-m', `glix: ${message.split('\n')[0]}`, 'HEAD', commit, head ?? ''])
    await git(root, ['update-index', '-z', '--index-info'], false, indexInfo)
    return {commit, fallbackIdentity: fallback}
  } finally {
    await rm(tmpIndex, {force: true})
  }
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

/**
 * The bytes of each of `paths` at `rev` (undefined where it does not exist
 * there or is not a file), read by one `git cat-file --batch` instead of
 * one process per path: a commit that touches flake.nix reads every host's
 * manifest at HEAD.
 */
export async function readManyAtRevision(root: string, rev: string, paths: string[]): Promise<Map<string, Buffer | undefined>> {
  const result = new Map<string, Buffer | undefined>()
  if (paths.length === 0) return result
  // The batch protocol is line-based; a path with a newline (never a host manifest) is read on its own.
  if (paths.some((p) => p.includes('\n'))) {
    for (const path of paths) result.set(path, await readAtRevision(root, rev, path))
    return result
  }

  const {stdoutBytes: out} = await git(root, ['cat-file', '--batch'], false, paths.map((p) => `${rev}:${p}\n`).join(''))
  let at = 0
  for (const path of paths) {
    const eol = out.indexOf(0x0a, at)
    const header = out.toString('utf8', at, eol)
    at = eol + 1
    // "<sha> <type> <size>", or "<name> missing" / "<name> ambiguous" without content.
    const match = /^[0-9a-f]+ (\w+) (\d+)$/.exec(header)
    if (!match) {
      result.set(path, undefined)
      continue
    }

    const size = Number(match[2])
    result.set(path, match[1] === 'blob' ? out.subarray(at, at + size) : undefined)
    at += size + 1
  }

  return result
}

/** The names of the entries of directory `dir` at `rev` (empty when absent). */
export async function listTreeNames(root: string, rev: string, dir: string): Promise<string[]> {
  const result = await git(root, ['ls-tree', '-z', '--name-only', `${rev}:${dir}`], true)
  return result.code === 0 ? result.stdout.split('\0').filter((n) => n !== '') : []
}

/** Resets the index entries of `paths` to HEAD's. */
export async function resetIndexToHead(root: string, paths: string[]): Promise<void> {
  if (paths.length > 0) await git(root, ['reset', '--quiet', '--', ...paths], true)
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
