import {expect} from 'chai'

import {GlixError, UsageError} from '../../../src/lib/errors.js'
import {splitRebuildArgv} from '../../../src/lib/rebuild/argv.js'
import {
  ACTIVATING_ACTIONS,
  defaultJobs,
  describeCommand,
  describeTarget,
  type HostPlan,
  planRebuilds,
  type PlanHost,
  REBUILD_ACTIONS,
} from '../../../src/lib/rebuild/plan.js'
import {rebuildArgs} from '../../../src/lib/rebuild/command-line.js'

const ROOT = '/home/alice/.config/glixos'

const hosts = (...specs: Array<[string, {target_host?: string; build_host?: string}?]>): PlanHost[] =>
  specs.map(([host, settings]) => ({host, settings: settings ?? {}}))

describe('rebuild planning', () => {
  describe('rebuildArgs', () => {
    it('is <action> --flake <root>#<host>, then target, build host and passthrough', () => {
      expect(rebuildArgs(ROOT, 'desktop', 'switch')).to.deep.equal(['switch', '--flake', `${ROOT}#desktop`])
      expect(rebuildArgs(ROOT, 'pi', 'boot', {buildHost: 'builder', extra: ['--use-remote-sudo', '-v'], targetHost: 'root@pi.local'})).to.deep.equal([
        'boot',
        '--flake',
        `${ROOT}#pi`,
        '--target-host',
        'root@pi.local',
        '--build-host',
        'builder',
        '--use-remote-sudo',
        '-v',
      ])
    })

    it('refuses a host name that is not a name', () => {
      expect(() => rebuildArgs(ROOT, '../etc', 'build')).to.throw(UsageError, /invalid host name/)
    })
  })

  describe('planRebuilds', () => {
    it('takes target_host and build_host from the settings', () => {
      const plans = planRebuilds({
        action: 'switch',
        hosts: hosts(['laptop', {target_host: 'root@laptop'}], ['pi', {build_host: 'builder', target_host: 'root@pi.local'}]),
        localHost: 'desktop',
        root: ROOT,
      })
      expect(plans).to.deep.equal([
        {action: 'switch', args: ['switch', '--flake', `${ROOT}#laptop`, '--target-host', 'root@laptop'], host: 'laptop', targetHost: 'root@laptop'},
        {
          action: 'switch',
          args: ['switch', '--flake', `${ROOT}#pi`, '--target-host', 'root@pi.local', '--build-host', 'builder'],
          buildHost: 'builder',
          host: 'pi',
          targetHost: 'root@pi.local',
        },
      ])
    })

    it('lets --target-host and --build-host override the settings, and puts passthrough last', () => {
      const [plan] = planRebuilds({
        action: 'boot',
        buildHost: 'big-builder',
        extra: ['--sudo', '--ask-sudo-password'],
        hosts: hosts(['pi', {build_host: 'builder', target_host: 'root@pi.local'}]),
        localHost: 'desktop',
        root: ROOT,
        targetHost: 'admin@10.0.0.7',
      })
      expect(plan.args).to.deep.equal([
        'boot',
        '--flake',
        `${ROOT}#pi`,
        '--target-host',
        'admin@10.0.0.7',
        '--build-host',
        'big-builder',
        '--sudo',
        '--ask-sudo-password',
      ])
    })

    it('refuses --target-host with several hosts', () => {
      expect(() =>
        planRebuilds({action: 'build', hosts: hosts(['a'], ['b']), localHost: 'a', root: ROOT, targetHost: 'root@x'}),
      ).to.throw(UsageError, /--target-host names one machine/)
    })

    for (const action of REBUILD_ACTIONS) {
      const activates = ACTIVATING_ACTIONS.has(action)
      it(`${activates ? 'refuses' : 'allows'} ${action} of another host without a target host`, () => {
        const plan = () => planRebuilds({action, hosts: hosts(['laptop']), localHost: 'desktop', root: ROOT})
        if (activates) {
          expect(plan).to.throw(GlixError, new RegExp(`refusing to ${action} host laptop on this machine \\(desktop\\)`))
        } else {
          expect(plan()).to.have.lengthOf(1)
        }
      })
    }

    it('allows activating this machine (case-insensitive), a host with a target host, and anything with --force', () => {
      expect(planRebuilds({action: 'switch', hosts: hosts(['Desktop']), localHost: 'desktop', root: ROOT})).to.have.lengthOf(1)
      expect(planRebuilds({action: 'test', hosts: hosts(['pi', {target_host: 'root@pi'}]), localHost: 'desktop', root: ROOT})).to.have.lengthOf(1)
      expect(planRebuilds({action: 'switch', hosts: hosts(['laptop']), localHost: 'laptop', root: ROOT, targetHost: 'root@laptop'})).to.have.lengthOf(1)
      expect(planRebuilds({action: 'switch', force: true, hosts: hosts(['laptop']), localHost: 'desktop', root: ROOT})).to.have.lengthOf(1)
    })

    it('refuses a build host alone: the activation is still local', () => {
      expect(() => planRebuilds({action: 'switch', hosts: hosts(['pi', {build_host: 'builder'}]), localHost: 'desktop', root: ROOT})).to.throw(
        GlixError,
        /refusing to switch host pi/,
      )
    })

    it('names every refused host in one error, with suggestions, before anything runs', () => {
      try {
        planRebuilds({action: 'switch', hosts: hosts(['desktop'], ['laptop'], ['pi', {target_host: 'root@pi'}], ['tv']), localHost: 'desktop', root: ROOT})
        expect.fail('should throw')
      } catch (error) {
        const e = error as GlixError
        expect(e.message).to.match(/^refusing to switch hosts laptop, tv on this machine \(desktop\): they have no target host/)
        expect(e.code).to.equal('FOREIGN_HOST')
        expect(e.exit).to.equal(1)
        expect(e.suggestions.join('\n')).to.match(/target_host=root@laptop/).and.match(/--force/)
      }
    })
  })

  describe('defaultJobs', () => {
    const plan = (targetHost?: string): HostPlan => ({action: 'build', args: [], host: 'h', ...(targetHost ? {targetHost} : {})})
    it('is 1 when any host is local, else the number of hosts up to 4', () => {
      expect(defaultJobs([plan('a'), plan(), plan('c')])).to.equal(1)
      expect(defaultJobs([plan('a'), plan('b')])).to.equal(2)
      expect(defaultJobs([plan('a'), plan('b'), plan('c'), plan('d'), plan('e'), plan('f')])).to.equal(4)
      expect(defaultJobs([])).to.equal(1)
    })
  })

  describe('describing a plan', () => {
    it('quotes arguments with spaces and names where it runs', () => {
      const [plan] = planRebuilds({action: 'build', extra: ['--option', 'cores', '2 3'], hosts: hosts(['pi', {build_host: 'b', target_host: 'root@pi'}]), localHost: 'x', root: '/my repo'})
      expect(describeCommand(plan)).to.equal('nixos-rebuild build --flake "/my repo#pi" --target-host root@pi --build-host b --option cores "2 3"')
      expect(describeTarget(plan)).to.equal('build on root@pi, built on b')
    })
  })

  describe('splitRebuildArgv', () => {
    it('keeps everything after the first -- apart, even flags and a second --', () => {
      expect(splitRebuildArgv(['switch', '--host=pi', '--', '--host', 'x', '--', '-v'])).to.deep.equal({
        argv: ['switch'],
        hosts: ['pi'],
        passthrough: ['--host', 'x', '--', '-v'],
      })
    })

    it('collects repeated and comma-separated --host values in order', () => {
      expect(splitRebuildArgv(['--host', 'laptop', 'build', '--host=pi,desktop', '--jobs', '2'])).to.deep.equal({
        argv: ['build', '--jobs', '2'],
        hosts: ['laptop', 'pi', 'desktop'],
        passthrough: [],
      })
    })

    it('refuses --host without a value and empty names', () => {
      expect(() => splitRebuildArgv(['--host'])).to.throw(UsageError)
      expect(() => splitRebuildArgv(['--host', '--all-hosts'])).to.throw(UsageError)
      expect(() => splitRebuildArgv(['--host=a,,b'])).to.throw(UsageError, /empty host name/)
    })

    it('leaves flags that merely start with --host alone', () => {
      expect(splitRebuildArgv(['--hosts=a', '--hostname'])).to.deep.equal({argv: ['--hosts=a', '--hostname'], hosts: [], passthrough: []})
    })
  })
})
