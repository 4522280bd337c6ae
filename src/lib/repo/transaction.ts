/**
 * The mutation transaction (spec §4): every command that changes the repo
 * runs inside {@link runTransaction}.
 *
 * 1. the repository lock (lock.ts: a kernel flock, released when its holder
 *    dies, never judged by age), so glix processes run one after another;
 * 2. refusals before anything is written: a leftover `index.lock`, a git
 *    merge/rebase/cherry-pick/revert/bisect in progress, an unmerged path,
 *    a symbolic link anywhere in a path glix touches;
 * 3. the journal (journal.ts), written before the first change, holding
 *    every path the mutation may change (bytes, mode, or link target);
 * 4. the mutation writes its files, then `afterWrite` (the
 *    `manifest:written` hook) regenerates flake.nix;
 * 5. `nix flake lock` runs only when the inputs of the flake.nix to be
 *    committed differ from HEAD's, or flake.lock is missing — and it locks
 *    exactly that flake.nix (see {@link committedContents});
 * 6. exactly the changed paths are committed on HEAD (commit.ts), HEAD
 *    moving by compare-and-set;
 * 7. the index entries of those paths are set to the commit's, the journal
 *    is removed and the lock released.
 *
 * Invariants: on any failure or interrupting signal (SIGINT, SIGTERM,
 * SIGHUP) before HEAD moved, every journaled path is restored exactly,
 * directories the mutation created are removed, and the index entries it
 * staged are put back; the error ends in `; rolled back`. Once HEAD moved,
 * the change is done: nothing is restored, and a failure to update the
 * index is reported with the command that finishes it. A process killed
 * mid-way leaves the journal behind; the next glix command finishes or
 * restores from it ({@link recoverInterrupted}). If the lock file is taken
 * away mid-way, glix stops without committing and without restoring (the
 * journal stays for the next command).
 */
import {rmdirSync} from 'node:fs'
import {join} from 'node:path'

import {describeError, GlixError, InterruptedError} from '../errors.js'
import {readRegion} from '../flake/patcher.js'
import {renderFlake, saveFingerprint} from '../flake/regenerate.js'
import {parseCommittedManifest} from '../manifest/read.js'
import {isValidName} from '../names.js'
import {deferSignals, identifyProcess, shellQuote, type SignalScope} from '../process.js'
import {type CommittedFile, commitTree, type ObjectReader, openObjectReader, parseTree, updateHead, writeTree} from './commit.js'
import {assertRelative, captureEntry, pathExists, readInside, resolveInside, restoreEntry, sameEntry, writeInside} from './fs.js'
import {headCommit, isInHistory, firstSubjectAfter, readIndexEntries, resetIndexToHead, restoreIndexEntries, setIndexEntries, stagePaths} from './git.js'
import {
  clearGitChild,
  fromJournalEntry,
  indexLockError,
  inspectIndexLock,
  type Journal,
  journalPath,
  readJournal,
  recordGitChild,
  removeJournal,
  removeStaleIndexLock,
  toJournalEntry,
  writeJournal,
} from './journal.js'
import {assertNoLinkedRepoPaths} from './fingerprint.js'
import {assertNoGitOperation, ensureStateDir, type GitLayout, requireGit} from './layout.js'
import {lockRepo, type RepoLock} from './lock.js'

/** What the mutation reports back to the transaction. */
export interface MutationOutcome {
  /** The commit subject, e.g. `glix add laptop: firefox (…)`. */
  message: string
}

/** What the mutation sees when it runs (under the lock). */
export interface MutationContext {
  /** HEAD as the transaction read it under the lock (undefined without commits). */
  head?: string
}

/** How a transaction runs. */
export interface TransactionOptions {
  root: string
  /** The command name, recorded in the journal. */
  command: string
  /** Files (relative to root) the mutation may write or delete besides flake.nix and flake.lock; no link may be in their paths. */
  files: string[]
  /** Files the mutation deletes; the file itself may be a link (deleted, never followed), its parents may not. */
  remove?: string[]
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

/** HEAD as read under the lock. */
interface Head {
  commit: string
  tree: string
}

/** How long a commit waits for another git's `index.lock` to go before it reports how to finish. */
const INDEX_RETRY_MS = 3000
/** How long recovery waits for glix's own orphaned git to finish with the index. */
const ORPHAN_WAIT_MS = 15_000

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))



/** Records the git process that may write the index while `run` runs it. */
async function trackingIndexWriter<T>(layout: GitLayout, journal: Journal, run: (onSpawn: (pid: number) => void) => Promise<T>): Promise<T> {
  try {
    return await run((pid) => recordGitChild(layout, pid, journal.startedAt))
  } finally {
    clearGitChild(layout)
  }
}

/** Restores every journaled path and the index entries glix staged; returns how many paths changed. */
async function restore(layout: GitLayout, journal: Journal): Promise<number> {
  let restored = 0
  for (const [rel, entry] of Object.entries(journal.files)) {
    if (await restoreEntry(layout.root, rel, fromJournalEntry(entry))) restored++
  }

  for (const dir of [...journal.dirs].reverse()) {
    try {
      rmdirSync(resolveInside(layout.root, dir))
    } catch {
      // Not empty (the user put something there) or already gone: keep it.
    }
  }

  // Only when the entries differ: a staging that failed (another git held index.lock) changed nothing to undo.
  const paths = Object.keys(journal.files)
  if (journal.index !== undefined && (await readIndexEntries(layout.root, paths)) !== journal.index) {
    const {index} = journal
    await trackingIndexWriter(layout, journal, (onSpawn) => restoreIndexEntries(layout.root, paths, index, onSpawn))
  }

  return restored
}

/** True when the commit the journal names (or, from an older glix, its subject) is in HEAD's history. */
async function commitLanded(root: string, journal: Journal): Promise<boolean> {
  if (journal.commit) return (await headCommit(root)) === journal.commit || isInHistory(root, journal.commit)
  if (journal.message) return (await firstSubjectAfter(root, journal.head)) === journal.message.split('\n')[0]
  return false
}

/**
 * Finishes or restores a transaction a dead glix left behind; the caller
 * holds the lock. Returns the notices of what it did.
 */
async function recoverLocked(layout: GitLayout): Promise<string[]> {
  const journal = readJournal(layout)
  if (!journal) {
    clearGitChild(layout)
    return []
  }

  const notices: string[] = []
  let lock = inspectIndexLock(layout, journal)
  for (const until = Date.now() + ORPHAN_WAIT_MS; lock?.state === 'running' && Date.now() < until; ) {
    // glix died, its git lives on: let it finish with the index.
    await sleep(100)
    lock = inspectIndexLock(layout, journal)
  }

  if (lock?.state === 'stale') notices.push(removeStaleIndexLock(layout, lock, journal))
  else if (lock) throw indexLockError(lock)

  const paths = Object.keys(journal.files)
  if (await commitLanded(layout.root, journal)) {
    // The process died after its commit landed: the files are the commit's; only the index may lag.
    await trackingIndexWriter(layout, journal, (onSpawn) => resetIndexToHead(layout.root, paths, onSpawn))
    removeJournal(layout)
    notices.push(`finished an interrupted \`glix ${journal.command}\` (pid ${journal.owner.pid}): its commit had landed; cleaned up`)
    return notices
  }

  const restored = await restore(layout, journal)
  removeJournal(layout)
  notices.push(`recovered an interrupted \`glix ${journal.command}\` (pid ${journal.owner.pid}, started ${journal.startedAt}): restored ${restored} file(s)`)
  return notices
}

/**
 * Restores the files of a transaction interrupted by a crash, if any.
 * Returns one line per thing it repaired (empty when there was nothing).
 */
export async function recoverInterrupted(root: string, onWait?: (message: string) => void): Promise<string[]> {
  const layout = requireGit(root)
  if (!pathExists(journalPath(layout))) return []
  ensureStateDir(layout)
  // The journal may be a live transaction's: then this waits for it to finish, and finds nothing to do.
  const lock = await lockRepo(layout.stateDir, {command: 'recover', onWait})
  try {
    return await recoverLocked(layout)
  } finally {
    lock.release()
  }
}

/** Takes the lock of the repo at `root` for work outside a transaction (regenerating stale regions). */
export async function lockRepoAt(root: string, command: string, onWait?: (message: string) => void): Promise<RepoLock> {
  const layout = requireGit(root)
  ensureStateDir(layout)
  return lockRepo(layout.stateDir, {command, onWait})
}

/** Runs `mutate` as one transaction; see the module header. */
export async function runTransaction(
  options: TransactionOptions,
  mutate: (context: MutationContext) => Promise<MutationOutcome>,
): Promise<TransactionResult> {
  const layout = requireGit(options.root)
  const plan = planPaths(options)
  checkLinks(layout.root, plan)
  ensureStateDir(layout)
  return deferSignals(async (signals) => {
    let lock: RepoLock
    try {
      lock = await lockRepo(layout.stateDir, {command: options.command, onWait: options.notice})
    } catch (error) {
      signals.check()
      throw error
    }

    try {
      signals.check()
      return await runLocked(layout, options, plan, signals, lock, mutate)
    } finally {
      lock.release()
    }
  })
}

interface PathPlan {
  /** Every journaled path: flake.nix, flake.lock, the files, the removals. */
  all: string[]
  written: string[]
  removed: string[]
  dirs: string[]
}

function planPaths(options: TransactionOptions): PathPlan {
  const written = [...new Set(['flake.nix', 'flake.lock', ...options.files].map(assertRelative))]
  const removed = [...new Set((options.remove ?? []).map(assertRelative))].filter((rel) => !written.includes(rel))
  return {all: [...written, ...removed], dirs: (options.dirs ?? []).map(assertRelative), removed, written}
}

function checkLinks(root: string, plan: PathPlan): void {
  for (const rel of [...plan.written, ...plan.dirs]) resolveInside(root, rel)
  for (const rel of plan.removed) resolveInside(root, rel, {leaf: 'any'})
}

const MANIFEST_PATH = /^hosts\/([^/]+)\/glix\.toml$/

async function runLocked(
  layout: GitLayout,
  options: TransactionOptions,
  plan: PathPlan,
  signals: SignalScope,
  lock: RepoLock,
  mutate: (context: MutationContext) => Promise<MutationOutcome>,
): Promise<TransactionResult> {
  const {root} = layout
  for (const notice of await recoverLocked(layout)) options.notice(notice)
  const leftover = inspectIndexLock(layout, undefined)
  if (leftover) throw indexLockError(leftover)
  assertNoGitOperation(layout)
  checkLinks(root, plan)
  // What regeneration reads (every host's manifest) must not be read through a link either.
  assertNoLinkedRepoPaths(root)

  const reader = openObjectReader(root)
  let journal: Journal | undefined
  let landed = false
  /** The work tree's flake.nix while the one to be committed stands in for `nix flake lock`. */
  let workTreeFlake: Buffer | undefined
  try {
    const head = await readHeadAndAssertMerged(reader, plan.all)
    const files: Journal['files'] = {}
    for (const rel of plan.all) files[rel] = toJournalEntry(await captureEntry(root, rel))
    journal = {
      command: options.command,
      dirs: plan.dirs.filter((dir) => !pathExists(join(root, dir))),
      files,
      head: head?.commit,
      owner: identifyProcess(),
      startedAt: new Date().toISOString(),
      version: 2,
    }
    await writeJournal(layout, journal)

    signals.check()
    const {message} = await mutate({head: head?.commit})
    signals.check()
    await options.afterWrite()
    signals.check()

    const changed = await changedPaths(root, journal)
    if (changed.size === 0) return finish(layout, {changed: [], locked: false, lockSkipped: false})
    const {files: committed, headFlake} = await committedContents(root, changed, reader, head, options.editFlake)
    await reader.close()
    signals.check()

    const flake = committed.get('flake.nix')
    const lockMissing = !pathExists(join(root, 'flake.lock'))
    const needLock = lockMissing || (flake !== undefined && (headFlake === undefined || inputsOf(flake.data) !== inputsOf(headFlake)))
    let locked = false
    if (needLock && !options.noLock) {
      // Lock the flake.nix that will be committed, not regions rendered from other hosts' uncommitted edits.
      const current = await readInside(root, 'flake.nix')
      if (flake && current && !flake.data.equals(current)) {
        workTreeFlake = current
        await writeInside(root, 'flake.nix', flake.data)
      }

      // Nix sees only what git tracks: stage the paths (saving their index entries first, for a rollback).
      journal = {...journal, index: await readIndexEntries(root, plan.all)}
      await writeJournal(layout, journal)
      const staged = [...new Set([...changed.keys(), 'flake.lock'])]
      await trackingIndexWriter(layout, journal, (onSpawn) => stagePaths(root, staged, onSpawn))
      signals.check()
      await options.lockFlake(root)
      signals.check()
      locked = true
      const lockEntry = await captureEntry(root, 'flake.lock')
      if (!sameEntry(lockEntry, fromJournalEntry(journal.files['flake.lock']))) committed.set('flake.lock', committedFile(lockEntry, 'flake.lock'))
    }

    const result = {changed: [...committed.keys()].sort(), locked, lockSkipped: needLock && Boolean(options.noLock)}
    signals.check()
    lock.assertHeld()
    const tree = await writeTree(root, head?.commit, committed)
    if (head && tree.tree === head.tree) {
      await putBackWorkTreeFlake(root, workTreeFlake)
      return finish(layout, {...result, changed: []})
    }

    const made = await commitTree(root, tree.tree, head?.commit, message)
    if (made.fallbackIdentity) {
      options.notice('git has no user.name/user.email: committed as "glix <glix@localhost>" (set them with `git config`)')
    }

    // From here a crash may leave the commit landed: say which one to look for.
    journal = {...journal, commit: made.commit, message}
    await writeJournal(layout, journal)
    lock.assertHeld()
    await updateHead(root, made.commit, head?.commit, message.split('\n')[0])
    landed = true

    const indexError = await updateIndexAfterCommit(layout, journal, tree.entries, made.commit, message)
    await putBackWorkTreeFlake(root, workTreeFlake)
    finish(layout, result)
    if (indexError) throw indexError
    if (signals.signal) {
      throw new InterruptedError(signals.signal, `interrupted by ${signals.signal} after committing ${made.commit.slice(0, 12)}: the change is committed`)
    }

    return {...result, commit: made.commit}
  } catch (error) {
    if (!journal && signals.signal) throw new InterruptedError(signals.signal)
    if (!journal || landed) throw error
    if (error instanceof GlixError && error.code === 'LOCK_LOST') throw error
    // HEAD may have moved even though update-ref failed to report it (killed mid-way): then the change stands.
    if (journal.commit && (await commitLanded(root, journal).catch(() => false))) {
      await trackingIndexWriter(layout, journal, (onSpawn) => resetIndexToHead(root, Object.keys(journal!.files), onSpawn)).catch(() => {})
      await putBackWorkTreeFlake(root, workTreeFlake).catch(() => {})
      removeJournal(layout)
      throw error
    }

    throw await rollBack(layout, journal, error, signals, lock)
  } finally {
    await reader.close().catch(() => {})
  }
}

/** Reads HEAD and refuses when any of `paths` is unmerged in the index (one cat-file round). */
async function readHeadAndAssertMerged(reader: ObjectReader, paths: string[]): Promise<Head | undefined> {
  const stages = [1, 2, 3]
  const [head, ...entries] = await reader.read(['HEAD', ...paths.flatMap((path) => stages.map((stage) => `:${stage}:${path}`))])
  const unmerged = paths.filter((_, i) => entries.slice(i * stages.length, (i + 1) * stages.length).some(Boolean))
  if (unmerged.length > 0) {
    throw new GlixError(
      `${unmerged.join(', ')} ${unmerged.length === 1 ? 'is' : 'are'} unmerged (a conflict git is waiting for you to resolve): resolve it and \`git add\` or \`git commit\` it, then run glix again`,
      {code: 'UNMERGED'},
    )
  }

  if (head?.type !== 'commit') return undefined
  const tree = /^tree ([0-9a-f]+)$/m.exec(head.data.toString('utf8'))
  return {commit: head.oid, tree: tree![1]}
}

/** Restores after a failure before HEAD moved; returns the error to throw. */
async function rollBack(layout: GitLayout, journal: Journal, error: unknown, signals: SignalScope, lock: RepoLock): Promise<Error> {
  try {
    lock.assertHeld()
  } catch (lost) {
    return lost as Error
  }

  try {
    await restore(layout, journal)
    removeJournal(layout)
  } catch (restoreError) {
    return new GlixError(
      `${describeError(error)}; rollback failed too (${describeError(restoreError)}): the journal ${journalPath(layout)} still holds the old files, and the next glix command restores them`,
      {cause: error},
    )
  }

  if (signals.signal) return new InterruptedError(signals.signal, `interrupted by ${signals.signal}; rolled back`)
  if (error instanceof GlixError) {
    return new GlixError(`${error.message}; rolled back`, {cause: error, code: error.code, exit: error.exit, suggestions: error.suggestions})
  }

  return new GlixError(`${describeError(error)}; rolled back`, {cause: error})
}

function finish(layout: GitLayout, result: TransactionResult): TransactionResult {
  removeJournal(layout)
  saveFingerprint(layout.root)
  return result
}

async function putBackWorkTreeFlake(root: string, flake: Buffer | undefined): Promise<void> {
  if (flake) await writeInside(root, 'flake.nix', flake)
}

/**
 * Points the index entries of the committed paths at the commit's blobs.
 * Another git holding `index.lock` gets a moment to finish; after that the
 * returned error says what to run (the commit stands either way).
 */
async function updateIndexAfterCommit(
  layout: GitLayout,
  journal: Journal,
  entries: Map<string, {mode: string; oid: string} | undefined>,
  commit: string,
  message: string,
): Promise<GlixError | undefined> {
  const until = Date.now() + INDEX_RETRY_MS
  for (;;) {
    try {
      await trackingIndexWriter(layout, journal, (onSpawn) => setIndexEntries(layout.root, entries, onSpawn))
      return undefined
    } catch (error) {
      if (Date.now() < until) {
        await sleep(100)
        continue
      }

      const paths = [...entries.keys()].map(shellQuote).join(' ')
      return new GlixError(
        `committed ${commit.slice(0, 12)} (${message.split('\n')[0]}), but git could not update the index: ${describeError(error)}; the change stands — once no other git is running, run \`git reset --quiet -- ${paths}\``,
        {code: 'INDEX_NOT_UPDATED'},
      )
    }
  }
}

/** The journaled paths whose state (type, mode, bytes) differs from the journal's, with that state (read once). */
async function changedPaths(root: string, journal: Journal): Promise<Map<string, Entry>> {
  const changed = new Map<string, Entry>()
  for (const [rel, entry] of Object.entries(journal.files)) {
    const now = await captureEntry(root, rel)
    if (!sameEntry(now, fromJournalEntry(entry))) changed.set(rel, now)
  }

  return changed
}

/** A path's state as captureEntry reads it (undefined: absent). */
type Entry = Awaited<ReturnType<typeof captureEntry>>

function committedFile(entry: Entry, rel: string): CommittedFile | undefined {
  if (entry === undefined) return undefined
  if (entry.type === 'symlink') throw new GlixError(`${rel} became a symbolic link during the transaction; glix never commits links it did not write`, {code: 'SYMLINK'})
  return {data: entry.data, mode: entry.mode & 0o111 ? '100755' : '100644'}
}

function inputsOf(flake: Buffer): string | undefined {
  try {
    return readRegion(flake.toString('utf8'), 'inputs').join('\n')
  } catch {
    return undefined
  }
}

/**
 * The content to commit for each changed path, as glix wrote it (bytes and
 * mode from the work tree; deletions as undefined), except flake.nix: its
 * managed regions are rendered from the manifests *as committed* (HEAD's,
 * plus the ones this transaction changed) onto HEAD's flake.nix, so a hand
 * edit elsewhere in the work tree — to flake.nix outside the regions, or
 * another host's manifest — is never swept into the commit, and HEAD stays
 * consistent. An `editFlake` of the transaction is applied to HEAD's
 * flake.nix first. Also returns HEAD's flake.nix (when flake.nix changed).
 */
async function committedContents(
  root: string,
  changed: Map<string, Entry>,
  reader: ObjectReader,
  head: Head | undefined,
  editFlake?: (text: string) => string,
): Promise<{files: Map<string, CommittedFile | undefined>; headFlake?: Buffer}> {
  const files = new Map<string, CommittedFile | undefined>()
  for (const [rel, entry] of changed) files.set(rel, committedFile(entry, rel))
  const flake = files.get('flake.nix')
  if (flake === undefined || !head) return {files}

  const [hostsTree, headFlake] = await reader.read([`${head.commit}:hosts`, `${head.commit}:flake.nix`])
  const hosts = new Set<string>()
  if (hostsTree?.type === 'tree') {
    for (const [name, entry] of parseTree(hostsTree.data, head.commit.length / 2)) {
      if (entry.mode === '40000' && isValidName(name)) hosts.add(name)
    }
  }

  for (const rel of changed.keys()) {
    const match = MANIFEST_PATH.exec(rel)
    if (match) hosts.add(match[1])
  }

  const sorted = [...hosts].sort()
  const unchanged = sorted.filter((host) => !files.has(`hosts/${host}/glix.toml`))
  const atHead = new Map((await reader.read(unchanged.map((host) => `${head.commit}:hosts/${host}/glix.toml`))).map((object, i) => [unchanged[i], object]))
  const manifests = []
  for (const host of sorted) {
    const rel = `hosts/${host}/glix.toml`
    const bytes = files.has(rel) ? files.get(rel)?.data : atHead.get(host)?.type === 'blob' ? atHead.get(host)!.data : undefined
    // Usually the very bytes the command parsed from the work tree: that parse is reused.
    if (bytes !== undefined) manifests.push({host, manifest: parseCommittedManifest(bytes, join(root, rel), rel).manifest})
  }

  const base = (headFlake?.type === 'blob' ? headFlake.data : flake.data).toString('utf8')
  files.set('flake.nix', {data: Buffer.from(renderFlake(editFlake ? editFlake(base) : base, manifests)), mode: flake.mode})
  return {files, headFlake: headFlake?.type === 'blob' ? headFlake.data : undefined}
}
