/**
 * The mutation transaction (spec §4): every command that changes the repo
 * runs inside {@link runTransaction}.
 *
 * 1. an inter-process lock on the repo (proper-lockfile on
 *    `.git/glix/lock`; a lock left by a dead process goes stale and is
 *    taken over), so concurrent glix processes run one after another;
 * 2. an on-disk journal (`.git/glix/journal.json`) holding the bytes of
 *    every file the mutation may change, written before the first change;
 * 3. the mutation writes its files, then `afterWrite` (the
 *    `manifest:written` hook) regenerates flake.nix;
 * 4. `nix flake lock` runs only when the inputs region changed or
 *    flake.lock is missing;
 * 5. exactly the changed files are committed, with one subject, built on
 *    HEAD in a temporary index (see committedContents);
 * 6. the journal is removed and the lock released.
 *
 * Invariant: on any failure before the commit, every journaled file is
 * restored byte for byte (or removed, if it did not exist), directories
 * the mutation created are removed, and their index entries are reset.
 * A process killed mid-way leaves the journal behind; the next glix
 * command restores from it ({@link recoverInterrupted}).
 */
import {existsSync, mkdirSync} from 'node:fs'
import {readFile, rm, rmdir} from 'node:fs/promises'
import {dirname, join, relative, resolve, sep} from 'node:path'

import {describeError, GlixError} from '../errors.js'
import {readRegion} from '../flake/patcher.js'
import {renderFlake, saveFingerprint} from '../flake/regenerate.js'
import {parseManifest} from '../manifest/read.js'
import {isValidName} from '../names.js'
import {
  commitContents,
  firstSubjectAfter,
  headCommit,
  listTreeNames,
  readManyAtRevision,
  readIndexEntries,
  resetIndexToHead,
  restoreIndexEntries,
  stagePaths,
} from './git.js'
import {readIfExists, writeFileAtomic} from './fs.js'

/** The journal on disk. */
interface Journal {
  command: string
  pid: number
  startedAt: string
  /** HEAD before the transaction; recovery looks for the journaled commit right after it. */
  head?: string
  /** The commit subject, written into the journal just before the commit is made. */
  message?: string
  /** The index entries of the journaled paths (`git ls-files --stage -z`). */
  index: string
  /** Relative path → base64 content before the change, or null when absent. */
  files: Record<string, null | string>
  /** Directories (relative) created by the mutation, deepest last. */
  dirs: string[]
}

/** What the mutation reports back to the transaction. */
export interface MutationOutcome {
  /** The commit subject, e.g. `glix add laptop: firefox (…)`. */
  message: string
}

/** How a transaction runs. */
export interface TransactionOptions {
  root: string
  /** The command name, recorded in the journal. */
  command: string
  /** Files (relative to root) the mutation may change besides flake.nix and flake.lock. */
  files: string[]
  /** Directories (relative to root) the mutation may create. */
  dirs?: string[]
  /** Skip `nix flake lock` (`--no-lock`). */
  noLock?: boolean
  /** Regenerates flake.nix after the mutation wrote its files (the manifest:written hook). */
  afterWrite: () => Promise<void>
  /** Locks the flake (nix flake lock); injectable for tests. */
  lockFlake: (root: string) => Promise<void>
  /** Receives one-line notices for stderr. */
  notice: (message: string) => void
  /**
   * An edit of flake.nix outside the managed regions (`glix doctor --fix`
   * makes one). The commit applies it to HEAD's flake.nix before rendering
   * the regions, so the edit lands and the user's own uncommitted edits of
   * flake.nix still never do.
   */
  editFlake?: (text: string) => string
}

/** What a finished transaction did. */
export interface TransactionResult {
  /** The new commit, or undefined when nothing changed. */
  commit?: string
  /** Relative paths committed. */
  changed: string[]
  /** Whether `nix flake lock` ran. */
  locked: boolean
  /** Whether locking was needed but skipped by --no-lock. */
  lockSkipped: boolean
}

const stateDir = (root: string) => join(root, '.git', 'glix')
const journalPath = (root: string) => join(stateDir(root), 'journal.json')

function assertInside(root: string, path: string): string {
  const rel = relative(root, resolve(root, path))
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) {
    throw new GlixError(`refusing to touch ${path}: outside the repository`, {code: 'OUTSIDE_REPO'})
  }

  return rel
}

/** Takes the repo's inter-process lock; resolves with its release function. */
export async function lockRepo(root: string): Promise<() => Promise<void>> {
  const {default: lockfile} = await import('proper-lockfile')
  mkdirSync(stateDir(root), {recursive: true})
  try {
    return await lockfile.lock(stateDir(root), {
      lockfilePath: join(stateDir(root), 'lock'),
      realpath: false,
      retries: {factor: 1.2, maxTimeout: 250, minTimeout: 25, retries: 2000},
      stale: 10_000,
      update: 2000,
    })
  } catch (error) {
    throw new GlixError(`could not lock ${root}: ${describeError(error)}`, {code: 'LOCKED'})
  }
}

async function restore(root: string, journal: Journal): Promise<number> {
  let restored = 0
  const paths = Object.keys(journal.files)
  for (const [rel, content] of Object.entries(journal.files)) {
    const file = join(root, rel)
    const current = await readIfExists(file)
    if (content === null) {
      if (current !== undefined) {
        await rm(file, {force: true})
        restored++
      }
    } else {
      const bytes = Buffer.from(content, 'base64')
      if (current === undefined || !current.equals(bytes)) {
        mkdirSync(dirname(file), {recursive: true})
        await writeFileAtomic(file, bytes)
        restored++
      }
    }
  }

  for (const dir of [...journal.dirs].reverse()) {
    await rmdir(join(root, dir)).catch(() => {})
  }

  await restoreIndexEntries(root, paths, journal.index)
  return restored
}

/**
 * Restores the files of a transaction interrupted by a crash, if any.
 * Returns a one-line description of what was recovered, or undefined.
 */
export async function recoverInterrupted(root: string): Promise<string | undefined> {
  if (!existsSync(journalPath(root))) return undefined
  const release = await lockRepo(root)
  try {
    return await recoverLocked(root)
  } finally {
    await release()
  }
}

/** Runs `mutate` as one transaction; see the module header. */
export async function runTransaction(
  options: TransactionOptions,
  mutate: () => Promise<MutationOutcome>,
): Promise<TransactionResult> {
  const {root} = options
  if (!existsSync(join(root, '.git', 'HEAD'))) {
    throw new GlixError(`${root} is not a git repository: run \`git init\` there first`, {code: 'NO_GIT'})
  }

  const release = await lockRepo(root)
  let journal: Journal | undefined
  try {
    const recovered = await recoverLocked(root)
    if (recovered) options.notice(recovered)

    const rels = [...new Set(['flake.nix', 'flake.lock', ...options.files].map((f) => assertInside(root, f)))]
    const files: Record<string, null | string> = {}
    for (const rel of rels) {
      const bytes = await readIfExists(join(root, rel))
      files[rel] = bytes === undefined ? null : bytes.toString('base64')
    }

    const dirs = (options.dirs ?? []).map((d) => assertInside(root, d)).filter((d) => !existsSync(join(root, d)))
    const [head, index] = await Promise.all([headCommit(root), readIndexEntries(root, rels)])
    journal = {command: options.command, dirs, files, head, index, pid: process.pid, startedAt: new Date().toISOString()}
    await writeFileAtomic(journalPath(root), JSON.stringify(journal))

    const inputsBefore = await inputsRegion(root)
    const {message} = await mutate()
    await options.afterWrite()

    let changed = await changedFiles(root, files)
    const lockMissing = !existsSync(join(root, 'flake.lock'))
    const needLock = changed.length > 0 && (lockMissing || (await inputsRegion(root)) !== inputsBefore)
    let locked = false
    if (needLock && !options.noLock) {
      // Nix only sees files git tracks: stage the new files first.
      await stagePaths(root, changed)
      await options.lockFlake(root)
      locked = true
      changed = await changedFiles(root, files)
    }

    let commit: string | undefined
    if (changed.length > 0) {
      // From here on a crash may leave a landed commit behind: say which one to look for.
      journal = {...journal, message}
      await writeFileAtomic(journalPath(root), JSON.stringify(journal))
      const result = await commitContents(root, await committedContents(root, changed, options.editFlake), message)
      commit = result.commit
      if (result.fallbackIdentity) {
        options.notice('git has no user.name/user.email: committed as "glix <glix@localhost>" (set them with `git config`)')
      }
    }

    journal = undefined
    await rm(journalPath(root), {force: true})
    saveFingerprint(root)
    return {changed, commit, locked, lockSkipped: needLock && Boolean(options.noLock)}
  } catch (error) {
    if (journal) {
      try {
        await restore(root, journal)
        await rm(journalPath(root), {force: true})
      } catch (restoreError) {
        throw new GlixError(
          `${describeError(error)}; rollback failed too (${describeError(restoreError)}): the journal in .git/glix/journal.json still holds the old files`,
          {cause: error},
        )
      }

      if (error instanceof GlixError) {
        throw new GlixError(`${error.message}; rolled back`, {
          cause: error,
          code: error.code,
          exit: error.exit,
          suggestions: error.suggestions,
        })
      }

      throw new GlixError(`${describeError(error)}; rolled back`, {cause: error})
    }

    throw error
  } finally {
    await release().catch(() => {})
  }
}

/** Restores from a leftover journal; the caller holds the lock. */
async function recoverLocked(root: string): Promise<string | undefined> {
  let journal: Journal
  try {
    journal = JSON.parse(await readFile(journalPath(root), 'utf8')) as Journal
  } catch {
    // Gone: the previous lock holder finished and removed it.
    return undefined
  }

  // The commit landed only if it is the first commit after the journaled HEAD (not just any new HEAD).
  if (journal.message !== undefined && (await firstSubjectAfter(root, journal.head)) === journal.message.split('\n')[0]) {
    // The process died after its commit landed: the files are the commit's; only the index may lag.
    await resetIndexToHead(root, Object.keys(journal.files))
    await rm(journalPath(root), {force: true})
    return `finished an interrupted \`glix ${journal.command}\` (pid ${journal.pid}): its commit had landed; cleaned up`
  }

  const restored = await restore(root, journal)
  await rm(journalPath(root), {force: true})
  return `recovered an interrupted \`glix ${journal.command}\` (pid ${journal.pid}, started ${journal.startedAt}): restored ${restored} file(s)`
}

async function inputsRegion(root: string): Promise<string | undefined> {
  const text = await readIfExists(join(root, 'flake.nix'))
  if (text === undefined) return undefined
  try {
    return readRegion(text.toString('utf8'), 'inputs').join('\n')
  } catch {
    return undefined
  }
}

async function changedFiles(root: string, before: Record<string, null | string>): Promise<string[]> {
  const changed: string[] = []
  for (const [rel, content] of Object.entries(before)) {
    const now = await readIfExists(join(root, rel))
    const same = content === null ? now === undefined : now !== undefined && now.equals(Buffer.from(content, 'base64'))
    if (!same) changed.push(rel)
  }

  return changed
}

const MANIFEST_PATH = /^hosts\/([^/]+)\/glix\.toml$/

/**
 * The bytes to commit for each changed path. Every file is committed as
 * glix left it, except flake.nix: its managed regions are rendered from the
 * manifests *as committed* (HEAD's, plus the ones this transaction
 * changed) onto HEAD's flake.nix, so a hand edit elsewhere in the work tree
 * — to flake.nix outside the regions, or another host's manifest — is
 * never swept into the commit and HEAD stays consistent. An `editFlake` of
 * the transaction is applied to HEAD's flake.nix first.
 */
async function committedContents(
  root: string,
  changed: string[],
  editFlake?: (text: string) => string,
): Promise<Map<string, Buffer | undefined>> {
  const contents = new Map<string, Buffer | undefined>()
  for (const rel of changed) contents.set(rel, await readIfExists(join(root, rel)))
  const flake = contents.get('flake.nix')
  if (flake === undefined || !(await headCommit(root))) return contents

  const hosts = new Set((await listTreeNames(root, 'HEAD', 'hosts')).filter((name) => isValidName(name)))
  for (const rel of changed) {
    const match = MANIFEST_PATH.exec(rel)
    if (match) hosts.add(match[1])
  }

  const sorted = [...hosts].sort()
  // HEAD's flake.nix and the manifests this transaction did not change, in one git process.
  const atHead = await readManyAtRevision(root, 'HEAD', [
    'flake.nix',
    ...sorted.map((host) => `hosts/${host}/glix.toml`).filter((rel) => !contents.has(rel)),
  ])
  const base = atHead.get('flake.nix') ?? flake
  const manifests = []
  for (const host of sorted) {
    const rel = `hosts/${host}/glix.toml`
    const bytes = contents.has(rel) ? contents.get(rel) : atHead.get(rel)
    if (bytes !== undefined) manifests.push({host, manifest: parseManifest(bytes.toString('utf8'), rel).manifest})
  }

  const baseText = base.toString('utf8')
  contents.set('flake.nix', Buffer.from(renderFlake(editFlake ? editFlake(baseText) : baseText, manifests)))
  return contents
}
