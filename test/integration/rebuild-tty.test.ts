/**
 * `glix rebuild --all-hosts` in a real terminal: the built CLI runs inside
 * a detached tmux session (its own server socket, killed afterwards)
 * against the recording nixos-rebuild, and the test reads the screen with
 * `tmux capture-pane`. On a terminal it is a listr2 task list — one task
 * per host, the latest output lines under running tasks — then the
 * summary table; piped, the same run prints plain host-prefixed lines.
 *
 * Without tmux the suite is skipped on a developer machine and fails in
 * CI (`CI=true`).
 */
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import {writeFakePrograms} from '../helpers/fake-rebuild.js'
import {BIN, createRepo, glixOk, useHermeticGit, useTempDirs} from '../helpers/repo.js'

function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

describe('glix rebuild on a terminal (tmux, integration)', function () {
  this.timeout(120_000)
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  const socket = `glixtest-${process.pid}`
  let root: string
  let bin: string
  let tmp: string
  let sessions = 0

  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, '-f', '/dev/null', '-u', ...args], {encoding: 'utf8'})

  before(async function () {
    if (!hasTmux()) {
      if (process.env.CI) throw new Error('tmux is required in CI')
      this.skip()
    }

    tmp = await tempDir()
    bin = await writeFakePrograms(tmp)
    root = path.join(tmp, 'repo')
    await createRepo(root, [
      {host: 'laptop', user: 'alice'},
      {host: 'desktop', user: 'alice'},
      {host: 'pi', system: 'aarch64-linux', user: 'pi-user'},
    ])
    await glixOk(['host', 'set', '--dir', root, '--host', 'pi', 'target_host=root@pi.local', '--no-lock'])
  })

  after(() => {
    try {
      tmux('kill-server')
    } catch {
      // no server was started, or it is gone already
    }
  })

  /**
   * Runs `glix rebuild <args>` (with `| cat` when `pipe`) in a new 160x50
   * tmux window; returns a screen captured while the hosts were running
   * and the screen after glix exited.
   */
  async function runInTmux(args: string, options: {during?: RegExp; fail?: string; lines?: number; pipe?: boolean} = {}): Promise<{during?: string; final: string}> {
    const name = `s${++sessions}`
    const script = path.join(tmp, `${name}.sh`)
    const vars: Record<string, string> = {
      FAKE_REBUILD_DELAY: '300',
      FAKE_REBUILD_FAIL: options.fail ?? 'laptop',
      FAKE_REBUILD_LINES: String(options.lines ?? 6),
      PATH: `${bin}${path.delimiter}${process.env.PATH}`,
    }
    for (const key of ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL', 'GIT_CONFIG_GLOBAL', 'GIT_CONFIG_NOSYSTEM', 'HOME']) {
      if (process.env[key] !== undefined) vars[key] = process.env[key]!
    }

    const exports = Object.entries(vars).map(([k, v]) => `export ${k}=${JSON.stringify(v)}`)
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} rebuild --dir ${JSON.stringify(root)} ${args}`
    await writeFile(
      script,
      [...exports, 'unset NO_COLOR GLIX_HOST CI', 'clear', options.pipe ? `${command} 2>&1 | cat; echo "[exit \${PIPESTATUS[0]}]"` : `${command}; echo "[exit $?]"`, 'sleep 600', ''].join('\n'),
    )
    tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '50', `bash ${JSON.stringify(script)}`)
    const capture = () => tmux('capture-pane', '-p', '-t', name)
    let during: string | undefined
    const deadline = Date.now() + 60_000
    for (;;) {
      const screen = capture()
      if (!during && options.during?.test(screen)) during = screen
      if (/\[exit \d+\]/.test(screen)) return {during, final: screen}
      if (Date.now() > deadline) throw new Error(`glix did not finish in tmux; screen:\n${screen}`)
      await sleep(50)
    }
  }

  /** The non-empty lines of a screen, right-trimmed. */
  const rows = (screen: string) => screen.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '')

  it('shows one task per host with live output, then the summary, and exits 1 when a host failed', async () => {
    const {during, final} = await runInTmux('--all-hosts build --jobs 3', {during: /› building \w+: step 2/})
    // While running: one task line per host, the latest output lines under the running ones.
    expect(during, 'a screen while hosts were running').to.be.a('string')
    const live = rows(during!)
    for (const title of ['desktop  build', 'laptop   build', 'pi       build on root@pi.local']) {
      expect(live.some((l) => l.includes(title)), `task "${title}" in:\n${during}`).to.equal(true)
    }

    expect(live.filter((l) => /^\s+› building (desktop|laptop|pi): step \d of 6$/.test(l)).length, during).to.be.greaterThan(0)

    const screen = rows(final).map((l) => l.replaceAll(/\b\d+\.\ds\b/g, 'T'))
    expect(screen, final).to.include.members([
      '✔ desktop  build: succeeded in T',
      '✖ laptop   build: failed after T: nixos-rebuild build exited with status 1',
      '✔ pi       build on root@pi.local: succeeded in T',
      '--- laptop: last 7 line(s) of output ---',
      "error: builder for '/nix/store/0000-nixos-system-laptop.drv' failed with exit code 1",
      'HOST     ACTION  RESULT           DURATION',
      'desktop  build   succeeded        T',
      'laptop   build   failed (exit 1)  T',
      'pi       build   succeeded        T',
      'glix rebuild: 1 of 3 hosts failed: laptop',
      '[exit 1]',
    ])
    // Each host has exactly one task line, and no spinner is left behind.
    for (const host of ['desktop', 'laptop', 'pi']) expect(screen.filter((l) => new RegExp(`^[✔✖] ${host} `).test(l)), host).to.have.lengthOf(1)
    expect(final).not.to.match(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/)
  })

  it('piped, the same run prints plain lines prefixed with the host', async () => {
    const {final} = await runInTmux('--all-hosts build --jobs 3', {pipe: true})
    const screen = rows(final)
    expect(final).not.to.match(/[✔✖›⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/)
    expect(screen).to.include.members([
      `desktop | started: nixos-rebuild build --flake ${root}#desktop`,
      `pi      | started: nixos-rebuild build --flake ${root}#pi --target-host root@pi.local`,
      'laptop  | building laptop: step 6 of 6',
      "laptop  | error: builder for '/nix/store/0000-nixos-system-laptop.drv' failed with exit code 1",
      'glix rebuild: 1 of 3 hosts failed: laptop',
      '[exit 1]',
    ])
    expect(screen.filter((l) => /^(desktop|laptop |pi {5}) \| /.test(l))).to.have.lengthOf(3 * 9)
    expect(screen.some((l) => /^desktop {2}build {3}succeeded {8}\d+\.\ds$/.test(l)), final).to.equal(true)
  })

  it('with --fail-fast shows the hosts never started as skipped', async () => {
    const {final} = await runInTmux('--all-hosts build --fail-fast', {fail: 'desktop', lines: 1})
    const screen = rows(final).map((l) => l.replaceAll(/\b\d+\.\ds\b/g, 'T'))
    expect(screen, final).to.include.members([
      '✖ desktop  build: failed after T: nixos-rebuild build exited with status 1',
      '↓ laptop   build: skipped: not started: an earlier host failed (--fail-fast)',
      '↓ pi       build on root@pi.local: skipped: not started: an earlier host failed (--fail-fast)',
      'laptop   build   skipped          -',
      'glix rebuild: 1 of 3 hosts failed: desktop',
      '[exit 1]',
    ])
  })
})
