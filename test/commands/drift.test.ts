/**
 * Hand-edited manifests: a valid edit (a changed `system`) makes the next
 * command regenerate flake.nix without committing; a broken one makes
 * every command that reads it fail with one line and touch nothing.
 */
import {expect} from 'chai'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import {
  addPackage,
  commitCount,
  createRepo,
  editManifest,
  expectOneLineError,
  expectUnchanged,
  filesOf,
  git,
  glix,
  glixOk,
  headOf,
  lines,
  outsideRegions,
  readText,
  regionLines,
  snapshotTree,
  statusOf,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'

describe('hand-edited manifests', () => {
  useHermeticGit()
  const tempDir = useTempDirs()
  let root: string

  beforeEach(async () => {
    root = path.join(await tempDir(), 'repo')
    await createRepo(root, [
      {host: 'laptop', user: 'alice'},
      {host: 'pi', user: 'pi-user'},
    ])
    await addPackage(root, 'laptop', 'github:NixOS/nixpkgs#firefox')
  })

  describe('drift', () => {
    it('regenerates the hosts region after a changed system, says so once, and commits nothing', async () => {
      const flakeBefore = readText(root, 'flake.nix')
      const head = headOf(root)
      const commits = commitCount(root)
      await editManifest(root, 'pi', (text) => text.replace('system = "x86_64-linux"', 'system = "aarch64-linux"'))

      const first = await glixOk(['list', '--dir', root, '--host', 'laptop'])
      expect(lines(first.stderr)).to.have.lengthOf(1)
      expect(first.stderr).to.match(/^glix: .*regenerated/)
      expect(lines(first.stdout)[1]).to.match(/^firefox\s+system\s+enabled/)

      const flake = readText(root, 'flake.nix')
      expect(regionLines(flake, 'hosts')).to.deep.equal([
        '        laptop = mkHost "laptop" "x86_64-linux";',
        '        pi = mkHost "pi" "aarch64-linux";',
      ])
      expect(regionLines(flake, 'inputs')).to.deep.equal(regionLines(flakeBefore, 'inputs'))
      expect(outsideRegions(flake)).to.equal(outsideRegions(flakeBefore))
      expect(headOf(root)).to.equal(head)
      expect(commitCount(root)).to.equal(commits)
      expect(statusOf(root)).to.deep.equal([' M flake.nix', ' M hosts/pi/glix.toml'])

      const second = await glixOk(['list', '--dir', root, '--host', 'laptop'])
      expect(second.stderr, 'no notice once the regions are fresh').to.equal('')
      expect(second.stdout).to.equal(first.stdout)
      expect(readText(root, 'flake.nix')).to.equal(flake)
    })

    it('regenerates the inputs region after a package is disabled by hand', async () => {
      await editManifest(root, 'laptop', (text) => text.replace('enabled = true', 'enabled = false'))
      const r = await glixOk(['info', '--dir', root])
      expect(r.stderr).to.match(/regenerated/)
      expect(regionLines(readText(root, 'flake.nix'), 'inputs')).to.deep.equal([])
    })

    it('a following add on another host does not commit the regeneration of the hand edit', async () => {
      await editManifest(root, 'pi', (text) => text.replace('system = "x86_64-linux"', 'system = "aarch64-linux"'))
      await addPackage(root, 'laptop', 'github:owner/pkg-greeting', '--name', 'greeting')

      expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/laptop/glix.toml'])
      const committed = git(root, 'show', 'HEAD:flake.nix')
      // HEAD stays consistent: its flake.nix matches its manifests, where pi is still x86_64-linux.
      expect(regionLines(committed, 'hosts')).to.deep.equal([
        '        laptop = mkHost "laptop" "x86_64-linux";',
        '        pi = mkHost "pi" "x86_64-linux";',
      ])
      expect(regionLines(committed, 'inputs').join('\n')).to.include('greeting = {')
      // The work tree keeps the regenerated line until the user commits the hand edit.
      expect(regionLines(readText(root, 'flake.nix'), 'hosts')[1]).to.equal('        pi = mkHost "pi" "aarch64-linux";')
      expect(statusOf(root)).to.deep.equal([' M flake.nix', ' M hosts/pi/glix.toml'])
    })

    it('says nothing when the edit leaves the regions as they are', async () => {
      await editManifest(root, 'laptop', (text) => text.replace('auto_apply = false', 'auto_apply = false\nextra_key = "kept"'))
      const flake = readText(root, 'flake.nix')
      const r = await glixOk(['list', '--dir', root, '--host', 'laptop'])
      expect(r.stderr).to.equal('')
      expect(readText(root, 'flake.nix')).to.equal(flake)
    })
  })

  describe('broken manifest', () => {
    /** Manifests with an error at a known line (1-based). */
    const BROKEN: Array<{title: string; text: string; expect: RegExp}> = [
      {
        expect: /hosts\/laptop\/glix\.toml:4:\d+: /,
        text: '# glixos manifest. Managed by glix; hand edits preserved on best-effort.\nschema = 1\n\n[settings\ndefault_scope = "system"\n',
        title: 'an unclosed table header',
      },
      {
        expect: /hosts\/laptop\/glix\.toml:6:\d+: /,
        text: 'schema = 1\n\n[settings]\ndefault_scope = "system"\nauto_apply = false\nsystem = "x86_64-linux\n',
        title: 'an unterminated string',
      },
      {
        expect: /hosts\/laptop\/glix\.toml:5:\d+: /,
        text: 'schema = 1\n\n[packages.firefox]\nflake   = "github:NixOS/nixpkgs#firefox"\nscope   = = "system"\nenabled = true\n',
        title: 'a doubled =',
      },
    ]

    const COMMANDS: Array<{args: (root: string) => string[]; command: string}> = [
      {args: (root) => ['list', '--dir', root, '--host', 'laptop'], command: 'list'},
      {args: (root) => ['list', '--dir', root, '--all-hosts'], command: 'list'},
      {args: (root) => ['show', 'firefox', '--dir', root, '--host', 'laptop'], command: 'show'},
      {args: (root) => ['info', '--dir', root], command: 'info'},
      {args: (root) => ['add', 'github:owner/pkg-greeting', '--dir', root, '--host', 'laptop', '--no-lock'], command: 'add'},
      {args: (root) => ['init', '--dir', root, '--host', 'desktop', '--user', 'alice', '--no-lock'], command: 'init'},
    ]

    for (const broken of BROKEN) {
      it(`${broken.title}: every command fails with one line naming file:line:col and changes nothing`, async () => {
        await writeFile(path.join(root, 'hosts/laptop/glix.toml'), broken.text)
        const before = await snapshotTree(root)
        const head = headOf(root)
        for (const {args, command} of COMMANDS) {
          const r = await glix(args(root))
          const message = expectOneLineError(r, command, 1)
          expect(message, `glix ${command}`).to.match(broken.expect)
          expect(message).to.include(path.join(root, 'hosts/laptop/glix.toml'))
          await expectUnchanged(root, before, head)
        }
      })
    }

    it('a broken manifest of another host fails commands on this host too', async () => {
      await writeFile(path.join(root, 'hosts/pi/glix.toml'), 'schema = 1\n[settings\n')
      const before = await snapshotTree(root)
      const r = await glix(['add', 'github:owner/pkg-greeting', '--dir', root, '--host', 'laptop', '--no-lock'])
      expect(expectOneLineError(r, 'add', 1)).to.match(/hosts\/pi\/glix\.toml:2:\d+: /)
      await expectUnchanged(root, before)
    })

    const INVALID: Array<{edit: (text: string) => string; expect: RegExp[]; title: string}> = [
      {edit: (t) => t.replace('schema = 1', 'schema = 2'), expect: [/schema/, /2/], title: 'schema = 2'},
      {edit: (t) => t.replace('scope   = "system"', 'scope   = "bogus"'), expect: [/packages\.firefox\.scope/, /"bogus"/], title: 'a bad scope'},
      {
        edit: (t) => t.replace('default_scope = "system"', 'default_scope = "user"'),
        expect: [/default_scope/, /"user"/],
        title: 'a bad default_scope',
      },
    ]
    for (const invalid of INVALID) {
      it(`${invalid.title}: one error naming the file, key and value; nothing written`, async () => {
        await editManifest(root, 'laptop', invalid.edit)
        const before = await snapshotTree(root)
        for (const args of [
          ['list', '--dir', root, '--host', 'laptop'],
          ['add', 'github:owner/pkg-greeting', '--dir', root, '--host', 'laptop', '--no-lock'],
        ]) {
          const message = expectOneLineError(await glix(args), args[0], 1)
          expect(message).to.include(path.join(root, 'hosts/laptop/glix.toml'))
          for (const pattern of invalid.expect) expect(message).to.match(pattern)
          await expectUnchanged(root, before)
        }
      })
    }
  })
})
