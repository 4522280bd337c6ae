/**
 * The repository lock: one glix mutation at a time per work tree.
 *
 * Design: an exclusive `flock(2)` on `<git dir>/glix/lock`, held on a file
 * descriptor of the glix process itself. Node has no flock call, so the
 * util-linux `flock` program takes it on glix's descriptor (passed to it
 * as fd 3) and exits; a flock belongs to the open file description, which
 * glix still holds, so the lock stays glix's until glix closes it or dies.
 *
 * Invariants:
 * - The kernel releases the lock when its holder dies, however it dies
 *   (kill -9, power cut): nothing goes stale, nothing is judged by age, and
 *   a stopped (Ctrl-Z, SIGSTOP) or slow holder keeps its lock for as long as
 *   it lives. No process can take the lock from a live holder: `flock`
 *   grants it only once no open description holds it.
 * - The lock file is never deleted by glix (deleting it would let a second
 *   process lock a new file of the same name). If someone else removes or
 *   replaces it, {@link RepoLock.assertHeld} notices and the holder stops
 *   with one clear error instead of committing or rolling back.
 * - The descriptor is close-on-exec: git and nix never inherit the lock.
 */
import {closeSync, constants, fstatSync, ftruncateSync, lstatSync, openSync, readFileSync, writeSync} from 'node:fs'
import {join} from 'node:path'

import {GlixError} from '../errors.js'
import {runProcess} from '../process.js'

/** A held repository lock. */
export interface RepoLock {
  /** The lock file. */
  readonly path: string
  /** Throws LOCK_LOST when the lock file was removed or replaced since it was locked. */
  assertHeld(): void
  /** Releases the lock (idempotent). */
  release(): void
}

/** Options of {@link lockRepo}. */
export interface LockOptions {
  /** The command taking the lock, written into the lock file for whoever waits. */
  command: string
  /** Receives one notice when the lock is busy for more than `noticeAfterMs` (default 1000). */
  onWait?: (message: string) => void
  noticeAfterMs?: number
}

/** The name of the lock file in glix's state directory. */
export const LOCK_FILE = 'lock'

/** Runs `flock` on `fd`; resolves true when locked, false when busy (with `nonBlocking`). */
async function flock(fd: number, nonBlocking: boolean): Promise<boolean> {
  const BUSY = 75
  const args = ['--exclusive', ...(nonBlocking ? ['--nonblock', '--conflict-exit-code', String(BUSY)] : []), '3']
  let result
  try {
    result = await runProcess('flock', args, {allowFailure: true, fd3: fd})
  } catch (error) {
    if (error instanceof GlixError && error.code === 'NOT_FOUND') {
      throw new GlixError('flock (util-linux) not found on PATH: glix locks the repository with it; install util-linux', {code: 'NO_FLOCK'})
    }

    throw error
  }

  if (result.code === 0) return true
  if (result.code === BUSY && nonBlocking) return false
  const why = result.signal ? `killed by ${result.signal}` : result.stderr.trim() || `exit status ${result.code}`
  throw new GlixError(`could not lock the repository: flock failed: ${why}`, {code: 'LOCK_FAILED'})
}

function describeHolder(path: string): string {
  try {
    const holder = JSON.parse(readFileSync(path, 'utf8')) as {command?: string; pid?: number}
    if (typeof holder.pid === 'number') return `\`glix ${holder.command ?? ''}\` (pid ${holder.pid})`
  } catch {
    // Being written, or not written by glix: say less.
  }

  return 'another process'
}

function sameFile(fd: number, path: string): boolean {
  try {
    const held = fstatSync(fd)
    const now = lstatSync(path)
    return now.isFile() && now.ino === held.ino && now.dev === held.dev
  } catch {
    return false
  }
}

/**
 * Takes the lock of the state directory `stateDir` (which must exist),
 * waiting as long as another live process holds it.
 */
export async function lockRepo(stateDir: string, options: LockOptions): Promise<RepoLock> {
  const path = join(stateDir, LOCK_FILE)
  for (;;) {
    let fd: number
    try {
      fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o644)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ELOOP' || code === 'EISDIR') {
        throw new GlixError(`${path} is not a plain file (${code === 'ELOOP' ? 'a symbolic link' : 'a directory'}): remove it; glix locks the repository with it`, {
          code: 'BAD_LOCK',
        })
      }

      throw error
    }

    try {
      if (!(await flock(fd, true))) {
        const timer = setTimeout(
          () => options.onWait?.(`waiting for ${describeHolder(path)} to release the repository lock ${path}`),
          options.noticeAfterMs ?? 1000,
        )
        try {
          await flock(fd, false)
        } finally {
          clearTimeout(timer)
        }
      }
    } catch (error) {
      closeSync(fd)
      throw error
    }

    // Locked — but the file may have been replaced between open and flock: then lock the new one.
    if (!sameFile(fd, path)) {
      closeSync(fd)
      continue
    }

    ftruncateSync(fd, 0)
    writeSync(fd, JSON.stringify({command: options.command, pid: process.pid}) + '\n', 0)
    return heldLock(fd, path)
  }
}

function heldLock(fd: number, path: string): RepoLock {
  let open = true
  return {
    assertHeld() {
      if (open && sameFile(fd, path)) return
      throw new GlixError(`the repository lock ${path} was removed or replaced while this glix held it; stopped without committing or rolling back, since another glix may be running now`, {
        code: 'LOCK_LOST',
      })
    },
    path,
    release() {
      if (!open) return
      open = false
      try {
        if (sameFile(fd, path)) ftruncateSync(fd, 0)
      } finally {
        closeSync(fd)
      }
    },
  }
}
