// Counting, not timing, for `npm run bench`: after the timed rounds each
// command runs once more, untimed, with logging `git` and `nix` shims first
// on PATH and, when strace is installed, under `strace -f -Y`, so the report
// can say how many git and nix processes each tool started and how often it
// opened each host manifest — measured in the same run as the times
// (test/integration/spawn-count.test.ts asserts the same counts for glix).
//
// An open counts when it is a read-only open of `hosts/<h>/glix.toml` by the
// tool's own process (strace names it: `node` or the Go binary), not by a git
// it started.
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import {basename, join} from 'node:path'

/** Whether strace runs here. */
function probeStrace() {
  try {
    execFileSync('strace', ['-V'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

/**
 * Prepares the shims under `base` and returns `count(argv, cwd)`, which runs
 * `argv` once and returns {git, nix, opens} (opens: host → read-only opens
 * by the tool itself, or undefined without strace).
 */
export function makeCounter({base, env}) {
  const dir = join(base, 'count-bin')
  mkdirSync(dir, {recursive: true})
  const logs = {git: join(base, 'count-git.log'), nix: join(base, 'count-nix.log'), trace: join(base, 'count-trace.log')}
  const realGit = execFileSync('sh', ['-c', 'command -v git'], {encoding: 'utf8', env}).trim()
  writeFileSync(join(dir, 'git'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${logs.git}"\nexec "${realGit}" "$@"\n`)
  // Like the timed runs' stub: `nix` exits 0.
  writeFileSync(join(dir, 'nix'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${logs.nix}"\nexit 0\n`)
  for (const tool of ['git', 'nix']) chmodSync(join(dir, tool), 0o755)
  const strace = probeStrace()
  const countEnv = {...env, PATH: `${dir}:${env.PATH}`}

  return {
    count(argv, cwd) {
      for (const file of Object.values(logs)) writeFileSync(file, '')
      const traced = strace ? ['strace', '-f', '-qq', '-Y', '-e', 'trace=openat,open', '-o', logs.trace, '--', ...argv] : argv
      const r = spawnSync(traced[0], traced.slice(1), {cwd, encoding: 'utf8', env: countEnv, maxBuffer: 1 << 30})
      if (r.status !== 0) throw new Error(`${argv.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stderr}`)
      const lines = (file) => readFileSync(file, 'utf8').split('\n').filter((line) => line !== '')
      return {git: lines(logs.git).length, nix: lines(logs.nix).length, opens: strace ? manifestOpens(readFileSync(logs.trace, 'utf8'), basename(argv[0])) : undefined}
    },
    strace,
  }
}

/** Read-only opens of host manifests by the process named `self` (or node), by host. */
function manifestOpens(trace, self) {
  const opens = {}
  const pattern = /^\d+<([^>]*)> open(?:at)?\((?:AT_FDCWD, )?"([^"]*hosts\/([^/"]+)\/glix\.toml)", ([A-Z_|]+)/
  for (const line of trace.split('\n')) {
    const m = pattern.exec(line)
    if (!m || /O_WRONLY|O_RDWR/.test(m[4])) continue
    const who = m[1].split('/').pop()
    if (who !== 'node' && who !== self.slice(0, 15)) continue
    opens[m[3]] = (opens[m[3]] ?? 0) + 1
  }

  return opens
}
