/**
 * The lifecycle commands (spec §4, §5) with real git in temp repos:
 * `remove`, `enable`/`disable`, `set`, `host set`, `host remove`,
 * `rollback`, `update` and `doctor`, on their happy and their error paths.
 *
 * Nix is not the subject here: mutations run with `--no-lock`, except
 * where the test is about *whether* Nix runs. There a fake `nix` first on
 * PATH logs every call (argv, one line each) and writes a fake flake.lock,
 * so a test can prove which Nix command ran, or that none did.
 */
import {expect} from 'chai'
import {existsSync, symlinkSync} from 'node:fs'
import {appendFile, chmod, cp, mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {
  addPackage,
  commitCount,
  createRepo,
  editManifest,
  editText,
  expectOneLineError,
  expectUnchanged,
  filesOf,
  git,
  glix,
  glixBin,
  glixOk,
  headOf,
  lines,
  outsideRegions,
  readText,
  regionLines,
  snapshotTree,
  statusOf,
  subjectOf,
  useEnv,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'

const FIREFOX = 'github:NixOS/nixpkgs#firefox'
const FIREFOX_INPUT = ['    firefox = {', '      url = "github:NixOS/nixpkgs";', '    };']
const FEATURES = '--extra-experimental-features nix-command flakes'

/**
 * A fake `nix`: `--version` prints $FAKE_NIX_VERSION (default 2.8.0) and
 * `show-config` a config with flakes on, both without logging; every other
 * call appends its argv as one line to $FAKE_LOG and, unless
 * $FAKE_NIX_NOWRITE is set, writes a flake.lock that differs per call
 * (a counter in $FAKE_LOG.count).
 */
const FAKE_NIX = `#!/bin/sh
case "$1" in
  --version) echo "nix (Nix) \${FAKE_NIX_VERSION:-2.8.0}"; exit 0 ;;
  show-config) echo "experimental-features = nix-command flakes"; exit 0 ;;
esac
echo "$*" >> "$FAKE_LOG"
if [ -z "$FAKE_NIX_NOWRITE" ]; then
  n=$(( $(cat "$FAKE_LOG.count" 2>/dev/null || echo 0) + 1 ))
  echo "$n" > "$FAKE_LOG.count"
  printf '{\\n  "nodes": {\\n    "root": {}\\n  },\\n  "root": "root",\\n  "version": 7,\\n  "fake": %s\\n}\\n' "$n" > flake.lock
fi
`

describe('lifecycle commands', () => {
  useHermeticGit()
  const tempDir = useTempDirs()
  const env = useEnv()
  let tmp: string
  let root: string
  let shimDir: string
  let log: string

  /** Runs glix in-process on `root` (host given by the caller). */
  const run = (...args: string[]) => glix([...args, '--dir', root])
  const ok = (...args: string[]) => glixOk([...args, '--dir', root])
  const calls = async () => lines(await readFile(log, 'utf8'))
  const manifest = (host: string) => readText(root, `hosts/${host}/glix.toml`)
  const inputs = () => regionLines(readText(root, 'flake.nix'), 'inputs')
  const hostsRegion = () => regionLines(readText(root, 'flake.nix'), 'hosts')

  /** Puts the fake nix first on PATH for this process and its children. */
  function useFakeNix(): void {
    env.set('PATH', `${shimDir}${path.delimiter}${process.env.PATH}`)
    env.set('FAKE_LOG', log)
  }

  // Two hosts, a and b, made once and copied for each test (a copy of a repo is a repo).
  const suiteDir = useTempDirs('suite')
  let template: string
  before(async () => {
    template = await createRepo(path.join(await suiteDir(), 'repo'), [
      {host: 'a', user: 'alice'},
      {host: 'b', user: 'alice'},
    ])
  })

  beforeEach(async () => {
    tmp = await tempDir()
    root = path.join(tmp, 'repo')
    await cp(template, root, {recursive: true})
    shimDir = path.join(tmp, 'bin')
    await mkdir(shimDir)
    await writeFile(path.join(shimDir, 'nix'), FAKE_NIX)
    await chmod(path.join(shimDir, 'nix'), 0o755)
    log = path.join(tmp, 'nix-calls.log')
    await writeFile(log, '')
  })

  /** Locks the repo with the fake nix (a committed flake.lock), then clears the call log. */
  async function lockWithFakeNix(): Promise<void> {
    useFakeNix()
    await ok('update')
    expect(existsSync(path.join(root, 'flake.lock'))).to.equal(true)
    await writeFile(log, '')
  }

  // -------------------------------------------------------------------------
  describe('remove', () => {
    it('drops the package and its input, one commit `glix remove <h>: <name>`', async () => {
      await addPackage(root, 'a', FIREFOX)
      await addPackage(root, 'a', 'github:NixOS/nixpkgs#hello')
      const commits = commitCount(root)
      const flakeBefore = readText(root, 'flake.nix')

      const r = await ok('remove', 'firefox', '--host', 'a', '--no-lock')
      expect(lines(r.stdout)).to.deep.equal(['removed firefox from host a', 'staged. run `glix rebuild` to apply.'])
      expect(commitCount(root)).to.equal(commits + 1)
      expect(subjectOf(root)).to.equal('glix remove a: firefox')
      expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/a/glix.toml'])
      expect(manifest('a')).not.to.include('[packages.firefox]')
      expect(manifest('a')).to.include('[packages.hello]')
      expect(inputs()).to.deep.equal(['    hello = {', '      url = "github:NixOS/nixpkgs";', '    };'])
      expect(outsideRegions(readText(root, 'flake.nix'))).to.equal(outsideRegions(flakeBefore))
      expect(statusOf(root)).to.deep.equal([])
    })

    it('keeps the input when another host still has the package enabled', async () => {
      await addPackage(root, 'a', FIREFOX)
      await addPackage(root, 'b', FIREFOX)
      const flakeBefore = readText(root, 'flake.nix')
      await ok('remove', 'firefox', '--host', 'a', '--no-lock')
      expect(subjectOf(root)).to.equal('glix remove a: firefox')
      expect(filesOf(root)).to.deep.equal(['hosts/a/glix.toml'])
      expect(inputs()).to.deep.equal(FIREFOX_INPUT)
      expect(readText(root, 'flake.nix')).to.equal(flakeBefore)
      expect(manifest('b')).to.include('[packages.firefox]')
    })

    it('drops the input when the only other host has the package disabled', async () => {
      await addPackage(root, 'a', FIREFOX)
      await addPackage(root, 'b', FIREFOX)
      await ok('disable', 'firefox', '--host', 'b', '--no-lock')
      expect(inputs()).to.deep.equal(FIREFOX_INPUT)
      await ok('remove', 'firefox', '--host', 'a', '--no-lock')
      expect(inputs()).to.deep.equal([])
      expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/a/glix.toml'])
    })

    it('relocks with `nix flake lock` when the input goes, and not when another host keeps it', async () => {
      await addPackage(root, 'a', FIREFOX)
      await addPackage(root, 'b', FIREFOX)
      await addPackage(root, 'a', 'github:owner/tool')
      await lockWithFakeNix()

      await ok('remove', 'firefox', '--host', 'a')
      expect(await calls(), 'firefox is still an input (host b)').to.deep.equal([])
      expect(filesOf(root)).to.deep.equal(['hosts/a/glix.toml'])

      const r = await ok('remove', 'tool', '--host', 'a')
      expect(r.stderr).to.equal('')
      expect(await calls()).to.deep.equal([`${FEATURES} flake lock`])
      expect(filesOf(root)).to.deep.equal(['flake.lock', 'flake.nix', 'hosts/a/glix.toml'])
    })

    it('--dry-run prints the plan and writes nothing', async () => {
      await addPackage(root, 'a', FIREFOX)
      const before = await snapshotTree(root)
      const head = headOf(root)
      const r = await ok('remove', 'firefox', '--host', 'a', '--dry-run', '--no-lock')
      expect(lines(r.stdout)).to.deep.equal(['would remove firefox from host a'])
      await expectUnchanged(root, before, head)
    })

    it('refuses an unknown package, naming the packages the host has', async () => {
      await addPackage(root, 'a', FIREFOX)
      const before = await snapshotTree(root)
      const head = headOf(root)
      const message = expectOneLineError(await run('remove', 'chromium', '--host', 'a', '--no-lock'), 'remove', 1)
      expect(message).to.include('"chromium" not found on host a').and.to.include('firefox')
      await expectUnchanged(root, before, head)
    })

    it('refuses an unknown host', async () => {
      const before = await snapshotTree(root)
      const message = expectOneLineError(await run('remove', 'firefox', '--host', 'nohost', '--no-lock'), 'remove', 1)
      expect(message).to.include('host "nohost" not found')
      await expectUnchanged(root, before)
    })
  })

  // -------------------------------------------------------------------------
  describe('enable / disable', () => {
    beforeEach(async () => {
      await addPackage(root, 'a', FIREFOX)
    })

    it('disable: enabled = false, input leaves the region, one commit', async () => {
      const commits = commitCount(root)
      const r = await ok('disable', 'firefox', '--host', 'a', '--no-lock')
      expect(lines(r.stdout)[0]).to.equal('disabled firefox on host a')
      expect(commitCount(root)).to.equal(commits + 1)
      expect(subjectOf(root)).to.equal('glix disable a: firefox')
      expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/a/glix.toml'])
      expect(manifest('a')).to.include('[packages.firefox]\nflake   = "github:NixOS/nixpkgs#firefox"\nscope   = "system"\nenabled = false\n')
      expect(inputs()).to.deep.equal([])
      expect(statusOf(root)).to.deep.equal([])
    })

    it('disable of a disabled package is a no-op message and no commit', async () => {
      await ok('disable', 'firefox', '--host', 'a', '--no-lock')
      const before = await snapshotTree(root)
      const head = headOf(root)
      const r = await ok('disable', 'firefox', '--host', 'a', '--no-lock')
      expect(lines(r.stdout)).to.deep.equal(['firefox is already disabled on host a; nothing to do'])
      expect(r.stderr).to.equal('')
      await expectUnchanged(root, before, head)
    })

    it('enable brings the input back, one commit; enable again is a no-op', async () => {
      await ok('disable', 'firefox', '--host', 'a', '--no-lock')
      const commits = commitCount(root)
      const r = await ok('enable', 'firefox', '--host', 'a', '--no-lock')
      expect(lines(r.stdout)[0]).to.equal('enabled firefox on host a')
      expect(commitCount(root)).to.equal(commits + 1)
      expect(subjectOf(root)).to.equal('glix enable a: firefox')
      expect(manifest('a')).to.include('enabled = true')
      expect(inputs()).to.deep.equal(FIREFOX_INPUT)

      const before = await snapshotTree(root)
      const head = headOf(root)
      const again = await ok('enable', 'firefox', '--host', 'a', '--no-lock')
      expect(lines(again.stdout)).to.deep.equal(['firefox is already enabled on host a; nothing to do'])
      await expectUnchanged(root, before, head)
    })

    it('a package disabled on one host stays an input while another host has it enabled', async () => {
      await addPackage(root, 'b', FIREFOX)
      const flakeBefore = readText(root, 'flake.nix')
      await ok('disable', 'firefox', '--host', 'a', '--no-lock')
      expect(filesOf(root)).to.deep.equal(['hosts/a/glix.toml'])
      expect(readText(root, 'flake.nix')).to.equal(flakeBefore)
      expect(inputs()).to.deep.equal(FIREFOX_INPUT)
    })

    it('disable and enable relock through nix when the inputs region changes', async () => {
      await lockWithFakeNix()
      await ok('disable', 'firefox', '--host', 'a')
      expect(await calls()).to.deep.equal([`${FEATURES} flake lock`])
      expect(filesOf(root)).to.deep.equal(['flake.lock', 'flake.nix', 'hosts/a/glix.toml'])
      await ok('enable', 'firefox', '--host', 'a')
      expect(await calls()).to.have.lengthOf(2)
      expect(filesOf(root)).to.deep.equal(['flake.lock', 'flake.nix', 'hosts/a/glix.toml'])
    })

    for (const verb of ['enable', 'disable']) {
      it(`${verb} of an unknown package is refused`, async () => {
        const before = await snapshotTree(root)
        const message = expectOneLineError(await run(verb, 'chromium', '--host', 'a', '--no-lock'), verb, 1)
        expect(message).to.include('not found on host a')
        await expectUnchanged(root, before)
      })
    }
  })

  // -------------------------------------------------------------------------
  describe('set', () => {
    beforeEach(async () => {
      await addPackage(root, 'a', FIREFOX)
    })

    const pkgTable = () => {
      const text = manifest('a')
      const start = text.indexOf('[packages.firefox]')
      expect(start).to.be.greaterThan(-1)
      return text.slice(start)
    }

    it('flake=… changes the reference and the input URL', async () => {
      await ok('set', 'firefox', 'flake=github:mozilla/firefox?dir=pkg', '--host', 'a', '--no-lock')
      expect(subjectOf(root)).to.equal('glix set a: firefox (flake=github:mozilla/firefox?dir=pkg)')
      expect(pkgTable()).to.include('flake   = "github:mozilla/firefox?dir=pkg"')
      expect(inputs()).to.deep.equal(['    firefox = {', '      url = "github:mozilla/firefox?dir=pkg";', '    };'])
      expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/a/glix.toml'])
    })

    it('scope=home and user=…, user= clears the user', async () => {
      await ok('set', 'firefox', 'scope=home', 'user=bob', '--host', 'a', '--no-lock')
      expect(pkgTable()).to.include('scope   = "home"\nenabled = true\nuser    = "bob"\n')
      expect(filesOf(root), 'the input is unchanged').to.deep.equal(['hosts/a/glix.toml'])
      await ok('set', 'firefox', 'user=', '--host', 'a', '--no-lock')
      expect(subjectOf(root)).to.equal('glix set a: firefox (user=)')
      expect(pkgTable()).not.to.include('user')
      expect(pkgTable()).to.include('scope   = "home"')
    })

    it('enabled=false / enabled=true', async () => {
      await ok('set', 'firefox', 'enabled=false', '--host', 'a', '--no-lock')
      expect(pkgTable()).to.include('enabled = false')
      expect(inputs()).to.deep.equal([])
      await ok('set', 'firefox', 'enabled=true', '--host', 'a', '--no-lock')
      expect(inputs()).to.deep.equal(FIREFOX_INPUT)
    })

    it('pin=… folds rev= into the input URL; pin= clears it', async () => {
      await ok('set', 'firefox', 'pin=0123abcd', '--host', 'a', '--no-lock')
      expect(pkgTable()).to.include('enabled = true\npin     = "0123abcd"\n')
      expect(inputs()).to.deep.equal(['    firefox = {', '      url = "github:NixOS/nixpkgs?rev=0123abcd";', '    };'])
      await ok('set', 'firefox', 'pin=', '--host', 'a', '--no-lock')
      expect(subjectOf(root)).to.equal('glix set a: firefox (pin=)')
      expect(pkgTable()).not.to.include('pin')
      expect(inputs()).to.deep.equal(FIREFOX_INPUT)
    })

    it('config.<k>=v adds a config key (manifest only); config.<k>= deletes it', async () => {
      await ok('set', 'firefox', 'config.message=hello there', 'config.level=3', '--host', 'a', '--no-lock')
      expect(subjectOf(root)).to.equal('glix set a: firefox (config.message=hello there config.level=3)')
      expect(filesOf(root)).to.deep.equal(['hosts/a/glix.toml'])
      expect(pkgTable()).to.include('[packages.firefox.config]\nlevel = "3"\nmessage = "hello there"\n')
      await ok('set', 'firefox', 'config.level=', '--host', 'a', '--no-lock')
      expect(pkgTable()).to.include('[packages.firefox.config]\nmessage = "hello there"\n')
      expect(pkgTable()).not.to.include('level')
      await ok('set', 'firefox', 'config.message=', '--host', 'a', '--no-lock')
      expect(pkgTable()).not.to.include('.config]')
    })

    it('config keys named like JavaScript built-ins are data: constructor, __proto__', async () => {
      await ok('set', 'firefox', 'config.constructor=c', '--host', 'a', '--no-lock')
      expect(pkgTable()).to.include('[packages.firefox.config]\nconstructor = "c"\n')
      const r = await ok('set', 'firefox', 'config.__proto__=p', '--host', 'a', '--no-lock')
      expect(lines(r.stdout)[0], 'config.__proto__ must not be a silent no-op').to.equal('updated firefox on host a')
      expect(pkgTable()).to.include('[packages.firefox.config]\n__proto__ = "p"\nconstructor = "c"\n')
      await ok('set', 'firefox', 'config.__proto__=', '--host', 'a', '--no-lock')
      expect(pkgTable()).to.include('[packages.firefox.config]\nconstructor = "c"\n')
      expect(pkgTable()).not.to.include('__proto__')
    })

    it('puts every pair into one commit', async () => {
      const commits = commitCount(root)
      const r = await ok('set', 'firefox', 'pin=abc', 'scope=home', 'user=bob', 'config.a=1', 'config.b=x "y"', '--host', 'a', '--no-lock')
      expect(lines(r.stdout)[0]).to.equal('updated firefox on host a')
      expect(commitCount(root)).to.equal(commits + 1)
      expect(subjectOf(root)).to.equal('glix set a: firefox (pin=abc scope=home user=bob config.a=1 config.b=x "y")')
      expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/a/glix.toml'])
      expect(pkgTable()).to.equal(
        [
          '[packages.firefox]',
          'flake   = "github:NixOS/nixpkgs#firefox"',
          'scope   = "home"',
          'enabled = true',
          'pin     = "abc"',
          'user    = "bob"',
          '',
          '[packages.firefox.config]',
          'a = "1"',
          'b = "x \\"y\\""',
          '',
        ].join('\n'),
      )
      expect(statusOf(root)).to.deep.equal([])
    })

    it('the same values again: nothing to do, no commit', async () => {
      await ok('set', 'firefox', 'pin=abc', '--host', 'a', '--no-lock')
      const before = await snapshotTree(root)
      const head = headOf(root)
      const r = await ok('set', 'firefox', 'pin=abc', '--host', 'a', '--no-lock')
      expect(lines(r.stdout)).to.deep.equal(['firefox on host a already has those values; nothing to do'])
      await expectUnchanged(root, before, head)
    })

    const refusals: Array<{title: string; pairs: string[]; includes: string[]}> = [
      {includes: ['scope must be system or home', '"root"'], pairs: ['pin=abc', 'config.k=v', 'scope=root'], title: 'one bad pair among good ones'},
      {includes: ['"pin" is given twice'], pairs: ['pin=abc', 'pin=def'], title: 'a repeated key'},
      {includes: ['"config.k" is given twice'], pairs: ['config.k=a', 'config.k='], title: 'a repeated config key'},
      {includes: ['user only applies to home-scope packages'], pairs: ['user=bob'], title: 'user with system scope'},
      {includes: ['user only applies to home-scope packages'], pairs: ['user=bob', 'config.k=v'], title: 'user with system scope, next to a good pair'},
      {includes: ['unknown package key "colour"'], pairs: ['colour=red'], title: 'an unknown key'},
      {includes: ['enabled must be true or false'], pairs: ['enabled=yes'], title: 'enabled=yes'},
      {includes: ['invalid pin'], pairs: ['pin=a b'], title: 'a pin with a space'},
      {includes: ['invalid flake reference "": is empty'], pairs: ['flake='], title: 'an empty flake'},
      {includes: ['--allow-local-path'], pairs: ['flake=/srv/firefox'], title: 'an absolute local path without --allow-local-path'},
    ]
    for (const c of refusals) {
      it(`refuses ${c.title}, leaving every file byte-identical`, async () => {
        const before = await snapshotTree(root)
        const head = headOf(root)
        const message = expectOneLineError(await run('set', 'firefox', ...c.pairs, '--host', 'a', '--no-lock'), 'set', 2)
        for (const fragment of c.includes) expect(message).to.include(fragment)
        await expectUnchanged(root, before, head)
      })
    }

    it('accepts an absolute local path with --allow-local-path', async () => {
      await ok('set', 'firefox', 'flake=/srv/firefox', '--allow-local-path', '--host', 'a', '--no-lock')
      expect(pkgTable()).to.include('flake   = "/srv/firefox"')
    })

    it('refuses an unknown package', async () => {
      const before = await snapshotTree(root)
      expect(expectOneLineError(await run('set', 'chromium', 'pin=abc', '--host', 'a', '--no-lock'), 'set', 1)).to.include('not found')
      await expectUnchanged(root, before)
    })

    it('`set X config.k=v` starts no Nix at all (subprocess, fake nix first on PATH, no --no-lock)', async () => {
      await lockWithFakeNix()
      const head = headOf(root)
      const lockBefore = readText(root, 'flake.lock')
      const r = await glixBin(['set', 'firefox', 'config.k=v', '--dir', root, '--host', 'a'], {
        env: {FAKE_LOG: log, PATH: `${shimDir}${path.delimiter}${process.env.PATH}`},
      })
      expect(r.code, r.stderr).to.equal(0)
      expect(r.stderr).to.equal('')
      expect(lines(r.stdout)[0]).to.equal('updated firefox on host a')
      expect(await readFile(log, 'utf8'), 'nix was started').to.equal('')
      expect(git(root, 'rev-parse', 'HEAD~1').trim()).to.equal(head)
      expect(filesOf(root)).to.deep.equal(['hosts/a/glix.toml'])
      expect(readText(root, 'flake.lock')).to.equal(lockBefore)
    })

    it('`set X pin=…` relocks: the input URL changed', async () => {
      await lockWithFakeNix()
      await ok('set', 'firefox', 'pin=abc', '--host', 'a')
      expect(await calls()).to.deep.equal([`${FEATURES} flake lock`])
      expect(filesOf(root)).to.deep.equal(['flake.lock', 'flake.nix', 'hosts/a/glix.toml'])
    })
  })

  // -------------------------------------------------------------------------
  describe('the one-input-namespace rule', () => {
    it('refuses `set --host=b X flake=<other url>` when host a has X with another URL, naming both hosts', async () => {
      await addPackage(root, 'a', FIREFOX)
      await addPackage(root, 'b', FIREFOX)
      const before = await snapshotTree(root)
      const head = headOf(root)
      const r = await run('set', '--host=b', 'firefox', 'flake=github:mozilla/firefox', '--no-lock')
      const message = expectOneLineError(r, 'set', 1)
      expect(message).to.include('host a').and.to.include('host b')
      expect(message).to.include('github:NixOS/nixpkgs').and.to.include('github:mozilla/firefox')
      expect(message).to.include('--name')
      await expectUnchanged(root, before, head)
    })

    it('counts a disabled entry on the other host too', async () => {
      await addPackage(root, 'a', FIREFOX)
      await ok('disable', 'firefox', '--host', 'a', '--no-lock')
      await addPackage(root, 'b', FIREFOX)
      const before = await snapshotTree(root)
      const message = expectOneLineError(await run('set', 'firefox', 'pin=abc', '--host', 'b', '--no-lock'), 'set', 1)
      expect(message).to.include('host a').and.to.include('host b')
      await expectUnchanged(root, before)
    })

    it('allows a different fragment of the same flake under one name', async () => {
      await addPackage(root, 'a', FIREFOX)
      await addPackage(root, 'b', FIREFOX)
      await ok('set', 'firefox', 'flake=github:NixOS/nixpkgs#firefox-esr', '--host', 'b', '--no-lock')
      expect(filesOf(root)).to.deep.equal(['hosts/b/glix.toml'])
    })
  })

  // -------------------------------------------------------------------------
  describe('host set', () => {
    const settings = (host: string) => {
      const text = manifest(host)
      return text.slice(text.indexOf('[settings]'), text.indexOf('[packages') === -1 ? undefined : text.indexOf('[packages'))
    }

    it('system=… regenerates the hosts line, one commit', async () => {
      const commits = commitCount(root)
      const r = await ok('host', 'set', 'system=aarch64-linux', '--host', 'b', '--no-lock')
      expect(lines(r.stdout)).to.deep.equal(['updated host b'])
      expect(commitCount(root)).to.equal(commits + 1)
      expect(subjectOf(root)).to.equal('glix host set b: (system=aarch64-linux)')
      expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/b/glix.toml'])
      expect(settings('b')).to.include('system = "aarch64-linux"')
      expect(hostsRegion()).to.deep.equal(['        a = mkHost "a" "x86_64-linux";', '        b = mkHost "b" "aarch64-linux";'])
      expect(statusOf(root)).to.deep.equal([])
    })

    it('every key, all pairs in one commit, in canonical order', async () => {
      const commits = commitCount(root)
      await ok(
        'host',
        'set',
        'build_host=builder.local',
        'target_host=root@pi.local',
        'registry_url=https://example.com/registry.json',
        'auto_apply=true',
        'default_scope=home',
        'primary_user=bob',
        'system=aarch64-linux',
        '--host',
        'a',
        '--no-lock',
      )
      expect(commitCount(root)).to.equal(commits + 1)
      expect(subjectOf(root)).to.equal(
        'glix host set a: (build_host=builder.local target_host=root@pi.local registry_url=https://example.com/registry.json auto_apply=true default_scope=home primary_user=bob system=aarch64-linux)',
      )
      expect(settings('a')).to.equal(
        [
          '[settings]',
          'default_scope = "home"',
          'auto_apply = true',
          'system = "aarch64-linux"',
          'primary_user = "bob"',
          'registry_url = "https://example.com/registry.json"',
          'target_host = "root@pi.local"',
          'build_host = "builder.local"',
          '',
        ].join('\n'),
      )
    })

    for (const [key, value] of [
      ['primary_user', 'bob'],
      ['registry_url', 'https://example.com/r.json'],
      ['target_host', 'root@pi.local'],
      ['build_host', 'builder'],
    ]) {
      it(`${key}=… sets it; ${key}= clears it`, async () => {
        await ok('host', 'set', `${key}=${value}`, '--host', 'a', '--no-lock')
        expect(subjectOf(root)).to.equal(`glix host set a: (${key}=${value})`)
        expect(filesOf(root)).to.deep.equal(['hosts/a/glix.toml'])
        expect(settings('a')).to.include(`${key} = "${value}"`)
        await ok('host', 'set', `${key}=`, '--host', 'a', '--no-lock')
        expect(subjectOf(root)).to.equal(`glix host set a: (${key}=)`)
        expect(settings('a')).not.to.include(`${key} =`)
      })
    }

    it('default_scope=home makes `add` without --scope a home package', async () => {
      await ok('host', 'set', 'default_scope=home', '--host', 'a', '--no-lock')
      expect(settings('a')).to.include('default_scope = "home"')
      const r = await addPackage(root, 'a', 'github:owner/tool')
      expect(lines(r.stdout)[0]).to.equal('added tool -> github:owner/tool (scope=home) to host a')
    })

    it('auto_apply=true / auto_apply=false', async () => {
      await ok('host', 'set', 'auto_apply=true', '--host', 'a', '--no-lock')
      expect(settings('a')).to.include('auto_apply = true')
      await ok('host', 'set', 'auto_apply=false', '--host', 'a', '--no-lock')
      expect(settings('a')).to.include('auto_apply = false')
    })

    it('the same values again: nothing to do, no commit', async () => {
      const before = await snapshotTree(root)
      const head = headOf(root)
      const r = await ok('host', 'set', 'system=x86_64-linux', 'auto_apply=false', '--host', 'a', '--no-lock')
      expect(lines(r.stdout)).to.deep.equal(['host a already has those settings; nothing to do'])
      await expectUnchanged(root, before, head)
    })

    const refusals: Array<{title: string; pairs: string[]; includes: string[]}> = [
      {includes: ['invalid system', '"x86_64"'], pairs: ['system=x86_64'], title: 'an invalid system tuple'},
      {includes: ['invalid system'], pairs: ['system=x86_64-linux-gnu'], title: 'a three-part system'},
      {includes: ['system cannot be empty'], pairs: ['system='], title: 'an empty system'},
      {includes: ['unknown host setting key "hostname"'], pairs: ['hostname=pi'], title: 'an unknown key'},
      {includes: ['invalid user name'], pairs: ['primary_user=../x'], title: 'a bad primary_user'},
      {includes: ['default_scope must be system or home'], pairs: ['default_scope=root'], title: 'default_scope=root'},
      {includes: ['auto_apply must be true or false'], pairs: ['auto_apply=yes'], title: 'auto_apply=yes'},
      {includes: ['given twice'], pairs: ['system=aarch64-linux', 'system=x86_64-linux'], title: 'a repeated key'},
      {includes: ['invalid system'], pairs: ['primary_user=bob', 'system=arm'], title: 'one bad pair among good ones'},
    ]
    for (const c of refusals) {
      it(`refuses ${c.title}, leaving every file byte-identical`, async () => {
        const before = await snapshotTree(root)
        const head = headOf(root)
        const message = expectOneLineError(await run('host', 'set', ...c.pairs, '--host', 'a', '--no-lock'), 'host set', 2)
        for (const fragment of c.includes) expect(message).to.include(fragment)
        await expectUnchanged(root, before, head)
      })
    }

    it('refuses an unknown host', async () => {
      const before = await snapshotTree(root)
      expect(expectOneLineError(await run('host', 'set', 'system=aarch64-linux', '--host', 'nohost', '--no-lock'), 'host set', 1)).to.include(
        'not found',
      )
      await expectUnchanged(root, before)
    })

    it('`host set system=…` starts no Nix (subprocess, fake nix first on PATH, no --no-lock)', async () => {
      await lockWithFakeNix()
      const r = await glixBin(['host', 'set', 'system=aarch64-linux', '--dir', root, '--host', 'b'], {
        env: {FAKE_LOG: log, PATH: `${shimDir}${path.delimiter}${process.env.PATH}`},
      })
      expect(r.code, r.stderr).to.equal(0)
      expect(r.stderr).to.equal('')
      expect(await readFile(log, 'utf8'), 'nix was started').to.equal('')
      expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/b/glix.toml'])
      expect(hostsRegion()).to.include('        b = mkHost "b" "aarch64-linux";')
    })
  })

  // -------------------------------------------------------------------------
  describe('host remove', () => {
    it('--yes removes hosts/<h>/ (user files included) and its hosts line, in one commit', async () => {
      await writeFile(path.join(root, 'hosts/b/extra.nix'), '{ ... }: { }\n')
      git(root, 'add', 'hosts/b/extra.nix')
      git(root, 'commit', '-q', '-m', 'my own module')
      const commits = commitCount(root)
      const r = await ok('host', 'remove', '--host', 'b', '--yes', '--no-lock')
      expect(lines(r.stdout)).to.deep.equal(['removed host b (hosts/b/default.nix, hosts/b/extra.nix, hosts/b/glix.toml)'])
      expect(commitCount(root)).to.equal(commits + 1)
      expect(subjectOf(root)).to.equal('glix host remove b: 3 file(s)')
      expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/b/default.nix', 'hosts/b/extra.nix', 'hosts/b/glix.toml'])
      expect(existsSync(path.join(root, 'hosts/b'))).to.equal(false)
      expect(hostsRegion()).to.deep.equal(['        a = mkHost "a" "x86_64-linux";'])
      expect(git(root, 'ls-files', 'hosts/b')).to.equal('')
      expect(statusOf(root)).to.deep.equal([])
    })

    it('a symlink to a file (hardware-configuration.nix) goes with the directory; its target stays', async () => {
      const target = path.join(tmp, 'hardware-configuration.nix')
      await writeFile(target, '{ ... }: { }\n')
      symlinkSync(target, path.join(root, 'hosts/b/hardware-configuration.nix'))
      git(root, 'add', 'hosts/b/hardware-configuration.nix')
      git(root, 'commit', '-q', '-m', 'link the hardware configuration')
      await ok('host', 'remove', '--host', 'b', '--yes', '--no-lock')
      expect(readText(tmp, 'hardware-configuration.nix')).to.equal('{ ... }: { }\n')
      expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/b/default.nix', 'hosts/b/glix.toml', 'hosts/b/hardware-configuration.nix'])
      expect(existsSync(path.join(root, 'hosts/b'))).to.equal(false)
      expect(statusOf(root)).to.deep.equal([])
    })

    it('removes an untracked file in the host directory too', async () => {
      await writeFile(path.join(root, 'hosts/b/scratch.nix'), '# wip\n')
      await ok('host', 'remove', '--host', 'b', '--yes', '--no-lock')
      expect(existsSync(path.join(root, 'hosts/b'))).to.equal(false)
      expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/b/default.nix', 'hosts/b/glix.toml'])
      expect(statusOf(root)).to.deep.equal([])
    })

    it("drops the inputs only the removed host used, keeps the others' ", async () => {
      await addPackage(root, 'a', FIREFOX)
      await addPackage(root, 'b', FIREFOX)
      await addPackage(root, 'b', 'github:owner/tool')
      await ok('host', 'remove', '--host', 'b', '--yes', '--no-lock')
      expect(inputs()).to.deep.equal(FIREFOX_INPUT)
    })

    it('without --yes and without a terminal: exit 2, nothing changed', async () => {
      const before = await snapshotTree(root)
      const head = headOf(root)
      const r = await glixBin(['host', 'remove', '--dir', root, '--host', 'b', '--no-lock'])
      const message = expectOneLineError(r, 'host remove', 2)
      expect(message).to.include('--yes')
      await expectUnchanged(root, before, head)
    })

    it('--dry-run lists the files and removes nothing', async () => {
      const before = await snapshotTree(root)
      const r = await ok('host', 'remove', '--host', 'b', '--dry-run')
      expect(lines(r.stdout)).to.deep.equal(['would remove host b (hosts/b/default.nix, hosts/b/glix.toml)'])
      await expectUnchanged(root, before)
    })

    it('refuses an unknown host', async () => {
      const before = await snapshotTree(root)
      const message = expectOneLineError(await run('host', 'remove', '--host', 'nohost', '--yes', '--no-lock'), 'host remove', 1)
      expect(message).to.include('host "nohost" not found')
      await expectUnchanged(root, before)
    })
  })

  // -------------------------------------------------------------------------
  describe('rollback', () => {
    it('reverts the last glix commit as a new commit; files back, flake.nix regenerated', async () => {
      const flakeBefore = readText(root, 'flake.nix')
      const manifestBefore = manifest('a')
      await addPackage(root, 'a', FIREFOX)
      const added = subjectOf(root)
      const commits = commitCount(root)

      const r = await ok('rollback', '--no-lock')
      expect(lines(r.stdout)[0]).to.equal(`reverted "${added}" (flake.nix, hosts/a/glix.toml)`)
      expect(commitCount(root)).to.equal(commits + 1)
      expect(subjectOf(root)).to.equal(`Revert "${added}"`)
      expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/a/glix.toml'])
      expect(manifest('a')).to.equal(manifestBefore)
      expect(readText(root, 'flake.nix')).to.equal(flakeBefore)
      expect(inputs()).to.deep.equal([])
      expect(git(root, 'diff', 'HEAD~2', 'HEAD')).to.equal('')
      expect(statusOf(root)).to.deep.equal([])
    })

    it('rolling back twice re-applies the change', async () => {
      await addPackage(root, 'a', FIREFOX)
      const added = manifest('a')
      await ok('rollback', '--no-lock')
      expect(manifest('a')).not.to.include('firefox')
      await ok('rollback', '--no-lock')
      expect(subjectOf(root)).to.match(/^Revert "Revert "glix add a: firefox/)
      expect(manifest('a')).to.equal(added)
      expect(inputs()).to.deep.equal(FIREFOX_INPUT)
      expect(git(root, 'diff', 'HEAD~2', 'HEAD')).to.equal('')
    })

    it('rolling back the init of a second host removes its directory and hosts line', async () => {
      await createRepo(root, [{host: 'c'}])
      expect(existsSync(path.join(root, 'hosts/c'))).to.equal(true)
      await ok('rollback', '--no-lock')
      expect(subjectOf(root)).to.equal('Revert "glix init: bootstrap host c"')
      expect(existsSync(path.join(root, 'hosts/c'))).to.equal(false)
      expect(hostsRegion()).to.deep.equal(['        a = mkHost "a" "x86_64-linux";', '        b = mkHost "b" "x86_64-linux";'])
      expect(statusOf(root)).to.deep.equal([])
    })

    it('reverts a `set`: pin and config gone, the input URL back', async () => {
      await addPackage(root, 'a', FIREFOX)
      const before = manifest('a')
      await ok('set', 'firefox', 'config.k=v', 'pin=abc', '--host', 'a', '--no-lock')
      await ok('rollback', '--no-lock')
      expect(subjectOf(root)).to.equal('Revert "glix set a: firefox (config.k=v pin=abc)"')
      expect(manifest('a')).to.equal(before)
      expect(inputs()).to.deep.equal(FIREFOX_INPUT)
    })

    it('reverts a `host set`: the hosts line back', async () => {
      await ok('host', 'set', 'system=aarch64-linux', '--host', 'a', '--no-lock')
      await ok('rollback', '--no-lock')
      expect(hostsRegion()).to.deep.equal(['        a = mkHost "a" "x86_64-linux";', '        b = mkHost "b" "x86_64-linux";'])
      expect(manifest('a')).to.include('system = "x86_64-linux"')
    })

    it('reverts a `host remove`: the directory and the hosts line back', async () => {
      const before = await snapshotTree(path.join(root, 'hosts'))
      await ok('host', 'remove', '--host', 'b', '--yes', '--no-lock')
      await ok('rollback', '--no-lock')
      await expectUnchanged(path.join(root, 'hosts'), before)
      expect(hostsRegion()).to.deep.equal(['        a = mkHost "a" "x86_64-linux";', '        b = mkHost "b" "x86_64-linux";'])
      expect(statusOf(root)).to.deep.equal([])
    })

    it('refuses a dirty tree (a changed tracked file), changing nothing', async () => {
      await addPackage(root, 'a', FIREFOX)
      await appendFile(path.join(root, 'hosts/a/default.nix'), '# wip\n')
      const before = await snapshotTree(root)
      const head = headOf(root)
      const message = expectOneLineError(await run('rollback', '--no-lock'), 'rollback', 1)
      expect(message).to.include('uncommitted changes')
      await expectUnchanged(root, before, head)
    })

    it('an untracked file does not make the tree dirty', async () => {
      await addPackage(root, 'a', FIREFOX)
      await writeFile(path.join(root, 'notes.txt'), 'todo\n')
      await ok('rollback', '--no-lock')
      expect(readText(root, 'notes.txt')).to.equal('todo\n')
      expect(filesOf(root)).to.deep.equal(['flake.nix', 'hosts/a/glix.toml'])
    })

    it('refuses when HEAD is not a glix commit', async () => {
      await addPackage(root, 'a', FIREFOX)
      await writeFile(path.join(root, 'README.md'), '# mine\n')
      git(root, 'add', 'README.md')
      git(root, 'commit', '-q', '-m', 'docs: my readme')
      const before = await snapshotTree(root)
      const head = headOf(root)
      const message = expectOneLineError(await run('rollback', '--no-lock'), 'rollback', 1)
      expect(message).to.include('HEAD is not a glix commit').and.to.include('docs: my readme')
      await expectUnchanged(root, before, head)
    })

    it('refuses the first commit of the repository', async () => {
      const fresh = await createRepo(path.join(tmp, 'fresh'), [{host: 'a'}])
      const before = await snapshotTree(fresh)
      const head = headOf(fresh)
      const message = expectOneLineError(await glix(['rollback', '--dir', fresh, '--no-lock']), 'rollback', 1)
      expect(message).to.include('first commit')
      await expectUnchanged(fresh, before, head)
    })

    it('reverts a `glix update`: flake.lock back, no Nix run', async () => {
      await addPackage(root, 'a', FIREFOX)
      await lockWithFakeNix()
      const lockBefore = readText(root, 'flake.lock')
      await ok('update')
      expect(readText(root, 'flake.lock')).not.to.equal(lockBefore)
      await writeFile(log, '')
      await ok('rollback')
      expect(subjectOf(root)).to.equal('Revert "glix update: all inputs"')
      expect(filesOf(root)).to.deep.equal(['flake.lock'])
      expect(readText(root, 'flake.lock')).to.equal(lockBefore)
      expect(await calls()).to.deep.equal([])
    })

    it('relocks when the reverted commit changed the inputs', async () => {
      await lockWithFakeNix()
      await ok('add', FIREFOX, '--host', 'a')
      await writeFile(log, '')
      await ok('rollback')
      expect(await calls()).to.deep.equal([`${FEATURES} flake lock`])
      expect(filesOf(root)).to.include('flake.lock')
    })
  })

  // -------------------------------------------------------------------------
  describe('update (fake nix)', () => {
    beforeEach(async () => {
      await addPackage(root, 'a', FIREFOX)
      useFakeNix()
    })

    it('`update` runs `nix flake update` and commits flake.lock', async () => {
      const commits = commitCount(root)
      const r = await ok('update')
      expect(lines(r.stdout)).to.deep.equal(['updated all inputs'])
      expect(await calls()).to.deep.equal([`${FEATURES} flake update`])
      expect(commitCount(root)).to.equal(commits + 1)
      expect(subjectOf(root)).to.equal('glix update: all inputs')
      expect(filesOf(root)).to.deep.equal(['flake.lock'])
      expect(statusOf(root)).to.deep.equal([])
    })

    it('on Nix 2.8, `update nixpkgs firefox` runs `nix flake lock --update-input …` per input', async () => {
      env.set('FAKE_NIX_VERSION', '2.8.0')
      const r = await ok('update', 'nixpkgs', 'firefox')
      expect(lines(r.stdout)).to.deep.equal(['updated nixpkgs, firefox'])
      expect(await calls()).to.deep.equal([`${FEATURES} flake lock --update-input nixpkgs --update-input firefox`])
      expect(subjectOf(root)).to.equal('glix update: [nixpkgs firefox]')
    })

    it('on Nix 2.24, `update nixpkgs firefox` runs `nix flake update nixpkgs firefox`', async () => {
      env.set('FAKE_NIX_VERSION', '2.24.0')
      await ok('update', 'nixpkgs', 'firefox')
      expect(await calls()).to.deep.equal([`${FEATURES} flake update nixpkgs firefox`])
    })

    it('takes the fixed inputs home-manager and glixos-core', async () => {
      await ok('update', 'home-manager', 'glixos-core')
      expect(await calls()).to.deep.equal([`${FEATURES} flake lock --update-input home-manager --update-input glixos-core`])
    })

    it('an unchanged flake.lock: says so, no commit', async () => {
      await ok('update')
      await writeFile(log, '')
      env.set('FAKE_NIX_NOWRITE', '1')
      const head = headOf(root)
      const r = await ok('update')
      expect(lines(r.stdout)).to.deep.equal(['flake.lock is already up to date'])
      expect(await calls()).to.have.lengthOf(1)
      expect(headOf(root)).to.equal(head)
    })

    it('refuses an unknown input before Nix runs, listing the known inputs', async () => {
      const before = await snapshotTree(root)
      const head = headOf(root)
      const message = expectOneLineError(await run('update', 'nixpkgs', 'chromium'), 'update', 2)
      expect(message).to.include('unknown input "chromium"')
      expect(message).to.include('firefox, glixos-core, home-manager, nixpkgs')
      expect(await calls()).to.deep.equal([])
      await expectUnchanged(root, before, head)
    })

    it('a failing nix rolls flake.lock back and exits 1', async () => {
      await ok('update')
      await writeFile(path.join(shimDir, 'nix'), FAKE_NIX.replace('echo "$*" >> "$FAKE_LOG"', 'echo "$*" >> "$FAKE_LOG"; echo "error: no network" >&2; exit 1'))
      const before = await snapshotTree(root)
      const head = headOf(root)
      const message = expectOneLineError(await run('update'), 'update', 1)
      expect(message).to.include('no network').and.to.match(/rolled back$/)
      await expectUnchanged(root, before, head)
    })
  })

  // -------------------------------------------------------------------------
  describe('doctor', () => {
    interface Report {
      checks: Array<{message: string; name: string; status: string}>
      ok: boolean
      root?: string
    }

    const doctor = (extraEnv: Record<string, string> = {}) =>
      glixBin(['doctor', '--dir', root, '--json'], {env: {FAKE_LOG: log, PATH: `${shimDir}${path.delimiter}${process.env.PATH}`, ...extraEnv}})
    const parse = (stdout: string) => JSON.parse(stdout) as Report
    const check = (report: Report, name: string) => {
      const found = report.checks.find((c) => c.name === name)
      expect(found, `check ${name} in ${JSON.stringify(report.checks)}`).to.not.equal(undefined)
      return found!
    }

    beforeEach(async () => {
      await addPackage(root, 'a', FIREFOX)
      await lockWithFakeNix()
    })

    it('--json prints {checks: [{name, status, message}], ok, root}; a healthy repo is all OK, exit 0', async () => {
      const r = await doctor()
      expect(r.code, r.stderr).to.equal(0)
      const report = parse(r.stdout)
      expect(Object.keys(report).sort()).to.deep.equal(['checks', 'ok', 'root'])
      expect(report.ok).to.equal(true)
      expect(report.root).to.equal(root)
      expect(report.checks.length).to.be.greaterThan(5)
      for (const c of report.checks) {
        expect(Object.keys(c).sort()).to.deep.equal(['message', 'name', 'status'])
        expect(c.status, `${c.name}: ${c.message}`).to.equal('OK')
        expect(c.message).to.be.a('string').and.not.equal('')
      }

      expect(report.checks.map((c) => c.name)).to.include.members(['nix', 'flakes', 'repo', 'transaction', 'git', 'manifests', 'conflicts', 'flake.nix', 'flake.lock'])
      expect(await calls(), 'doctor only asks nix for its version and config').to.deep.equal([])
    })

    it('prints one aligned line per check without --json', async () => {
      const r = await glixBin(['doctor', '--dir', root], {env: {FAKE_LOG: log, PATH: `${shimDir}${path.delimiter}${process.env.PATH}`}})
      expect(r.code).to.equal(0)
      const out = lines(r.stdout)
      expect(out.length).to.be.greaterThan(5)
      for (const line of out) expect(line).to.match(/^(OK {2}|WARN|FAIL) {2}\S/)
    })

    it('exit 1 and a FAIL naming the host when a manifest is broken; nothing written', async () => {
      await editManifest(root, 'b', (text) => text.replace('schema = 1', 'schema = 2'))
      const before = await snapshotTree(root)
      const r = await doctor()
      expect(r.code).to.equal(1)
      const report = parse(r.stdout)
      expect(report.ok).to.equal(false)
      const failed = check(report, 'manifest b')
      expect(failed.status).to.equal('FAIL')
      expect(failed.message).to.include('hosts/b/glix.toml').and.to.include('schema')
      await expectUnchanged(root, before)
    })

    it('exit 1 and a FAIL when a marker of flake.nix is missing', async () => {
      await editText(root, 'flake.nix', (text) => text.replace(/^.*# <<< glix-managed hosts <<<\n/m, ''))
      const before = await snapshotTree(root)
      const r = await doctor()
      expect(r.code).to.equal(1)
      const report = parse(r.stdout)
      expect(check(report, 'flake.nix').status).to.equal('FAIL')
      await expectUnchanged(root, before)
    })

    it('exit 1 and a FAIL when a transaction journal is left; doctor does not recover it', async () => {
      const journal = path.join(root, '.git/glix/journal.json')
      const content = JSON.stringify({command: 'add', dirs: [], files: {}, index: '', pid: 1, startedAt: new Date(0).toISOString()})
      await writeFile(journal, content)
      const r = await doctor()
      expect(r.code).to.equal(1)
      const report = parse(r.stdout)
      expect(report.ok).to.equal(false)
      expect(check(report, 'transaction').status).to.equal('FAIL')
      expect(await readFile(journal, 'utf8')).to.equal(content)
    })

    it('WARNs about stale regions after a hand edit, and does not regenerate them itself', async () => {
      await editManifest(root, 'b', (text) => text.replace('system = "x86_64-linux"', 'system = "aarch64-linux"'))
      const before = await snapshotTree(root)
      const r = await doctor()
      expect(r.code, r.stderr).to.equal(0)
      const report = parse(r.stdout)
      expect(report.ok).to.equal(true)
      const flake = check(report, 'flake.nix')
      expect(flake.status).to.equal('WARN')
      expect(flake.message).to.include('stale')
      await expectUnchanged(root, before)
      expect(hostsRegion()).to.include('        b = mkHost "b" "x86_64-linux";')
    })

    it('FAILs (exit 1) when nix is not on PATH', async () => {
      const gitOnly = path.join(tmp, 'git-only')
      await mkdir(gitOnly)
      symlinkSync(whichGit(), path.join(gitOnly, 'git'))
      const r = await glixBin(['doctor', '--dir', root, '--json'], {env: {PATH: gitOnly}})
      expect(r.code).to.equal(1)
      expect(check(parse(r.stdout), 'nix').status).to.equal('FAIL')
    })

    it('with the real nix (when present), a healthy repo exits 0', async function () {
      const realPath = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== shimDir)
      const {hasNix} = await import('../helpers/nix.js')
      env.set('PATH', realPath.join(path.delimiter))
      if (!hasNix()) this.skip()
      const r = await glixBin(['doctor', '--dir', root, '--json'], {env: {PATH: realPath.join(path.delimiter)}})
      expect(r.code, r.stdout).to.equal(0)
      const report = parse(r.stdout)
      expect(check(report, 'nix').status).to.equal('OK')
      expect(check(report, 'nix').message).to.match(/^nix \(Nix\) \d+\.\d+/)
    })
  })

  // -------------------------------------------------------------------------
  describe('hand-written manifest content', () => {
    const EXTRAS = ['theme = "dark"', 'priority = 5', '[custom]\nanswer = 42']

    it('unknown keys (top level, settings, package) survive every lifecycle rewrite', async () => {
      await addPackage(root, 'a', FIREFOX)
      await addPackage(root, 'a', 'github:owner/tool')
      await editManifest(root, 'a', (text) =>
        `${text.replace('auto_apply = false', 'auto_apply = false\ntheme = "dark"').replace('enabled = true', 'enabled = true\npriority = 5')}\n[custom]\nanswer = 42\n`,
      )
      git(root, 'commit', '-q', '-am', 'hand: extra keys')
      const expectExtras = (step: string) => {
        const text = manifest('a')
        for (const extra of EXTRAS) expect(text, `after ${step}`).to.include(extra)
      }

      const steps: string[][] = [
        ['disable', 'firefox'],
        ['enable', 'firefox'],
        ['set', 'firefox', 'config.k=v', 'pin=abc'],
        ['host', 'set', 'system=aarch64-linux', 'target_host=root@a'],
        ['remove', 'tool'],
      ]
      for (const step of steps) {
        await ok(...step, '--host', 'a', '--no-lock')
        expectExtras(step.join(' '))
      }

      await ok('rollback', '--no-lock')
      expectExtras('rollback')
      expect(manifest('a')).to.include('[packages.tool]')
      await ok('host', 'remove', '--host', 'b', '--yes', '--no-lock')
      expectExtras('host remove of another host')
      expect(statusOf(root)).to.deep.equal([])
    })

    it('a hand-written comment: one notice at the rewrite that drops it, none at the next', async () => {
      await addPackage(root, 'a', FIREFOX)
      await editManifest(root, 'a', (text) => `${text}# keep firefox pinned one day\n`)
      const first = await ok('set', 'firefox', 'config.k=v', '--host', 'a', '--no-lock')
      const notices = lines(first.stderr).filter((l) => /comment/.test(l))
      expect(notices, first.stderr).to.have.lengthOf(1)
      expect(notices[0]).to.match(/^glix: .*hosts\/a\/glix\.toml.*1 hand-written comment/)
      expect(manifest('a')).not.to.include('keep firefox pinned')

      const second = await ok('disable', 'firefox', '--host', 'a', '--no-lock')
      expect(lines(second.stderr).filter((l) => /comment/.test(l))).to.deep.equal([])
    })

    it('a comment in a manifest no command rewrites gets no notice', async () => {
      await editManifest(root, 'b', (text) => `# host b is the desktop\n${text}`)
      git(root, 'commit', '-q', '-am', 'hand: comment')
      await addPackage(root, 'a', FIREFOX)
      const r = await ok('disable', 'firefox', '--host', 'a', '--no-lock')
      expect(r.stderr).not.to.match(/comment/)
      expect(manifest('b')).to.include('# host b is the desktop')
    })
  })
})

/** The absolute path of the `git` on PATH. */
function whichGit(): string {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, 'git')
    if (dir && existsSync(candidate)) return candidate
  }

  throw new Error('git not found on PATH')
}
