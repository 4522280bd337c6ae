import {expect} from 'chai'

import {UsageError} from '../../../src/lib/errors.js'
import {
  assertSystemPath,
  evalSystemArgs,
  isSystemPath,
  probeArgs,
  rebuildArgs,
  sshOptionsFromEnv,
} from '../../../src/lib/rebuild/command-line.js'
import {planRebuilds} from '../../../src/lib/rebuild/plan.js'
import {isSshDestination} from '../../../src/lib/validate.js'

const ROOT = '/home/alice/.config/glixos'

/** Values a hostile manifest or flag could hold; none may reach an argv. */
const HOSTILE_DESTINATIONS = [
  '-oProxyCommand=touch /tmp/pwned',
  '-F/etc/passwd',
  '-oProxyCommand=sh',
  'root@-oProxyCommand=x',
  '--',
  '-',
  'root@pi.local -oProxyCommand=x',
  'root@pi;touch x',
  'root@$(touch x)',
  'ssh://root@pi:22',
  'root@pi:22',
  'pi\n-oProxyCommand=x',
  '@pi',
  'a@b@c',
  '[::1',
  '',
]

describe('the command-line builder', () => {
  it('accepts SSH destinations: [user@]host with a DNS name, an IPv4 or a bracketed IPv6 address', () => {
    for (const good of ['pi', 'root@pi.local', 'admin@10.0.0.7', 'deploy@[fe80::1]', 'builder-1.example.org', 'alice_b@fleet-a', '_svc@host']) {
      expect(isSshDestination(good), good).to.equal(true)
    }

    for (const bad of HOSTILE_DESTINATIONS) expect(isSshDestination(bad), JSON.stringify(bad)).to.equal(false)
  })

  it('refuses a hostile target or build host before building any nixos-rebuild argv', () => {
    for (const bad of HOSTILE_DESTINATIONS.filter((v) => v !== '')) {
      expect(() => rebuildArgs(ROOT, 'pi', 'switch', {targetHost: bad}), bad).to.throw(UsageError, /^invalid target_host /)
      expect(() => rebuildArgs(ROOT, 'pi', 'switch', {buildHost: bad}), bad).to.throw(UsageError, /^invalid build_host /)
      expect(() => probeArgs(bad, '/run/current-system'), bad).to.throw(UsageError)
    }
  })

  it('names the flag when --target-host or --build-host is hostile, and the setting when the manifest is', () => {
    const plan = (settings: {build_host?: string; target_host?: string}, flags: {buildHost?: string; targetHost?: string} = {}) =>
      planRebuilds({action: 'build', hosts: [{host: 'pi', settings}], localHost: 'x', root: ROOT, ...flags})
    expect(() => plan({}, {targetHost: '-oProxyCommand=x'})).to.throw(UsageError, /^--target-host: invalid target_host "-oProxyCommand=x": must not start with '-'/)
    expect(() => plan({}, {buildHost: '-F/etc/passwd'})).to.throw(UsageError, /^--build-host: invalid build_host /)
    expect(() => plan({target_host: '-oProxyCommand=x'})).to.throw(UsageError, /^invalid target_host /)
    expect(() => plan({build_host: '-F/etc/passwd'})).to.throw(UsageError, /^invalid build_host /)
  })

  it('puts each value after its option, so none can be read as an option', () => {
    const args = rebuildArgs(ROOT, 'pi', 'switch', {buildHost: 'b', extra: ['--use-remote-sudo'], targetHost: 'root@pi.local'})
    expect(args).to.deep.equal(['switch', '--flake', `${ROOT}#pi`, '--target-host', 'root@pi.local', '--build-host', 'b', '--use-remote-sudo'])
  })

  it('evaluates the toplevel of the flake nixos-rebuild builds, without writing the lock file', () => {
    expect(evalSystemArgs(ROOT, 'pi')).to.deep.equal([
      '--extra-experimental-features',
      'nix-command flakes',
      'eval',
      '--json',
      '--no-write-lock-file',
      `${ROOT}#nixosConfigurations.pi.config.system.build.toplevel`,
      '--apply',
      'toplevel: { drv = toplevel.drvPath; out = toplevel.outPath; }',
    ])
    expect(() => evalSystemArgs(ROOT, '-pi')).to.throw(UsageError, /invalid host name/)
  })

  describe('probes', () => {
    it('never prompt, take the user\'s options, time out, and put the destination after --', () => {
      expect(probeArgs('root@pi', '/run/current-system', {sshOptions: ['-F', '/home/a/.ssh/fleet', '-p', '2222']})).to.deep.equal([
        '-T',
        '-o',
        'BatchMode=yes',
        '-F',
        '/home/a/.ssh/fleet',
        '-p',
        '2222',
        '-o',
        'ConnectTimeout=10',
        '--',
        'root@pi',
        'readlink',
        '/run/current-system',
      ])
      expect(probeArgs('pi', '/srv/sys', {connectTimeout: 3})).to.include('ConnectTimeout=3')
    })

    it('take the user\'s options from $NIX_SSHOPTS, split at whitespace as nixos-rebuild does', () => {
      expect(sshOptionsFromEnv({NIX_SSHOPTS: '  -F /tmp/cfg\t-o  Port=2222 '})).to.deep.equal(['-F', '/tmp/cfg', '-o', 'Port=2222'])
      expect(sshOptionsFromEnv({})).to.deep.equal([])
    })

    it('read only a plain absolute path: the remote shell sees it', () => {
      for (const good of ['/run/current-system', '/tmp/glix-x/systems/a', '/nix/var/nix/profiles/system', '/a/b_c-d.e+f@g%h=i:j,k']) {
        expect(isSystemPath(good), good).to.equal(true)
      }

      for (const bad of ['run/current-system', '/run/x;touch y', '/run/$(id)', '/run/`id`', '/a b', '/a/../etc', '/a/./b', '/a/.hidden', '-x', '/a\nb', "/a'b", '/a"b', '/', '/a/', '//a', '/a|b', '/a&b', '/a*', '/a~']) {
        expect(isSystemPath(bad), JSON.stringify(bad)).to.equal(false)
        expect(() => probeArgs('pi', bad), JSON.stringify(bad)).to.throw(UsageError, /current_system_path/)
      }

      expect(() => assertSystemPath('relative', 'hosts/pi/glix.toml: current_system_path')).to.throw(
        UsageError,
        /^hosts\/pi\/glix.toml: current_system_path: invalid current_system_path "relative": expected a plain absolute path/,
      )
    })
  })
})
