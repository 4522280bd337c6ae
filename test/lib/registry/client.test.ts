/**
 * The registry client against a real HTTP server on 127.0.0.1: every
 * failure mode of spec §6 (404, 500, timeout, oversized, invalid JSON,
 * wrong schema, offline) with and without a cached copy, the 24 h cache,
 * `refresh`, one cache per URL, and the `file://` gate.
 */
import {expect} from 'chai'
import {mkdtemp, readdir, readFile, realpath, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {CACHE_TTL_MS, readCachedRegistry, registryCacheDir, registryCachePath} from '../../../src/lib/registry/cache.js'
import {RegistryError} from '../../../src/lib/registry/document.js'
import {DEFAULT_MAX_BYTES} from '../../../src/lib/registry/fetch.js'
import {describeAge, type LoadOptions, loadRegistry} from '../../../src/lib/registry/load.js'
import {huge, json, type Loopback, silent, slow, startLoopback, status} from './loopback.js'

const DOC_A = {packages: {'raspi-firmware': {description: 'Raspberry Pi firmware', flake: 'github:owner/raspi-firmware'}}, schema: 1}
const DOC_B = {packages: {firefox: {description: 'Web browser', flake: 'github:NixOS/nixpkgs#firefox'}}, schema: 1}

/** Runs `fn`, expecting a RegistryError; returns it. */
async function rejection(promise: Promise<unknown>): Promise<RegistryError> {
  try {
    await promise
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(RegistryError)
    expect((error as Error).message, 'one line').not.to.include('\n')
    return error as RegistryError
  }

  expect.fail('expected a RegistryError')
}

describe('registry client (loopback HTTP)', () => {
  let server: Loopback
  let cacheDir: string
  let warnings: string[]
  let counter = 0
  /** A fresh path per test, so routes never collide. */
  let p: (name: string) => string

  before(async () => {
    server = await startLoopback()
  })
  after(async () => {
    await server.close()
  })
  beforeEach(async () => {
    cacheDir = path.join(await realpath(await mkdtemp(path.join(tmpdir(), 'glix-registry-'))), 'cache')
    warnings = []
    counter += 1
    const prefix = `/t${counter}`
    p = (name) => `${prefix}/${name}`
  })
  afterEach(async () => {
    await rm(path.dirname(cacheDir), {force: true, recursive: true})
  })

  function load(url: string, options: Partial<LoadOptions> = {}) {
    return loadRegistry({cacheDir, url, warn: (message) => warnings.push(message), ...options})
  }

  function requestsOf(route: string): number {
    return server.requests.filter((r) => r === route).length
  }

  /** Caches DOC_A for `url` as fetched `ageMs` ago, by loading it from a temporary route. */
  async function seedCache(url: string, ageMs: number): Promise<void> {
    const {pathname} = new URL(url)
    server.route(pathname, json(DOC_A))
    await load(url, {now: () => Date.now() - ageMs})
  }

  describe('hits and the cache', () => {
    it('fetches, checks and caches a registry; a fresh copy is served without a request', async () => {
      server.route(p('r.json'), json(DOC_A))
      const url = server.url(p('r.json'))
      const first = await load(url)
      expect(first.source).to.equal('network')
      expect(first.registry.packages['raspi-firmware']).to.deep.equal({description: 'Raspberry Pi firmware', flake: 'github:owner/raspi-firmware'})

      const cached = JSON.parse(await readFile(registryCachePath(cacheDir, url), 'utf8'))
      expect(cached.url).to.equal(url)
      expect(cached.registry).to.deep.equal(DOC_A)

      const second = await load(url)
      expect(second.source).to.equal('cache')
      expect(second.registry).to.deep.equal(first.registry)
      expect(requestsOf(p('r.json'))).to.equal(1)
      expect(warnings).to.deep.equal([])
    })

    it('refetches a copy older than 24 h, and any copy with refresh', async () => {
      server.route(p('r.json'), json(DOC_A))
      const url = server.url(p('r.json'))
      await load(url)
      expect((await load(url, {now: () => Date.now() + CACHE_TTL_MS - 60_000})).source).to.equal('cache')
      expect((await load(url, {now: () => Date.now() + CACHE_TTL_MS + 1})).source).to.equal('network')
      expect((await load(url, {refresh: true})).source).to.equal('network')
      expect(requestsOf(p('r.json'))).to.equal(3)
    })

    it('keeps one cache per URL: switching registries never mixes their packages', async () => {
      server.route(p('a.json'), json(DOC_A))
      server.route(p('b.json'), json(DOC_B))
      const a = server.url(p('a.json'))
      const b = server.url(p('b.json'))
      expect(Object.keys((await load(a)).registry.packages)).to.deep.equal(['raspi-firmware'])
      expect(Object.keys((await load(b)).registry.packages)).to.deep.equal(['firefox'])
      const again = await load(a)
      expect(again.source).to.equal('cache')
      expect(Object.keys(again.registry.packages)).to.deep.equal(['raspi-firmware'])
      expect((await readdir(cacheDir)).sort()).to.deep.equal(
        [path.basename(registryCachePath(cacheDir, a)), path.basename(registryCachePath(cacheDir, b))].sort(),
      )

      // b breaks: its fallback is b's own copy, not a's.
      server.route(p('b.json'), status(500))
      const fallback = await load(b, {refresh: true})
      expect(fallback.source).to.equal('stale-cache')
      expect(Object.keys(fallback.registry.packages)).to.deep.equal(['firefox'])
    })

    it('never uses a cache file written for another URL (a hash collision or a copied file)', async () => {
      server.route(p('a.json'), json(DOC_A))
      const a = server.url(p('a.json'))
      const b = server.url(p('b.json'))
      await load(a)
      await writeFile(registryCachePath(cacheDir, b), await readFile(registryCachePath(cacheDir, a)))
      expect(await readCachedRegistry(cacheDir, b)).to.equal(undefined)
      const error = await rejection(load(b))
      expect(error.message).to.equal(`registry ${b}: HTTP 404 Not Found`)
    })

    it('ignores a corrupt cache file and refetches', async () => {
      server.route(p('r.json'), json(DOC_A))
      const url = server.url(p('r.json'))
      await load(url)
      await writeFile(registryCachePath(cacheDir, url), '{"url": ')
      expect((await load(url)).source).to.equal('network')
      expect((await load(url)).source).to.equal('cache')
    })

    it('still answers when the cache cannot be written, with one warning', async () => {
      server.route(p('r.json'), json(DOC_A))
      await writeFile(path.join(path.dirname(cacheDir), 'file'), '')
      const loaded = await loadRegistry({cacheDir: path.join(path.dirname(cacheDir), 'file', 'glix'), url: server.url(p('r.json')), warn: (m) => warnings.push(m)})
      expect(loaded.source).to.equal('network')
      expect(warnings).to.have.lengthOf(1)
      expect(warnings[0]).to.match(/^could not cache the registry in .*: /)
    })

    it('calls the progress hook around network fetches only', async () => {
      server.route(p('r.json'), json(DOC_A))
      const url = server.url(p('r.json'))
      const events: string[] = []
      const onFetch = (u: string) => {
        events.push(`start ${u}`)
        return () => events.push('stop')
      }

      await load(url, {onFetch})
      await load(url, {onFetch})
      server.route(p('r.json'), status(500))
      await load(url, {onFetch, refresh: true})
      expect(events).to.deep.equal([`start ${url}`, 'stop', `start ${url}`, 'stop'])
    })
  })

  describe('failures without a cached copy: one-line errors', () => {
    const cases: Array<{name: string; route: () => ReturnType<typeof json>; code: string; reason: RegExp | string}> = [
      {code: 'REGISTRY_NOT_FOUND', name: '404', reason: 'HTTP 404 Not Found', route: () => status(404)},
      {code: 'REGISTRY_HTTP', name: '500', reason: 'HTTP 500 Internal Server Error', route: () => status(500)},
      {code: 'REGISTRY_JSON', name: 'invalid JSON', reason: /^not valid JSON \(.+\)$/, route: () => json('{"schema": 1, "packages": {')},
      {code: 'REGISTRY_JSON', name: 'an HTML page', reason: /^not valid JSON/, route: () => json('<html>login</html>')},
      {
        code: 'REGISTRY_SCHEMA',
        name: 'a wrong schema version',
        reason: 'not a glix registry: unsupported schema 2 (expected 1)',
        route: () => json({packages: {}, schema: 2}),
      },
      {
        code: 'REGISTRY_SCHEMA',
        name: 'a wrong shape',
        reason: 'not a glix registry: "packages" must be an object, got an array',
        route: () => json({packages: [], schema: 1}),
      },
    ]
    for (const c of cases) {
      it(`${c.name}: ${c.code}, nothing cached`, async () => {
        server.route(p('r.json'), c.route())
        const url = server.url(p('r.json'))
        const error = await rejection(load(url))
        expect(error.code).to.equal(c.code)
        const prefix = `registry ${url}: `
        expect(error.message.startsWith(prefix), error.message).to.equal(true)
        const reason = error.message.slice(prefix.length)
        if (typeof c.reason === 'string') expect(reason).to.equal(c.reason)
        else expect(reason).to.match(c.reason)
        expect(await readCachedRegistry(cacheDir, url)).to.equal(undefined)
      })
    }

    it('a server that sends headers and then stalls: gives up at the timeout', async () => {
      server.route(p('r.json'), slow())
      const started = Date.now()
      const error = await rejection(load(server.url(p('r.json')), {timeoutMs: 300}))
      expect(error.code).to.equal('REGISTRY_TIMEOUT')
      expect(error.message).to.match(/: no complete answer within 0\.3 s$/)
      expect(Date.now() - started).to.be.lessThan(3000)
    })

    it('a server that never answers: gives up at the timeout', async () => {
      server.route(p('r.json'), silent())
      const started = Date.now()
      const error = await rejection(load(server.url(p('r.json')), {timeoutMs: 300}))
      expect(error.code).to.equal('REGISTRY_TIMEOUT')
      expect(Date.now() - started).to.be.lessThan(3000)
    })

    it('an oversized body with Content-Length: refused before reading it', async () => {
      server.route(p('r.json'), huge(2 * 1024 * 1024, true))
      const error = await rejection(load(server.url(p('r.json')), {maxBytes: 1024 * 1024}))
      expect(error.code).to.equal('REGISTRY_TOO_LARGE')
      expect(error.message).to.match(/: response larger than 1 MiB$/)
    })

    it('an oversized body without Content-Length: cut off while streaming', async () => {
      server.route(p('r.json'), huge(2 * 1024 * 1024, false))
      const error = await rejection(load(server.url(p('r.json')), {maxBytes: 1024 * 1024}))
      expect(error.code).to.equal('REGISTRY_TOO_LARGE')
    })

    it('the default cap is 10 MiB: one byte more is refused, 10 MiB exactly is read', async () => {
      expect(DEFAULT_MAX_BYTES).to.equal(10 * 1024 * 1024)
      server.route(p('over.json'), huge(DEFAULT_MAX_BYTES + 1, false))
      expect((await rejection(load(server.url(p('over.json'))))).code).to.equal('REGISTRY_TOO_LARGE')
      // Exactly at the cap: read in full (and then refused as JSON, since it is all spaces).
      server.route(p('at.json'), huge(DEFAULT_MAX_BYTES, false))
      expect((await rejection(load(server.url(p('at.json'))))).code).to.equal('REGISTRY_JSON')
    })

    it('offline (connection refused)', async () => {
      const gone = await startLoopback()
      const url = gone.url('/registry.json')
      await gone.close()
      const error = await rejection(load(url))
      expect(error.message).to.equal(`registry ${url}: connection refused`)
      expect(error.code).to.equal('REGISTRY_UNREACHABLE')
    })

    it('a URL glix cannot read: unsupported scheme or not a URL', async () => {
      expect((await rejection(load('ftp://example.org/r.json'))).message).to.equal(
        'registry ftp://example.org/r.json: unsupported registry URL "ftp://example.org/r.json": expected http://, https:// or file://',
      )
      expect((await rejection(load('registry.json'))).code).to.equal('REGISTRY_URL')
    })
  })

  describe('failures with a cached copy: the stale copy, with one warning', () => {
    const breaks: Array<{name: string; route?: () => ReturnType<typeof json>; reason: RegExp}> = [
      {name: '500', reason: /\(HTTP 500 Internal Server Error\)/, route: () => status(500)},
      {name: '404', reason: /\(HTTP 404 Not Found\)/, route: () => status(404)},
      {name: 'invalid JSON', reason: /\(not valid JSON/, route: () => json('nope')},
      {name: 'wrong schema', reason: /\(not a glix registry: unsupported schema 7/, route: () => json({schema: 7})},
      {name: 'timeout', reason: /\(no complete answer within 0\.3 s\)/, route: () => slow()},
      {name: 'oversized', reason: /\(response larger than 1 MiB\)/, route: () => huge(2 * 1024 * 1024, false)},
    ]
    for (const b of breaks) {
      it(`${b.name}: uses the copy from 2 days ago`, async () => {
        const url = server.url(p('r.json'))
        await seedCache(url, 2 * 24 * 60 * 60 * 1000)
        server.route(p('r.json'), b.route!())
        const loaded = await load(url, {maxBytes: 1024 * 1024, timeoutMs: 300})
        expect(loaded.source).to.equal('stale-cache')
        expect(Object.keys(loaded.registry.packages)).to.deep.equal(['raspi-firmware'])
        expect(warnings).to.have.lengthOf(1)
        expect(warnings[0]).to.match(new RegExp(`^registry ${url.replaceAll('.', '\\.')} unavailable `))
        expect(warnings[0]).to.match(b.reason)
        expect(warnings[0]).to.match(/; using the copy cached 2 days ago$/)
      })
    }

    it('offline: uses the stale copy; --refresh offline uses even a fresh one', async () => {
      const gone = await startLoopback()
      const url = gone.url('/registry.json')
      gone.route('/registry.json', json(DOC_A))
      await load(url, {now: () => Date.now() - 3 * 60 * 60 * 1000})
      await load(url) // 3 h old: fresh, served from the cache
      expect(gone.requests).to.have.lengthOf(1)
      await gone.close()

      expect((await load(url)).source).to.equal('cache')
      expect(warnings).to.deep.equal([])
      const refreshed = await load(url, {refresh: true})
      expect(refreshed.source).to.equal('stale-cache')
      expect(warnings).to.deep.equal([`registry ${url} unavailable (connection refused); using the copy cached 3 h ago`])
      const later = await load(url, {now: () => Date.now() + CACHE_TTL_MS})
      expect(later.source).to.equal('stale-cache')
      expect(warnings).to.have.lengthOf(2)
    })
  })

  describe('file:// registries', () => {
    it('are refused without allowFile, read with it, and never cached', async () => {
      const file = path.join(path.dirname(cacheDir), 'registry.json')
      await writeFile(file, JSON.stringify(DOC_B))
      const url = pathToFileURL(file).href
      const refused = await rejection(load(url))
      expect(refused.message).to.equal(`registry ${url}: file:// registries are read only with --allow-file-registry`)
      expect(refused.code).to.equal('REGISTRY_FILE')

      const loaded = await load(url, {allowFile: true})
      expect(loaded.source).to.equal('file')
      expect(Object.keys(loaded.registry.packages)).to.deep.equal(['firefox'])
      await writeFile(file, JSON.stringify(DOC_A))
      expect(Object.keys((await load(url, {allowFile: true})).registry.packages)).to.deep.equal(['raspi-firmware'])
      expect(await readCachedRegistry(cacheDir, url)).to.equal(undefined)
    })

    it('a missing or oversized file is a one-line error', async () => {
      const file = path.join(path.dirname(cacheDir), 'big.json')
      expect((await rejection(load(pathToFileURL(file).href, {allowFile: true}))).message).to.match(/: no such file$/)
      await writeFile(file, Buffer.alloc(2048, 0x20))
      expect((await rejection(load(pathToFileURL(file).href, {allowFile: true, maxBytes: 1024}))).code).to.equal('REGISTRY_TOO_LARGE')
    })
  })

  describe('helpers', () => {
    it('the cache lives under $XDG_CACHE_HOME/glix, else ~/.cache/glix', () => {
      expect(registryCacheDir({HOME: '/home/a', XDG_CACHE_HOME: '/c'})).to.equal('/c/glix')
      expect(registryCacheDir({HOME: '/home/a'})).to.equal('/home/a/.cache/glix')
      expect(registryCacheDir({HOME: '/home/a', XDG_CACHE_HOME: 'relative'})).to.equal('/home/a/.cache/glix')
    })

    it('names cache files by a hash of the URL', () => {
      const a = registryCachePath('/c', 'https://example.org/a.json')
      expect(path.basename(a)).to.match(/^registry-[0-9a-f]{32}\.json$/)
      expect(a).not.to.equal(registryCachePath('/c', 'https://example.org/b.json'))
      expect(a).to.equal(registryCachePath('/c', 'https://example.org/a.json'))
    })

    it('describes ages', () => {
      const now = Date.now()
      expect(describeAge(now - 10_000, now)).to.equal('just now')
      expect(describeAge(now - 5 * 60_000, now)).to.equal('5 min ago')
      expect(describeAge(now - 3 * 3_600_000, now)).to.equal('3 h ago')
      expect(describeAge(now - 3 * 86_400_000, now)).to.equal('3 days ago')
    })
  })
})
