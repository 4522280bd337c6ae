/**
 * The decisions of `--changed` and `status --probe`, with a real git repo
 * and ledger but a scripted evaluator and ssh (the real ones run in
 * test/integration/fleet-*.test.ts).
 */
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdtemp, realpath, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {createChangeCheck} from '../../../src/lib/rebuild/changed.js'
import {clipRemoteText, createProbe, type HostProbe, probeExitCode, type SshRunner} from '../../../src/lib/rebuild/probe.js'
import type {SystemPaths} from '../../../src/lib/rebuild/system.js'
import {recordDeployment} from '../../../src/lib/repo/ledger.js'

const store = (c: string, name: string) => `/nix/store/${c.repeat(32)}-${name}`
const sys = (c: string, host: string): SystemPaths => ({drv_path: `${store(c, `nixos-system-${host}`)}.drv`, out_path: store(c, `nixos-system-${host}`)})

describe('which hosts changed, and what hosts run', () => {
  let root: string
  let head: string
  const env = {...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1'}
  const git = (...args: string[]) => execFileSync('git', args, {cwd: root, encoding: 'utf8', env}).trim()
  /** What the scripted evaluator returns per host (a thrown Error for a failing one). */
  let evaluations: Record<string, Error | SystemPaths>
  let evaluated: string[]
  const evaluate = async (_root: string, host: string) => {
    evaluated.push(host)
    const value = evaluations[host]
    if (value instanceof Error) throw value
    return value
  }

  beforeEach(async () => {
    root = await realpath(await mkdtemp(path.join(tmpdir(), 'glix-probe-')))
    git('init', '--quiet', '--initial-branch=main')
    git('-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '--quiet', '--allow-empty', '-m', 'glix init')
    head = git('rev-parse', 'HEAD')
    evaluated = []
    // desktop: deployed a, still a. laptop: deployed a, now b. pi: deployed without a record. tv: never deployed. nas: fails to evaluate.
    await recordDeployment(root, 'desktop', head, 'switch', sys('a', 'desktop'))
    await recordDeployment(root, 'laptop', head, 'switch', sys('a', 'laptop'))
    await recordDeployment(root, 'pi', head, 'switch', {error: 'offline'})
    await recordDeployment(root, 'nas', head, 'boot', sys('a', 'nas'))
    evaluations = {desktop: sys('a', 'desktop'), laptop: sys('b', 'laptop'), nas: new Error('nix eval failed: undefined variable'), pi: sys('c', 'pi'), tv: sys('d', 'tv')}
  })
  afterEach(() => rm(root, {force: true, recursive: true}))

  it('--changed: a host is unchanged only when its evaluated drvPath is the recorded one', async () => {
    const check = await createChangeCheck(root, {evaluate})
    const verdicts = await Promise.all(['desktop', 'laptop', 'pi', 'tv', 'nas'].map((host) => check(host)))
    expect(verdicts.map((v) => [v.host, v.changed, v.reason])).to.deep.equal([
      ['desktop', false, 'unchanged'],
      ['laptop', true, 'system changed'],
      ['pi', true, 'no recorded system'],
      ['tv', true, 'never deployed'],
      ['nas', true, 'evaluation failed'],
    ])
    expect(verdicts[1]).to.include({deployed: head, deployed_drv: sys('a', 'laptop').drv_path, drv_path: sys('b', 'laptop').drv_path})
    expect(verdicts[4].error).to.equal('nix eval failed: undefined variable')
    expect(evaluated.sort(), 'nothing is evaluated without a record to compare with').to.deep.equal(['desktop', 'laptop', 'nas'])
  })

  describe('probes', () => {
    /** An ssh that answers per destination: a link target, or an exit status and stderr. */
    function scriptedSsh(answers: Record<string, {code?: number; stderr?: string; stdout?: string}>): {calls: string[][]; ssh: SshRunner} {
      const calls: string[][] = []
      return {
        calls,
        async ssh(args) {
          calls.push(args)
          const destination = args[args.indexOf('--') + 1]
          const answer = answers[destination] ?? {code: 255, stderr: `ssh: Could not resolve hostname ${destination}: Name or service not known`}
          return {code: answer.code ?? 0, stderr: answer.stderr ?? '', stdout: answer.stdout ?? ''}
        },
      }
    }

    async function probeAll(answers: Parameters<typeof scriptedSsh>[0], targets: Array<[string, string?]>): Promise<{calls: string[][]; probes: HostProbe[]}> {
      const {calls, ssh} = scriptedSsh(answers)
      const probe = await createProbe(root, {evalJobs: 2, evaluate, head, ssh})
      const probes = await Promise.all(targets.map(([host, destination]) => probe({destination, host, path: '/run/current-system'})))
      return {calls, probes}
    }

    it('in sync, behind, drifted, unreachable, not probed', async () => {
      const {calls, probes} = await probeAll(
        {
          'root@desktop': {stdout: `${sys('a', 'desktop').out_path}\n`},
          'root@laptop': {stdout: sys('a', 'laptop').out_path},
          'root@pi': {stdout: store('9', 'nixos-system-pi-by-hand')},
          'root@tv': {code: 255, stderr: 'Warning: Permanently added x\nssh: connect to host tv port 22: Connection refused\n'},
        },
        [['desktop', 'root@desktop'], ['laptop', 'root@laptop'], ['pi', 'root@pi'], ['tv', 'root@tv'], ['nas']],
      )
      expect(probes.map((p) => [p.host, p.state])).to.deep.equal([
        ['desktop', 'in sync'],
        ['laptop', 'behind'],
        ['pi', 'drifted'],
        ['tv', 'unreachable'],
        ['nas', 'not probed'],
      ])
      expect(probes[0]).to.include({current_system: sys('a', 'desktop').out_path, deployed: head, running: sys('a', 'desktop').out_path, target_host: 'root@desktop'})
      expect(probes[1]).to.include({current_system: sys('b', 'laptop').out_path, deployed_system: sys('a', 'laptop').out_path})
      expect(probes[1].reason).to.equal('runs the system glix deployed; the repo has changed it since')
      expect(probes[2].reason).to.equal(`no system was recorded with the deploy of ${head.slice(0, 12)}`)
      expect(probes[3].reason).to.equal('ssh: connect to host tv port 22: Connection refused')
      expect(probes[4].reason).to.equal('no target_host')
      expect(calls, 'one ssh per host with a target').to.have.lengthOf(4)
      expect(probeExitCode(probes)).to.equal(1)
      expect(probeExitCode(probes.slice(0, 1).concat(probes[4]))).to.equal(0)
      expect(() => probeExitCode([probes[4]])).to.throw(/nothing to probe/)
    })

    it('a host running what the repo evaluates to is in sync even when glix never deployed it', async () => {
      const {probes} = await probeAll({'root@tv': {stdout: sys('d', 'tv').out_path}}, [['tv', 'root@tv']])
      expect(probes[0].state).to.equal('in sync')
    })

    it('a host running something else than glix deployed is drifted, and says what glix deployed', async () => {
      const {probes} = await probeAll({'root@desktop': {stdout: store('7', 'nixos-system-desktop')}}, [['desktop', 'root@desktop']])
      expect(probes[0]).to.include({reason: `runs a system glix did not deploy (glix deployed ${sys('a', 'desktop').out_path})`, state: 'drifted'})
    })

    it('judges by commit when the repo cannot be evaluated', async () => {
      const {probes} = await probeAll({'root@nas': {stdout: sys('a', 'nas').out_path}}, [['nas', 'root@nas']])
      expect(probes[0].state, 'deployed HEAD, runs what was deployed').to.equal('in sync')
      expect(probes[0].reason).to.match(/^could not evaluate the repo \(nix eval failed: undefined variable\); judged by commit$/)
    })

    it('takes only a store path as an answer, and keeps one clipped line of ssh\'s words, as sent', async () => {
      const {probes} = await probeAll(
        {
          'root@desktop': {stdout: '\u001B]0;pwned\u0007/etc\n'},
          'root@laptop': {code: 1, stderr: 'readlink: /run/current-system: No such file or directory\u001B[2J\n'},
        },
        [['desktop', 'root@desktop'], ['laptop', 'root@laptop']],
      )
      expect(probes[0]).to.include({state: 'drifted'})
      expect(probes[0].running).to.equal(undefined)
      expect(probes[0].reason).to.equal('/run/current-system points to "\u001B]0;pwned\u0007/etc", not a store path')
      expect(probes[1]).to.include({
        reason: 'readlink /run/current-system failed on the host: readlink: /run/current-system: No such file or directory\u001B[2J',
        state: 'unreachable',
      })
      expect(clipRemoteText('x'.repeat(400))).to.have.lengthOf(301)
    })
  })
})
