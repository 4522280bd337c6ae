/**
 * Round trips with the Go glix (../shared/anchor/glix-go, run as a
 * program): the Go glix makes a repo the way its users have them — three
 * hosts, system and home packages, a pin on one host only (so one package
 * name means two flakes), a config value, a disabled package — then glix
 * lists, shows, repairs the conflict, adds, removes and sets, each commit
 * touching only the lines it changes, and the Go glix reads and changes
 * the result again.
 *
 * No Nix: the Go glix runs with a stub `nix` (go-glix.ts), glix with
 * --no-lock, so the suite runs on any machine that has the Go binary.
 */
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import path from 'node:path'

import {describeGoGlix, GO_OFFLINE_ADD, runGoGlix} from '../helpers/go-glix.js'
import {glixOk, lines, readText, subjectOf, useHermeticGit, useTempDirs} from '../helpers/repo.js'

/** The changed lines of `file` in HEAD, as `+line` / `-line`. */
function changedLines(root: string, file: string, rev = 'HEAD'): string[] {
  const diff = execFileSync('git', ['diff', '-U0', `${rev}~1`, rev, '--', file], {cwd: root, encoding: 'utf8'})
  return lines(diff).filter((line) => /^[+-]/.test(line) && !/^(\+\+\+|---) /.test(line))
}

/** The files HEAD changed. */
function filesOfHead(root: string): string[] {
  return lines(execFileSync('git', ['diff-tree', '--no-commit-id', '--name-only', '-r', 'HEAD'], {cwd: root, encoding: 'utf8'}))
}

/** flake.nix with the bodies of the managed regions cut out: what must never change. */
function outsideRegions(text: string): string {
  return text.replaceAll(/(# >>> glix-managed (\w+) >>>\n)[^]*?(\s*# <<< glix-managed \2 <<<)/g, '$1$3')
}

describeGoGlix('round trips with the Go glix', function () {
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let root: string
  let env: NodeJS.ProcessEnv

  const go = (...args: string[]) => runGoGlix(args, {env})
  const on = (host: string) => [`--dir=${root}`, `--host=${host}`]

  before(async function () {
    this.timeout(120_000)
    root = path.join(await tempDir('glix-go-roundtrip-'), 'repo')
    env = {...process.env}
    await go('init', ...on('laptop'), '--user=alice')
    await go('init', ...on('desktop'), '--user=alice')
    await go('init', ...on('pi'), '--user=pi-user', '--system=aarch64-linux')
    await go('add', ...on('laptop'), ...GO_OFFLINE_ADD, '--name=firefox', 'github:NixOS/nixpkgs#firefox')
    await go('add', ...on('desktop'), ...GO_OFFLINE_ADD, '--name=firefox', 'github:NixOS/nixpkgs#firefox')
    await go('add', ...on('laptop'), ...GO_OFFLINE_ADD, '--scope=home', '--name=greeting', 'github:owner/pkg-greeting')
    await go('add', ...on('pi'), ...GO_OFFLINE_ADD, '--pin=abc123', '--name=greeting', 'github:owner/pkg-greeting')
    await go('set', ...on('laptop'), 'greeting', 'config.message=hello there')
    await go('add', ...on('desktop'), ...GO_OFFLINE_ADD, '--name=htop', 'github:owner/htop')
    await go('disable', ...on('desktop'), 'htop')
  })

  it('glix lists and shows the Go repo, naming the conflict, without rewriting a manifest', async () => {
    const manifests = ['laptop', 'desktop', 'pi'].map((host) => readText(root, `hosts/${host}/glix.toml`))
    const list = await glixOk(['list', '--dir', root, '--all-hosts', '--all'])
    expect(lines(list.stdout).map((line) => line.split(/\s+/).slice(0, 4))).to.deep.equal([
      ['HOST', 'NAME', 'SCOPE', 'STATE'],
      ['desktop', 'firefox', 'system', 'enabled'],
      ['desktop', 'htop', 'system', 'disabled'],
      ['laptop', 'firefox', 'system', 'enabled'],
      ['laptop', 'greeting', 'home', 'enabled'],
      ['pi', 'greeting', 'system', 'enabled'],
    ])
    expect(list.stderr).to.include('first glix run in this repo')
    expect(list.stderr).to.include('package "greeting" means different flakes on different hosts')
    const show = await glixOk(['show', 'greeting', '--dir', root, '--host', 'laptop'])
    expect(show.stdout).to.include('message = "hello there"')
    expect(['laptop', 'desktop', 'pi'].map((host) => readText(root, `hosts/${host}/glix.toml`))).to.deep.equal(manifests)
    // The regeneration of the first run fixed what Nix refuses (a #fragment in an input URL) and dropped the disabled input.
    const flake = readText(root, 'flake.nix')
    expect(flake).to.include('url = "github:NixOS/nixpkgs";')
    expect(flake).not.to.include('htop = {')
    expect(flake).to.include('url = "github:owner/pkg-greeting?rev=abc123";')
  })

  it('repairs the conflict with `set pin=`: one line added to one manifest, nothing else committed', async () => {
    await glixOk(['set', 'greeting', 'pin=abc123', '--dir', root, '--host', 'laptop', '--no-lock'])
    expect(subjectOf(root)).to.equal('glix set laptop: greeting (pin=abc123)')
    expect(filesOfHead(root)).to.deep.equal(['hosts/laptop/glix.toml'])
    expect(changedLines(root, 'hosts/laptop/glix.toml')).to.deep.equal(['+pin     = "abc123"'])
    const list = await glixOk(['list', '--dir', root, '--all-hosts'])
    expect(list.stderr).not.to.include('different flakes')
  })

  it('adds: the manifest gains one table, flake.nix changes only inside its regions', async () => {
    const before = readText(root, 'flake.nix')
    await glixOk(['add', 'github:owner/tool', '--dir', root, '--host', 'desktop', '--no-lock'])
    expect(subjectOf(root)).to.equal('glix add desktop: tool (github:owner/tool, system, via uri)')
    expect(changedLines(root, 'hosts/desktop/glix.toml')).to.deep.equal([
      '+[packages.tool]',
      '+flake   = "github:owner/tool"',
      '+scope   = "system"',
      '+enabled = true',
      '+',
    ])
    const after = readText(root, 'flake.nix')
    expect(outsideRegions(after)).to.equal(outsideRegions(before))
    // The new input, plus what the first run found stale in the Go glix's region (a #fragment Nix
    // refuses in an input URL, the input of a disabled package), committed with the first change to flake.nix.
    expect(changedLines(root, 'flake.nix')).to.have.members([
      '-      url = "github:NixOS/nixpkgs#firefox";',
      '+      url = "github:NixOS/nixpkgs";',
      '-    htop = {',
      '-      url = "github:owner/htop";',
      '+    tool = {',
      '+      url = "github:owner/tool";',
    ])
  })

  it('sets a config value: one line changes', async () => {
    await glixOk(['set', 'greeting', 'config.message=bye', '--dir', root, '--host', 'laptop', '--no-lock'])
    expect(subjectOf(root)).to.equal('glix set laptop: greeting (config.message=bye)')
    expect(changedLines(root, 'hosts/laptop/glix.toml')).to.deep.equal(['-message = "hello there"', '+message = "bye"'])
    expect(filesOfHead(root)).to.deep.equal(['hosts/laptop/glix.toml'])
  })

  it('removes: only that table goes', async () => {
    await glixOk(['remove', 'firefox', '--dir', root, '--host', 'desktop', '--no-lock'])
    expect(subjectOf(root)).to.equal('glix remove desktop: firefox')
    expect(changedLines(root, 'hosts/desktop/glix.toml')).to.deep.equal([
      '-[packages.firefox]',
      '-flake   = "github:NixOS/nixpkgs#firefox"',
      '-scope   = "system"',
      '-enabled = true',
      '-',
    ])
    // laptop still has firefox: its input stays.
    expect(readText(root, 'flake.nix')).to.include('firefox = {')
  })

  it('the Go glix reads what glix wrote and goes on changing it', async () => {
    for (const host of ['laptop', 'desktop', 'pi']) {
      const r = await go('list', ...on(host), '--all')
      expect(r.code, r.stderr).to.equal(0)
    }

    const laptop = await go('show', ...on('laptop'), 'greeting')
    expect(laptop.stdout).to.include('abc123')
    expect(laptop.stdout).to.include('bye')
    const desktop = await go('list', ...on('desktop'), '--all')
    expect(desktop.stdout).to.include('tool')
    expect(desktop.stdout).not.to.include('firefox')
    await go('add', ...on('pi'), ...GO_OFFLINE_ADD, '--name=btop', 'github:owner/btop')
    expect(subjectOf(root)).to.equal('glix add pi: btop (github:owner/btop, system, via uri)')
    const list = await glixOk(['list', '--dir', root, '--host', 'pi'])
    expect(list.stdout).to.include('btop')
  })
})
