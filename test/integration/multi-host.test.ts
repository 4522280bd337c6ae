/**
 * The seed's multi-host walkthrough, end to end: the built CLI
 * (`bin/run.js` → `dist/`) writes a three-host repo with real `git` and real
 * `nix flake lock`, and real `nix eval` of every host (offline, against the
 * fixture flakes in test/fixtures/nix) shows exactly the packages glix was
 * told to install there.
 */
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {appendFile, readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {copyNixFixtures, describeNix, makeSandbox, type NixFixtures, runNix} from '../helpers/nix.js'

const execFileAsync = promisify(execFile)

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const BIN = path.join(REPO, 'bin', 'run.js')

/** A config value that breaks naive TOML or Nix escaping. */
const MESSAGE = 'hi "there" \\ back ${x} $${y} \\${z}\ttab é ✓ $'
const LEVEL = 'a\\b "c"'

interface HostView {
  hostName: string
  systemPackages: Array<{pname: string; system: string}>
  etc: Record<string, string>
  users: Record<string, {files: Record<string, string>; packages: Array<{pname: string; system: string}>}>
}

/** One `nix eval` for all hosts: what each configuration installs. */
const VIEW = `configurations: builtins.mapAttrs (name: c: {
  hostName = c.config.networking.hostName;
  systemPackages = map (p: { inherit (p) pname system; }) c.config.environment.systemPackages;
  etc = builtins.mapAttrs (_: f: f.text) c.config.environment.etc;
  users = builtins.mapAttrs (_: u: {
    packages = map (p: { inherit (p) pname system; }) u.home.packages;
    files = builtins.mapAttrs (_: f: f.text) u.home.file;
  }) c.config.home-manager.users;
}) configurations`

function byName(a: {pname: string}, b: {pname: string}): number {
  return a.pname < b.pname ? -1 : a.pname > b.pname ? 1 : 0
}

describeNix('multi-host repo with real git and nix (integration)', function () {
  this.timeout(300_000)

  let tmp: string
  let root: string
  let fx: NixFixtures
  let env: NodeJS.ProcessEnv

  /** Runs the built CLI; rejects with its output when it exits non-zero. */
  async function glix(...args: string[]): Promise<{stderr: string; stdout: string}> {
    try {
      return await execFileAsync(process.execPath, [BIN, ...args], {cwd: tmp, env})
    } catch (error) {
      const {stderr, stdout} = error as {stderr?: string; stdout?: string}
      throw new Error(`glix ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`)
    }
  }

  async function git(...args: string[]): Promise<string> {
    const {stdout} = await execFileAsync('git', args, {cwd: root, env})
    return stdout
  }

  function pathOf(ref: string): string {
    return ref.replace(/^path:/, '')
  }

  /** Files changed by one commit. */
  async function filesOf(commit: string): Promise<string[]> {
    return (await git('show', '--format=', '--name-only', commit)).split('\n').filter(Boolean).sort()
  }

  before(async function () {
    if (!existsSync(path.join(REPO, 'dist', 'commands', 'init.js'))) {
      throw new Error('dist/commands/init.js is missing: run `npm run build` before the integration tests')
    }

    ;({env, tmp} = await makeSandbox('glix-multi-host-'))
    root = path.join(tmp, 'repo')
    fx = await copyNixFixtures(path.join(tmp, 'fixtures'))

    const common = ['--dir', root, '--core', fx.core, '--nixpkgs', fx.nixpkgs, '--home-manager', fx.homeManager]
    await glix('init', ...common, '--host', 'laptop', '--user', 'alice', '--system', 'x86_64-linux', '--allow-local-core')
    await glix('init', ...common, '--host', 'desktop', '--user', 'alice', '--system', 'x86_64-linux', '--allow-local-core')
    await glix('init', ...common, '--host', 'pi', '--user', 'pi-user', '--system', 'aarch64-linux', '--allow-local-core')

    const add = (host: string, ...args: string[]) => glix('add', '--dir', root, '--host', host, '--allow-local-path', ...args)
    await add('laptop', fx.pkgGreeting, '--scope', 'home', '--name', 'greeting')
    await add('desktop', fx.pkgTool)
  })

  after(async function () {
    if (tmp) await rm(tmp, {force: true, recursive: true})
  })

  it('commits everything it writes, flake.lock included', async function () {
    expect(await git('status', '--porcelain')).to.equal('')
    expect(await git('ls-files')).to.include('flake.lock')
  })

  it('keeps hand-written package config through later mutations', async function () {
    // Config tables written by hand (core-contract-wiring.test.ts covers
    // `glix set`): a read-only command looks at the repo, then commit.
    const laptop = path.join(root, 'hosts', 'laptop', 'glix.toml')
    const desktop = path.join(root, 'hosts', 'desktop', 'glix.toml')
    await appendFile(laptop, `\n[packages.greeting.config]\nmessage = ${JSON.stringify(MESSAGE)}\n`)
    await appendFile(desktop, `\n[packages.pkg-tool.config]\nlevel = ${JSON.stringify(LEVEL)}\n`)
    const {stdout} = await glix('list', '--dir', root, '--host', 'laptop')
    expect(stdout).to.match(/greeting/)
    expect(await git('status', '--porcelain')).to.equal(' M hosts/desktop/glix.toml\n M hosts/laptop/glix.toml\n')
    await git('commit', '-q', '-am', 'hand: package config')

    // These rewrite both manifests, round-tripping the config tables.
    const add = (host: string, ...args: string[]) => glix('add', '--dir', root, '--host', host, '--allow-local-path', ...args)
    const added = await add('laptop', `${fx.nixpkgs}#firefox`)
    expect(added.stdout).to.include(`added firefox -> ${fx.nixpkgs}#firefox (scope=system) to host laptop`)
    await add('desktop', `${fx.nixpkgs}#firefox`)
    await add('desktop', `${fx.nixpkgs}#python3Packages.black`)
    await add('pi', fx.pkgHello)

    expect(await git('status', '--porcelain')).to.equal('')
    expect(await readFile(laptop, 'utf8')).to.include('[packages.greeting.config]')
    expect(await readFile(desktop, 'utf8')).to.include('[packages.pkg-tool.config]')
  })

  it('makes one commit per mutation', async function () {
    const log = (await git('log', '--reverse', '--format=%H %s')).trim().split('\n')
    const subjects = log.map((line) => line.slice(41))
    expect(subjects).to.have.length(10)
    expect(subjects.slice(0, 3)).to.deep.equal([
      'glix init: bootstrap host laptop',
      'glix init: bootstrap host desktop',
      'glix init: bootstrap host pi',
    ])
    expect(subjects[3]).to.match(/^glix add laptop: greeting \(/)
    expect(subjects[4]).to.match(/^glix add desktop: pkg-tool \(/)
    expect(subjects[5]).to.equal('hand: package config')
    expect(subjects[6]).to.match(/^glix add laptop: firefox \(/)
    expect(subjects[7]).to.match(/^glix add desktop: firefox \(/)
    expect(subjects[8]).to.match(/^glix add desktop: black \(/)
    expect(subjects[9]).to.match(/^glix add pi: pkg-hello \(/)

    const commits = log.map((line) => line.slice(0, 40))
    expect(await filesOf(commits[0])).to.include.members([
      'flake.lock',
      'flake.nix',
      'hosts/laptop/default.nix',
      'hosts/laptop/glix.toml',
    ])
    expect(await filesOf(commits[1])).to.include.members(['flake.nix', 'hosts/desktop/default.nix', 'hosts/desktop/glix.toml'])
    // A new input: manifest, inputs region and lock in one commit.
    expect(await filesOf(commits[6])).to.deep.equal(['flake.lock', 'flake.nix', 'hosts/laptop/glix.toml'])
    // firefox is already an input with the same URL: only the manifest changes.
    expect(await filesOf(commits[7])).to.deep.equal(['hosts/desktop/glix.toml'])
  })

  it('registers every host and locks one input per package name', async function () {
    const flake = await readFile(path.join(root, 'flake.nix'), 'utf8')
    expect(flake).to.include(
      [
        '        # >>> glix-managed hosts >>>',
        '        desktop = mkHost "desktop" "x86_64-linux";',
        '        laptop = mkHost "laptop" "x86_64-linux";',
        '        pi = mkHost "pi" "aarch64-linux";',
        '        # <<< glix-managed hosts <<<',
      ].join('\n'),
    )

    const lock = JSON.parse(await readFile(path.join(root, 'flake.lock'), 'utf8')) as {
      nodes: Record<string, {inputs?: Record<string, unknown>; locked?: {path?: string; type?: string}; original?: {path?: string; type?: string}}>
      root: string
    }
    expect(Object.keys(lock.nodes[lock.root].inputs ?? {}).sort()).to.deep.equal([
      'black',
      'firefox',
      'glixos-core',
      'greeting',
      'home-manager',
      'nixpkgs',
      'pkg-hello',
      'pkg-tool',
    ])
    // Fragments stay out of input URLs.
    for (const name of ['firefox', 'black', 'nixpkgs']) {
      expect(lock.nodes[name].original, name).to.deep.equal({path: pathOf(fx.nixpkgs), type: 'path'})
      expect(lock.nodes[name].locked?.type, name).to.equal('path')
    }

    expect(lock.nodes['pkg-hello'].original?.path).to.equal(pathOf(fx.pkgHello))
    expect(lock.nodes['pkg-tool'].original?.path).to.equal(pathOf(fx.pkgTool))
    expect(lock.nodes.greeting.original?.path).to.equal(pathOf(fx.pkgGreeting))
    expect(lock.nodes['glixos-core'].original?.path).to.equal(pathOf(fx.core))
    expect(lock.nodes['glixos-core'].inputs).to.deep.equal({nixpkgs: ['nixpkgs']})
  })

  it('builds each host with exactly its packages, for its system, with config byte for byte', async function () {
    // --no-update-lock-file: a stale flake.lock fails here instead of being fixed.
    const hosts = JSON.parse(
      runNix(['eval', '--json', '--no-update-lock-file', `${root}#nixosConfigurations`, '--apply', VIEW], root),
    ) as Record<string, HostView>

    expect(Object.keys(hosts).sort()).to.deep.equal(['desktop', 'laptop', 'pi'])
    const x86 = 'x86_64-linux'
    const arm = 'aarch64-linux'

    expect(hosts.laptop.hostName).to.equal('laptop')
    expect(hosts.laptop.systemPackages).to.deep.equal([{pname: 'firefox', system: x86}])
    expect(hosts.laptop.users).to.deep.equal({
      alice: {files: {greeting: MESSAGE}, packages: [{pname: 'greeting', system: x86}]},
    })
    expect(hosts.laptop.etc).to.deep.equal({})

    expect(hosts.desktop.hostName).to.equal('desktop')
    expect([...hosts.desktop.systemPackages].sort(byName)).to.deep.equal([
      {pname: 'black', system: x86},
      {pname: 'firefox', system: x86},
      {pname: 'tool', system: x86},
    ])
    expect(hosts.desktop.etc).to.deep.equal({'tool.conf': LEVEL})
    expect(hosts.desktop.users).to.deep.equal({})

    expect(hosts.pi.hostName).to.equal('pi')
    expect(hosts.pi.systemPackages).to.deep.equal([{pname: 'hello', system: arm}])
    expect(hosts.pi.users).to.deep.equal({})
    expect(hosts.pi.etc).to.deep.equal({})

    // Nix needed no lock update and wrote nothing.
    expect(await git('status', '--porcelain')).to.equal('')
  })
})
