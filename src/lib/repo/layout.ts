/**
 * Where git keeps the state of a work tree, and which git operation (if
 * any) is in progress there.
 *
 * Invariants: the git directory is what git itself says
 * (`git rev-parse --absolute-git-dir --git-common-dir --git-path …`), so a
 * linked `git worktree` (where `.git` is a file) and `$GIT_DIR`/
 * `$GIT_INDEX_FILE` work; only when `.git` is a plain directory and no such
 * variable is set — the case where git's answer is `<root>/.git` by
 * definition — is it derived without starting git, so read commands stay
 * process-free. glix's own state lives in `<git dir>/glix/` (per work
 * tree), which must be a real directory, never a link.
 */
import {lstatSync, mkdirSync, realpathSync} from 'node:fs'
import {join, resolve} from 'node:path'

import {GlixError} from '../errors.js'
import {runProcessSync} from '../process.js'
import {pathExists} from './fs.js'

/** The git operations that leave state behind while they wait for the user, with the way out of each. */
const OPERATIONS = [
  {file: 'MERGE_HEAD', what: 'a merge', way: 'finish it with `git commit` or abandon it with `git merge --abort`'},
  {file: 'rebase-merge', what: 'a rebase', way: 'finish it with `git rebase --continue` or abandon it with `git rebase --abort`'},
  {file: 'rebase-apply', what: 'a rebase or `git am`', way: 'finish it with `--continue` or abandon it with `--abort`'},
  {file: 'CHERRY_PICK_HEAD', what: 'a cherry-pick', way: 'finish it with `git cherry-pick --continue` or abandon it with `git cherry-pick --abort`'},
  {file: 'REVERT_HEAD', what: 'a revert', way: 'finish it with `git revert --continue` or abandon it with `git revert --abort`'},
  {file: 'BISECT_LOG', what: 'a bisect', way: 'end it with `git bisect reset`'},
] as const

/** The git files glix looks at, by name (`index`, `MERGE_HEAD`, …) → absolute path. */
type GitPaths = Record<'index' | (typeof OPERATIONS)[number]['file'], string>

/** Where git keeps the state of the work tree at `root`. */
export interface GitLayout {
  /** The top level of the work tree. */
  root: string
  /** This work tree's git directory (`.git`, or `.git/worktrees/<name>` in a linked worktree). */
  gitDir: string
  /** The repository's common directory (objects, refs). */
  commonDir: string
  /** glix's state (journal, lock, fingerprint): `<gitDir>/glix`. */
  stateDir: string
  /** git's own files, as `git rev-parse --git-path` names them. */
  paths: GitPaths
}

const GIT_ENV = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR', 'GIT_INDEX_FILE']

function isPlainDir(path: string): boolean {
  try {
    const stat = lstatSync(path)
    return stat.isDirectory()
  } catch {
    return false
  }
}

function layoutOf(root: string, gitDir: string, commonDir: string, paths: GitPaths): GitLayout {
  return {commonDir, gitDir, paths, root, stateDir: join(gitDir, 'glix')}
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b)
  } catch {
    return false
  }
}

/**
 * The git layout of the work tree whose top level is `root`, or undefined
 * when `root` is not the top level of a git work tree.
 */
export function locateGit(root: string): GitLayout | undefined {
  const dotGit = join(root, '.git')
  const plainGit = GIT_ENV.every((name) => !process.env[name])
  // The top level of a work tree always has a .git (a directory, or a file in a linked worktree).
  if (plainGit && !pathExists(dotGit)) return undefined
  if (plainGit && isPlainDir(dotGit)) {
    const paths = Object.fromEntries(['index', ...OPERATIONS.map((o) => o.file)].map((name) => [name, join(dotGit, name)])) as GitPaths
    return layoutOf(root, dotGit, dotGit, paths)
  }

  const names = ['index', ...OPERATIONS.map((o) => o.file)]
  const out = runProcessSync(
    'git',
    ['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-common-dir', ...names.flatMap((name) => ['--git-path', name])],
    {cwd: root},
  )
  const lines = out?.split('\n') ?? []
  if (lines.length < 3 + names.length || !samePath(lines[0], root)) return undefined
  const paths = Object.fromEntries(names.map((name, i) => [name, resolve(root, lines[3 + i])])) as GitPaths
  return layoutOf(root, lines[1], resolve(root, lines[2]), paths)
}

/** The git layout of `root`; throws NO_GIT when `root` is not the top level of a git work tree. */
export function requireGit(root: string): GitLayout {
  const layout = locateGit(root)
  if (!layout) throw new GlixError(`${root} is not a git repository: run \`git init\` there first`, {code: 'NO_GIT'})
  return layout
}

/** Creates glix's state directory if needed; refuses a link or a non-directory in its place. */
export function ensureStateDir(layout: GitLayout): string {
  try {
    mkdirSync(layout.stateDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    const stat = lstatSync(layout.stateDir)
    if (!stat.isDirectory()) {
      throw new GlixError(`${layout.stateDir} is not a directory${stat.isSymbolicLink() ? ' (a symbolic link)' : ''}: glix keeps its journal and lock there; remove it`, {
        code: 'BAD_STATE_DIR',
      })
    }
  }

  return layout.stateDir
}

/** The path of git's index lock (`<index>.lock`). */
export function indexLockPath(layout: GitLayout): string {
  return `${layout.paths.index}.lock`
}


/** The git operation waiting for the user in this work tree, if any: what it is, its file and the way out. */
export function gitOperation(layout: GitLayout): {what: string; file: string; way: string} | undefined {
  for (const operation of OPERATIONS) {
    if (!pathExists(layout.paths[operation.file])) continue
    const am = operation.file === 'rebase-apply' && pathExists(join(layout.paths['rebase-apply'], 'applying'))
    return {file: operation.file, way: operation.way, what: am ? '`git am`' : operation.what}
  }

  return undefined
}

/**
 * Throws when git is in the middle of a merge, rebase, `git am`,
 * cherry-pick, revert or bisect in this work tree: glix would commit
 * over it. The error says which operation and how to end it.
 */
export function assertNoGitOperation(layout: GitLayout): void {
  const operation = gitOperation(layout)
  if (!operation) return
  throw new GlixError(`${operation.what} is in progress in ${layout.root} (${operation.file} exists): ${operation.way}, then run glix again`, {
    code: 'GIT_BUSY',
  })
}
