/**
 * The journal of a running mutation (`<git dir>/glix/journal.json`) and
 * what a crash can leave behind besides it: a stale `index.lock` of a git
 * process glix started.
 *
 * Invariants:
 * - The journal is written (atomically, flushed) before the first change
 *   and holds every path the mutation may change as it was: a file with
 *   its bytes and mode, a link with its target, or absence; restoring puts
 *   back exactly that.
 * - Only a missing journal means "no interrupted transaction". A journal
 *   that cannot be read or understood stops the command with an error
 *   naming the file and what to do; it is never ignored.
 * - While a git process glix started may write the index, its identity
 *   (pid, boot id, start time) is recorded in `<git dir>/glix/git-child`,
 *   so a leftover `index.lock` is removed only when its writer is known to
 *   be glix's own git and known to be dead. Any other `index.lock` is
 *   reported, naming the file, and left alone.
 * - Commands and `glix doctor` describe these states in the same words
 *   ({@link describeInterrupted}).
 */
import {readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {GlixError} from '../errors.js'
import {identifyProcess, isProcessAlive, type ProcessIdentity} from '../process.js'
import {type Entry, pathExists, writeFileAtomic} from './fs.js'
import {ensureStateDir, type GitLayout, indexLockPath, locateGit} from './layout.js'

/** A journaled path as it was: a file (base64 bytes, mode), a link, or null for absent. */
export type JournalEntry = {type: 'file'; mode: number; data: string} | {type: 'symlink'; target: string} | null

/** The journal on disk. */
export interface Journal {
  version: 2
  command: string
  /** The glix process running the mutation. */
  owner: ProcessIdentity
  startedAt: string
  /** HEAD before the transaction. */
  head?: string
  /** The commit made, written just before HEAD is moved to it: recovery keeps it when it landed. */
  commit?: string
  /** The commit subject (with `commit`). */
  message?: string
  /** The index entries of the paths (`git ls-files --stage -z`), saved before glix staged them; absent when it did not. */
  index?: string
  /** Relative path → its state before the mutation. */
  files: Record<string, JournalEntry>
  /** Directories (relative) created by the mutation, outermost first. */
  dirs: string[]
}

/** The journal's path. */
export function journalPath(layout: GitLayout): string {
  return join(layout.stateDir, 'journal.json')
}

/** A journal entry for `entry` as captured from the work tree. */
export function toJournalEntry(entry: Entry | undefined): JournalEntry {
  if (entry === undefined) return null
  return entry.type === 'symlink' ? entry : {data: entry.data.toString('base64'), mode: entry.mode, type: 'file'}
}

/** The work-tree state a journal entry stands for. */
export function fromJournalEntry(entry: JournalEntry): Entry | undefined {
  if (entry === null) return undefined
  return entry.type === 'symlink' ? entry : {data: Buffer.from(entry.data, 'base64'), mode: entry.mode, type: 'file'}
}

function badJournal(path: string, why: string): GlixError {
  return new GlixError(
    `the journal of an interrupted glix transaction, ${path}, cannot be used (${why}); nothing was changed: compare the files it names with \`git status\`/\`git diff\`, restore them by hand, then delete it`,
    {code: 'BAD_JOURNAL'},
  )
}

/** Reads a journal written by this or an older glix (whose entries were bare base64 strings). */
function normaliseJournal(path: string, raw: unknown): Journal {
  const data = raw as Partial<Journal> & {pid?: number; files?: Record<string, unknown>}
  if (typeof data !== 'object' || data === null || typeof data.command !== 'string' || typeof data.files !== 'object' || data.files === null) {
    throw badJournal(path, 'not a glix journal')
  }

  const files: Record<string, JournalEntry> = {}
  for (const [rel, value] of Object.entries(data.files)) {
    if (value === null) files[rel] = null
    else if (typeof value === 'string') files[rel] = {data: value, mode: 0o644, type: 'file'}
    else if (typeof value === 'object' && ((value as {type?: string}).type === 'file' || (value as {type?: string}).type === 'symlink')) {
      files[rel] = value as JournalEntry
    } else throw badJournal(path, `bad entry for ${JSON.stringify(rel)}`)
  }

  const owner = data.owner ?? {pid: typeof data.pid === 'number' ? data.pid : 0}
  return {
    command: data.command,
    commit: data.commit,
    dirs: Array.isArray(data.dirs) ? data.dirs : [],
    files,
    head: data.head,
    index: data.index,
    message: data.message,
    owner,
    startedAt: typeof data.startedAt === 'string' ? data.startedAt : '?',
    version: 2,
  }
}

/** The journal left in `layout`, or undefined when there is none; throws BAD_JOURNAL when it cannot be used. */
export function readJournal(layout: GitLayout): Journal | undefined {
  const path = journalPath(layout)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw badJournal(path, (error as Error).message)
  }

  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw badJournal(path, `not valid JSON: ${(error as Error).message}`)
  }

  return normaliseJournal(path, raw)
}

/** Writes the journal (atomically, flushed to disk). */
export async function writeJournal(layout: GitLayout, journal: Journal): Promise<void> {
  ensureStateDir(layout)
  await writeFileAtomic(journalPath(layout), JSON.stringify(journal))
}

/** Removes the journal (and any leftover git-child record). */
export function removeJournal(layout: GitLayout): void {
  rmSync(journalPath(layout), {force: true})
  clearGitChild(layout)
}

// ---------------------------------------------------------------------------
// git processes that may hold index.lock

function gitChildPath(layout: GitLayout): string {
  return join(layout.stateDir, 'git-child')
}

/**
 * Records that git process `pid`, started by glix for the transaction
 * started at `startedAt`, may be writing the index. Not flushed: it only
 * needs to outlive glix's process, not the machine (a reboot ends git too).
 */
export function recordGitChild(layout: GitLayout, pid: number, startedAt: string): void {
  writeFileSync(gitChildPath(layout), JSON.stringify({...identifyProcess(pid), startedAt}))
}

/** Forgets the recorded git process. */
export function clearGitChild(layout: GitLayout): void {
  rmSync(gitChildPath(layout), {force: true})
}

function readGitChild(layout: GitLayout): (ProcessIdentity & {startedAt?: string}) | undefined {
  try {
    const child = JSON.parse(readFileSync(gitChildPath(layout), 'utf8')) as ProcessIdentity & {startedAt?: string}
    return typeof child.pid === 'number' ? child : undefined
  } catch {
    return undefined
  }
}

/** What is known about a leftover `index.lock`. */
export interface IndexLockState {
  path: string
  /** stale: left by glix's own git, now dead; running: glix's git is still at it; foreign: anything else. */
  state: 'foreign' | 'running' | 'stale'
  pid?: number
}


/**
 * The state of `index.lock` in `layout`, or undefined when there is none.
 * It counts as glix's own only when the interrupted transaction in
 * `journal` recorded the git process that took it.
 */
export function inspectIndexLock(layout: GitLayout, journal: Journal | undefined): IndexLockState | undefined {
  const path = indexLockPath(layout)
  if (!pathExists(path)) return undefined
  const child = readGitChild(layout)
  if (!journal || !child || child.startedAt !== journal.startedAt) return {path, state: 'foreign'}
  return {path, pid: child.pid, state: isProcessAlive(child) ? 'running' : 'stale'}
}

/** The message for an `index.lock` glix may not remove. */
export function indexLockError(lock: IndexLockState): GlixError {
  const who = lock.state === 'running' ? `glix's git (pid ${lock.pid}) is still writing it` : 'another git process is using this repository, or one crashed'
  return new GlixError(`${lock.path} exists: ${who}; if no git process is running, remove ${lock.path} and run glix again`, {
    code: 'INDEX_LOCKED',
  })
}

/** The notice after removing a stale `index.lock` of glix's own dead git. */
export function staleIndexLockNotice(lock: IndexLockState, journal: Journal): string {
  return `removed ${lock.path}, left behind by glix's git (pid ${lock.pid}), which died with the interrupted \`glix ${journal.command}\``
}

/** Removes a stale `index.lock` of glix's own dead git; returns the notice. */
export function removeStaleIndexLock(layout: GitLayout, lock: IndexLockState, journal: Journal): string {
  rmSync(lock.path, {force: true})
  clearGitChild(layout)
  return staleIndexLockNotice(lock, journal)
}

/** One line of {@link describeInterrupted}. */
export interface InterruptedCheck {
  name: string
  status: 'FAIL' | 'OK'
  message: string
}

/**
 * What an interrupted glix left in the repo at `root`, in the words the
 * commands use, for `glix doctor`: the journal (or that it cannot be
 * read) and git's `index.lock`. Read-only.
 */
export function describeInterrupted(root: string): InterruptedCheck[] {
  const layout = locateGit(root)
  if (!layout) return []
  let journal: Journal | undefined
  let transaction: InterruptedCheck
  try {
    journal = readJournal(layout)
    transaction = journal
      ? {
          message: `an interrupted \`glix ${journal.command}\` (pid ${journal.owner.pid}, started ${journal.startedAt}) left its journal ${journalPath(layout)}: the next glix command (e.g. \`glix list\`) restores the files it names`,
          name: 'transaction',
          status: 'FAIL',
        }
      : {message: 'no interrupted transaction', name: 'transaction', status: 'OK'}
  } catch (error) {
    transaction = {message: (error as Error).message, name: 'transaction', status: 'FAIL'}
  }

  const lock = inspectIndexLock(layout, journal)
  let index: InterruptedCheck = {message: `no ${indexLockPath(layout)}`, name: 'index.lock', status: 'OK'}
  if (lock?.state === 'stale') {
    index = {message: `${lock.path} was left behind by glix's git (pid ${lock.pid}), which died: the next glix command removes it`, name: 'index.lock', status: 'FAIL'}
  } else if (lock) {
    index = {message: indexLockError(lock).message, name: 'index.lock', status: 'FAIL'}
  }

  return [transaction, index]
}
