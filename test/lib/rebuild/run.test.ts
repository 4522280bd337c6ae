import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdtemp, realpath, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {ProcessError} from '../../../src/lib/errors.js'
import {type HostPlan, planRebuilds, type RebuildAction} from '../../../src/lib/rebuild/plan.js'
import {describeFinish, describeStart, formatDuration, hostLineWriter, rebuildOutcome, renderSummary} from '../../../src/lib/rebuild/report.js'
import {createRebuildSession, failedHosts, type HostResult, runPool, runRebuilds} from '../../../src/lib/rebuild/run.js'
import type {Spawner} from '../../../src/lib/rebuild/spawn.js'

/** What the fake spawner does for one host. */
interface Script {
  lines?: string[]
  code?: number
  ms?: number
  missing?: boolean
}

/** A spawner that runs no process: it plays a script per host and records what ran and how many at once. */
function fakeSpawner(scripts: Record<string, Script> = {}) {
  const calls: Array<{args: string[]; attach?: boolean; command: string; cwd?: string}> = []
  let running = 0
  let maxRunning = 0
  const spawn: Spawner = async (command, args, options) => {
    calls.push({args, attach: options.attach, command, cwd: options.cwd})
    const host = args[2].split('#')[1]
    const script = scripts[host] ?? {}
    if (script.missing) throw new ProcessError(`${command} not found on PATH`, {code: 'NOT_FOUND'})
    running++
    maxRunning = Math.max(maxRunning, running)
    for (const line of script.lines ?? [`building ${host}`]) {
      await new Promise((resolve) => setTimeout(resolve, (script.ms ?? 20) / 2))
      options.onLine?.(line)
    }

    await new Promise((resolve) => setTimeout(resolve, (script.ms ?? 20) / 2))
    running--
    return {code: script.code ?? 0}
  }

  return {calls, get maxRunning() {
    return maxRunning
  }, spawn}
}

function plansFor(names: string[], action: RebuildAction = 'build'): HostPlan[] {
  return planRebuilds({action, force: true, hosts: names.map((host) => ({host, settings: {}})), localHost: 'x', root: '/repo'})
}

describe('running rebuilds', () => {
  describe('runPool', () => {
    it('never runs more than `jobs` at once and runs every item once, in order of start', async () => {
      for (const jobs of [1, 2, 3, 10]) {
        let running = 0
        let max = 0
        const started: number[] = []
        await runPool([1, 2, 3, 4, 5, 6, 7], jobs, async (n) => {
          started.push(n)
          running++
          max = Math.max(max, running)
          await new Promise((resolve) => setTimeout(resolve, 5 + (n % 3) * 5))
          running--
        })
        expect(max, `jobs=${jobs}`).to.equal(Math.min(jobs, 7))
        expect(started).to.deep.equal([1, 2, 3, 4, 5, 6, 7])
      }
    })

    it('treats a jobs count below 1 as 1 and copes with no items', async () => {
      let max = 0
      let running = 0
      await runPool([1, 2, 3], 0, async () => {
        running++
        max = Math.max(max, running)
        await new Promise((resolve) => setTimeout(resolve, 2))
        running--
      })
      expect(max).to.equal(1)
      await runPool([], 3, async () => expect.fail('no items'))
    })
  })

  describe('runRebuilds', () => {
    it('runs nixos-rebuild once per host with the planned argv, in cwd, at most `jobs` at once', async () => {
      const fake = fakeSpawner()
      const results = await runRebuilds(plansFor(['a', 'b', 'c', 'd']), {cwd: '/repo', jobs: 2, spawn: fake.spawn})
      expect(fake.calls.map((c) => [c.command, ...c.args])).to.deep.equal(
        ['a', 'b', 'c', 'd'].map((h) => ['nixos-rebuild', 'build', '--flake', `/repo#${h}`]),
      )
      expect(fake.calls.every((c) => c.cwd === '/repo' && !c.attach)).to.equal(true)
      expect(fake.maxRunning).to.equal(2)
      expect(results.map((r) => r.result)).to.deep.equal(['succeeded', 'succeeded', 'succeeded', 'succeeded'])
    })

    it('keeps going after a failure by default and reports it', async () => {
      const fake = fakeSpawner({b: {code: 1, lines: ['step 1', "error: builder for 'b.drv' failed"]}})
      const results = await runRebuilds(plansFor(['a', 'b', 'c']), {cwd: '/repo', jobs: 1, spawn: fake.spawn})
      expect(fake.calls).to.have.lengthOf(3)
      expect(results.map((r) => r.result)).to.deep.equal(['succeeded', 'failed', 'succeeded'])
      const b = results[1]
      expect(b.exit_code).to.equal(1)
      expect(b.error).to.equal('nixos-rebuild build exited with status 1')
      expect(b.output_tail).to.deep.equal(['step 1', "error: builder for 'b.drv' failed"])
      expect(failedHosts(results)).to.deep.equal(['b'])
    })

    it('with fail-fast starts no host after a failure, lets running ones finish, and reports the rest as skipped', async () => {
      const fake = fakeSpawner({a: {ms: 200}, b: {code: 1, ms: 20}})
      const results = await runRebuilds(plansFor(['a', 'b', 'c', 'd']), {cwd: '/repo', failFast: true, jobs: 2, spawn: fake.spawn})
      expect(fake.calls.map((c) => c.args[2])).to.deep.equal(['/repo#a', '/repo#b'])
      expect(results.map((r) => [r.host, r.result])).to.deep.equal([
        ['a', 'succeeded'],
        ['b', 'failed'],
        ['c', 'skipped'],
        ['d', 'skipped'],
      ])
      expect(results[2].error).to.match(/--fail-fast/)
      expect(results[2].duration_ms).to.equal(0)
    })

    it('turns a missing nixos-rebuild into a failed host that says so', async () => {
      const results = await runRebuilds(plansFor(['a', 'b']), {cwd: '/repo', jobs: 1, spawn: fakeSpawner({a: {missing: true}, b: {missing: true}}).spawn})
      expect(results.map((r) => r.result)).to.deep.equal(['failed', 'failed'])
      expect(results[0].exit_code).to.equal(undefined)
      expect(results[0].error).to.equal('nixos-rebuild not found on PATH (is this a NixOS machine?)')
    })

    it('reports start, every line and the end of each host; keeps only the last lines', async () => {
      const events: string[] = []
      const lines = Array.from({length: 30}, (_, i) => `line ${i + 1}`)
      const results = await runRebuilds(plansFor(['a']), {
        cwd: '/repo',
        jobs: 1,
        reporter: {
          finished: (r) => events.push(`finished ${r.host} ${r.result}`),
          line: (host, line) => events.push(`${host}: ${line}`),
          started: (plan) => events.push(`started ${plan.host}`),
        },
        spawn: fakeSpawner({a: {lines, ms: 30}}).spawn,
        tailLines: 5,
      })
      expect(events).to.deep.equal(['started a', ...lines.map((l) => `a: ${l}`), 'finished a succeeded'])
      expect(results[0].output_tail).to.deep.equal(lines.slice(-5))
    })

    it('measures the duration with the given clock', async () => {
      let t = 1000
      const results = await runRebuilds(plansFor(['a']), {cwd: '/', jobs: 1, now: () => (t += 1500), spawn: fakeSpawner().spawn})
      expect(results[0].duration_ms).to.equal(1500)
    })
  })

  describe('the ledger', () => {
    let root: string
    let head: string
    const gitIn = (...args: string[]) => execFileSync('git', args, {cwd: root, encoding: 'utf8', env: {...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1'}}).trim()
    const ref = (host: string) => {
      try {
        return gitIn('rev-parse', '--verify', '--quiet', `refs/glix/deployed/${host}`)
      } catch {
        return undefined
      }
    }

    beforeEach(async () => {
      root = await realpath(await mkdtemp(path.join(tmpdir(), 'glix-ledger-')))
      gitIn('init', '--quiet', '--initial-branch=main')
      gitIn('-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '--quiet', '--allow-empty', '-m', 'glix init: bootstrap host a')
      head = gitIn('rev-parse', 'HEAD')
    })
    afterEach(() => rm(root, {force: true, recursive: true}))

    for (const action of ['switch', 'boot'] as const) {
      it(`records the commit after a successful ${action}, and only then`, async () => {
        const results = await runRebuilds(plansFor(['a', 'b', 'c'], action), {
          cwd: root,
          jobs: 3,
          ledger: {commit: head, root},
          spawn: fakeSpawner({b: {code: 1}}).spawn,
        })
        expect(results.map((r) => r.deployed)).to.deep.equal([head, undefined, head])
        expect([ref('a'), ref('b'), ref('c')]).to.deep.equal([head, undefined, head])
        expect(gitIn('branch', '--list')).to.equal('* main')
        expect(gitIn('rev-list', '--count', 'HEAD')).to.equal('1')
        expect(gitIn('reflog', 'show', '--format=%gs', 'refs/glix/deployed/a')).to.equal(`glix rebuild ${action}`)
      })
    }

    for (const action of ['test', 'build', 'dry-build', 'dry-activate'] as const) {
      it(`records nothing after ${action}`, async () => {
        await runRebuilds(plansFor(['a'], action), {cwd: root, jobs: 1, ledger: {commit: head, root}, spawn: fakeSpawner().spawn})
        expect(ref('a')).to.equal(undefined)
      })
    }

    it('keeps a host successful when its ref cannot be written, with a warning', async () => {
      const results = await runRebuilds(plansFor(['a'], 'switch'), {
        cwd: root,
        jobs: 1,
        ledger: {commit: 'f'.repeat(40), root},
        spawn: fakeSpawner().spawn,
      })
      expect(results[0].result).to.equal('succeeded')
      expect(results[0].deployed).to.equal(undefined)
      expect(results[0].warning).to.match(/could not record the deployed commit/)
    })
  })

  describe('sessions driven by another scheduler', () => {
    it('report hosts never run as skipped, in plan order', async () => {
      const plans = plansFor(['a', 'b', 'c'])
      const session = createRebuildSession(plans, {cwd: '/', spawn: fakeSpawner().spawn})
      await session.run(plans[2])
      expect(session.results().map((r) => [r.host, r.result])).to.deep.equal([
        ['a', 'skipped'],
        ['b', 'skipped'],
        ['c', 'succeeded'],
      ])
    })
  })

  describe('reports', () => {
    const result = (over: Partial<HostResult>): HostResult => ({
      action: 'build',
      command: [],
      duration_ms: 1234,
      host: 'desktop',
      output_tail: [],
      result: 'succeeded',
      ...over,
    })

    it('formats durations', () => {
      expect([0, 49, 1234, 59_949, 59_950, 125_000, 3_599_000, 3_725_000].map((ms) => formatDuration(ms))).to.deep.equal([
        '0.0s',
        '0.0s',
        '1.2s',
        '59.9s',
        '1m00s',
        '2m05s',
        '59m59s',
        '1h02m',
      ])
    })

    it('renders the summary table: host, action, result, duration', () => {
      expect(
        renderSummary([
          result({}),
          result({error: 'x', exit_code: 1, host: 'laptop', result: 'failed'}),
          result({error: 'y', host: 'pi', result: 'skipped'}),
          result({error: 'z', host: 'tv', result: 'failed'}),
        ]),
      ).to.equal(
        [
          'HOST     ACTION  RESULT                    DURATION',
          'desktop  build   succeeded                 1.2s',
          'laptop   build   failed (exit 1)           1.2s',
          'pi       build   skipped                   -',
          'tv       build   failed (could not start)  1.2s',
        ].join('\n'),
      )
    })

    it('writes one line per event, prefixed with the padded host, and describes how hosts end', async () => {
      const lines: string[] = []
      const plans = planRebuilds({action: 'switch', hosts: [{host: 'pi', settings: {target_host: 'root@pi'}}, {host: 'desktop', settings: {}}], localHost: 'desktop', root: '/r'})
      const out = hostLineWriter(['pi', 'desktop'], (line) => lines.push(line))
      out('pi', describeStart(plans[0]))
      out('pi', 'copying closure')
      expect(lines).to.deep.equal(['pi      | started: nixos-rebuild switch --flake /r#pi --target-host root@pi', 'pi      | copying closure'])
      expect(rebuildOutcome(result({action: 'switch', deployed: 'abcdef0123456789', host: 'pi'}))).to.deep.equal({
        notes: [],
        state: 'succeeded',
        text: 'succeeded in 1.2s; deployed commit abcdef012345 recorded',
      })
      expect(rebuildOutcome(result({action: 'switch', error: 'nixos-rebuild switch exited with status 1', exit_code: 1, result: 'failed'}))).to.deep.equal({
        notes: [],
        state: 'failed',
        text: 'failed after 1.2s: nixos-rebuild switch exited with status 1',
      })
      expect(rebuildOutcome(result({host: 'pi', warning: 'could not record the deployed commit: boom'}))).to.deep.equal({
        notes: ['warning: could not record the deployed commit: boom'],
        state: 'succeeded',
        text: 'succeeded in 1.2s',
      })
      expect(describeFinish(result({error: 'not started: an earlier host failed (--fail-fast)', result: 'skipped'}))).to.equal(
        'skipped: not started: an earlier host failed (--fail-fast)',
      )
    })
  })
})
