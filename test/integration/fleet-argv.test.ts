/**
 * No value from the repo becomes an option of nixos-rebuild or ssh (issue
 * 15, item 2). A shared repo can hold any bytes in `target_host`,
 * `build_host` and `current_system_path`; the built CLI runs against
 * recording fakes of `nixos-rebuild` and `ssh` first on PATH, and every
 * entrance — a hand-edited manifest read by `rebuild`, `status --probe`
 * and `add` with `auto_apply`, `host set`, the `--target-host` and
 * `--build-host` flags — refuses a hostile value before anything runs,
 * while valid values reach the argv only as arguments after their
 * options (or after `--` for ssh), never starting with `-`.
 */
import {expect} from 'chai'
import {existsSync} from 'node:fs'
import {mkdir} from 'node:fs/promises'
import path from 'node:path'

import {readCalls, type RebuildCall, writeFakePrograms, writeFakeSsh} from '../helpers/fake-rebuild.js'
import {createRepo, editManifest, git, glixBin, glixOk, readText, useHermeticGit, useTempDirs} from '../helpers/repo.js'

describe('argv from repo content (recording nixos-rebuild and ssh)', function () {
  this.timeout(180_000)
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let tmp: string
  let root: string
  let bins: string
  let logCount = 0
  /** Files a hostile value would create if it ever ran. */
  let pwned: string
  /** HEAD after setup. */
  let start: string

  const newLog = () => path.join(tmp, `calls-${++logCount}.jsonl`)
  const run = (args: string[], log: string, extra: Record<string, string> = {}) =>
    glixBin([...args, '--dir', root], {env: {FAKE_REBUILD_LINES: '0', FAKE_REBUILD_LOG: log, NIX_SSHOPTS: undefined, PATH: `${bins}${path.delimiter}${process.env.PATH}`, ...extra}})

  /** Sets `key` of `host` by hand, as a teammate's commit could. */
  async function handSet(host: string, key: string, value: string): Promise<void> {
    await editManifest(root, host, (text) => text.replace('[settings]\n', `[settings]\n${key} = ${JSON.stringify(value)}\n`))
  }

  before(async () => {
    tmp = await tempDir()
    bins = [await writeFakeSsh(tmp), await writeFakePrograms(tmp)].join(path.delimiter)
    pwned = path.join(tmp, 'pwned')
    root = path.join(tmp, 'repo')
    await createRepo(root, [{host: 'good'}, {host: 'evil'}])
    await glixOk(['host', 'set', '--dir', root, '--host', 'good', 'target_host=deploy@good.example', 'build_host=builder-1', '--no-lock'])
    await mkdir(path.join(tmp, 'sys'))
    start = git(root, 'rev-parse', 'HEAD').trim()
  })

  afterEach(() => {
    // Undo hand edits and any commit a refused command might have made.
    git(root, 'reset', '--quiet', '--hard', start)
    expect(existsSync(pwned), 'a hostile value ran').to.equal(false)
  })

  /** Hostile values (PWNED stands for a file the test watches) and the commands that act on each key. */
  const hostile: Array<[string, string]> = [
    ['target_host', '-oProxyCommand=touch PWNED'],
    ['target_host', '-F/etc/passwd'],
    ['target_host', 'root@good.example -oProxyCommand=x'],
    ['build_host', '-oProxyCommand=sh -c "touch PWNED"'],
    ['current_system_path', '/run/current-system;touch PWNED'],
    ['current_system_path', '-oProxyCommand=x'],
  ]
  const acting: Record<string, string[][]> = {
    build_host: [
      ['rebuild', '--host=evil', 'build'],
      ['add', '--host=evil', '--no-lock', '--name=thing', 'github:owner/thing'],
    ],
    current_system_path: [
      ['status', '--host=evil', '--probe'],
      ['status', '--all-hosts', '--probe'],
    ],
    target_host: [
      ['rebuild', '--host=evil', 'build'],
      ['status', '--host=evil', '--probe'],
      ['add', '--host=evil', '--no-lock', '--name=thing', 'github:owner/thing'],
    ],
  }

  for (const [key, value] of hostile) {
    it(`refuses ${key} = ${JSON.stringify(value)} from a manifest (${acting[key].map((a) => a[0]).join(', ')}); nothing runs`, async () => {
      await handSet('evil', key, value.replace('PWNED', pwned))
      // With auto_apply, a plain `add` rebuilds: it must refuse too.
      await editManifest(root, 'evil', (text) => text.replace('auto_apply = false', 'auto_apply = true'))
      if (key === 'current_system_path') await handSet('evil', 'target_host', 'evil.example')
      const log = newLog()
      for (const args of acting[key]) {
        const r = await run(args, log)
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.not.equal(0)
        expect(r.stderr, args.join(' ')).to.include(key)
      }

      expect((await readCalls(log)).map((c) => c.program)).to.deep.equal([])
    })
  }

  it('refuses hostile values from host set and from the flags', async () => {
    const log = newLog()
    const before = readText(root, 'hosts/evil/glix.toml')
    for (const pair of ['target_host=-oProxyCommand=x', 'build_host=-F/etc/passwd', 'current_system_path=/x;y', 'target_host=a b']) {
      const r = await run(['host', 'set', '--host=evil', pair, '--no-lock'], log)
      expect(r.code, pair).to.equal(2)
      expect(r.stderr).to.include(pair.split('=')[0])
    }

    expect(readText(root, 'hosts/evil/glix.toml')).to.equal(before)
    for (const flags of [['--target-host=-oProxyCommand=x'], ['--build-host', '-F/etc/passwd'], ['--target-host=-F/etc/passwd', '--build-host=b']]) {
      const r = await run(['rebuild', '--host=good', 'build', ...flags], log)
      expect(r.code, flags.join(' ')).to.equal(2)
      expect(r.stderr).to.match(/--(target|build)-host: invalid (target|build)_host /)
    }

    expect(await readCalls(log)).to.deep.equal([])
  })

  it('with valid values, no argv element that came from the repo starts with -', async () => {
    await glixOk(['host', 'set', '--dir', root, '--host', 'evil', 'target_host=10.0.0.9', `current_system_path=${path.join(tmp, 'sys', 'evil')}`, '--no-lock'])
    try {
      const log = newLog()
      const rebuild = await run(['rebuild', '--all-hosts', 'build', '--jobs=2'], log)
      expect(rebuild.code, rebuild.stderr).to.equal(0)
      const probe = await run(['status', '--all-hosts', '--probe', '--json'], log)
      expect(probe.code).to.equal(1) // the fake answers a system glix never deployed: drifted
      const calls = await readCalls(log)
      const byProgram = (program: string) => calls.filter((c: RebuildCall) => c.program === program).map((c) => c.argv)
      const rebuilds = byProgram('nixos-rebuild').sort((a, b) => a[2].localeCompare(b[2]))
      expect(rebuilds).to.deep.equal([
        ['build', '--flake', `${root}#evil`, '--target-host', '10.0.0.9'],
        ['build', '--flake', `${root}#good`, '--target-host', 'deploy@good.example', '--build-host', 'builder-1'],
      ])
      const probes = byProgram('ssh').sort((a, b) => a.at(-3)!.localeCompare(b.at(-3)!))
      expect(probes).to.deep.equal([
        ['-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '--', '10.0.0.9', 'readlink', path.join(tmp, 'sys', 'evil')],
        ['-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=10', '--', 'deploy@good.example', 'readlink', '/run/current-system'],
      ])
      // What follows an option that takes a value, and everything after ssh's `--`, came from the repo.
      for (const argv of rebuilds) {
        for (const option of ['--flake', '--target-host', '--build-host']) {
          const i = argv.indexOf(option)
          if (i !== -1) expect(argv[i + 1].startsWith('-'), `${option} ${argv[i + 1]}`).to.equal(false)
        }
      }

      for (const argv of probes) for (const arg of argv.slice(argv.indexOf('--') + 1)) expect(arg.startsWith('-'), arg).to.equal(false)
      // What a host answers reaches the terminal escaped: no control byte but the newline.
      const hostile = await run(['status', '--all-hosts', '--probe'], newLog(), {FAKE_SSH_ANSWER: '\u001B]0;pwned\u0007\u001B[2J/etc\u009B1m'})
      expect(hostile.code).to.equal(1)
      expect(hostile.stdout).to.include('points to "\\x1b]0;pwned\\x07\\x1b[2J/etc\\x9b1m", not a store path')
      // eslint-disable-next-line no-control-regex
      expect(`${hostile.stdout}${hostile.stderr}`).to.not.match(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/)
    } finally {
      await glixOk(['host', 'set', '--dir', root, '--host', 'evil', 'target_host=', 'current_system_path=', '--no-lock'])
    }
  })
})
