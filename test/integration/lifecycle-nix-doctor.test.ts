/**
 * `glix doctor` and `glix doctor --fix` on repos glix did not write with
 * its current template, with real git and real Nix 2.8 on the fixture
 * flakes: a repo made by glix before flake.nix wired home-manager (golden
 * files in test/fixtures/nix/repos/glix-main), a repo made by the Go glix,
 * and a hand-written repo in the style of upstream's examples/user-packages
 * (inputs region only, the host declared by hand). For each: doctor finds
 * what is missing, `--fix` shows the edit and writes nothing, `--fix --yes`
 * makes one commit touching flake.nix only, and `nix eval` shows the
 * packages installed afterwards.
 */
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

import {patchRegions, readRegion} from '../../src/lib/flake/patcher.js'
import {createGoRepo, describeGoGlix, GO_OFFLINE_ADD, runGoGlix} from '../helpers/go-glix.js'
import {copyNixFixtures, describeNix, FIXTURES_DIR, fixtureInitFlags, makeSandbox, type NixFixtures, runNix} from '../helpers/nix.js'
import {glixBin, type ProcessRun} from '../helpers/repo.js'

const execFileAsync = promisify(execFile)

const MESSAGE = 'hello "doctor" ${x}'

/** What a host installs: system packages and each user's home packages. */
const VIEW = `c: {
  system = map (p: p.pname) c.environment.systemPackages;
  users = builtins.mapAttrs (_: u: { packages = map (p: p.pname) u.home.packages; files = builtins.mapAttrs (_: f: f.text) u.home.file; }) (c.home-manager.users or { });
}`

interface HostView {
  system: string[]
  users: Record<string, {files: Record<string, string>; packages: string[]}>
}

/** A hand-written flake.nix in the shape of upstream's examples/user-packages/flake.nix. */
const HAND_FLAKE = `# A hand-written user-packages flake (the shape of upstream's example).
{
  description = "hand-written user packages";

  inputs = {
    nixpkgs.url = "@NIXPKGS@";

    glixos-core = {
      url = "@CORE@";
      inputs.nixpkgs.follows = "nixpkgs";
    };

    home-manager = {
      url = "@HOME_MANAGER@";
      inputs.nixpkgs.follows = "nixpkgs";
    };

    # >>> glix-managed inputs >>>
    greeting = {
      url = "@PKG_GREETING@";
    };
    pkg-hello = {
      url = "@PKG_HELLO@";
    };
    # <<< glix-managed inputs <<<
  };

  outputs = { self, nixpkgs, glixos-core, home-manager, ... }@inputs:
    let
      lib = nixpkgs.lib;

      mkHost = hostName: system:
        let
          manifest = glixos-core.lib.importManifest {
            manifestPath = ./hosts/\${hostName}/glix.toml;
            inherit inputs;
          };
        in
        lib.nixosSystem {
          inherit system;
          specialArgs = { inherit inputs manifest; };
          modules = [
            glixos-core.nixosModules.glixos
            home-manager.nixosModules.home-manager
            ./hosts/\${hostName}
          ] ++ manifest.systemModules;
        };
    in
    {
      nixosConfigurations.example = mkHost "example" "x86_64-linux";

      checks.x86_64-linux.example-toplevel =
        self.nixosConfigurations.example.config.system.build.toplevel;
    };
}
`

/** Its host file: the example's home wiring (the flat list, into alice); no qemu profile (the stub has none). */
const HAND_HOST = `{ lib, manifest, ... }:
{
  networking.hostName = "glixos-example";
  networking.useDHCP = lib.mkForce true;
  users.users.alice = { isNormalUser = true; extraGroups = [ "wheel" ]; };

  # Wire the home-scope modules from the manifest into home-manager.
  home-manager = {
    useGlobalPkgs = true;
    useUserPackages = true;
    users.alice.imports = manifest.homeModules ++ [
      { home.stateVersion = "24.11"; }
    ];
  };

  system.stateVersion = "24.11";
}
`

const HAND_MANIFEST = `# Hand-written, upstream style: comments, aligned settings.
schema = 1

[settings]
default_scope = "system"
auto_apply    = false

# The system package: only packages.<system>.default.
[packages.pkg-hello]
flake   = "@PKG_HELLO@"
scope   = "system"
enabled = true

[packages.greeting]
flake   = "@PKG_GREETING@"
scope   = "home"
enabled = true
`

describeNix('glix doctor --fix on repos made before the home wiring, by the Go glix, or by hand (integration)', function () {
  this.timeout(300_000)

  let tmp: string
  let env: NodeJS.ProcessEnv
  let fx: NixFixtures

  /** Runs the built CLI; never rejects: the exit status is part of the result. */
  function glix(...args: string[]): Promise<ProcessRun> {
    return glixBin(args, {cwd: tmp, env})
  }

  async function glixOk(...args: string[]): Promise<ProcessRun> {
    const run = await glix(...args)
    if (run.code !== 0) throw new Error(`glix ${args.join(' ')} exited ${run.code}:\n${run.stdout}${run.stderr}`)
    return run
  }

  async function git(root: string, ...args: string[]): Promise<string> {
    return (await execFileAsync('git', args, {cwd: root, env})).stdout
  }

  /** Replaces the fixture placeholders of a text by the fixtures' path: refs. */
  function withFixtures(text: string): string {
    return text
      .replaceAll('@NIXPKGS@', fx.nixpkgs)
      .replaceAll('@CORE@', fx.core)
      .replaceAll('@HOME_MANAGER@', fx.homeManager)
      .replaceAll('@PKG_GREETING@', fx.pkgGreeting)
      .replaceAll('@PKG_HELLO@', fx.pkgHello)
  }

  function evalHost(root: string, host: string): HostView {
    return JSON.parse(runNix(['eval', '--json', `${root}#nixosConfigurations.${host}.config`, '--apply', VIEW], root)) as HostView
  }

  /** The `doctor` check line named `name`. */
  function checkLine(output: string, name: string): string {
    return output.split('\n').find((line) => line.slice(6).startsWith(`${name} `)) ?? ''
  }

  /**
   * `doctor --fix` shows a diff and changes nothing; `doctor --fix --yes`
   * makes one commit `glix doctor: <changes>` touching flake.nix only, whose
   * patch is the diff shown. Returns the diff.
   */
  async function fixAndCommit(root: string, changes: string): Promise<string> {
    const before = await readFile(path.join(root, 'flake.nix'), 'utf8')
    const head = await git(root, 'rev-parse', 'HEAD')
    const shown = await glix('doctor', '--dir', root, '--fix')
    expect(shown.stdout).to.include(`proposed edit of flake.nix: ${changes}`)
    expect(shown.stdout).to.include('run `glix doctor --fix --yes` to apply it (one commit)')
    const diff = shown.stdout.slice(shown.stdout.indexOf('--- a/flake.nix'), shown.stdout.indexOf('\nrun `glix doctor'))
    // Without --yes nothing is written.
    expect(await readFile(path.join(root, 'flake.nix'), 'utf8')).to.equal(before)
    expect(await git(root, 'rev-parse', 'HEAD')).to.equal(head)
    expect(await git(root, 'status', '--porcelain')).to.equal('')

    const applied = await glixOk('doctor', '--dir', root, '--fix', '--yes')
    expect(applied.stdout).to.include(`applied edit of flake.nix: ${changes}`)
    expect((await git(root, 'log', '-1', '--format=%s')).trim()).to.equal(`glix doctor: ${changes}`)
    expect((await git(root, 'rev-parse', 'HEAD~1')).trim()).to.equal(head.trim())
    expect((await git(root, 'show', '--format=', '--name-only', 'HEAD')).trim()).to.equal('flake.nix')
    expect(await git(root, 'status', '--porcelain')).to.equal('')
    // The commit is the diff that was shown (same hunks, same lines).
    const committed = await git(root, 'diff', '--no-color', 'HEAD~1', 'HEAD', '--', 'flake.nix')
    const hunks = (text: string) => text.slice(text.indexOf('\n@@')).trim()
    expect(diff).to.include('\n@@ ')
    expect(hunks(committed)).to.equal(hunks(diff))
    return diff
  }

  before(async function () {
    ;({env, tmp} = await makeSandbox('glix-doctor-'))
    fx = await copyNixFixtures(path.join(tmp, 'fixtures'))
  })

  after(async function () {
    if (tmp) await rm(tmp, {force: true, recursive: true})
  })

  it('refuses --yes without --fix (usage error)', async function () {
    const run = await glix('doctor', '--yes')
    expect(run.code).to.equal(2)
    expect(run.stderr).to.match(/--fix/)
  })

  describe('a repo made by glix before the home wiring', function () {
    let root: string
    let fresh: string

    before(async function () {
      root = path.join(tmp, 'legacy')
      const on = ['--dir', root, '--host', 'laptop']
      await glixOk('init', ...on, '--user', 'alice', ...fixtureInitFlags(fx))
      await glixOk('add', ...on, '--allow-local-path', '--scope=home', '--name', 'greeting', fx.pkgGreeting)
      await glixOk('set', ...on, 'greeting', `config.message=${MESSAGE}`)
      fresh = await readFile(path.join(root, 'flake.nix'), 'utf8')

      // Turn it into what the old glix wrote: its flake.nix (with today's regions) and host file.
      const goldenDir = path.join(FIXTURES_DIR, 'repos', 'glix-main')
      let old = withFixtures(await readFile(path.join(goldenDir, 'flake.nix'), 'utf8'))
      old = patchRegions(old, {hosts: readRegion(fresh, 'hosts'), inputs: readRegion(fresh, 'inputs')})
      await writeFile(path.join(root, 'flake.nix'), old)
      await writeFile(path.join(root, 'hosts', 'laptop', 'default.nix'), await readFile(path.join(goldenDir, 'host.nix'), 'utf8'))
      await git(root, 'commit', '-q', '-am', 'test: files as the old glix wrote them')
    })

    it('installs no home package: the bug this fix is for', function () {
      expect(evalHost(root, 'laptop').users).to.deep.equal({})
    })

    it('doctor fails on mkHost, naming the home package it breaks', async function () {
      const run = await glix('doctor', '--dir', root)
      expect(run.code).to.equal(1)
      expect(checkLine(run.stdout, 'mkHost')).to.match(/^FAIL {2}mkHost +made by an older glix: no home-manager wiring/)
      expect(checkLine(run.stdout, 'mkHost')).to.include('(affects laptop/greeting)')

      const json = await glix('doctor', '--dir', root, '--fix', '--json')
      const report = JSON.parse(json.stdout) as {fix: {applied: boolean; changes: string[]; diff: string}; ok: boolean}
      expect(report.ok).to.equal(false)
      expect(report.fix.applied).to.equal(false)
      expect(report.fix.changes).to.deep.equal(['add home wiring to mkHost'])
      expect(report.fix.diff).to.match(/^--- a\/flake\.nix\n\+\+\+ b\/flake\.nix\n@@ /)
    })

    it('--fix shows the edit, --yes commits it: flake.nix becomes what `glix init` writes today', async function () {
      const diff = await fixAndCommit(root, 'add home wiring to mkHost')
      expect(diff).to.include('-          specialArgs = { inherit inputs; manifest = glix.manifest; };')
      expect(diff).to.include('+          specialArgs = { inherit inputs manifest; };')
      expect(await readFile(path.join(root, 'flake.nix'), 'utf8')).to.equal(fresh)
    })

    it('afterwards alice gets greeting once, with its glixConfig value, and doctor is content', async function () {
      expect(evalHost(root, 'laptop').users).to.deep.equal({alice: {files: {greeting: MESSAGE}, packages: ['greeting']}})
      const run = await glix('doctor', '--dir', root)
      expect(checkLine(run.stdout, 'mkHost')).to.match(/^OK {4}mkHost +fragment adapter and home-manager wiring present/)
      const again = await glixOk('doctor', '--dir', root, '--fix')
      expect(again.stdout).to.include('nothing to fix in flake.nix')
    })
  })

  describe('a hand-written repo in the upstream example style (inputs region only, host declared by hand)', function () {
    let root: string

    before(async function () {
      root = path.join(tmp, 'hand')
      await mkdir(path.join(root, 'hosts', 'example'), {recursive: true})
      await writeFile(path.join(root, 'flake.nix'), withFixtures(HAND_FLAKE))
      await writeFile(path.join(root, 'hosts', 'example', 'default.nix'), HAND_HOST)
      await writeFile(path.join(root, 'hosts', 'example', 'glix.toml'), withFixtures(HAND_MANIFEST))
      await git(root, 'init', '-q')
      await git(root, 'add', '-A')
      runNix(['flake', 'lock', root], root)
      await git(root, 'add', '-A')
      await git(root, 'commit', '-q', '-m', 'hand-written')
    })

    it('doctor warns: no hosts region, and a hand-written mkHost without fragment adapter', async function () {
      const run = await glix('doctor', '--dir', root)
      expect(checkLine(run.stdout, 'flake.nix')).to.match(/^WARN {2}flake\.nix +no hosts region: hosts are declared by hand/)
      expect(checkLine(run.stdout, 'flake.nix')).to.include('inputs region fresh')
      // No `#attr` package uses it, so a WARN; the host file wires the homes itself.
      expect(checkLine(run.stdout, 'mkHost')).to.match(/^WARN {2}mkHost +written by hand: no fragment adapter/)
      expect(checkLine(run.stdout, 'mkHost')).not.to.include('home-manager wiring')
      expect(run.code).to.equal(0)
    })

    it('--fix --yes moves the hand-declared host into a new hosts region; mkHost is left to the user with instructions', async function () {
      const shown = await glix('doctor', '--dir', root, '--fix')
      expect(shown.stdout).to.include('to change by hand:')
      expect(shown.stdout).to.include('fragment adapter: hand importManifest `inputs = fragmentInputs hostName system;`')
      expect(shown.stdout).to.include('fragmentInputs = hostName: system:')

      const diff = await fixAndCommit(root, 'add the hosts region (moving example into it)')
      expect(diff).to.include(
        [
          '-      nixosConfigurations.example = mkHost "example" "x86_64-linux";',
          '+      nixosConfigurations = {',
          '+        # >>> glix-managed hosts >>>',
          '+        example = mkHost "example" "x86_64-linux";',
          '+        # <<< glix-managed hosts <<<',
          '+      };',
        ].join('\n'),
      )
      const flake = await readFile(path.join(root, 'flake.nix'), 'utf8')
      // mkHost and everything else outside the edit stay as the user wrote them.
      expect(flake).to.include('            inherit inputs;\n')
      expect(flake).to.include('      checks.x86_64-linux.example-toplevel =\n')
    })

    it('afterwards the host evaluates as before: hello for the system, greeting once for alice', function () {
      const view = evalHost(root, 'example')
      expect(view.system).to.deep.equal(['hello'])
      expect(view.users.alice.packages).to.deep.equal(['greeting'])
    })
  })

  describeGoGlix('a repo made by the Go glix', function () {
    let root: string

    before(async function () {
      root = path.join(tmp, 'go')
      const on = [`--dir=${root}`, '--host=laptop']
      await createGoRepo(root, {env, fixtures: fx, host: 'laptop', user: 'alice'})
      await runGoGlix(['add', ...on, ...GO_OFFLINE_ADD, '--scope=home', '--name=greeting', fx.pkgGreeting], {env})
      await runGoGlix(['set', ...on, 'greeting', `config.message=${MESSAGE}`], {env})
      // A `#attr` package, added by glix (the Go glix would write the fragment into the input URL).
      await glixOk('add', '--dir', root, '--host', 'laptop', '--allow-local-path', `${fx.nixpkgs}#firefox`)
    })

    it('cannot evaluate a `#attr` package: the Go mkHost has no fragment adapter', function () {
      expect(() => evalHost(root, 'laptop')).to.throw(/nix eval/)
    })

    it('doctor fails on mkHost, naming the `#attr` package', async function () {
      const run = await glix('doctor', '--dir', root)
      expect(run.code).to.equal(1)
      expect(checkLine(run.stdout, 'mkHost')).to.match(/^FAIL {2}mkHost +made by the Go glix: no fragment adapter/)
      expect(checkLine(run.stdout, 'mkHost')).to.include('(affects laptop/firefox)')
    })

    it('--fix --yes adds the adapter and home wiring; firefox and greeting (once, with its config) install', async function () {
      const diff = await fixAndCommit(root, 'add the fragment adapter and home wiring to mkHost')
      expect(diff).to.include('+      fragmentInputs = hostName: system:')
      expect(diff).to.include('       lib = nixpkgs.lib;')
      const view = evalHost(root, 'laptop')
      expect(view.system).to.deep.equal(['firefox'])
      // The Go host file wires homeModulesByUser too: module keys keep it to one import.
      expect(view.users).to.deep.equal({alice: {files: {greeting: MESSAGE}, packages: ['greeting']}})
      const run = await glix('doctor', '--dir', root)
      expect(checkLine(run.stdout, 'mkHost')).to.match(/^OK /)
    })
  })
})
