/**
 * `glix search`, in-process, against a registry served on 127.0.0.1 by the
 * test: the table, --json, where the URL comes from, and what a broken or
 * missing registry looks like to the user. The cache is a temp
 * $XDG_CACHE_HOME, so the real one is never touched.
 */
import {expect} from 'chai'
import {execFile, execFileSync} from 'node:child_process'
import {readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {pathToFileURL} from 'node:url'

import {BIN, createRepo, expectOneLineError, glix, glixOk, lines, useEnv, useHermeticGit, useTempDirs} from '../helpers/repo.js'
import {json, type Loopback, startLoopback, status} from '../lib/registry/loopback.js'

const REGISTRY = {
  packages: {
    'firefox': {description: 'Mozilla Firefox web browser', flake: 'github:NixOS/nixpkgs#firefox'},
    'hello': {description: 'GNU Hello example', flake: 'github:donnismoore/glixos?dir=examples/pkg-hello'},
    'librewolf': {description: 'A fork of Firefox', flake: 'github:NixOS/nixpkgs#librewolf'},
    'raspi-firmware': {description: 'Firmware and boot files for the Raspberry Pi', flake: 'github:owner/raspi-firmware'},
  },
  schema: 1,
}

interface SearchJson {
  registry: string
  source: string
  query: string
  packages: Array<{name: string; flake: string; description: string}>
}

describe('glix search', () => {
  useHermeticGit()
  const env = useEnv()
  const tempDir = useTempDirs()
  let server: Loopback
  let url: string
  let cache: string
  let root: string

  before(async () => {
    server = await startLoopback()
    server.route('/registry.json', json(REGISTRY))
    url = server.url('/registry.json')
  })
  after(async () => {
    await server.close()
  })
  beforeEach(async () => {
    const dir = await tempDir()
    cache = path.join(dir, 'cache')
    env.set('XDG_CACHE_HOME', cache)
    env.set('GLIX_REGISTRY_URL', undefined)
    env.set('GLIX_ROOT', undefined)
    root = await createRepo(path.join(dir, 'repo'), [{host: 'laptop'}, {host: 'pi', system: 'aarch64-linux', user: 'pi-user'}])
  })

  const search = (...args: string[]) => glix<SearchJson>(['search', '--dir', root, '--host', 'laptop', ...args])

  it('prints NAME FLAKE DESCRIPTION, name-prefix matches first; nothing on stderr off a terminal', async () => {
    const r = await search('fire', '--registry-url', url)
    expect(r.exitCode).to.equal(0)
    const row = (name: string, flake: string, description: string) => `${name.padEnd(9)}  ${flake.padEnd(30)}  ${description}`
    expect(lines(r.stdout)).to.deep.equal([
      row('NAME', 'FLAKE', 'DESCRIPTION'),
      row('firefox', 'github:NixOS/nixpkgs#firefox', 'Mozilla Firefox web browser'),
      row('librewolf', 'github:NixOS/nixpkgs#librewolf', 'A fork of Firefox'),
    ])
    expect(r.stderr).to.equal('')
  })

  it('lists the whole registry without a query, sorted by name', async () => {
    const r = await glixOk(['search', '--dir', root, '--host', 'laptop', '--registry-url', url])
    expect(lines(r.stdout).map((l) => l.split(' ')[0])).to.deep.equal(['NAME', 'firefox', 'hello', 'librewolf', 'raspi-firmware'])
  })

  it('matches descriptions too, ignoring case', async () => {
    const r = await glixOk(['search', 'RASPBERRY', '--dir', root, '--host', 'laptop', '--registry-url', url])
    expect(lines(r.stdout)).to.deep.equal([
      'NAME            FLAKE                        DESCRIPTION',
      'raspi-firmware  github:owner/raspi-firmware  Firmware and boot files for the Raspberry Pi',
    ])
  })

  it('--json prints one document: registry, source, query and the matches', async () => {
    const r = await glixOk<SearchJson>(['search', 'raspi', '--json', '--dir', root, '--host', 'laptop', '--registry-url', url])
    const doc = JSON.parse(r.stdout) as SearchJson
    expect(doc).to.deep.equal({
      packages: [{description: 'Firmware and boot files for the Raspberry Pi', flake: 'github:owner/raspi-firmware', name: 'raspi-firmware'}],
      query: 'raspi',
      registry: url,
      source: 'network',
    })
    expect(r.stderr).to.equal('')
    const again = JSON.parse((await glixOk(['search', 'raspi', '--json', '--dir', root, '--host', 'laptop', '--registry-url', url])).stdout)
    expect(again.source).to.equal('cache')
  })

  it('no match: nothing on stdout, a notice on stderr, exit 0', async () => {
    const r = await glixOk(['search', 'emacs', '--dir', root, '--host', 'laptop', '--registry-url', url])
    expect(r.stdout).to.equal('')
    expect(r.stderr).to.equal('glix: no package in the registry matches "emacs"\n')
    const j = await glixOk(['search', 'emacs', '--json', '--dir', root, '--host', 'laptop', '--registry-url', url])
    expect(JSON.parse(j.stdout).packages).to.deep.equal([])
  })

  it('takes the URL from --registry-url, else $GLIX_REGISTRY_URL, else the host’s registry_url', async () => {
    server.route('/flag.json', json({packages: {'from-flag': {flake: 'github:o/flag'}}, schema: 1}))
    server.route('/env.json', json({packages: {'from-env': {flake: 'github:o/env'}}, schema: 1}))
    server.route('/host.json', json({packages: {'from-host': {flake: 'github:o/host'}}, schema: 1}))
    await glixOk(['host', 'set', `registry_url=${server.url('/host.json')}`, '--dir', root, '--host', 'pi', '--no-lock'])
    const names = async (...args: string[]) => {
      const r = await glixOk(['search', '--json', '--dir', root, '--host', 'pi', ...args])
      return (JSON.parse(r.stdout) as SearchJson).packages.map((p) => p.name)
    }

    expect(await names()).to.deep.equal(['from-host'])
    env.set('GLIX_REGISTRY_URL', server.url('/env.json'))
    expect(await names()).to.deep.equal(['from-env'])
    expect(await names('--registry-url', server.url('/flag.json'))).to.deep.equal(['from-flag'])
    // Each URL has its own cache file.
    expect((await readdir(path.join(cache, 'glix'))).filter((f) => f.endsWith('.json'))).to.have.lengthOf(3)
  })

  it('needs no repo when the URL comes from the flag or the environment', async () => {
    const elsewhere = await tempDir()
    env.set('XDG_CONFIG_HOME', elsewhere)
    env.set('HOME', elsewhere)
    env.set('GLIX_REGISTRY_URL', url)
    const r = await glixOk(['search', 'hello', '--host', 'laptop'])
    expect(lines(r.stdout)[1]).to.match(/^hello {2}/)
  })

  it('no registry configured: one line saying how to configure one (exit 1)', async () => {
    const r = await search('fire')
    const message = expectOneLineError(r, 'search', 1)
    expect(message).to.equal(
      "no registry configured: pass --registry-url, set $GLIX_REGISTRY_URL, or set the host's registry_url (glix host set registry_url=URL)",
    )
  })

  it('a broken registry is one line, not a stack trace; --json gets an error document', async () => {
    server.route('/broken.json', status(500))
    const broken = server.url('/broken.json')
    const r = await search('fire', '--registry-url', broken)
    expect(expectOneLineError(r, 'search', 1)).to.equal(`registry ${broken}: HTTP 500 Internal Server Error`)

    server.route('/garbage.json', json('<html>'))
    const garbage = server.url('/garbage.json')
    const j = await search('fire', '--json', '--registry-url', garbage)
    expect(j.exitCode).to.equal(1)
    const doc = JSON.parse(j.stdout) as {error: {code: string; message: string}}
    expect(doc.error.code).to.equal('REGISTRY_JSON')
    expect(doc.error.message).to.match(new RegExp(`^registry ${garbage.replaceAll('.', '\\.')}: not valid JSON`))
  })

  it('serves a stale copy with one warning when the registry breaks; --refresh refetches', async () => {
    server.route('/flaky.json', json(REGISTRY))
    const flaky = server.url('/flaky.json')
    await glixOk(['search', '--dir', root, '--host', 'laptop', '--registry-url', flaky])
    const fetches = () => server.requests.filter((p) => p === '/flaky.json').length
    expect(fetches()).to.equal(1)
    await glixOk(['search', '--dir', root, '--host', 'laptop', '--registry-url', flaky])
    expect(fetches(), 'fresh copy: no request').to.equal(1)

    server.route('/flaky.json', status(503))
    const r = await glixOk(['search', 'hello', '--refresh', '--dir', root, '--host', 'laptop', '--registry-url', flaky])
    expect(fetches()).to.equal(2)
    expect(lines(r.stdout)[1]).to.match(/^hello {2}/)
    expect(r.stderr).to.equal(`glix: registry ${flaky} unavailable (HTTP 503 Service Unavailable); using the copy cached just now\n`)
  })

  it('reads a file:// registry only with --allow-file-registry', async () => {
    const file = path.join(await tempDir(), 'registry.json')
    await writeFile(file, JSON.stringify(REGISTRY))
    const fileUrl = pathToFileURL(file).href
    const refused = await search('hello', '--registry-url', fileUrl)
    expect(expectOneLineError(refused, 'search', 1)).to.equal(`registry ${fileUrl}: file:// registries are read only with --allow-file-registry`)
    const r = await glixOk(['search', 'hello', '--dir', root, '--host', 'laptop', '--registry-url', fileUrl, '--allow-file-registry'])
    expect(lines(r.stdout)[1]).to.match(/^hello {2}/)
  })

  describe('on a terminal', () => {
    /** Runs the built CLI under `script`, so stdout and stderr are a terminal; returns everything it wrote. */
    function onTerminal(args: string[]): Promise<string> {
      const quote = (a: string) => `'${a.replaceAll("'", "'\\''")}'`
      const command = [process.execPath, BIN, ...args].map(quote).join(' ')
      return new Promise((resolve, reject) => {
        execFile('script', ['-qec', command, '/dev/null'], {env: {...process.env, NO_COLOR: '1'}}, (error, stdout) =>
          error ? reject(error) : resolve(stdout.toString()),
        )
      })
    }

    before(function () {
      try {
        execFileSync('script', ['-qec', 'true', '/dev/null'])
      } catch {
        // script(1) gives the test a terminal; under CI=true its absence fails instead of skipping.
        if (process.env.CI === 'true') throw new Error('script (util-linux/bsdutils) is required in CI')
        this.skip()
      }
    })

    it('shows a spinner on stderr while fetching and erases it before the table; none under --json', async () => {
      server.route('/slow-ok.json', (_req, res) => {
        setTimeout(() => json(REGISTRY)(_req, res), 400)
      })
      const slowUrl = server.url('/slow-ok.json')
      const out = await onTerminal(['search', 'hello', '--dir', root, '--host', 'laptop', '--registry-url', slowUrl])
      expect(out).to.match(/^\r⠋ fetching registry…\r⠙ fetching registry…/)
      const table = out.indexOf('NAME')
      expect(out.slice(0, table).endsWith('\r\u001B[K'), JSON.stringify(out)).to.equal(true)
      expect(out.slice(table)).to.match(/^NAME {2,}FLAKE/)

      const cached = await onTerminal(['search', 'hello', '--dir', root, '--host', 'laptop', '--registry-url', slowUrl])
      expect(cached, 'served from the cache: no spinner').to.match(/^NAME/)
      const json1 = await onTerminal(['search', 'hello', '--json', '--refresh', '--dir', root, '--host', 'laptop', '--registry-url', slowUrl])
      expect(json1).not.to.include('fetching registry')
      expect(JSON.parse(json1).source).to.equal('network')
    })
  })
})
