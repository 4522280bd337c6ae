/**
 * Whose repository this is: glix works only in repositories owned by the
 * user running it, with git's own escape hatch (issue 15: a repo is shared
 * input, and one planted under /tmp must not be adopted).
 *
 * Invariants: the rule is git's — the work tree's top level and its `.git`
 * must be owned (lstat) by the effective uid, or, for root running under
 * sudo, by `$SUDO_UID` — and the exceptions are git's `safe.directory`
 * entries from the system, global and command-line configuration (never
 * the repository's own), including `*` and an empty value that clears the
 * list. The check runs before anything is read from the repository.
 */
import {lstatSync, realpathSync} from 'node:fs'
import {join} from 'node:path'

import {GlixError} from '../errors.js'
import {runProcessSync, shellQuote} from '../process.js'

/** The uid a repository must belong to (git's rule), or undefined where there are no uids. */
function expectedOwner(env: NodeJS.ProcessEnv): number | undefined {
  const euid = process.geteuid?.()
  if (euid === undefined) return undefined
  if (euid === 0 && env.SUDO_UID && /^\d+$/.test(env.SUDO_UID)) return Number(env.SUDO_UID)
  return euid
}

function ownerOf(path: string): number | undefined {
  try {
    return lstatSync(path).uid
  } catch {
    return undefined
  }
}

function real(path: string): string {
  try {
    return realpathSync(path)
  } catch {
    return path
  }
}

/** git's `safe.directory` values from system, global and command-line configuration, in order. */
function safeDirectories(env: NodeJS.ProcessEnv): string[] {
  const clean = {...env}
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_COMMON_DIR']) delete clean[name]
  // From /, so no repository's own configuration is read (git ignores it for this key too).
  const out = runProcessSync('git', ['config', '--show-scope', '--get-all', 'safe.directory'], {cwd: '/', env: clean}) ?? ''
  const values: string[] = []
  for (const line of out.split('\n')) {
    const tab = line.indexOf('\t')
    if (tab < 0 || !['command', 'global', 'system'].includes(line.slice(0, tab))) continue
    values.push(line.slice(tab + 1))
  }

  return values
}

/** True when git's safe.directory list lets `dir` through. */
export function isSafeDirectory(dir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  let safe = false
  const target = real(dir)
  for (const value of safeDirectories(env)) {
    if (value === '') safe = false
    else if (value === '*') safe = true
    else if (value.endsWith('/*')) safe ||= (target + '/').startsWith(real(value.slice(0, -2)).replace(/\/?$/, '/'))
    else safe ||= real(value.replace(/\/+$/, '') || '/') === target
  }

  return safe
}


/**
 * Throws DUBIOUS_OWNERSHIP, in git's words, unless the repository at
 * `root` belongs to the current user or is listed in `safe.directory`.
 */
export function assertOwnedRepo(root: string, env: NodeJS.ProcessEnv = process.env): void {
  const expected = expectedOwner(env)
  if (expected === undefined) return
  const foreign = [root, join(root, '.git')].map((path) => ({owner: ownerOf(path), path})).find(({owner}) => owner !== undefined && owner !== expected)
  if (!foreign || isSafeDirectory(root, env)) return
  throw new GlixError(
    `detected dubious ownership in repository at '${root}' ('${foreign.path}' is owned by uid ${foreign.owner}, but the current user is uid ${expected}); glix, like git, refuses to work in another user's repository`,
    {code: 'DUBIOUS_OWNERSHIP', suggestions: [`to add an exception for this directory, call: git config --global --add safe.directory ${shellQuote(root)}`]},
  )
}
