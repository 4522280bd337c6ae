/**
 * `glix rebuild` against a recording `nixos-rebuild` (test/helpers/fake-rebuild.ts)
 * first on PATH: argv per host, concurrency, keep-going and fail-fast, the
 * summary, the exit status and the deploy ledger. Multi-host runs go
 * through the built CLI in a subprocess, whose output is a pipe (the
 * plain, host-prefixed renderer); the terminal renderer is tested in
 * test/integration/rebuild-tty.test.ts.
 */
import {expect} from 'chai'
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {mkdir, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {maxOverlap, readCalls, writeFakePrograms} from '../helpers/fake-rebuild.js'
import {createNixRepo} from '../helpers/ledger-repo.js'
import {describeNix, type NixFixtures} from '../helpers/nix.js'
import {
  BIN,
  commitCount,
  expectOneLineError,
  git,
  glixBin,
  glixOk,
  headOf,
  lines,
  subjectOf,
  useEnv,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'

interface HostResult {
  host: string
  action: string
  result: string
  command: string[]
  exit_code?: number
  duration_ms: number
  error?: string
  deployed?: string
  output_tail: string[]
}

interface Summary {
  action: string
  jobs: number
  head: string
  ok: boolean
  failed: string[]
  hosts: HostResult[]
}

describeNix('glix rebuild', function () {
  this.timeout(120_000)
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  const env = useEnv()
  let root: string
  let bin: string
  let fx: NixFixtures
  let logDir: string
  let logCount = 0

  /** A fresh log file for the fake programs. */
  const newLog = () => path.join(logDir, `calls-${++logCount}.jsonl`)

  /** Runs the built CLI with the fakes first on PATH. */
  function rebuild(args: string[], extraEnv: Record<string, string | undefined> = {}) {
    return glixBin(['rebuild', '--dir', root, ...args], {
      env: {FAKE_REBUILD_DELAY: '20', FAKE_REBUILD_LINES: '2', PATH: `${bin}${path.delimiter}${process.env.PATH}`, ...extraEnv},
    })
  }

  const ref = (host: string): string | undefined => {
    try {
      return git(root, 'rev-parse', '--verify', '--quiet', `refs/glix/deployed/${host}`).trim()
    } catch {
      return undefined
    }
  }

  before(async () => {
    const tmp = await tempDir()
    bin = await writeFakePrograms(tmp)
    logDir = path.join(tmp, 'logs')
    await mkdir(logDir)
    root = path.join(tmp, 'repo')
    fx = await createNixRepo(root, path.join(tmp, 'fixtures'), [
      {host: 'laptop', user: 'alice'},
      {host: 'desktop', user: 'alice'},
      {host: 'pi', system: 'aarch64-linux', user: 'pi-user'},
    ])
    await glixOk(['host', 'set', '--dir', root, '--host', 'pi', 'target_host=root@pi.local', '--no-lock'])
  })

  beforeEach(() => {
    for (const line of lines(git(root, 'for-each-ref', '--format=%(refname)', 'refs/glix/'))) git(root, 'update-ref', '-d', line)
  })

  describe('one host (the seed page)', () => {
    it('`glix rebuild --host=desktop switch` on another machine is refused with an explanation; nothing runs', async () => {
      const log = newLog()
      const r = await rebuild(['--host=desktop', 'switch'], {FAKE_REBUILD_LOG: log})
      const message = expectOneLineError(r, 'rebuild', 1)
      const here = os.hostname().split('.')[0]
      expect(message).to.equal(
        `refusing to switch host desktop on this machine (${here}): it has no target host, so nixos-rebuild would activate its configuration here; ` +
          'try: set one with `glix host set --host=desktop target_host=root@desktop` or pass --target-host; ' +
          'try: use `build` or `dry-build` to only build; try: pass --force if this machine really is that host',
      )
      expect(await readCalls(log)).to.deep.equal([])
      expect(ref('desktop')).to.equal(undefined)
    })

    it('`glix rebuild --host=desktop switch` on desktop runs nixos-rebuild switch --flake <root>#desktop and records HEAD', async () => {
      const log = newLog()
      env.set('PATH', `${bin}${path.delimiter}${process.env.PATH}`)
      env.set('FAKE_REBUILD_LOG', log)
      env.set('FAKE_REBUILD_LINES', '0')
      const hostname = os.hostname
      os.hostname = () => 'desktop.home.arpa'
      try {
        const r = await glixOk(['rebuild', '--dir', root, '--host=desktop', 'switch'])
        expect(lines(r.stdout)[0]).to.equal('HOST     ACTION  RESULT     DURATION')
        expect(lines(r.stdout)[1]).to.match(/^desktop {2}switch {2}succeeded {2}\d+\.\ds$/)
        expect(r.stderr).to.equal(`glix: recorded ${headOf(root).slice(0, 12)} as deployed on desktop (refs/glix/deployed/<host>)\n`)
      } finally {
        os.hostname = hostname
      }

      const calls = await readCalls(log)
      expect(calls.map((c) => c.argv)).to.deep.equal([['switch', '--flake', `${root}#desktop`]])
      expect(ref('desktop')).to.equal(headOf(root))
    })

    it('attaches the terminal: nixos-rebuild output goes straight to stderr, unprefixed', async () => {
      const r = await rebuild(['--host=pi', 'build'], {FAKE_REBUILD_LOG: newLog()})
      expect(r.code).to.equal(0)
      expect(lines(r.stderr)).to.deep.equal(['building pi: step 1 of 2', 'building pi: step 2 of 2', 'done: pi'])
      expect(lines(r.stdout)).to.have.lengthOf(2)
      expect(lines(r.stdout)[1]).to.match(/^pi {4}build {3}succeeded {2}/)
    })

    it('fails with nixos-rebuild\'s status in one line', async () => {
      const r = await rebuild(['--host=pi', 'boot'], {FAKE_REBUILD_FAIL: 'pi', FAKE_REBUILD_LINES: '0', FAKE_REBUILD_LOG: newLog()})
      expect(r.code).to.equal(1)
      expect(lines(r.stdout)[1]).to.match(/^pi {4}boot {4}failed \(exit 1\) {2}/)
      expect(lines(r.stderr).at(-1)).to.match(/^glix rebuild: pi failed after \d+\.\ds: nixos-rebuild boot exited with status 1$/)
      expect(ref('pi')).to.equal(undefined)
    })

    it('says so when nixos-rebuild is not installed', async () => {
      const r = await rebuild(['--host=pi', 'switch'], {PATH: '/usr/bin:/bin'})
      expect(r.code).to.equal(1)
      expect(lines(r.stderr).at(-1)).to.match(/^glix rebuild: pi failed after \d+\.\ds: nixos-rebuild not found on PATH \(is this a NixOS machine\?\)$/)
    })
  })

  describe('argv', () => {
    it('gives each host its flake reference and its settings\' target and build host', async () => {
      await glixOk(['host', 'set', '--dir', root, '--host', 'laptop', 'build_host=builder@big', '--no-lock'])
      try {
        const log = newLog()
        const r = await rebuild(['--all-hosts', 'build'], {FAKE_REBUILD_LOG: log})
        expect(r.code, r.stderr).to.equal(0)
        const argv = Object.fromEntries((await readCalls(log)).map((c) => [c.host, c.argv]))
        expect(argv).to.deep.equal({
          desktop: ['build', '--flake', `${root}#desktop`],
          laptop: ['build', '--flake', `${root}#laptop`, '--build-host', 'builder@big'],
          pi: ['build', '--flake', `${root}#pi`, '--target-host', 'root@pi.local'],
        })
      } finally {
        await glixOk(['host', 'set', '--dir', root, '--host', 'laptop', 'build_host=', '--no-lock'])
      }
    })

    it('lets --target-host and --build-host override the settings and passes everything after -- through', async () => {
      const log = newLog()
      const r = await rebuild(
        ['--host=pi', '--target-host=admin@10.0.0.7', '--build-host', 'b', 'switch', '--', '--use-remote-sudo', '--option', 'cores', '2', '--host', 'x'],
        {FAKE_REBUILD_LOG: log},
      )
      expect(r.code, r.stderr).to.equal(0)
      expect((await readCalls(log)).map((c) => c.argv)).to.deep.equal([
        ['switch', '--flake', `${root}#pi`, '--target-host', 'admin@10.0.0.7', '--build-host', 'b', '--use-remote-sudo', '--option', 'cores', '2', '--host', 'x'],
      ])
    })

    it('defaults to switch, and takes passthrough alone after --', async () => {
      const log = newLog()
      const r = await rebuild(['--host=pi', '--', '--fast'], {FAKE_REBUILD_LOG: log})
      expect(r.code, r.stderr).to.equal(0)
      expect((await readCalls(log)).map((c) => c.argv)).to.deep.equal([['switch', '--flake', `${root}#pi`, '--target-host', 'root@pi.local', '--fast']])
    })

    it('takes several hosts as --host=a,b or repeated --host, in that order', async () => {
      for (const args of [['--host=pi,laptop'], ['--host', 'pi', '--host=laptop']]) {
        const log = newLog()
        const r = await rebuild([...args, 'dry-build', '--json'], {FAKE_REBUILD_LOG: log})
        expect(r.code, r.stderr).to.equal(0)
        expect((JSON.parse(r.stdout) as Summary).hosts.map((h) => h.host)).to.deep.equal(['pi', 'laptop'])
        expect((await readCalls(log)).map((c) => c.host)).to.deep.equal(['pi', 'laptop'])
      }
    })

    it('refuses bad combinations before running anything', async () => {
      const log = newLog()
      const cases: Array<[string[], number, RegExp]> = [
        [['--all-hosts', '--host=pi', 'build'], 2, /--host and --all-hosts exclude each other/],
        [['--host=pi,laptop', '--target-host=root@x', 'build'], 2, /--target-host names one machine/],
        [['--host=pi', 'bogus'], 2, /Expected bogus to be one of: switch, boot, test, build, dry-build, dry-activate/],
        [['--host=pi', 'build', 'switch'], 2, /Unexpected argument: switch/],
        [['--host=pi,../etc', 'build'], 2, /invalid host name "..\/etc"/],
        [['--host=pi,tv', 'build'], 1, /host "tv" not found/],
        [['--host=pi', '--jobs=0', 'build'], 2, /jobs/],
        [['--all-hosts', 'switch'], 1, /refusing to switch hosts desktop, laptop on this machine/],
      ]
      for (const [args, exit, message] of cases) {
        const r = await rebuild(args, {FAKE_REBUILD_LOG: log})
        expect(expectOneLineError(r, 'rebuild', exit), args.join(' ')).to.match(message)
      }

      expect(await readCalls(log)).to.deep.equal([])
    })
  })

  describe('several hosts', () => {
    it('three hosts with one failing: keeps going, prints host-prefixed lines, a summary, and exits 1', async () => {
      const log = newLog()
      const r = await rebuild(['--all-hosts', 'build'], {FAKE_REBUILD_FAIL: 'laptop', FAKE_REBUILD_LOG: log})
      expect(r.code).to.equal(1)
      expect((await readCalls(log)).map((c) => [c.host, c.code])).to.deep.equal([
        ['desktop', 0],
        ['laptop', 1],
        ['pi', 0],
      ])
      const out = lines(r.stdout)
      expect(out[0]).to.equal('HOST     ACTION  RESULT           DURATION')
      expect(out.slice(1).map((l) => l.replace(/\d+\.\ds$/, 'T'))).to.deep.equal([
        'desktop  build   succeeded        T',
        'laptop   build   failed (exit 1)  T',
        'pi       build   succeeded        T',
      ])
      const err = lines(r.stderr).map((l) => l.replace(/\d+\.\ds/, 'T').replace(/runs\/[^/]+\//, 'runs/RUN/'))
      expect(err).to.deep.equal([
        `desktop | started: nixos-rebuild build --flake ${root}#desktop`,
        'desktop | building desktop: step 1 of 2',
        'desktop | building desktop: step 2 of 2',
        'desktop | done: desktop',
        'desktop | succeeded in T',
        `laptop  | started: nixos-rebuild build --flake ${root}#laptop`,
        'laptop  | building laptop: step 1 of 2',
        'laptop  | building laptop: step 2 of 2',
        "laptop  | error: builder for '/nix/store/0000-nixos-system-laptop.drv' failed with exit code 1",
        'laptop  | failed after T: nixos-rebuild build exited with status 1',
        `pi      | started: nixos-rebuild build --flake ${root}#pi --target-host root@pi.local`,
        'pi      | building pi: step 1 of 2',
        'pi      | building pi: step 2 of 2',
        'pi      | done: pi',
        'pi      | succeeded in T',
        `glix: full output: ${root}/.git/glix/runs/RUN/<host>.log; retry with \`glix rebuild --failed\``,
        'glix rebuild: 1 of 3 hosts failed: laptop',
      ])
    })

    it('--fail-fast starts no host after a failure and lists the rest as skipped', async () => {
      const log = newLog()
      const r = await rebuild(['--all-hosts', 'build', '--fail-fast'], {FAKE_REBUILD_FAIL: 'desktop', FAKE_REBUILD_LOG: log})
      expect(r.code).to.equal(1)
      expect((await readCalls(log)).map((c) => c.host)).to.deep.equal(['desktop'])
      expect(lines(r.stdout).slice(1).map((l) => l.replace(/\d+\.\ds$/, 'T'))).to.deep.equal([
        'desktop  build   failed (exit 1)  T',
        'laptop   build   skipped          -',
        'pi       build   skipped          -',
      ])
      expect(r.stderr).to.match(/^laptop {2}\| skipped: not started: an earlier host failed \(--fail-fast\)$/m)
      expect(lines(r.stderr).at(-1)).to.equal('glix rebuild: 1 of 3 hosts failed: desktop')
    })

    it('runs one host at a time by default when any host is local, and --jobs at a time when asked', async () => {
      const slow = {FAKE_REBUILD_DELAY: '150', FAKE_REBUILD_LINES: '3'}
      const one = newLog()
      const r1 = await rebuild(['--all-hosts', 'build', '--json'], {...slow, FAKE_REBUILD_LOG: one})
      expect((JSON.parse(r1.stdout) as Summary).jobs).to.equal(1)
      expect(maxOverlap(await readCalls(one))).to.equal(1)

      const two = newLog()
      const r2 = await rebuild(['--all-hosts', 'build', '--json', '--jobs=2'], {...slow, FAKE_REBUILD_LOG: two})
      expect((JSON.parse(r2.stdout) as Summary).jobs).to.equal(2)
      const calls = await readCalls(two)
      expect(calls).to.have.lengthOf(3)
      expect(maxOverlap(calls)).to.equal(2)
    })

    it('runs remote hosts in parallel by default', async () => {
      for (const host of ['laptop', 'desktop']) await glixOk(['host', 'set', '--dir', root, '--host', host, `target_host=root@${host}`, '--no-lock'])
      try {
        const log = newLog()
        const r = await rebuild(['--all-hosts', 'switch', '--json'], {FAKE_REBUILD_DELAY: '150', FAKE_REBUILD_LINES: '3', FAKE_REBUILD_LOG: log})
        expect(r.code, r.stderr).to.equal(0)
        expect((JSON.parse(r.stdout) as Summary).jobs).to.equal(3)
        const calls = await readCalls(log)
        expect(maxOverlap(calls)).to.be.within(2, 3)
      } finally {
        for (const host of ['laptop', 'desktop']) await glixOk(['host', 'set', '--dir', root, '--host', host, 'target_host=', '--no-lock'])
      }
    })

    it('under --json prints one JSON summary and no progress', async () => {
      const r = await rebuild(['--all-hosts', 'dry-build', '--json'], {FAKE_REBUILD_FAIL: 'pi', FAKE_REBUILD_LOG: newLog()})
      expect(r.code).to.equal(1)
      expect(r.stderr).to.equal('')
      const summary = JSON.parse(r.stdout) as Summary
      expect(summary).to.include({action: 'dry-build', head: headOf(root), jobs: 1, ok: false})
      expect(summary.failed).to.deep.equal(['pi'])
      expect(summary.hosts.map((h) => [h.host, h.result, h.exit_code])).to.deep.equal([
        ['desktop', 'succeeded', 0],
        ['laptop', 'succeeded', 0],
        ['pi', 'failed', 1],
      ])
      expect(summary.hosts[2].command).to.deep.equal(['nixos-rebuild', 'dry-build', '--flake', `${root}#pi`, '--target-host', 'root@pi.local'])
      expect(summary.hosts[2].error).to.equal('nixos-rebuild dry-build exited with status 1')
      expect(summary.hosts[2].output_tail.at(-1)).to.match(/^error: builder for/)
    })
  })

  describe('the deploy ledger', () => {
    it('records HEAD for each host whose switch succeeded, never a commit on the branch', async () => {
      const head = headOf(root)
      const commits = commitCount(root)
      const r = await rebuild(['--all-hosts', 'switch', '--force'], {FAKE_REBUILD_FAIL: 'laptop', FAKE_REBUILD_LOG: newLog()})
      expect(r.code).to.equal(1)
      expect([ref('desktop'), ref('laptop'), ref('pi')]).to.deep.equal([head, undefined, head])
      expect(headOf(root)).to.equal(head)
      expect(commitCount(root)).to.equal(commits)
      expect(git(root, 'status', '--porcelain')).to.equal('')
      expect(r.stderr).to.include(`glix: recorded ${head.slice(0, 12)} as deployed on desktop, pi (refs/glix/deployed/<host>)`)
    })

    it('records boot, but not test, build, dry-build or dry-activate', async () => {
      for (const action of ['test', 'build', 'dry-build', 'dry-activate']) {
        const r = await rebuild(['--host=pi', action], {FAKE_REBUILD_LOG: newLog()})
        expect(r.code, `${action}: ${r.stderr}`).to.equal(0)
        expect(ref('pi'), action).to.equal(undefined)
      }

      const r = await rebuild(['--host=pi', 'boot'], {FAKE_REBUILD_LOG: newLog()})
      expect(r.code).to.equal(0)
      expect(ref('pi')).to.equal(headOf(root))
    })

    it('warns that uncommitted changes are built but only HEAD is recorded', async () => {
      const file = path.join(root, 'hosts', 'pi', 'default.nix')
      const before = execFileSync('cat', [file], {encoding: 'utf8'})
      execFileSync('sh', ['-c', 'echo "# local tweak" >> "$1"', 'sh', file])
      try {
        const r = await rebuild(['--host=pi', 'switch'], {FAKE_REBUILD_LINES: '0', FAKE_REBUILD_LOG: newLog()})
        expect(r.code).to.equal(0)
        expect(r.stderr).to.include('glix: uncommitted changes (1 file(s)) are built too; the ledger can only record HEAD')
      } finally {
        git(root, 'checkout', '--', 'hosts/pi/default.nix')
      }

      expect(execFileSync('cat', [file], {encoding: 'utf8'})).to.equal(before)
    })
  })

  describe('--apply after a mutation', () => {
    it('rebuilds the host with switch through its target host and records the new commit', async () => {
      const log = newLog()
      const r = await glixBin(['add', '--dir', root, '--host=pi', '--allow-local-path', '--apply', '--name=fw', fx.pkgHello], {
        env: {FAKE_REBUILD_LINES: '0', FAKE_REBUILD_LOG: log, PATH: `${bin}${path.delimiter}${process.env.PATH}`},
      })
      expect(r.code, r.stderr).to.equal(0)
      expect(subjectOf(root)).to.match(/^glix add pi: fw/)
      expect((await readCalls(log)).map((c) => c.argv)).to.deep.equal([['switch', '--flake', `${root}#pi`, '--target-host', 'root@pi.local']])
      expect(ref('pi')).to.equal(headOf(root))
    })

    it('refuses to switch another host here, after the commit, and says the change is committed', async () => {
      const log = newLog()
      const commits = commitCount(root)
      const r = await glixBin(['add', '--dir', root, '--host=laptop', '--allow-local-path', '--apply', '--name=thing', fx.pkgTool], {
        env: {FAKE_REBUILD_LOG: log, PATH: `${bin}${path.delimiter}${process.env.PATH}`},
      })
      expect(r.code).to.equal(1)
      expect(lines(r.stderr).at(-1)).to.match(/^glix add: the change is committed but not applied: refusing to switch host laptop on this machine/)
      expect(commitCount(root)).to.equal(commits + 1)
      expect(await readCalls(log)).to.deep.equal([])
    })
  })

  describe('run logs and --failed', () => {
    const runsDir = () => path.join(root, '.git', 'glix', 'runs')
    const runIds = () => (existsSync(runsDir()) ? readdirSync(runsDir()).sort() : [])
    const readRunJson = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'run.json'), 'utf8')) as {action: string; finished_at?: string; hosts: Array<{host: string; result: string}>}

    it('keeps each host\'s outcome and full output under .git/glix/runs/<time>/', async () => {
      const r = await rebuild(['--all-hosts', 'build', '--json'], {FAKE_REBUILD_FAIL: 'laptop', FAKE_REBUILD_LOG: newLog()})
      expect(r.code).to.equal(1)
      const summary = JSON.parse(r.stdout) as Summary & {run: string}
      expect(path.dirname(summary.run)).to.equal(runsDir())
      expect(path.basename(summary.run)).to.match(/^\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z$/)
      const run = readRunJson(summary.run)
      expect(run.action).to.equal('build')
      expect(run.finished_at).to.be.a('string')
      expect(run.hosts.map((h) => [h.host, h.result])).to.deep.equal([
        ['desktop', 'succeeded'],
        ['laptop', 'failed'],
        ['pi', 'succeeded'],
      ])
      expect(summary.hosts.map((h) => (h as HostResult & {log: string}).log)).to.deep.equal(['desktop', 'laptop', 'pi'].map((h) => path.join(summary.run, `${h}.log`)))
      const log = lines(readFileSync(path.join(summary.run, 'laptop.log'), 'utf8'))
      expect(log[0]).to.equal(`# glix rebuild: nixos-rebuild build --flake ${root}#laptop`)
      expect(log.slice(2)).to.deep.equal([
        'building laptop: step 1 of 2',
        'building laptop: step 2 of 2',
        "error: builder for '/nix/store/0000-nixos-system-laptop.drv' failed with exit code 1",
        log.at(-1),
      ])
      expect(log.at(-1)).to.match(/^# failed \(exit 1\) after \d+ ms: nixos-rebuild build exited with status 1$/)
    })

    it('--failed re-runs exactly the hosts the last run failed, with that run\'s action', async () => {
      const first = await rebuild(['--all-hosts', 'dry-build'], {FAKE_REBUILD_FAIL: 'laptop,pi', FAKE_REBUILD_LOG: newLog()})
      expect(first.code).to.equal(1)
      expect(first.stderr).to.include('retry with `glix rebuild --failed`')
      const log = newLog()
      const retry = await rebuild(['--failed', '--json'], {FAKE_REBUILD_FAIL: 'pi', FAKE_REBUILD_LOG: log})
      expect(retry.code).to.equal(1)
      expect((await readCalls(log)).map((c) => c.argv)).to.deep.equal([
        ['dry-build', '--flake', `${root}#laptop`],
        ['dry-build', '--flake', `${root}#pi`, '--target-host', 'root@pi.local'],
      ])
      // The retry is the last run now: only pi is left.
      const again = newLog()
      const r = await rebuild(['--failed', 'build'], {FAKE_REBUILD_LOG: again})
      expect(r.code, r.stderr).to.equal(0)
      expect((await readCalls(again)).map((c) => c.argv)).to.deep.equal([['build', '--flake', `${root}#pi`, '--target-host', 'root@pi.local']])
      const none = newLog()
      const nothing = await rebuild(['--failed'], {FAKE_REBUILD_LOG: none})
      expect(nothing.code).to.equal(0)
      expect(nothing.stdout).to.match(/^nothing to rebuild: every host of the last run \(\S+\) succeeded\n$/)
      expect(await readCalls(none)).to.deep.equal([])
    })

    it('--failed also takes the hosts --fail-fast skipped', async () => {
      await rebuild(['--all-hosts', 'build', '--fail-fast'], {FAKE_REBUILD_FAIL: 'desktop', FAKE_REBUILD_LOG: newLog()})
      const log = newLog()
      const r = await rebuild(['--failed'], {FAKE_REBUILD_LOG: log})
      expect(r.code, r.stderr).to.equal(0)
      expect((await readCalls(log)).map((c) => c.host)).to.deep.equal(['desktop', 'laptop', 'pi'])
    })

    it('--failed retries the hosts of a run that was killed half-way', async () => {
      const log = newLog()
      const child = spawn(process.execPath, [BIN, 'rebuild', '--dir', root, '--all-hosts', 'build', '--jobs=1'], {
        env: {...process.env, FAKE_REBUILD_DELAY: '400', FAKE_REBUILD_LINES: '50', FAKE_REBUILD_LOG: log, PATH: `${bin}${path.delimiter}${process.env.PATH}`},
        stdio: 'ignore',
      })
      const deadline = Date.now() + 60_000
      let running: string | undefined
      while (Date.now() < deadline) {
        const [latest] = runIds().reverse()
        // The run's directory is made a moment before its run.json (written by rename) appears.
        const hosts = latest && existsSync(path.join(runsDir(), latest, 'run.json')) ? readRunJson(path.join(runsDir(), latest)).hosts : []
        running = hosts.find((h) => h.result === 'running')?.host
        if (running) break
        await new Promise((resolve) => setTimeout(resolve, 100))
      }

      expect(running, 'a host started').to.equal('desktop')
      child.kill('SIGKILL')
      await new Promise((resolve) => child.once('exit', resolve))
      const status = await glixOk(['status', '--dir', root, '--all-hosts', '--json'])
      const lastRuns = (status.result as {hosts: Array<{host: string; last_run?: {result: string}}>}).hosts.map((h) => [h.host, h.last_run?.result])
      expect(lastRuns).to.deep.equal([
        ['desktop', 'interrupted'],
        ['laptop', 'interrupted'],
        ['pi', 'interrupted'],
      ])
      const retry = newLog()
      const r = await rebuild(['--failed'], {FAKE_REBUILD_LOG: retry})
      expect(r.code, r.stderr).to.equal(0)
      expect((await readCalls(retry)).map((c) => c.argv[0] + ' ' + c.host)).to.deep.equal(['build desktop', 'build laptop', 'build pi'])
    })

    it('caps a host\'s log at 1 MiB, keeping its start and its end', async () => {
      // 3000 lines of about 430 bytes: 1.3 MB of output.
      const r = await rebuild(['--host=pi', 'build', '--json'], {FAKE_REBUILD_DELAY: '0', FAKE_REBUILD_LINES: '3000', FAKE_REBUILD_LOG: newLog(), FAKE_REBUILD_PAD: '400'})
      expect(r.code, r.stderr).to.equal(0)
      const file = (JSON.parse(r.stdout) as Summary).hosts[0] as HostResult & {log: string}
      const size = statSync(file.log).size
      expect(size).to.be.within(1024 * 1024 - 1000, 1024 * 1024 + 100)
      const text = readFileSync(file.log, 'utf8')
      expect(text).to.include(`building pi: step 1 of 3000${'.'.repeat(400)}\n`)
      expect(text).to.match(/\n# … \d+ line\(s\), \d+ bytes left out \(log cap\) …\n/)
      expect(text).to.include(`building pi: step 3000 of 3000${'.'.repeat(400)}\ndone: pi\n# succeeded (exit 0)`)
    })

    it('prunes old runs when a new one starts, keeping the newest 20 and each host\'s newest', async () => {
      await rm(runsDir(), {force: true, recursive: true})
      // What earlier runs left: pi's only run is the oldest.
      const old = (day: number, host: string) => {
        const dir = path.join(runsDir(), `2020-01-${String(day).padStart(2, '0')}T000000.000Z`)
        mkdirSync(dir, {recursive: true})
        writeFileSync(path.join(dir, 'run.json'), JSON.stringify({action: 'build', finished_at: '2020-01-01T00:00:00.000Z', hosts: [{host, result: 'succeeded'}], pid: 1, started_at: '2020-01-01T00:00:00.000Z'}))
      }

      old(1, 'pi')
      for (let day = 2; day <= 30; day++) old(day, 'desktop')
      const r = await rebuild(['--host=laptop', 'build'], {FAKE_REBUILD_LOG: newLog()})
      expect(r.code, r.stderr).to.equal(0)
      const ids = runIds()
      expect(ids).to.have.lengthOf(21)
      expect(ids[0]).to.equal('2020-01-01T000000.000Z')
      expect(ids[1]).to.equal('2020-01-12T000000.000Z')
      expect(ids.at(-2)).to.equal('2020-01-30T000000.000Z')
    })
  })

  describe('system records', () => {
    it('a switch records the system nix evaluates for the host beside the deployed commit', async () => {
      const r = await rebuild(['--host=pi', 'switch', '--json'], {FAKE_REBUILD_LOG: newLog()})
      expect(r.code, r.stderr).to.equal(0)
      const [host] = (JSON.parse(r.stdout) as Summary).hosts as Array<HostResult & {system: {drv_path: string; out_path: string}}>
      const nix = (attr: string) =>
        execFileSync('nix', ['--extra-experimental-features', 'nix-command flakes', 'eval', '--raw', `${root}#nixosConfigurations.pi.config.system.build.toplevel.${attr}`], {encoding: 'utf8'})
      expect(host.system).to.deep.equal({drv_path: nix('drvPath'), out_path: nix('outPath')})
      const record = JSON.parse(git(root, 'cat-file', 'blob', 'refs/glix/system/pi')) as Record<string, unknown>
      expect(record).to.deep.include({action: 'switch', commit: headOf(root), host: 'pi', system: host.system})
    })
  })
})
