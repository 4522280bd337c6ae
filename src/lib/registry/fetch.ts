/**
 * Fetching the registry document's bytes from its URL.
 *
 * Invariants: an http(s) fetch never takes longer than the timeout (it
 * covers connecting, the headers and the whole body) and never holds more
 * than the size cap in memory (the body is read as a stream and abandoned
 * as soon as it passes the cap); `file://` URLs are read only when the
 * caller allows them; every failure is a {@link RegistryError} with a
 * one-line reason, never a raw network error.
 */
import {open} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'

import {RegistryError} from './document.js'

/** 10 MiB: far above any real registry, small enough to never hurt. */
export const DEFAULT_MAX_BYTES = 10 * 1024 * 1024
/** How long one fetch may take, headers and body together. */
export const DEFAULT_TIMEOUT_MS = 10_000

/** Options of {@link fetchRegistryText}. */
export interface FetchOptions {
  timeoutMs?: number
  maxBytes?: number
  /** Accept `file://` URLs (`--allow-file-registry`). */
  allowFile?: boolean
  /** The User-Agent header. */
  userAgent?: string
}

/** The kinds of registry URL glix can read. */
export type RegistryUrlKind = 'file' | 'http'

/** Parses a registry URL and says how it is read; throws for anything else. */
export function registryUrlKind(url: string): RegistryUrlKind {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new RegistryError(`invalid registry URL ${JSON.stringify(url)}: expected http://, https:// or file://`, {code: 'REGISTRY_URL'})
  }

  if (parsed.protocol === 'http:' || parsed.protocol === 'https:') return 'http'
  if (parsed.protocol === 'file:') return 'file'
  throw new RegistryError(`unsupported registry URL ${JSON.stringify(url)}: expected http://, https:// or file://`, {code: 'REGISTRY_URL'})
}

function formatBytes(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB` : `${bytes} bytes`
}

function tooLarge(maxBytes: number): RegistryError {
  return new RegistryError(`response larger than ${formatBytes(maxBytes)}`, {code: 'REGISTRY_TOO_LARGE'})
}

/** A one-line reason for a failed fetch (undici hides the useful part in `cause`). */
function describeFetchError(error: unknown): string {
  const cause = (error as {cause?: {code?: string; message?: string}}).cause
  if (cause?.code === 'ECONNREFUSED') return 'connection refused'
  if (cause?.code === 'ENOTFOUND' || cause?.code === 'EAI_AGAIN') return 'host not found'
  if (cause?.code === 'ECONNRESET' || cause?.code === 'UND_ERR_SOCKET') return 'connection reset'
  if (cause?.message) return cause.message.split('\n')[0]
  return error instanceof Error ? error.message.split('\n')[0] : String(error)
}

async function readFileCapped(url: string, maxBytes: number): Promise<string> {
  const file = await open(fileURLToPath(url)).catch((error: NodeJS.ErrnoException) => {
    throw new RegistryError(error.code === 'ENOENT' ? 'no such file' : error.message, {cause: error, code: 'REGISTRY_UNREACHABLE'})
  })
  try {
    const {size} = await file.stat()
    if (size > maxBytes) throw tooLarge(maxBytes)
    const buffer = Buffer.alloc(maxBytes + 1)
    let length = 0
    for (;;) {
      const {bytesRead} = await file.read(buffer, length, buffer.length - length, null)
      if (bytesRead === 0) break
      length += bytesRead
      if (length > maxBytes) throw tooLarge(maxBytes)
    }

    return buffer.subarray(0, length).toString('utf8')
  } finally {
    await file.close()
  }
}

async function readBodyCapped(response: Response, maxBytes: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge(maxBytes)
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let length = 0
  for (;;) {
    const {done, value} = await reader.read()
    if (done) break
    length += value.byteLength
    if (length > maxBytes) {
      await reader.cancel().catch(() => {})
      throw tooLarge(maxBytes)
    }

    chunks.push(value)
  }

  return Buffer.concat(chunks, length).toString('utf8')
}

/**
 * Returns the text of the registry at `url`: http(s) with a timeout and a
 * size cap, or a local file when `allowFile` is set.
 */
export async function fetchRegistryText(url: string, options: FetchOptions = {}): Promise<string> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  if (registryUrlKind(url) === 'file') {
    if (!options.allowFile) {
      throw new RegistryError('file:// registries are read only with --allow-file-registry', {code: 'REGISTRY_FILE'})
    }

    return readFileCapped(url, maxBytes)
  }

  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(), timeoutMs)
  try {
    const response = await fetch(url, {
      headers: {accept: 'application/json', 'user-agent': options.userAgent ?? 'glix'},
      redirect: 'follow',
      signal: controller.signal,
    })
    if (!response.ok) {
      await response.body?.cancel().catch(() => {})
      const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`
      throw new RegistryError(status, {code: response.status === 404 ? 'REGISTRY_NOT_FOUND' : 'REGISTRY_HTTP'})
    }

    return await readBodyCapped(response, maxBytes)
  } catch (error) {
    if (error instanceof RegistryError) throw error
    if (controller.signal.aborted) {
      throw new RegistryError(`no complete answer within ${timeoutMs / 1000} s`, {cause: error, code: 'REGISTRY_TIMEOUT'})
    }

    throw new RegistryError(describeFetchError(error), {cause: error, code: 'REGISTRY_UNREACHABLE'})
  } finally {
    clearTimeout(timer)
  }
}
