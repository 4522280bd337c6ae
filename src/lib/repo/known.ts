/**
 * The files this process has read or written, so a command opens each file
 * once however many steps need it (issue 12: a mutation read the manifest
 * it edits three times — to plan, to journal it under the lock, and to see
 * what changed after writing it).
 *
 * A file is remembered with its identity: device, inode, size, and
 * modification and change times in nanoseconds. A later step asks with a
 * fresh `lstat`; any other identity means the file changed and is read
 * again. The change time cannot be set from user space, and glix writes by
 * rename (a new inode), so only an in-place rewrite to the same size
 * within one tick of the kernel's clock could keep an identity. That is
 * git's "racy" case, and it is ruled out the way git rules it out: a read
 * is remembered only when the file had not changed for {@link RACY_MS}
 * before it was read. A file glix wrote itself is remembered as written
 * (the inode the rename put in place, checked), since glix holds the repo
 * lock while it writes.
 *
 * Invariants: an entry is only ever served for the same path and the same
 * identity it was stored with; the memory lives as long as the process (one
 * command).
 */
import {type BigIntStats, lstatSync} from 'node:fs'
import {resolve} from 'node:path'

/** A remembered file: its bytes and permission bits. */
export interface KnownFile {
  data: Buffer
  mode: number
}

/** How long a file must have been left alone before a read of it is remembered. */
export const RACY_MS = 50

const known = new Map<string, KnownFile & {identity: string}>()
/** The bytes held; past {@link BUDGET} the oldest entries go (a long-lived process, such as a test run, reads without end). */
let held = 0
const BUDGET = 64 * 1024 * 1024

function store(key: string, entry: KnownFile & {identity: string}): void {
  drop(key)
  known.set(key, entry)
  held += entry.data.length
  for (const [oldest, {data}] of known) {
    if (held <= BUDGET) break
    known.delete(oldest)
    held -= data.length
  }
}

function drop(key: string): void {
  const entry = known.get(key)
  if (!entry) return
  known.delete(key)
  held -= entry.data.length
}

function identityOf(stat: BigIntStats): string {
  return `${stat.dev}:${stat.ino}:${stat.size}:${stat.mtimeNs}:${stat.ctimeNs}`
}

/** `lstat` with nanosecond times, or undefined when `path` does not exist. */
export function lstatNs(path: string): BigIntStats | undefined {
  return lstatSync(path, {bigint: true, throwIfNoEntry: false})
}

/** What was read from or written to `path`, when `stat` (a fresh lstat of it) shows the same regular file. */
export function recall(path: string, stat: BigIntStats | undefined): KnownFile | undefined {
  if (!stat?.isFile()) return undefined
  const entry = known.get(resolve(path))
  return entry && entry.identity === identityOf(stat) ? entry : undefined
}

/** The identity `path` was remembered with, if it is remembered. */
export function knownIdentity(path: string): string | undefined {
  return knownContent(path)?.identity
}

/** The bytes `path` was remembered with and their identity, whatever the file holds now (for comparing content, not for reading the file). */
export function knownContent(path: string): {data: Buffer; identity: string} | undefined {
  return known.get(resolve(path))
}

/** The identity of `path` now (lstat), as {@link knownIdentity} spells it. */
export function currentIdentity(path: string): string | undefined {
  const stat = lstatNs(path)
  return stat?.isFile() ? identityOf(stat) : undefined
}

/**
 * Remembers `data`, read from `path` after `stat` was taken of the open
 * file at `readAt` (ms since the epoch) — unless the file changed within
 * {@link RACY_MS} of that, when a further change could keep its identity.
 */
export function noteRead(path: string, stat: BigIntStats, data: Buffer, readAt: number): void {
  const key = resolve(path)
  if (stat.ctimeNs >= BigInt(readAt - RACY_MS) * 1_000_000n) drop(key)
  else store(key, {data, identity: identityOf(stat), mode: Number(stat.mode & 0o7777n)})
}

/** Remembers that glix just put `data` at `path` as inode `ino` (the one it wrote and renamed into place). */
export function noteWritten(path: string, ino: bigint, data: Buffer, mode: number): void {
  const key = resolve(path)
  const stat = lstatNs(path)
  if (stat?.isFile() && stat.ino === ino) store(key, {data, identity: identityOf(stat), mode})
  else drop(key)
}

/** Forgets `path` (it was removed or replaced by something glix did not write). */
export function forget(path: string): void {
  drop(resolve(path))
}
