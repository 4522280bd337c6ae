/**
 * Short names end to end (spec §6): `glix add <name>` against a registry
 * served on 127.0.0.1 by the test, and against Nix's own registries read
 * by the real `nix registry list` (a temp `flake-registry` JSON file and a
 * user registry in a temp $XDG_CONFIG_HOME).
 *
 * The last suite runs the seed page's `glix add --host=pi --scope=system
 * raspi-firmware` exactly as written, with real `nix flake lock`: the
 * registry maps the name to a tarball the same loopback server serves.
 */
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {cp, mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {listNixRegistry} from '../../src/lib/nix/registry.js'
import {copyNixFixtures, describeNix, FIXTURES_DIR, runNix, fixtureInitFlags} from '../helpers/nix.js'
import {
  commitCount,
  committedLine,
  createRepo,
  expectOneLineError,
  expectUnchanged,
  filesOf,
  glix,
  glixBin,
  glixOk,
  headOf,
  lines,
  readText,
  snapshotTree,
  subjectOf,
  useEnv,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'
import {json, type Loopback, type Route, slow, startLoopback, status} from '../lib/registry/loopback.js'

const REGISTRY = {
  packages: {
    'firefox': {description: 'Mozilla Firefox web browser', flake: 'github:NixOS/nixpkgs#firefox'},
    'local-thing': {description: 'Only on this machine', flake: 'path:/opt/local-thing'},
    'raspi-firmware': {description: 'Firmware and boot files for the Raspberry Pi', flake: 'github:owner/raspi-firmware'},
  },
  schema: 1,
}

const NO_LOCK_NOTICE = 'glix: skipped `nix flake lock` (--no-lock): run `glix update` before rebuilding'

/** The `[packages.<name>]` table of a manifest, up to the next blank line. */
function packageTable(manifest: string, name: string): string[] {
  const all = manifest.split('\n')
  const start = all.indexOf(`[packages.${name}]`)
  expect(start, `[packages.${name}] in\n${manifest}`).to.be.greaterThan(-1)
  const end = all.indexOf('', start)
  return all.slice(start, end === -1 ? undefined : end)
}

describe('glix add with short names (loopback registry)', () => {
  useHermeticGit()
  const env = useEnv()
  const tempDir = useTempDirs()
  let server: Loopback
  let root: string
  let registryUrl: string

  before(async () => {
    server = await startLoopback()
  })
  after(async () => {
    await server.close()
  })
  beforeEach(async () => {
    const dir = await tempDir()
    env.set('XDG_CACHE_HOME', path.join(dir, 'cache'))
    env.set('GLIX_REGISTRY_URL', undefined)
    // A fresh path per test: no cache is shared between tests.
    const route = `/${path.basename(dir)}/registry.json`
    server.route(route, json(REGISTRY))
    registryUrl = server.url(route)
    root = await createRepo(path.join(dir, 'repo'), [{host: 'laptop'}, {host: 'pi', system: 'aarch64-linux', user: 'pi-user'}])
    await glixOk(['host', 'set', `registry_url=${registryUrl}`, '--dir', root, '--host', 'pi', '--no-lock'])
  })

  const add = (...args: string[]) => glix(['add', '--dir', root, '--no-lock', '--no-nix-registry', ...args])
  const requestsFor = (url: string) => server.requests.filter((p) => p === new URL(url).pathname).length

  it('the seed command: a registry hit is added under its short name, via registry', async () => {
    const r = await add('--host=pi', '--scope=system', 'raspi-firmware')
    expect(r.exitCode, r.stderr).to.equal(0)
    expect(lines(r.stdout)).to.deep.equal([
      'added raspi-firmware -> github:owner/raspi-firmware (scope=system) to host pi',
      committedLine(root),
      'run `glix rebuild --host=pi` to apply',
    ])
    expect(r.stderr).to.equal(`${NO_LOCK_NOTICE}\n`)
    expect(packageTable(readText(root, 'hosts/pi/glix.toml'), 'raspi-firmware')).to.deep.equal([
      '[packages.raspi-firmware]',
      'flake   = "github:owner/raspi-firmware"',
      'scope   = "system"',
      'enabled = true',
    ])
    expect(subjectOf(root)).to.equal('glix add pi: raspi-firmware (github:owner/raspi-firmware, system, via registry)')
    expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/pi/glix.toml'])
    const list = await glixOk(['list', '--dir', root, '--host', 'pi'])
    expect(lines(list.stdout)[1]).to.match(/^raspi-firmware {2}system {2}enabled {2,}github:owner\/raspi-firmware$/)
  })

  it('--name overrides the short name; --dry-run resolves and writes nothing', async () => {
    const before = await snapshotTree(root)
    const dry = await add('--host=pi', 'raspi-firmware', '--dry-run')
    expect(dry.stdout).to.equal(
      'would add raspi-firmware -> github:owner/raspi-firmware (scope=system) to host pi\n' +
        'would commit: glix add pi: raspi-firmware (github:owner/raspi-firmware, system, via registry)\n',
    )
    await expectUnchanged(root, before)
    await glixOk(['add', '--dir', root, '--no-lock', '--host=pi', 'raspi-firmware', '--name', 'raspi-fw'])
    expect(subjectOf(root)).to.equal('glix add pi: raspi-fw (github:owner/raspi-firmware, system, via registry)')
  })

  it('the registry URL: --registry-url over $GLIX_REGISTRY_URL over the host setting', async () => {
    server.route('/other.json', json({packages: {'raspi-firmware': {flake: 'github:fork/raspi-firmware'}}, schema: 1}))
    env.set('GLIX_REGISTRY_URL', server.url('/other.json'))
    await add('--host=pi', 'raspi-firmware', '--dry-run').then((r) => expect(r.stdout).to.include('github:fork/raspi-firmware'))
    await add('--host=pi', 'raspi-firmware', '--dry-run', '--registry-url', registryUrl).then((r) =>
      expect(r.stdout).to.include('-> github:owner/raspi-firmware'),
    )
    env.set('GLIX_REGISTRY_URL', undefined)
    // laptop has no registry_url: only the flag or the environment can name one.
    const none = await add('--host=laptop', 'raspi-firmware')
    expect(expectOneLineError(none, 'add', 1)).to.match(/^cannot resolve "raspi-firmware": not a flake reference, no registry configured /)
  })

  it('an unknown name: one line with the closest names; nothing is written', async () => {
    const before = await snapshotTree(root)
    const head = headOf(root)
    const r = await add('--host=pi', 'raspi-firmwar')
    expect(expectOneLineError(r, 'add', 1)).to.equal(`cannot resolve "raspi-firmwar": not a flake reference, not in the registry ${registryUrl}; try: raspi-firmware`)
    await expectUnchanged(root, before, head)
  })

  describe('a broken registry never blocks a full URI (it is not even asked)', () => {
    const breaks: Array<{name: string; route: () => Route}> = [
      {name: '404', route: () => status(404)},
      {name: '500', route: () => status(500)},
      {name: 'invalid JSON', route: () => json('{"schema": 1,')},
      {name: 'wrong schema', route: () => json({packages: {}, schema: 9})},
      {name: 'a stalled server', route: () => slow()},
    ]
    for (const b of breaks) {
      it(b.name, async () => {
        server.route(new URL(registryUrl).pathname, b.route())
        const r = await add('--host=pi', 'github:owner/raspi-firmware', '--name', 'raspi-fw')
        expect(r.exitCode, r.stderr).to.equal(0)
        expect(r.stderr).to.equal(`${NO_LOCK_NOTICE}\n`)
        expect(subjectOf(root)).to.equal('glix add pi: raspi-fw (github:owner/raspi-firmware, system, via uri)')
        expect(requestsFor(registryUrl)).to.equal(0)
      })
    }

    it('an unreachable or unusable registry URL', async () => {
      for (const url of ['http://127.0.0.1:1/registry.json', 'ftp://example.org/r.json', 'not a url', 'file:///etc/passwd']) {
        const r = await add('--host=pi', 'github:NixOS/nixpkgs#firefox', '--registry-url', url, '--dry-run')
        expect(r.exitCode, `${url}: ${r.stderr}`).to.equal(0)
        expect(r.stderr).to.equal('')
      }
    })
  })

  describe('a broken registry and a short name: reported in one line', () => {
    it('HTTP 500 without a cached copy', async () => {
      server.route(new URL(registryUrl).pathname, status(500))
      const before = await snapshotTree(root)
      const r = await add('--host=pi', 'raspi-firmware')
      expect(expectOneLineError(r, 'add', 1)).to.equal(
        `cannot resolve "raspi-firmware": not a flake reference, registry ${registryUrl}: HTTP 500 Internal Server Error; ` +
          'try: nixpkgs#raspi-firmware for a package of nixpkgs, or a full flake reference',
      )
      await expectUnchanged(root, before)
    })

    it('offline with a cached copy: added from the cache, with one warning', async () => {
      await add('--host=pi', 'firefox', '--dry-run')
      server.route(new URL(registryUrl).pathname, status(502))
      const r = await add('--host=pi', 'raspi-firmware', '--refresh')
      expect(r.exitCode, r.stderr).to.equal(0)
      expect(lines(r.stderr)).to.deep.equal([
        `glix: registry ${registryUrl} unavailable (HTTP 502 Bad Gateway); using the copy cached just now`,
        NO_LOCK_NOTICE,
      ])
      expect(subjectOf(root)).to.match(/via registry\)$/)
    })

    it('a stalled registry gives up and says so', async function () {
      this.timeout(30_000)
      server.route(new URL(registryUrl).pathname, slow())
      const started = Date.now()
      const r = await add('--host=pi', 'raspi-firmware')
      expect(expectOneLineError(r, 'add', 1)).to.include(`registry ${registryUrl}: no complete answer within 10 s`)
      expect(Date.now() - started).to.be.within(9_000, 20_000)
    })
  })

  it('registry hits go through the same checks as references: local paths, duplicates', async () => {
    const local = await add('--host=pi', 'local-thing')
    expect(expectOneLineError(local, 'add', 2)).to.equal(
      'path:/opt/local-thing (local-thing via registry) is an absolute local path, which only this machine can build; pass --allow-local-path to add it anyway',
    )
    await glixOk(['add', '--dir', root, '--no-lock', '--host=pi', 'raspi-firmware'])
    const count = commitCount(root)
    const again = await add('--host=pi', 'raspi-firmware')
    expect(expectOneLineError(again, 'add', 1)).to.match(/^package "raspi-firmware" already exists on host pi/)
    expect(commitCount(root)).to.equal(count)
  })
})

describeNix('short names from `nix registry list` (real nix)', function () {
  this.timeout(120_000)
  useHermeticGit()
  const env = useEnv()
  const tempDir = useTempDirs()
  let dir: string
  let root: string

  beforeEach(async () => {
    dir = await tempDir()
    // Nix's global registry: a local file instead of the download; the user registry: a temp XDG_CONFIG_HOME.
    const global = path.join(dir, 'flake-registry.json')
    await writeFile(
      global,
      JSON.stringify({
        flakes: [
          {from: {id: 'hello-global', type: 'indirect'}, to: {owner: 'owner', repo: 'hello-global', type: 'github'}},
          {from: {id: 'mytool', type: 'indirect'}, to: {owner: 'shadowed', repo: 'mytool', type: 'github'}},
        ],
        version: 2,
      }),
    )
    env.set('NIX_CONFIG', `experimental-features = nix-command flakes\nflake-registry = ${global}`)
    env.set('XDG_CONFIG_HOME', path.join(dir, 'config'))
    env.set('XDG_CACHE_HOME', path.join(dir, 'cache'))
    env.set('GLIX_REGISTRY_URL', undefined)
    runNix(['registry', 'add', 'mytool', 'github:owner/mytool?dir=sub'], dir)
    runNix(['registry', 'add', 'foo', 'path:/x'], dir)
    root = await createRepo(path.join(dir, 'repo'), [{host: 'pi', system: 'aarch64-linux', user: 'pi-user'}])
  })

  it('lists the user registry before the global one, as Nix 2.8 prints it', async () => {
    const entries = await listNixRegistry()
    expect(entries.map((e) => `${e.type} ${e.from} ${e.to}`)).to.deep.equal([
      'user flake:mytool github:owner/mytool?dir=sub',
      'user flake:foo path:/x',
      'global flake:hello-global github:owner/hello-global',
      'global flake:mytool github:shadowed/mytool',
    ])
  })

  it('adds a name found in the user registry (user beats global), via nix-registry', async () => {
    const r = await glixOk(['add', 'mytool', '--dir', root, '--host', 'pi', '--no-lock'])
    expect(lines(r.stdout)[0]).to.equal('added mytool -> github:owner/mytool?dir=sub (scope=system) to host pi')
    expect(subjectOf(root)).to.equal('glix add pi: mytool (github:owner/mytool?dir=sub, system, via nix-registry)')
  })

  it('adds a name found in the global registry; the glixos registry comes first when it has the name', async () => {
    await glixOk(['add', 'hello-global', '--dir', root, '--host', 'pi', '--no-lock'])
    expect(subjectOf(root)).to.equal('glix add pi: hello-global (github:owner/hello-global, system, via nix-registry)')

    const server = await startLoopback()
    try {
      server.route('/r.json', json({packages: {mytool: {flake: 'github:glixos/mytool'}}, schema: 1}))
      const r = await glixOk(['add', 'mytool', '--dir', root, '--host', 'pi', '--no-lock', '--dry-run', '--registry-url', server.url('/r.json')])
      expect(lines(r.stdout)[1]).to.equal('would commit: glix add pi: mytool (github:glixos/mytool, system, via registry)')
    } finally {
      await server.close()
    }
  })

  it('--no-nix-registry skips it; unknown names get suggestions from it', async () => {
    const skipped = await glix(['add', 'mytool', '--dir', root, '--host', 'pi', '--no-lock', '--no-nix-registry'])
    expect(expectOneLineError(skipped, 'add', 1)).to.match(/^cannot resolve "mytool": not a flake reference, no registry configured /)
    const typo = await glix(['add', 'mytol', '--dir', root, '--host', 'pi', '--no-lock'])
    expect(expectOneLineError(typo, 'add', 1)).to.match(/, not in nix registry list; try: mytool$/)
  })

  it('a nix-registry path is still an absolute local path', async () => {
    const r = await glix(['add', 'foo', '--dir', root, '--host', 'pi', '--no-lock'])
    expect(expectOneLineError(r, 'add', 2)).to.match(/^path:\/x \(foo via nix-registry\) is an absolute local path/)
    await glixOk(['add', 'foo', '--dir', root, '--host', 'pi', '--no-lock', '--allow-local-path'])
    expect(subjectOf(root)).to.equal('glix add pi: foo (path:/x, system, via nix-registry)')
  })

  it('when `nix registry list` fails (its global registry unreachable), the error says so in one line', async () => {
    const gone = await startLoopback()
    const unreachable = gone.url('/flake-registry.json')
    await gone.close()
    env.set('NIX_CONFIG', `experimental-features = nix-command flakes\nflake-registry = ${unreachable}\ndownload-attempts = 1`)
    const r = await glix(['add', 'mytool', '--dir', root, '--host', 'pi', '--no-lock'])
    expect(expectOneLineError(r, 'add', 1)).to.match(
      new RegExp(`^cannot resolve "mytool": not a flake reference, no registry configured .*, nix registry list failed: .*${unreachable.replaceAll('.', '\\.')}`),
    )
  })
})

describeNix('the seed page: glix add --host=pi --scope=system raspi-firmware (real nix flake lock)', function () {
  this.timeout(300_000)
  useHermeticGit()
  const env = useEnv()
  const tempDir = useTempDirs('suite')
  let server: Loopback
  let dir: string
  let root: string

  before(async () => {
    dir = await tempDir()
    server = await startLoopback()
    // The package: the pkg-hello fixture renamed, as a tarball on the loopback server.
    const src = path.join(dir, 'src', 'raspi-firmware')
    await mkdir(path.dirname(src), {recursive: true})
    await cp(path.join(FIXTURES_DIR, 'pkg-hello'), src, {recursive: true})
    const flake = path.join(src, 'flake.nix')
    await writeFile(flake, (await readFile(flake, 'utf8')).replaceAll('"hello"', '"raspi-firmware"'))
    const tarball = execFileSync('tar', ['-C', path.dirname(src), '-czf', '-', 'raspi-firmware'])
    server.route('/raspi-firmware.tar.gz', (_req, res) => {
      res.writeHead(200, {'content-length': tarball.length, 'content-type': 'application/gzip'})
      res.end(tarball)
    })
    server.route(
      '/registry.json',
      json({
        packages: {'raspi-firmware': {description: 'Firmware for the Raspberry Pi', flake: server.url('/raspi-firmware.tar.gz')}},
        schema: 1,
      }),
    )
  })
  after(async () => {
    await server?.close()
  })

  it('resolves through the registry, locks the tarball input, commits, and Nix builds pi with it', async () => {
    const fx = await copyNixFixtures(path.join(dir, 'fixtures'))
    root = path.join(dir, 'repo')
    const nixEnvVars = {
      GLIX_REGISTRY_URL: undefined,
      NIX_CONFIG: 'experimental-features = nix-command flakes',
      XDG_CACHE_HOME: path.join(dir, 'cache'),
      XDG_CONFIG_HOME: path.join(dir, 'config'),
      no_proxy: '127.0.0.1,localhost',
    }
    for (const [name, value] of Object.entries(nixEnvVars)) env.set(name, value)
    const init = await glixBin(
      ['init', '--dir', root, '--host=pi', '--user=pi-user', '--system=aarch64-linux', ...fixtureInitFlags(fx)],
      {env: nixEnvVars},
    )
    expect(init.code, init.stderr).to.equal(0)
    const set = await glixBin(['host', 'set', '--host=pi', `registry_url=${server.url('/registry.json')}`], {cwd: root, env: nixEnvVars})
    expect(set.code, set.stderr).to.equal(0)

    // Exactly the seed's command line, run from inside the repo.
    const r = await glixBin(['add', '--host=pi', '--scope=system', 'raspi-firmware'], {cwd: root, env: nixEnvVars})
    expect(r.code, r.stderr).to.equal(0)
    expect(lines(r.stdout)).to.deep.equal([
      `added raspi-firmware -> ${server.url('/raspi-firmware.tar.gz')} (scope=system) to host pi`,
      committedLine(root),
      'run `glix rebuild --host=pi` to apply',
    ])
    expect(r.stderr).to.equal('')
    expect(subjectOf(root)).to.equal(`glix add pi: raspi-firmware (${server.url('/raspi-firmware.tar.gz')}, system, via registry)`)
    expect(filesOf(root)).to.deep.equal(['flake.lock', 'flake.nix', 'hosts/pi/glix.toml'])

    const lock = JSON.parse(readText(root, 'flake.lock')) as {nodes: Record<string, {locked?: {type?: string; url?: string}}>}
    expect(lock.nodes['raspi-firmware'].locked).to.include({type: 'tarball', url: server.url('/raspi-firmware.tar.gz')})

    const packages = JSON.parse(
      runNix(
        ['eval', '--json', '--no-update-lock-file', `${root}#nixosConfigurations.pi.config.environment.systemPackages`, '--apply', 'map (p: p.pname)'],
        root,
      ),
    )
    expect(packages).to.deep.equal(['raspi-firmware'])
  })
})
