/**
 * File-system primitives shared by every writer.
 *
 * Invariant: a file glix writes is either its old bytes or its new bytes,
 * never a mix: content goes to a temporary file in the same directory,
 * is flushed, then renamed over the target.
 */
import {randomBytes} from 'node:crypto'
import {open, readFile, rename, rm} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

/** Writes `data` to `file` atomically (temp file + fsync + rename). */
export async function writeFileAtomic(file: string, data: Buffer | string): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  const handle = await open(tmp, 'w', 0o644)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }

  try {
    await rename(tmp, file)
  } catch (error) {
    await rm(tmp, {force: true})
    throw error
  }
}

/** Reads `file`, or returns undefined when it does not exist. */
export async function readIfExists(file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}
