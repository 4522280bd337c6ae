/**
 * File-system primitives for everything glix reads or writes under a repo
 * root.
 *
 * Invariants:
 * - No symbolic link is followed under the root: every path is checked one
 *   component at a time from the root with lstat ({@link resolveInside}),
 *   and the file itself is opened with O_NOFOLLOW. A link anywhere in the
 *   path is refused with one error naming it, before anything is written.
 *   (The root itself may be a link: it is the user's choice of place.)
 * - A file glix writes is either its old bytes or its new bytes, never a
 *   mix: content goes to a temporary file in the same directory (created
 *   with O_EXCL), is flushed, then renamed over the target, keeping the
 *   target's permission bits.
 * - A file's state is captured and restored exactly: a regular file with
 *   its bytes and mode, a symbolic link with its target (never the bytes of
 *   what it points to), or absence ({@link captureEntry}, {@link restoreEntry}).
 */
import {randomBytes} from 'node:crypto'
import {type BigIntStats, constants, lstatSync, type Stats} from 'node:fs'
import {lstat, mkdir, open, readlink, rename, rm, symlink, unlink} from 'node:fs/promises'
import {basename, dirname, isAbsolute, join, normalize, sep} from 'node:path'

import {GlixError} from '../errors.js'
import {forget, noteRead, noteWritten, recall} from './known.js'

/** The state of one path: a regular file, a symbolic link, or nothing. */
export type Entry = {type: 'file'; mode: number; data: Buffer} | {type: 'symlink'; target: string}

/** The refusal of a link at `at` (a repo-relative path; `rel`, the path glix wanted, is at or under it). */
function linkError(_rel: string, at: string): GlixError {
  return new GlixError(`${at} is a symbolic link; glix never follows links inside the repository: replace it with the real file or directory`, {
    code: 'SYMLINK',
  })
}

function lstatIfExists(path: string): Stats | undefined {
  try {
    return lstatSync(path)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw error
  }
}

/** True when something (a file, a directory, a link, even a dangling one) is at `path`; never follows a link. */
export function pathExists(path: string): boolean {
  return lstatIfExists(path) !== undefined
}

/** Throws unless `rel` is a plain relative path that stays under the root. */
export function assertRelative(rel: string): string {
  const clean = normalize(rel)
  if (rel === '' || isAbsolute(rel) || clean === '.' || clean === '..' || clean.startsWith(`..${sep}`) || clean !== rel.replace(/\/+$/, '')) {
    throw new GlixError(`refusing to touch ${JSON.stringify(rel)}: not a plain path inside the repository`, {code: 'OUTSIDE_REPO'})
  }

  return clean
}

/**
 * Returns `root/rel` after checking, one component at a time with lstat,
 * that no component under `root` is a symbolic link and that every parent
 * is a directory. Components that do not exist yet are fine (glix creates
 * them). With `leaf: 'any'` the last component may be a link (a file glix
 * deletes without following it).
 */
export function resolveInside(root: string, rel: string, options: {leaf?: 'any' | 'nofollow'} = {}): string {
  const parts = assertRelative(rel).split(sep)
  let path = root
  for (const [i, part] of parts.entries()) {
    path = join(path, part)
    const stat = lstatIfExists(path)
    if (!stat) return join(root, ...parts)
    const last = i === parts.length - 1
    if (stat.isSymbolicLink() && !(last && options.leaf === 'any')) throw linkError(rel, parts.slice(0, i + 1).join('/'))
    if (!last && !stat.isDirectory()) {
      throw new GlixError(`${parts.slice(0, i + 1).join('/')} is not a directory (in ${rel})`, {code: 'NOT_A_DIRECTORY'})
    }
  }

  return path
}

/** Throws (naming the first offender) when any of `rels` has a symbolic link in its path. */
export function assertNoLinks(root: string, rels: readonly string[]): void {
  for (const rel of rels) resolveInside(root, rel)
}

/**
 * Reads `root/rel` without following links, or returns undefined when it
 * does not exist. Anything other than a regular file (a link, a
 * directory, a device) is refused.
 */
export async function readInside(root: string, rel: string): Promise<Buffer | undefined> {
  const path = resolveInside(root, rel)
  const entry = await captureFile(path, rel)
  if (entry?.type === 'symlink') throw linkError(rel, rel)
  return entry?.data
}

async function captureFile(path: string, rel: string): Promise<Entry | undefined> {
  let stat: BigIntStats
  try {
    stat = await lstat(path, {bigint: true})
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined
    throw error
  }

  if (stat.isSymbolicLink()) return {target: await readlink(path), type: 'symlink'}
  if (!stat.isFile()) throw new GlixError(`${rel} is not a regular file`, {code: 'NOT_A_FILE'})
  // Read or written already by this command, and unchanged since: not opened again.
  const remembered = recall(path, stat)
  if (remembered) return {data: remembered.data, mode: remembered.mode, type: 'file'}
  // O_NOFOLLOW: a link swapped in since the lstat fails here instead of being read through.
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  try {
    const readAt = Date.now()
    const opened = await handle.stat({bigint: true})
    if (!opened.isFile()) throw new GlixError(`${rel} is not a regular file`, {code: 'NOT_A_FILE'})
    const data = await handle.readFile()
    noteRead(path, opened, data, readAt)
    return {data, mode: Number(opened.mode & 0o7777n), type: 'file'}
  } finally {
    await handle.close()
  }
}

/**
 * The state of `root/rel` (a file with bytes and mode, a link with its
 * target) or undefined when absent. Parents must not be links; the path
 * itself may be one (it is recorded as a link, never read through).
 */
export async function captureEntry(root: string, rel: string): Promise<Entry | undefined> {
  return captureFile(resolveInside(root, rel, {leaf: 'any'}), rel)
}

/** True when `a` and `b` describe the same state (both absent, or same type, mode and content). */
export function sameEntry(a: Entry | undefined, b: Entry | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  if (a.type === 'symlink') return b.type === 'symlink' && a.target === b.target
  return b.type === 'file' && a.mode === b.mode && a.data.equals(b.data)
}

/**
 * Creates the directories of `rel` under `root` that do not exist yet, one
 * component at a time, refusing links. Returns the ones it created
 * (relative, outermost first).
 */
export async function mkdirInside(root: string, rel: string): Promise<string[]> {
  resolveInside(root, rel)
  const created: string[] = []
  let path = root
  const parts = assertRelative(rel).split(sep)
  for (const [i, part] of parts.entries()) {
    path = join(path, part)
    try {
      await mkdir(path)
      created.push(parts.slice(0, i + 1).join('/'))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      const stat = await lstat(path)
      if (stat.isSymbolicLink()) throw linkError(rel, parts.slice(0, i + 1).join('/'))
      if (!stat.isDirectory()) throw new GlixError(`${parts.slice(0, i + 1).join('/')} is not a directory`, {code: 'NOT_A_DIRECTORY'})
    }
  }

  return created
}

/** Writes `root/rel` atomically, creating missing parent directories; links anywhere are refused. */
export async function writeInside(root: string, rel: string, data: Buffer | string, mode?: number): Promise<void> {
  const path = resolveInside(root, rel)
  const parent = dirname(assertRelative(rel))
  if (parent !== '.') await mkdirInside(root, parent)
  await writeFileAtomic(path, data, mode)
}

/** Removes `root/rel` (a file or a link, never followed) when it exists. */
export async function removeInside(root: string, rel: string): Promise<boolean> {
  const path = resolveInside(root, rel, {leaf: 'any'})
  try {
    await unlink(path)
    forget(path)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return false
    throw error
  }
}

/**
 * Puts `root/rel` back to `entry` exactly: a file with its bytes and
 * mode, a link with its target, or nothing. Returns false when it already
 * was so.
 */
export async function restoreEntry(root: string, rel: string, entry: Entry | undefined): Promise<boolean> {
  const path = resolveInside(root, rel, {leaf: 'any'})
  if (sameEntry(await captureFile(path, rel), entry)) return false
  if (entry === undefined) {
    await rm(path, {force: true})
    forget(path)
    return true
  }

  const parent = dirname(rel)
  if (parent !== '.') await mkdirInside(root, parent)
  if (entry.type === 'symlink') {
    const tmp = tempName(path)
    await symlink(entry.target, tmp)
    await rename(tmp, path)
  } else {
    await writeFileAtomic(path, entry.data, entry.mode)
  }

  return true
}

function tempName(file: string): string {
  return join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
}

/**
 * Writes `data` to `file` atomically (temp file + fsync + rename). The
 * file keeps its permission bits unless `mode` is given; a new file gets
 * `mode` or 0666 less the umask. A symbolic link or anything else that is
 * not a regular file at `file` is refused, never replaced or followed.
 */
export async function writeFileAtomic(file: string, data: Buffer | string, mode?: number): Promise<void> {
  const existing = lstatIfExists(file)
  if (existing && !existing.isFile()) {
    throw existing.isSymbolicLink()
      ? new GlixError(`${file} is a symbolic link; glix never writes through links: replace it with the real file`, {code: 'SYMLINK'})
      : new GlixError(`${file} is not a regular file`, {code: 'NOT_A_FILE'})
  }

  const bytes = typeof data === 'string' ? Buffer.from(data) : data
  const tmp = tempName(file)
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode ?? 0o666)
  let written: BigIntStats
  try {
    await handle.writeFile(bytes)
    const keep = mode ?? (existing ? existing.mode & 0o7777 : undefined)
    if (keep !== undefined) await handle.chmod(keep)
    await handle.sync()
    written = await handle.stat({bigint: true})
  } catch (error) {
    await handle.close()
    await rm(tmp, {force: true})
    throw error
  }

  await handle.close()
  try {
    await rename(tmp, file)
  } catch (error) {
    await rm(tmp, {force: true})
    throw error
  }

  noteWritten(file, written.ino, bytes, Number(written.mode & 0o7777n))
}

/** Reads `file` without following a link at it, or returns undefined when it does not exist. */
export async function readIfExists(file: string): Promise<Buffer | undefined> {
  const entry = await captureFile(file, file)
  if (entry?.type === 'symlink') throw linkError(file, file)
  return entry?.data
}
