/**
 * Taking over repositories glix did not write (spec §3): an upstream-style
 * hand-written repo (an inputs region only, hosts declared by hand,
 * manifests without `enabled`, comments, extra lines in input blocks), and
 * repos with broken markers or package names that already mean two flakes.
 * Read commands work and warn; mutations patch what they can, with diffs
 * that touch only what changed.
 */
import {expect} from 'chai'
import {mkdir, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {
  commitCount,
  expectOneLineError,
  expectUnchanged,
  git,
  glix,
  glixOk,
  headOf,
  lines,
  readText,
  snapshotTree,
  subjectOf,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'

/** Upstream's examples/user-packages layout, written by hand. */
const UPSTREAM_FLAKE = `# A hand-written user-packages flake.
{
  description = "hand-written user packages";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixpkgs-unstable";

    glixos-core = {
      url = "github:donnismoore/glixos";
      inputs.nixpkgs.follows = "nixpkgs";
    };

    # >>> glix-managed inputs >>>
    pkg-hello = {
      url = "github:owner/pkg-hello";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    pkg-greeting = {
      url = "github:owner/pkg-greeting";
      inputs.nixpkgs.follows = "nixpkgs";
    };
    # <<< glix-managed inputs <<<
  };

  outputs = { self, nixpkgs, glixos-core, ... }@inputs:
    let
      mkHost = hostName: system: nixpkgs.lib.nixosSystem { inherit system; modules = [ ./hosts/\${hostName} ]; };
    in
    {
      nixosConfigurations.example = mkHost "example" "x86_64-linux";
    };
}
`

const UPSTREAM_MANIFEST = `# Hand-written; glix owns this file in production.
schema = 1

[settings]
default_scope = "system"
auto_apply    = false

[packages.pkg-hello]
flake   = "github:owner/pkg-hello"  # the fallback path
scope   = "system"

[packages.pkg-greeting]
flake   = "github:owner/pkg-greeting"
scope   = "home"
`

describe('taking over a repository glix did not write', () => {
  useHermeticGit()
  const tempDir = useTempDirs()
  let root: string

  async function handWritten(flake = UPSTREAM_FLAKE, manifest = UPSTREAM_MANIFEST): Promise<string> {
    const dir = await tempDir('glix-takeover-')
    await mkdir(path.join(dir, 'hosts', 'example'), {recursive: true})
    await writeFile(path.join(dir, 'flake.nix'), flake)
    await writeFile(path.join(dir, 'hosts', 'example', 'glix.toml'), manifest)
    await writeFile(path.join(dir, 'hosts', 'example', 'default.nix'), '{ ... }: { }\n')
    git(dir, 'init', '--quiet', '--initial-branch=main')
    git(dir, 'add', '-A')
    git(dir, 'commit', '--quiet', '-m', 'hand-written')
    return dir
  }

  describe('an upstream-style hand-written repo', () => {
    beforeEach(async () => {
      root = await handWritten()
    })

    it('every read command works on it and rewrites nothing (its regions already mean what the manifests say)', async () => {
      const before = await snapshotTree(root)
      const list = await glixOk(['list', '--dir', root, '--host', 'example'])
      expect(lines(list.stdout).slice(1).map((l) => l.split(/\s+/).slice(0, 3))).to.deep.equal([
        ['pkg-greeting', 'home', 'enabled'],
        ['pkg-hello', 'system', 'enabled'],
      ])
      await glixOk(['list', '--dir', root, '--all-hosts'])
      await glixOk(['show', 'pkg-hello', '--dir', root, '--host', 'example'])
      await glixOk(['info', '--dir', root])
      for (const run of [list]) expect(run.stderr).to.equal('')
      await expectUnchanged(root, before)
    })

    it('add patches the inputs region only, keeping the hand-written blocks; the manifest diff touches one table', async () => {
      const head = headOf(root)
      await glixOk(['add', 'github:owner/tool', '--dir', root, '--host', 'example', '--no-lock'])
      expect(commitCount(root)).to.equal(2)
      expect(subjectOf(root)).to.equal('glix add example: tool (github:owner/tool, system, via uri)')
      const flakeDiff = git(root, 'diff', head, 'HEAD', '--', 'flake.nix')
      const changed = lines(flakeDiff).filter((l) => /^[+-][^+-]/.test(l))
      expect(changed).to.deep.equal(['+    tool = {', '+      url = "github:owner/tool";', '+    };'])
      const manifestDiff = lines(git(root, 'diff', head, 'HEAD', '--', 'hosts/example/glix.toml')).filter((l) => /^[+-][^+-]/.test(l))
      expect(manifestDiff.every((l) => l.startsWith('+')), manifestDiff.join('\n')).to.equal(true)
      expect(readText(root, 'flake.nix')).to.include('nixosConfigurations.example = mkHost "example" "x86_64-linux";')
    })

    it('init of a new host says once that flake.nix declares its hosts by hand', async () => {
      const r = await glixOk(['init', '--dir', root, '--host', 'second', '--user', 'bob', '--no-lock'])
      expect(r.stderr).to.include('flake.nix declares its hosts by hand')
      expect(r.stderr).to.include('nixosConfigurations.second = mkHost "second" "x86_64-linux";')
    })
  })

  describe('broken markers', () => {
    it('read commands work and warn in one line; a mutation refuses with one line that does not send the user in a circle', async () => {
      const glixFlake = UPSTREAM_FLAKE.replace('    # <<< glix-managed inputs <<<\n', '')
      root = await handWritten(glixFlake)
      const before = await snapshotTree(root)
      const list = await glix(['list', '--dir', root, '--host', 'example'])
      expect(list.exitCode).to.equal(0)
      expect(lines(list.stderr)).to.have.lengthOf(1)
      expect(list.stderr).to.match(/^glix: flake\.nix was not regenerated: flake\.nix: the glix-managed inputs region is missing its end marker/)
      const add = await glix(['add', 'github:owner/tool', '--dir', root, '--host', 'example', '--no-lock'])
      const message = expectOneLineError(add, 'add', 1)
      expect(message).to.include('missing its end marker')
      expect(message).to.include('# <<< glix-managed inputs <<<')
      expect(message).not.to.include('glix doctor')
      await expectUnchanged(root, before)
    })
  })

  describe('a package name that already means two flakes (the Go glix accepts this)', () => {
    const PINNED = (pin?: string) =>
      `schema = 1\n\n[settings]\ndefault_scope = "system"\nauto_apply    = false\nsystem        = "x86_64-linux"\n\n[packages.greeting]\nflake   = "github:owner/pkg-greeting"\nscope   = "system"\nenabled = true\n${pin ? `pin     = "${pin}"\n` : ''}\n`

    beforeEach(async () => {
      const flake = UPSTREAM_FLAKE.replace(/ {4}pkg-hello = \{[^]*?\};\n {4}pkg-greeting = \{[^]*?\};\n/, '    greeting = {\n      url = "github:owner/pkg-greeting?rev=abc123";\n    };\n').replace(
        '      nixosConfigurations.example = mkHost "example" "x86_64-linux";',
        '      nixosConfigurations = {\n        # >>> glix-managed hosts >>>\n        laptop = mkHost "laptop" "x86_64-linux";\n        pi = mkHost "pi" "x86_64-linux";\n        # <<< glix-managed hosts <<<\n      };',
      )
      root = await tempDir('glix-conflict-')
      await mkdir(path.join(root, 'hosts', 'laptop'), {recursive: true})
      await mkdir(path.join(root, 'hosts', 'pi'), {recursive: true})
      await writeFile(path.join(root, 'flake.nix'), flake)
      await writeFile(path.join(root, 'hosts', 'laptop', 'glix.toml'), PINNED())
      await writeFile(path.join(root, 'hosts', 'pi', 'glix.toml'), PINNED('abc123'))
      git(root, 'init', '--quiet', '--initial-branch=main')
      git(root, 'add', '-A')
      git(root, 'commit', '--quiet', '-m', 'written by the Go glix')
    })

    it('list, show and info work, and the conflict is named once per command that finds it; flake.nix keeps its input', async () => {
      const before = await snapshotTree(root)
      const list = await glixOk(['list', '--dir', root, '--all-hosts'])
      expect(lines(list.stdout)).to.have.lengthOf(3)
      expect(list.stderr).to.include('package "greeting" means different flakes on different hosts')
      expect(list.stderr).to.include('github:owner/pkg-greeting?rev=abc123 on pi')
      await glixOk(['show', 'greeting', '--dir', root, '--host', 'laptop'])
      await glixOk(['info', '--dir', root])
      await expectUnchanged(root, before)
    })

    it('a change that keeps the conflict is allowed, one that adds a third URL is refused, aligning the pins repairs it', async () => {
      await glixOk(['set', 'greeting', 'config.k=v', '--dir', root, '--host', 'laptop', '--no-lock'])
      const third = await glix(['set', 'greeting', 'pin=fff', '--dir', root, '--host', 'laptop', '--no-lock'])
      expect(expectOneLineError(third, 'set', 1)).to.include('would mean two flakes')
      await glixOk(['set', 'greeting', 'pin=abc123', '--dir', root, '--host', 'laptop', '--no-lock'])
      const list = await glixOk(['list', '--dir', root, '--all-hosts'])
      expect(list.stderr).not.to.include('different flakes')
      expect(readText(root, 'flake.nix')).to.include('url = "github:owner/pkg-greeting?rev=abc123";')
    })

    it('remove on one host is allowed and resolves it', async () => {
      await glixOk(['remove', 'greeting', '--dir', root, '--host', 'laptop', '--no-lock'])
      expect(subjectOf(root)).to.equal('glix remove laptop: greeting')
    })
  })
})
