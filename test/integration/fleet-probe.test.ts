/**
 * `glix status --probe` against a real OpenSSH server: the test starts
 * Debian's `sshd` on a free 127.0.0.1 port with a temporary host key and
 * `authorized_keys`, and points the real `ssh` at it through a temporary
 * ssh config handed over in `$NIX_SSHOPTS` (`-F <config>`), the way a
 * user points nixos-rebuild at their hosts. Each host's "current system"
 * is a symlink the test controls (its `current_system_path` setting);
 * one host's alias points at a closed port. Hosts are deployed with the
 * recording nixos-rebuild and real Nix (the system records are real).
 *
 * Without sshd (or nix) the suite is skipped on a developer machine and
 * fails in CI (`CI=true`); `.ci/run` installs openssh-server.
 */
import {expect} from 'chai'
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {accessSync, constants, existsSync, mkdirSync} from 'node:fs'
import {mkdir, readFile, rm, symlink, writeFile} from 'node:fs/promises'
import net from 'node:net'
import {userInfo} from 'node:os'
import path from 'node:path'

import {writeFakePrograms} from '../helpers/fake-rebuild.js'
import {createNixRepo} from '../helpers/ledger-repo.js'
import {describeNix, type NixFixtures} from '../helpers/nix.js'
import {git, glixBin, glixOk, lines, useHermeticGit, useTempDirs} from '../helpers/repo.js'

const SSHD_CANDIDATES = ['/usr/sbin/sshd', '/usr/bin/sshd', '/sbin/sshd']

function findSshd(): string | undefined {
  for (const file of SSHD_CANDIDATES) {
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not here
    }
  }

  return undefined
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Resolves when something accepts connections on `port`, polling until `deadline` (ms). */
async function waitForPort(port: number, deadline: number): Promise<void> {
  const end = Date.now() + deadline
  while (Date.now() < end) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1')
      socket.once('connect', () => {
        socket.destroy()
        resolve(true)
      })
      socket.once('error', () => resolve(false))
    })
    if (open) return
    await sleep(100)
  }

  throw new Error(`sshd did not listen on 127.0.0.1:${port} within ${deadline} ms`)
}

interface Probe {
  host: string
  state: string
  target_host?: string
  path: string
  running?: string
  deployed_system?: string
  current_system?: string
  reason?: string
}

interface ProbedStatus {
  ok: boolean
  hosts: Array<{host: string; probe: Probe}>
}

describeNix('status --probe against a real sshd (integration)', function () {
  this.timeout(300_000)
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let tmp: string
  let root: string
  let bin: string
  let sshd: ChildProcess | undefined
  let sshdLog = ''
  let sshConfig: string
  let closedPort: number
  let fx: NixFixtures
  const systems = () => path.join(tmp, 'systems')

  const env = (extra: Record<string, string> = {}) => ({
    FAKE_REBUILD_DELAY: '10',
    FAKE_REBUILD_LINES: '0',
    NIX_SSHOPTS: `-F ${sshConfig}`,
    PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    ...extra,
  })

  const probe = (...args: string[]) => glixBin(['status', '--probe', '--dir', root, ...args], {env: env()})

  /** The outPath glix recorded for `host`'s last deploy. */
  async function recordedSystem(host: string): Promise<string> {
    return (JSON.parse(git(root, 'cat-file', 'blob', `refs/glix/system/${host}`)) as {system: {out_path: string}}).system.out_path
  }

  /** Points `host`'s current-system link at `target`, as an activation would. */
  async function activate(host: string, target: string): Promise<void> {
    const link = path.join(systems(), host)
    await rm(link, {force: true})
    await symlink(target, link)
  }

  before(async function () {
    const sshdBin = findSshd()
    if (!sshdBin) {
      if (process.env.CI === 'true') throw new Error('sshd (openssh-server) is required in CI: .ci/run installs it')
      this.skip()
    }

    tmp = await tempDir()
    bin = await writeFakePrograms(tmp)
    const keys = path.join(tmp, 'ssh')
    await mkdir(keys, {mode: 0o700})
    await mkdir(systems())
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keys, 'host_key')])
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keys, 'id_ed25519')])
    await writeFile(path.join(keys, 'authorized_keys'), await readFile(path.join(keys, 'id_ed25519.pub')))
    const port = await freePort()
    closedPort = await freePort()
    await writeFile(
      path.join(keys, 'sshd_config'),
      [
        `Port ${port}`,
        'ListenAddress 127.0.0.1',
        `HostKey ${path.join(keys, 'host_key')}`,
        `AuthorizedKeysFile ${path.join(keys, 'authorized_keys')}`,
        `PidFile ${path.join(keys, 'sshd.pid')}`,
        'StrictModes no',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'UsePAM no',
        'PermitRootLogin prohibit-password',
        'LogLevel ERROR',
        '',
      ].join('\n'),
    )
    const hostKey = (await readFile(path.join(keys, 'host_key.pub'), 'utf8')).trim().split(' ').slice(0, 2).join(' ')
    await writeFile(path.join(keys, 'known_hosts'), `[127.0.0.1]:${port} ${hostKey}\n[127.0.0.1]:${closedPort} ${hostKey}\n`)
    sshConfig = path.join(keys, 'ssh_config')
    // ssh keeps the first value it reads: the closed port's alias comes first.
    await writeFile(
      sshConfig,
      [
        'Host fleet-down',
        `  Port ${closedPort}`,
        'Host fleet-*',
        '  HostName 127.0.0.1',
        `  Port ${port}`,
        `  User ${userInfo().username}`,
        `  IdentityFile ${path.join(keys, 'id_ed25519')}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${path.join(keys, 'known_hosts')}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        '  LogLevel ERROR',
        '',
      ].join('\n'),
    )
    // As root, sshd needs its privilege separation directory (systemd makes it on a real machine).
    if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', {mode: 0o755})
    sshd = spawn(sshdBin!, ['-D', '-e', '-f', path.join(keys, 'sshd_config')], {stdio: ['ignore', 'ignore', 'pipe']})
    sshd.stderr!.on('data', (chunk: Buffer) => {
      sshdLog += chunk.toString()
    })
    await waitForPort(port, 30_000)

    root = path.join(tmp, 'repo')
    fx = await createNixRepo(root, path.join(tmp, 'fixtures'), [{host: 'alpha'}, {host: 'beta'}, {host: 'gamma'}, {host: 'delta'}])
    await glixOk(['add', '--dir', root, '--host', 'alpha', '--allow-local-path', '--name', 'hello', fx.pkgHello])
    const settings: Record<string, string> = {alpha: 'fleet-a', beta: 'fleet-b', gamma: 'fleet-down'}
    for (const [host, target] of Object.entries(settings)) {
      await glixOk(['host', 'set', '--dir', root, '--host', host, `target_host=${target}`, `current_system_path=${path.join(systems(), host)}`])
    }

    const deploy = await glixBin(['rebuild', '--host=alpha,beta,gamma', 'switch', '--dir', root], {env: env()})
    expect(deploy.code, deploy.stderr).to.equal(0)
  })

  after(() => {
    sshd?.kill('SIGTERM')
  })

  afterEach(function () {
    if (this.currentTest?.state === 'failed' && sshdLog) console.log(`sshd said:\n${sshdLog}`)
  })

  it('reports in sync, drifted, unreachable (with ssh\'s reason) and not probed, in JSON; exit 1', async () => {
    await activate('alpha', await recordedSystem('alpha'))
    await activate('beta', '/nix/store/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-nixos-system-beta-by-hand')
    const r = await probe('--all-hosts', '--json')
    expect(r.code, r.stderr).to.equal(1)
    expect(r.stderr, 'silent under --json').to.equal('')
    const status = JSON.parse(r.stdout) as ProbedStatus
    expect(status.ok).to.equal(false)
    const byHost = Object.fromEntries(status.hosts.map((h) => [h.host, h.probe]))
    expect(Object.fromEntries(Object.entries(byHost).map(([h, p]) => [h, p.state]))).to.deep.equal({
      alpha: 'in sync',
      beta: 'drifted',
      delta: 'not probed',
      gamma: 'unreachable',
    })
    expect(byHost.alpha).to.include({current_system: await recordedSystem('alpha'), path: path.join(systems(), 'alpha'), running: await recordedSystem('alpha'), target_host: 'fleet-a'})
    expect(byHost.beta.running).to.equal('/nix/store/zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz-nixos-system-beta-by-hand')
    expect(byHost.beta.reason).to.equal(`runs a system glix did not deploy (glix deployed ${await recordedSystem('beta')})`)
    expect(byHost.gamma.reason).to.equal(`ssh: connect to host 127.0.0.1 port ${closedPort}: Connection refused`)
    expect(byHost.delta.reason).to.equal('no target_host')
  })

  it('reports behind once the repo changes a host that runs what glix deployed; the table and plain progress off a terminal', async () => {
    await activate('alpha', await recordedSystem('alpha'))
    await activate('beta', await recordedSystem('beta'))
    await glixOk(['set', '--dir', root, '--host', 'alpha', 'hello', 'enabled=false'])
    try {
      const r = await probe('--all-hosts')
      expect(r.code).to.equal(1)
      const table = lines(r.stdout)
      expect(table[0]).to.match(/^HOST +TARGET +STATE +RUNNING +DETAIL$/)
      const rows = Object.fromEntries(table.slice(1).map((row) => [row.split(/ +/)[0], row]))
      expect(rows.alpha).to.match(/^alpha +fleet-a +behind +[0-9a-z]{12}…-nixos-system-alpha +runs the system glix deployed; the repo has changed it since$/)
      expect(rows.beta).to.match(/^beta +fleet-b +in sync +[0-9a-z]{12}…-nixos-system-beta$/)
      expect(rows.gamma).to.match(/^gamma +fleet-down +unreachable +- +ssh: connect to host 127\.0\.0\.1 port \d+: Connection refused$/)
      expect(rows.delta).to.match(/^delta +- +not probed +- +no target_host$/)
      const progress = lines(r.stderr)
      expect(progress).to.include(`alpha | probing fleet-a: readlink ${path.join(systems(), 'alpha')}`)
      expect(progress).to.include('beta  | in sync')
      expect(progress.at(-1)).to.equal('glix status: 2 of 3 probed hosts are not in sync: alpha (behind), gamma (unreachable)')
    } finally {
      await glixOk(['set', '--dir', root, '--host', 'alpha', 'hello', 'enabled=true'])
    }
  })

  it('exits 0 when every probed host is in sync', async () => {
    await activate('alpha', await recordedSystem('alpha'))
    await activate('beta', await recordedSystem('beta'))
    const r = await probe('--host=alpha', '--json')
    expect(r.code, r.stdout + r.stderr).to.equal(0)
    expect((JSON.parse(r.stdout) as ProbedStatus).ok).to.equal(true)
    const both = await glixBin(['status', '--probe', '--all-hosts', '--dir', root], {env: env()})
    expect(both.code).to.equal(1) // gamma is still unreachable
  })

  it('honours the user\'s ssh config: without it the aliases do not resolve', async () => {
    const r = await glixBin(['status', '--probe', '--host=alpha', '--json', '--dir', root], {env: {...env(), NIX_SSHOPTS: '-F /dev/null'}})
    expect(r.code).to.equal(1)
    const {probe: p} = (JSON.parse(r.stdout) as ProbedStatus).hosts[0]
    expect(p.state).to.equal('unreachable')
    expect(p.reason).to.match(/fleet-a/)
  })
})
