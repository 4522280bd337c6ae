/**
 * The registry client: cache or network (spec §6; which URL is url.ts's).
 *
 * An http(s) registry is served from the cache while the cached copy is
 * younger than 24 h (unless `refresh`); otherwise it is fetched, checked
 * and cached. When the fetch or the check fails, any
 * cached copy — however old — is used with one warning; only when there is
 * none does loading fail, with a one-line {@link RegistryError}. `file://`
 * registries are read directly (never cached) and only when allowed.
 */
import {CACHE_TTL_MS, isFresh, readCachedRegistry, registryCacheDir, writeCachedRegistry} from './cache.js'
import {parseRegistry, type Registry, RegistryError} from './document.js'
import {fetchRegistryText, registryUrlKind} from './fetch.js'

/** Where a loaded registry came from. */
export type RegistrySource = 'cache' | 'file' | 'network' | 'stale-cache'

/** A loaded registry. */
export interface LoadedRegistry {
  url: string
  registry: Registry
  source: RegistrySource
  /** When the copy was fetched (ms since the epoch); absent for file registries. */
  fetchedAt?: number
}

/** Options of {@link loadRegistry}. */
export interface LoadOptions {
  url: string
  /** Refetch even when the cached copy is fresh (`--refresh`). */
  refresh?: boolean
  /** Accept `file://` URLs (`--allow-file-registry`). */
  allowFile?: boolean
  /** Default: {@link registryCacheDir}. */
  cacheDir?: string
  timeoutMs?: number
  maxBytes?: number
  ttlMs?: number
  userAgent?: string
  /** The clock, for tests. */
  now?: () => number
  /** One-line warnings (stale cache used, cache not writable). */
  warn?: (message: string) => void
  /** Called when a network fetch starts; the function it returns is called when it ends (progress display). */
  onFetch?: (url: string) => (() => void) | void
}

/** "just now", "5 min ago", "3 h ago", "2 days ago": how long ago `then` was. */
export function describeAge(then: number, now: number): string {
  const minutes = Math.max(0, Math.round((now - then) / 60_000))
  if (minutes === 0) return 'just now'
  if (minutes < 60) return `${minutes} min ago`
  const hours = Math.round(minutes / 60)
  if (hours < 48) return `${hours} h ago`
  return `${Math.round(hours / 24)} days ago`
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Loads the registry at `options.url`: cache, network or file. Throws a one-line {@link RegistryError}. */
export async function loadRegistry(options: LoadOptions): Promise<LoadedRegistry> {
  const {url} = options
  const fail = (error: unknown) =>
    new RegistryError(`registry ${url}: ${reasonOf(error)}`, {cause: error, code: error instanceof RegistryError ? error.code : 'REGISTRY'})
  let kind
  try {
    kind = registryUrlKind(url)
  } catch (error) {
    throw fail(error)
  }

  const fetchOptions = {allowFile: options.allowFile, maxBytes: options.maxBytes, timeoutMs: options.timeoutMs, userAgent: options.userAgent}
  if (kind === 'file') {
    try {
      return {registry: parseRegistry(await fetchRegistryText(url, fetchOptions)), source: 'file', url}
    } catch (error) {
      throw fail(error)
    }
  }

  const now = options.now ?? Date.now
  const dir = options.cacheDir ?? registryCacheDir()
  const cached = await readCachedRegistry(dir, url)
  if (cached && !options.refresh && isFresh(cached.fetchedAt, now(), options.ttlMs ?? CACHE_TTL_MS)) {
    return {fetchedAt: cached.fetchedAt, registry: cached.registry, source: 'cache', url}
  }

  let registry: Registry
  const done = options.onFetch?.(url)
  try {
    registry = parseRegistry(await fetchRegistryText(url, fetchOptions))
  } catch (error) {
    if (!cached) throw fail(error)
    options.warn?.(`registry ${url} unavailable (${reasonOf(error)}); using the copy cached ${describeAge(cached.fetchedAt, now())}`)
    return {fetchedAt: cached.fetchedAt, registry: cached.registry, source: 'stale-cache', url}
  } finally {
    done?.()
  }

  const fetchedAt = now()
  try {
    await writeCachedRegistry(dir, {fetchedAt, registry, url})
  } catch (error) {
    options.warn?.(`could not cache the registry in ${dir}: ${reasonOf(error)}`)
  }

  return {fetchedAt, registry, source: 'network', url}
}
