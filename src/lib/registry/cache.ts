/**
 * The on-disk registry cache: one file per registry URL under
 * `$XDG_CACHE_HOME/glix/` (else `~/.cache/glix/`), named
 * `registry-<sha256 of the URL, 32 hex>.json`.
 *
 * Invariants: a cache file holds a document that passed the schema check,
 * the URL it came from and when it was fetched; a file whose URL is not the
 * one asked for is never used (so two registries never see each other's
 * packages); files are replaced atomically (write + rename), so a reader
 * never sees half a file. A cache file that cannot be read or checked is
 * treated as absent.
 */
import {createHash} from 'node:crypto'
import {mkdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import path from 'node:path'

import {checkRegistry, type Registry} from './document.js'

/** How long a cached registry is fresh: 24 hours. */
export const CACHE_TTL_MS = 24 * 60 * 60 * 1000

/** A registry as the cache holds it. */
export interface CachedRegistry {
  url: string
  /** When it was fetched, in ms since the epoch. */
  fetchedAt: number
  registry: Registry
}

/** `$XDG_CACHE_HOME/glix`, else `~/.cache/glix`. */
export function registryCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(env.HOME || homedir(), '.cache')
  return path.join(base, 'glix')
}

/** The cache file of the registry at `url`. */
export function registryCachePath(dir: string, url: string): string {
  const hash = createHash('sha256').update(url).digest('hex').slice(0, 32)
  return path.join(dir, `registry-${hash}.json`)
}

/** True when a copy fetched at `fetchedAt` is still fresh at `now` (a date in the future is not). */
export function isFresh(fetchedAt: number, now: number, ttlMs = CACHE_TTL_MS): boolean {
  const age = now - fetchedAt
  return age >= 0 && age < ttlMs
}

/** Reads the cached copy of the registry at `url`, or undefined when there is no usable one. */
export async function readCachedRegistry(dir: string, url: string): Promise<CachedRegistry | undefined> {
  try {
    const data = JSON.parse(await readFile(registryCachePath(dir, url), 'utf8')) as {fetched_at?: unknown; registry?: unknown; url?: unknown}
    if (data.url !== url || typeof data.fetched_at !== 'string') return undefined
    const fetchedAt = Date.parse(data.fetched_at)
    if (Number.isNaN(fetchedAt)) return undefined
    return {fetchedAt, registry: checkRegistry(data.registry), url}
  } catch {
    return undefined
  }
}

/** Writes the cached copy of the registry at `url` atomically. */
export async function writeCachedRegistry(dir: string, entry: CachedRegistry): Promise<void> {
  await mkdir(dir, {recursive: true})
  const file = registryCachePath(dir, entry.url)
  const temp = `${file}.${process.pid}.tmp`
  const body = {fetched_at: new Date(entry.fetchedAt).toISOString(), registry: entry.registry, url: entry.url}
  try {
    await writeFile(temp, `${JSON.stringify(body, null, 2)}\n`)
    await rename(temp, file)
  } catch (error) {
    await rm(temp, {force: true})
    throw error
  }
}
