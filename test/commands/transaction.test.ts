/**
 * The mutation transaction (spec §4) as `glix add` shows it: when
 * `nix flake lock` runs and what it commits, byte-for-byte rollback when it
 * fails, the inter-process lock, `--apply`, hand-written comments and keys,
 * and the user's own work in flake.nix. Nix and nixos-rebuild are fake
 * executables put first on PATH; they log their arguments.
 */
import {expect} from 'chai'
import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {evalSystemArgs} from '../../src/lib/rebuild/command-line.js'
import {
  addPackage,
  commitCount,
  committedLine,
  createRepo,
  editManifest,
  expectOneLineError,
  expectUnchanged,
  filesOf,
  git,
  glix,
  glixBin,
  glixOk,
  headOf,
  lines,
  readText,
  regionLines,
  snapshotTree,
  statusOf,
  subjectOf,
  useEnv,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'

const FAKE_LOCK = '{\n  "nodes": {\n    "root": {}\n  },\n  "root": "root",\n  "version": 7\n}\n'

/** A fake `nix`: logs its arguments; fails when $FAKE_NIX_FAIL is set; else writes flake.lock. */
const FAKE_NIX = `#!/bin/sh
echo "$*" >> "$FAKE_LOG"
if [ -n "$FAKE_NIX_FAIL" ]; then
  echo "error: simulated nix failure" >&2
  exit 1
fi
printf '%s' '${FAKE_LOCK}' > flake.lock
`

/** A fake `nixos-rebuild`: logs its arguments; exits with $FAKE_REBUILD_EXIT (default 0). */
const FAKE_REBUILD = `#!/bin/sh
echo "nixos-rebuild $*" >> "$FAKE_LOG"
exit "\${FAKE_REBUILD_EXIT:-0}"
`

describe('mutation transaction (glix add)', () => {
  // `--apply` switches the host: glix refuses unless it is this machine.
  const realHostname = os.hostname
  before(() => {
    os.hostname = () => 'laptop'
  })
  after(() => {
    os.hostname = realHostname
  })
  useHermeticGit()
  const tempDir = useTempDirs()
  const env = useEnv()
  let root: string
  let log: string

  beforeEach(async () => {
    const tmp = await tempDir()
    root = await createRepo(path.join(tmp, 'repo'), [
      {host: 'laptop', user: 'alice'},
      {host: 'desktop', user: 'alice'},
    ])
    const bin = path.join(tmp, 'bin')
    await mkdir(bin)
    for (const [name, script] of [
      ['nix', FAKE_NIX],
      ['nixos-rebuild', FAKE_REBUILD],
    ]) {
      await writeFile(path.join(bin, name), script)
      await chmod(path.join(bin, name), 0o755)
    }

    log = path.join(tmp, 'calls.log')
    await writeFile(log, '')
    env.set('PATH', `${bin}${path.delimiter}${process.env.PATH}`)
    env.set('FAKE_LOG', log)
  })

  const calls = async () => lines(await readFile(log, 'utf8'))

  it('runs `nix flake lock` when the inputs change and commits flake.lock with the change', async () => {
    const r = await glixOk(['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'laptop'])
    expect(r.stderr, 'no --no-lock notice').to.equal('')
    const nixCalls = await calls()
    expect(nixCalls).to.have.lengthOf(1)
    expect(nixCalls[0]).to.match(/\bflake lock\b/)
    expect(filesOf(root)).to.deep.equal(['flake.lock', 'flake.nix', 'hosts/laptop/glix.toml'])
    expect(git(root, 'show', 'HEAD:flake.lock')).to.equal(FAKE_LOCK)
    expect(statusOf(root)).to.deep.equal([])
  })

  it('does not run nix when the inputs region stays the same', async () => {
    await glixOk(['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'laptop'])
    await writeFile(log, '')
    // Same name, same URL on another host: the inputs region does not change.
    await glixOk(['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'desktop'])
    expect(await calls()).to.deep.equal([])
    expect(filesOf(root)).to.deep.equal(['hosts/desktop/glix.toml'])
  })

  it('rolls back every file when `nix flake lock` fails', async () => {
    env.set('FAKE_NIX_FAIL', '1')
    // Work in progress that must survive the rollback untouched, staged and unstaged.
    await writeFile(path.join(root, 'notes.txt'), 'todo\n')
    await writeFile(path.join(root, 'hosts/laptop/default.nix'), `${readText(root, 'hosts/laptop/default.nix')}# wip\n`)
    git(root, 'add', 'notes.txt')
    const before = await snapshotTree(root)
    const head = headOf(root)

    const r = await glix(['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'laptop'])
    const message = expectOneLineError(r, 'add', 1)
    expect(message).to.include('simulated nix failure')
    expect(message).to.match(/rolled back$/)
    expect(await calls()).to.have.lengthOf(1)
    await expectUnchanged(root, before, head)
  })

  it('rolls back without unstaging what the user had staged in a file glix touches', async () => {
    env.set('FAKE_NIX_FAIL', '1')
    await writeFile(path.join(root, 'flake.nix'), `# staged by the user\n${readText(root, 'flake.nix')}`)
    git(root, 'add', 'flake.nix')
    const before = await snapshotTree(root)
    const head = headOf(root)

    const r = await glix(['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'laptop'])
    expect(expectOneLineError(r, 'add', 1)).to.match(/rolled back$/)
    expect(statusOf(root)).to.deep.equal(['M  flake.nix'])
    await expectUnchanged(root, before, head)
  })

  it('serialises concurrent glix processes: both adds land, one commit each', async () => {
    const commits = commitCount(root)
    const [a, b] = await Promise.all([
      glixBin(['add', 'github:owner/pkg-a', '--dir', root, '--host', 'laptop', '--no-lock']),
      glixBin(['add', 'github:owner/pkg-b', '--dir', root, '--host', 'laptop', '--no-lock']),
    ])
    expect(a.code, a.stderr).to.equal(0)
    expect(b.code, b.stderr).to.equal(0)
    expect(commitCount(root)).to.equal(commits + 2)
    const manifest = readText(root, 'hosts/laptop/glix.toml')
    expect(manifest).to.include('[packages.pkg-a]').and.to.include('[packages.pkg-b]')
    expect(regionLines(readText(root, 'flake.nix'), 'inputs').join('\n')).to.include('pkg-a = {').and.to.include('pkg-b = {')
    expect(statusOf(root)).to.deep.equal([])
  })

  it('--apply runs `nixos-rebuild switch --flake <root>#<host>` after the commit', async () => {
    const r = await glixOk(['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'laptop', '--no-lock', '--apply'])
    expect(lines(r.stdout)[0]).to.equal('added firefox -> github:NixOS/nixpkgs#firefox (scope=system) to host laptop')
    expect(lines(r.stdout).slice(1)).to.deep.equal([committedLine(root), 'applied: nixos-rebuild switch succeeded on host laptop'])
    // Beside the switch, the host's system is evaluated for the deploy ledger.
    expect(await calls()).to.have.members([`nixos-rebuild switch --flake ${root}#laptop`, evalSystemArgs(root, 'laptop').join(' ')])
    expect(subjectOf(root)).to.match(/^glix add laptop: firefox/)
  })

  it('auto_apply = true rebuilds without --apply', async () => {
    await editManifest(root, 'laptop', (text) => text.replace('auto_apply = false', 'auto_apply = true'))
    await glixOk(['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'laptop', '--no-lock'])
    expect(await calls()).to.have.members([`nixos-rebuild switch --flake ${root}#laptop`, evalSystemArgs(root, 'laptop').join(' ')])
  })

  it('a failed rebuild after --apply exits 1 and keeps the commit', async () => {
    env.set('FAKE_REBUILD_EXIT', '3')
    const head = headOf(root)
    const r = await glix(['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'laptop', '--no-lock', '--apply'])
    expect(r.exitCode).to.equal(1)
    expect(lines(r.stderr).at(-1)).to.match(/^glix add: .*nixos-rebuild switch failed/)
    expect(git(root, 'rev-parse', 'HEAD~1').trim()).to.equal(head)
    expect(subjectOf(root)).to.match(/^glix add laptop: firefox/)
  })

  it('keeps unknown keys and comments of a hand-edited manifest: the commit changes only the new table', async () => {
    await editManifest(
      root,
      'laptop',
      (text) => `${text.replace('auto_apply = false', 'auto_apply = false # keep it off\ntheme = "dark"')}\n# my note\n[custom]\nanswer = 42\n`,
    )
    git(root, 'commit', '-q', '-am', 'hand: comments and keys')
    const before = readText(root, 'hosts/laptop/glix.toml')
    const r = await addPackage(root, 'laptop', 'github:NixOS/nixpkgs#firefox')
    expect(lines(r.stderr).filter((l) => /comment/.test(l)), r.stderr).to.deep.equal([])
    const manifest = readText(root, 'hosts/laptop/glix.toml')
    expect(manifest).to.include('theme = "dark"').and.to.include('[custom]\nanswer = 42')
    expect(manifest).to.include('# my note').and.to.include('# keep it off')
    // Only lines were added, and all of them belong to the new package's table.
    const added = git(root, 'diff', 'HEAD~1', 'HEAD', '--unified=0', '--', 'hosts/laptop/glix.toml')
      .split('\n')
      .filter((l) => /^[-+](?![-+])/.test(l))
    expect(added.filter((l) => l.startsWith('-')), added.join('\n')).to.deep.equal([])
    expect(added.map((l) => l.slice(1)).filter((l) => l !== '')).to.deep.equal([
      '[packages.firefox]',
      'flake   = "github:NixOS/nixpkgs#firefox"',
      'scope   = "system"',
      'enabled = true',
    ])
    expect(manifest.startsWith(before.slice(0, before.indexOf('\n# my note')))).to.equal(true)
  })

  it("does not sweep the user's uncommitted edit of flake.nix (outside the regions) into the glix commit", async () => {
    const wip = '# my work in progress, not for this commit\n'
    await writeFile(path.join(root, 'flake.nix'), wip + readText(root, 'flake.nix'))
    await glixOk(['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'laptop', '--no-lock'])

    expect(readText(root, 'flake.nix').startsWith(wip), 'the edit stays in the work tree').to.equal(true)
    const committed = git(root, 'show', 'HEAD:flake.nix')
    expect(regionLines(committed, 'inputs'), 'the commit has the new input').to.deep.equal([
      '    firefox = {',
      '      url = "github:NixOS/nixpkgs";',
      '    };',
    ])
    expect(committed, 'the commit does not have the user’s edit').not.to.include(wip)
    expect(statusOf(root)).to.deep.equal([' M flake.nix'])
  })

  // ---------------------------------------------------------------------------
  // One mutation path (issue 13): the same flags, notice, apply and JSON for every mutating command.

  const MUTATION_KEYS = ['applied', 'changed', 'command', 'commit', 'details', 'dry_run', 'hosts', 'lock_skipped', 'locked', 'subject']

  it('every mutation prints one JSON shape under --json, and nothing else', async () => {
    const runs: Array<[string, string[]]> = [
      ['add', ['add', 'github:NixOS/nixpkgs#firefox', '--host=laptop']],
      ['set', ['set', 'firefox', 'config.a=1', '--host=laptop']],
      ['disable', ['disable', 'firefox', '--host=laptop']],
      ['enable', ['enable', 'firefox', '--host=laptop']],
      ['host set', ['host', 'set', 'system=aarch64-linux', '--host=desktop']],
      ['rollback', ['rollback']],
      ['remove', ['remove', 'firefox', '--host=laptop']],
      ['host remove', ['host', 'remove', '--host=desktop', '--yes']],
      ['init', ['init', '--host=pi', '--user=pi-user']],
    ]
    for (const [command, args] of runs) {
      const r = await glixBin(['--json', ...args, '--dir', root], {env: {FAKE_LOG: log, PATH: process.env.PATH}})
      expect(r.code, `${command}: ${r.stderr}`).to.equal(0)
      const doc = JSON.parse(r.stdout) as Record<string, unknown> & {commit: {sha: string; short: string}}
      expect(Object.keys(doc).sort(), command).to.deep.equal(MUTATION_KEYS)
      expect(doc.command).to.equal(command)
      expect(doc.changed, command).to.equal(true)
      expect(doc.commit.sha, command).to.equal(headOf(root))
      expect(doc.commit.short, command).to.equal(headOf(root).slice(0, 12))
      expect(doc.subject, command).to.equal(subjectOf(root))
    }
  })

  it('--dry-run with --apply is a usage error, refused before anything is read or written', async () => {
    for (const args of [['add', 'github:NixOS/nixpkgs#firefox'], ['remove', 'firefox'], ['host', 'set', 'system=x'], ['rollback']]) {
      const before = await snapshotTree(root)
      const message = expectOneLineError(await glix([...args, '--dir', root, '--host', 'laptop', '--dry-run', '--apply']), args[0] === 'host' ? 'host set' : args[0], 2)
      expect(message).to.match(/--dry-run=true cannot also be provided when using --apply/)
      await expectUnchanged(root, before)
    }
  })

  it('rollback --apply rebuilds the host of the reverted commit, not --host', async () => {
    await addPackage(root, 'laptop', 'github:NixOS/nixpkgs#firefox')
    const r = await glixOk(['rollback', '--apply', '--dir', root, '--host', 'desktop', '--no-lock'])
    // Beside the switch, the host's system is evaluated for the deploy ledger.
    expect(await calls()).to.have.members([`nixos-rebuild switch --flake ${root}#laptop`, evalSystemArgs(root, 'laptop').join(' ')])
    expect(lines(r.stdout).at(-1)).to.equal('applied: nixos-rebuild switch succeeded on host laptop')
  })

  it('host set --apply rebuilds the host; host set auto_apply=true does not start a rebuild by itself', async () => {
    await glixOk(['host', 'set', 'auto_apply=true', '--dir', root, '--host', 'laptop', '--no-lock'])
    expect(await calls()).to.deep.equal([])
    await glixOk(['host', 'set', 'registry_url=https://example.com/r.json', '--dir', root, '--host', 'laptop', '--no-lock'])
    const switchLaptop = `nixos-rebuild switch --flake ${root}#laptop`
    expect(await calls(), 'the next change is applied (auto_apply)').to.have.members([switchLaptop, evalSystemArgs(root, 'laptop').join(' ')])
    await glixOk(['host', 'set', 'auto_apply=false', '--apply', '--dir', root, '--host', 'laptop', '--no-lock'])
    expect((await calls()).filter((call) => call === switchLaptop), '--apply').to.have.lengthOf(2)
  })

  it('says that locking was skipped exactly when it was needed: host set, host remove, rollback, init', async () => {
    const notice = /^glix: skipped `nix flake lock` \(--no-lock\)/m
    // flake.lock is missing: every change needs it.
    const set = await glixOk(['host', 'set', 'system=aarch64-linux', '--dir', root, '--host', 'desktop', '--no-lock'])
    expect(set.stderr).to.match(notice)
    const rollback = await glixOk(['rollback', '--dir', root, '--no-lock'])
    expect(rollback.stderr).to.match(notice)
    // Once flake.lock exists, a change outside the inputs needs no lock: no notice.
    await writeFile(path.join(root, 'flake.lock'), FAKE_LOCK)
    git(root, 'add', 'flake.lock')
    git(root, 'commit', '-q', '-m', 'lock')
    for (const args of [
      ['host', 'set', 'system=aarch64-linux', '--host', 'desktop'],
      ['init', '--host', 'pi', '--user', 'pi-user'],
      ['host', 'remove', '--host', 'desktop', '--yes'],
    ]) {
      const r = await glixOk([...args, '--dir', root, '--no-lock'])
      expect(r.stderr, args.join(' ')).not.to.match(notice)
    }
  })
})
