/**
 * `glix plan --changed` and `glix rebuild --changed` with the real Nix on
 * the fixture flakes (and the recording nixos-rebuild of
 * test/helpers/fake-rebuild.ts): evaluation, not file names, decides which
 * hosts a change affects.
 *
 * Three hosts: web and db share the pkg-hello input; mail has pkg-tool,
 * whose module reads its config; web and mail import a module under
 * shared/. After a deploy nothing is selected; then a change to one
 * manifest, to the shared input and to the shared module each select
 * exactly the hosts whose system they change — and a manifest edit that
 * changes no system selects nothing.
 */
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {maxOverlap, readCalls, writeFakePrograms} from '../helpers/fake-rebuild.js'
import {createNixRepo} from '../helpers/ledger-repo.js'
import {describeNix, type NixFixtures} from '../helpers/nix.js'
import {git, glixBin, glixOk, lines, useHermeticGit, useTempDirs} from '../helpers/repo.js'

interface Verdict {
  host: string
  changed: boolean
  reason: string
  drv_path?: string
  deployed_drv?: string
}

interface PlanChanged {
  changed: string[]
  unchanged: string[]
  evaluated: Verdict[]
  jobs: number
  hosts: Array<{host: string; changes: unknown[]; other_files: string[]}>
}

describeNix('--changed with real nix (integration)', function () {
  this.timeout(300_000)
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let tmp: string
  let root: string
  let bin: string
  let fx: NixFixtures
  let logCount = 0
  const newLog = () => path.join(tmp, `calls-${++logCount}.jsonl`)

  const env = (extra: Record<string, string> = {}) => ({FAKE_REBUILD_LINES: '1', FAKE_REBUILD_DELAY: '10', PATH: `${bin}${path.delimiter}${process.env.PATH}`, ...extra})

  async function planChanged(...extra: string[]): Promise<PlanChanged> {
    const r = await glixBin(['plan', '--changed', '--json', '--dir', root, ...extra], {env: env()})
    expect(r.code, r.stderr).to.equal(0)
    return JSON.parse(r.stdout) as PlanChanged
  }

  /** `glix rebuild --changed switch`; returns the hosts nixos-rebuild ran for. */
  async function rebuildChanged(...extra: string[]): Promise<string[]> {
    const log = newLog()
    const r = await glixBin(['rebuild', '--changed', 'switch', '--dir', root, ...extra], {env: env({FAKE_REBUILD_LOG: log})})
    expect(r.code, r.stderr).to.equal(0)
    return (await readCalls(log)).map((c) => c.host!).sort()
  }

  async function commitAll(message: string): Promise<void> {
    git(root, 'add', '-A')
    git(root, 'commit', '--quiet', '-m', message)
  }

  before(async () => {
    tmp = await tempDir()
    bin = await writeFakePrograms(tmp)
    root = path.join(tmp, 'repo')
    fx = await createNixRepo(root, path.join(tmp, 'fixtures'), [{host: 'web'}, {host: 'db'}, {host: 'mail'}])
    for (const host of ['web', 'db', 'mail']) await glixOk(['host', 'set', '--dir', root, '--host', host, `target_host=root@${host}.example`])
    await glixOk(['add', '--dir', root, '--host', 'web', '--allow-local-path', '--name', 'hello', fx.pkgHello])
    await glixOk(['add', '--dir', root, '--host', 'db', '--allow-local-path', '--name', 'hello', fx.pkgHello])
    await glixOk(['add', '--dir', root, '--host', 'mail', '--allow-local-path', '--name', 'tool', fx.pkgTool])
    await glixOk(['set', '--dir', root, '--host', 'mail', 'tool', 'config.level=3'])
    await mkdir(path.join(root, 'shared'))
    await writeFile(path.join(root, 'shared', 'common.nix'), '{ ... }: {\n  environment.etc.motd.text = "welcome";\n}\n')
    for (const host of ['web', 'mail']) {
      await writeFile(path.join(root, 'hosts', host, 'default.nix'), `{ ... }: {\n  imports = [ ../../shared/common.nix ];\n  networking.hostName = "${host}";\n}\n`)
    }

    await commitAll('my own: a shared module for web and mail')
  })

  it('selects every host before the first deploy, and none right after it', async () => {
    const before = await planChanged()
    expect(before.changed).to.deep.equal(['db', 'mail', 'web'])
    expect(before.evaluated.map((v) => v.reason)).to.deep.equal(['never deployed', 'never deployed', 'never deployed'])
    expect(await rebuildChanged()).to.deep.equal(['db', 'mail', 'web'])
    // The deploy recorded each host's evaluated drvPath beside the commit.
    for (const host of ['web', 'db', 'mail']) {
      const record = JSON.parse(git(root, 'cat-file', 'blob', `refs/glix/system/${host}`)) as {commit: string; system: {drv_path: string}}
      expect(record.commit).to.equal(git(root, 'rev-parse', 'HEAD').trim())
      const drv = execFileSync('nix', ['--extra-experimental-features', 'nix-command flakes', 'eval', '--raw', `${root}#nixosConfigurations.${host}.config.system.build.toplevel.drvPath`], {encoding: 'utf8'})
      expect(record.system.drv_path).to.equal(drv)
    }

    const after = await planChanged()
    expect(after.changed).to.deep.equal([])
    expect(after.unchanged).to.deep.equal(['db', 'mail', 'web'])
    expect(after.evaluated.every((v) => v.reason === 'unchanged' && v.drv_path === v.deployed_drv)).to.equal(true)
    const log = newLog()
    const r = await glixBin(['rebuild', '--changed', '--dir', root], {env: env({FAKE_REBUILD_LOG: log})})
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stdout).to.equal('nothing to rebuild: no host changed since its last deploy (3 evaluated)\n')
    expect(await readCalls(log)).to.deep.equal([])
  })

  it('a manifest change selects that host only', async () => {
    await glixOk(['set', '--dir', root, '--host', 'mail', 'tool', 'config.level=5'])
    const plan = await planChanged()
    expect(plan.changed).to.deep.equal(['mail'])
    expect(plan.hosts.map((h) => h.host)).to.deep.equal(['mail'])
    expect(plan.hosts[0].changes).to.deep.equal([{from: '3', key: 'config.level', kind: 'changed', package: 'tool', to: '5'}])
    expect(await rebuildChanged('--all-hosts')).to.deep.equal(['mail'])
    expect((await planChanged()).changed).to.deep.equal([])
  })

  it('a manifest edit that changes no system selects nothing (file names do not decide)', async () => {
    // pkg-hello has no module: its config reaches nothing that is built.
    await glixOk(['set', '--dir', root, '--host', 'web', 'hello', 'config.colour=blue'])
    const plain = await glixOk(['plan', '--dir', root, '--host', 'web'])
    expect(plain.stdout).to.include('~ hello  config.colour: (unset) -> "blue"')
    expect((await planChanged()).changed).to.deep.equal([])
  })

  it('a change to an input two hosts share selects both', async () => {
    const flake = path.join(fx.pkgHello.replace(/^path:/, ''), 'flake.nix')
    await writeFile(flake, (await readFile(flake, 'utf8')).replace('version = "2.12"', 'version = "2.13"'))
    await glixOk(['update', '--dir', root, '--host', 'web', 'hello'])
    const plan = await planChanged()
    expect(plan.changed).to.deep.equal(['db', 'web'])
    expect(plan.hosts.map((h) => h.other_files)).to.deep.equal([['flake.lock'], ['flake.lock']])
    expect(await rebuildChanged()).to.deep.equal(['db', 'web'])
    expect((await planChanged()).changed).to.deep.equal([])
  })

  it('a change to a module under shared/ selects the hosts that import it', async () => {
    await writeFile(path.join(root, 'shared', 'common.nix'), '{ ... }: {\n  environment.etc.motd.text = "welcome back";\n}\n')
    await commitAll('my own: a friendlier motd')
    const plan = await planChanged()
    expect(plan.changed).to.deep.equal(['mail', 'web'])
    // mail was not rebuilt for the new lock (its system did not change), so flake.lock is among its changed files too.
    expect(plan.hosts.map((h) => h.other_files)).to.deep.equal([['flake.lock', 'shared/common.nix'], ['shared/common.nix']])
    // Off a terminal, progress is one plain line per host on stderr; the verdicts on stdout.
    const text = await glixBin(['plan', '--changed', '--dir', root], {env: env()})
    expect(text.code, text.stderr).to.equal(0)
    expect(lines(text.stderr).filter((l) => / \| evaluating$/.test(l)).length).to.equal(3)
    expect(lines(text.stdout).at(-1)).to.match(/^2 of 3 hosts changed \(evaluated in \d+\.\ds, \d at a time\); unchanged: db$/)
    expect(text.stdout).to.match(/^web: system changed since [0-9a-f]{12} \(\d+ glix commits? behind \(\+\d+ other\)\)$/m)
    expect(text.stdout).to.include('  other files changed: shared/common.nix')
    expect(await rebuildChanged()).to.deep.equal(['mail', 'web'])
  })

  it('evaluates --jobs hosts at once', async () => {
    // A pass-through `nix` that records when each call starts and ends, then runs the real one.
    const realNix = execFileSync('sh', ['-c', 'command -v nix'], {encoding: 'utf8'}).trim()
    const wrapper = path.join(tmp, 'nix-wrapper')
    await mkdir(wrapper)
    const log = newLog()
    await writeFile(
      path.join(wrapper, 'nix'),
      `#!/bin/sh\nstart=$(date +%s%3N)\n"${realNix}" "$@"\ncode=$?\nprintf '{"program":"nix","argv":[],"start":%s,"end":%s,"code":%s}\\n' "$start" "$(date +%s%3N)" "$code" >> "${log}"\nexit $code\n`,
    )
    await chmod(path.join(wrapper, 'nix'), 0o755)
    const runWith = async (jobs: string) => {
      await writeFile(log, '')
      const r = await glixBin(['plan', '--changed', '--json', '--jobs', jobs, '--dir', root], {env: {PATH: `${wrapper}${path.delimiter}${process.env.PATH}`}})
      expect(r.code, r.stderr).to.equal(0)
      expect((JSON.parse(r.stdout) as PlanChanged).jobs).to.equal(Number(jobs))
      return readCalls(log)
    }

    expect(maxOverlap(await runWith('1'))).to.equal(1)
    const three = await runWith('3')
    expect(three).to.have.lengthOf(3)
    expect(maxOverlap(three)).to.be.at.least(2)
  })
})
