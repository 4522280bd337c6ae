/**
 * Home-scope packages really reach home-manager, whichever tool wrote
 * flake.nix and the host file (spec §8). The core leaves wiring
 * `homeModulesByUser` to the consumer: glix's `mkHost` wires it (home
 * modules under module keys), glix's host file wires it again, the Go
 * glix's host file wires it, the Go glix's flake.nix does not. Every pairing
 * must evaluate with real Nix 2.8 on the fixture flakes and install each
 * home package exactly once, with its `glixConfig` value intact.
 *
 * Repos: one made by the built CLI (`glix init`, `add --scope=home`,
 * `set greeting config.message=…`), one made by the Go glix (flake inputs
 * pointed at the fixtures by editing the fixed inputs, outside the
 * regions). The pairings are copies of those with one host file swapped.
 */
import {expect} from 'chai'
import {cp, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {createGoRepo, describeGoGlix, GO_OFFLINE_ADD, runGoGlix} from '../helpers/go-glix.js'
import {copyNixFixtures, describeNix, fixtureInitFlags, makeSandbox, type NixFixtures, runNix} from '../helpers/nix.js'
import {glixBin} from '../helpers/repo.js'

const HOST = 'laptop'

/** A config value that breaks naive TOML or Nix escaping (glix writes it). */
const GLIX_MESSAGE = 'hi "there" \\ ${x} é ✓ $'
/** The Go glix's value: plain enough for its `set` argument parsing. */
const GO_MESSAGE = 'hello there'

/** What a host installs, per user. */
interface HostView {
  system: string[]
  users: Record<string, {files: Record<string, string>; packages: string[]; stateVersion: string | null}>
}

const VIEW = `c: {
  system = map (p: p.pname) c.environment.systemPackages;
  users = builtins.mapAttrs (_: u: {
    packages = map (p: p.pname) u.home.packages;
    files = builtins.mapAttrs (_: f: f.text) u.home.file;
    stateVersion = u.home.stateVersion or null;
  }) c.home-manager.users;
}`

/** The upstream example's wiring (examples/user-packages): the flat list, into one user. */
const UPSTREAM_STYLE_HOST = `{ manifest, ... }:
{
  networking.hostName = "${HOST}";
  home-manager = {
    useGlobalPkgs = true;
    users.alice.imports = manifest.homeModules ++ [
      { home.stateVersion = "24.11"; }
    ];
  };
}
`

describeNix('home-scope wiring across glix and Go flake.nix and host files (integration)', function () {
  this.timeout(300_000)

  let tmp: string
  let env: NodeJS.ProcessEnv
  let fx: NixFixtures
  let glixRoot: string

  async function glix(...args: string[]): Promise<void> {
    const run = await glixBin(args, {cwd: tmp, env})
    if (run.code !== 0) throw new Error(`glix ${args.join(' ')} exited ${run.code}:\n${run.stdout}${run.stderr}`)
  }

  /** What `root`'s laptop installs, read by real `nix eval`. */
  function evalHost(root: string): HostView {
    return JSON.parse(
      runNix(['eval', '--json', `${root}#nixosConfigurations.${HOST}.config`, '--apply', VIEW], root),
    ) as HostView
  }

  /** A copy of `from` (git metadata included) with `hosts/laptop/default.nix` replaced by `hostFile`. */
  async function pairing(from: string, name: string, hostFile: string): Promise<string> {
    const root = path.join(tmp, name)
    await cp(from, root, {recursive: true})
    await writeFile(path.join(root, 'hosts', HOST, 'default.nix'), hostFile)
    return root
  }

  before(async function () {
    ;({env, tmp} = await makeSandbox('glix-wiring-'))
    fx = await copyNixFixtures(path.join(tmp, 'fixtures'))
    glixRoot = path.join(tmp, 'glix-repo')
    const on = ['--dir', glixRoot, '--host', HOST]
    await glix('init', ...on, '--user', 'alice', ...fixtureInitFlags(fx))
    await glix('add', ...on, '--allow-local-path', '--scope=home', '--name', 'greeting', fx.pkgGreeting)
    await glix('set', ...on, 'greeting', `config.message=${GLIX_MESSAGE}`)
    await glix('add', ...on, '--allow-local-path', `${fx.nixpkgs}#firefox`)
  })

  after(async function () {
    if (tmp) await rm(tmp, {force: true, recursive: true})
  })

  it('glix flake + glix host file: `add --scope=home` + `set config.message` land in home-manager.users.alice once', function () {
    const view = evalHost(glixRoot)
    expect(view.system).to.deep.equal(['firefox'])
    expect(view.users).to.deep.equal({
      alice: {files: {greeting: GLIX_MESSAGE}, packages: ['greeting'], stateVersion: '24.11'},
    })
  })

  it('glix flake + a host file wiring the flat manifest.homeModules (upstream example style): once', async function () {
    const root = await pairing(glixRoot, 'glix-upstream-host', UPSTREAM_STYLE_HOST)
    expect(evalHost(root).users).to.deep.equal({
      alice: {files: {greeting: GLIX_MESSAGE}, packages: ['greeting'], stateVersion: '24.11'},
    })
  })

  describeGoGlix('with files written by the Go glix', function () {
    let goRoot: string

    before(async function () {
      goRoot = path.join(tmp, 'go-repo')
      const on = [`--dir=${goRoot}`, `--host=${HOST}`]
      await createGoRepo(goRoot, {env, fixtures: fx, host: HOST, user: 'alice'})
      await runGoGlix(['add', ...on, ...GO_OFFLINE_ADD, '--scope=home', '--name=greeting', fx.pkgGreeting], {env})
      await runGoGlix(['set', ...on, 'greeting', `config.message=${GO_MESSAGE}`], {env})
      await runGoGlix(['add', ...on, ...GO_OFFLINE_ADD, '--name=hello', fx.pkgHello], {env})
    })

    it('Go flake + Go host file (the baseline): once', function () {
      const view = evalHost(goRoot)
      expect(view.system).to.deep.equal(['hello'])
      expect(view.users).to.deep.equal({alice: {files: {greeting: GO_MESSAGE}, packages: ['greeting'], stateVersion: '24.11'}})
    })

    it('glix flake + Go host file: evaluates unchanged, no double import', async function () {
      const goHost = await readFile(path.join(goRoot, 'hosts', HOST, 'default.nix'), 'utf8')
      expect(goHost, 'the Go host file wires homeModulesByUser itself').to.include('manifest.homeModulesByUser')
      const root = await pairing(glixRoot, 'glix-flake-go-host', goHost)
      const view = evalHost(root)
      expect(view.system).to.deep.equal(['firefox'])
      // Go's plain stateVersion and glix's mkDefault one do not conflict.
      expect(view.users).to.deep.equal({
        alice: {files: {greeting: GLIX_MESSAGE}, packages: ['greeting'], stateVersion: '24.11'},
      })
    })

    it('Go flake + glix host file: the glix host file does the wiring the Go flake leaves out', async function () {
      const glixHost = await readFile(path.join(glixRoot, 'hosts', HOST, 'default.nix'), 'utf8')
      const root = await pairing(goRoot, 'go-flake-glix-host', glixHost)
      const view = evalHost(root)
      expect(view.system).to.deep.equal(['hello'])
      expect(view.users).to.deep.equal({alice: {files: {greeting: GO_MESSAGE}, packages: ['greeting'], stateVersion: '24.11'}})
    })
  })
})
