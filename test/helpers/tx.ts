/**
 * Helpers for the transaction tests (symlinks, git states, signals, the
 * lock, spawn counts): exact snapshots that see links and modes, fake
 * programs put first on PATH, and glix as a child process the test can
 * signal.
 *
 * The fakes are real scripts: `nix` logs its argv and writes flake.lock
 * (or sleeps, or fails); `git` logs its argv and execs the real git, after
 * running `$GLIX_TEST_GIT_HOOK` (a shell snippet) when the git subcommand
 * is one of `$GLIX_TEST_GIT_AT` (space-separated) — how a test stops or
 * breaks glix at one step.
 */
import {execFileSync, spawn} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {chmod, lstat, mkdir, readdir, readFile, readlink, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {BIN, createRepo, type HostSpec, useEnv, useTempDirs} from './repo.js'

/** Path → `file <mode> <base64>`, `link -> <target>` or `dir <mode>`: everything a command could change. */
export type ExactSnapshot = Map<string, string>

/** An exact snapshot of `dir` (links recorded, never followed; modes kept); `.git/glix` and git's objects left out. */
export async function snapshotExact(dir: string, options: {git?: boolean} = {}): Promise<ExactSnapshot> {
  const out: ExactSnapshot = new Map()
  async function walk(rel: string): Promise<void> {
    for (const name of (await readdir(path.join(dir, rel))).sort()) {
      const child = rel === '' ? name : `${rel}/${name}`
      if (child === '.git/glix' || child === '.git/objects' || child === '.git/index' || (child === '.git' && options.git === false)) continue
      const full = path.join(dir, child)
      const stat = await lstat(full)
      const mode = (stat.mode & 0o7777).toString(8)
      if (stat.isSymbolicLink()) out.set(child, `link -> ${await readlink(full)}`)
      else if (stat.isDirectory()) {
        out.set(child, `dir ${mode}`)
        await walk(child)
      } else out.set(child, `file ${mode} ${(await readFile(full)).toString('base64')}`)
    }
  }

  await walk('')
  if (existsSync(path.join(dir, '.git', 'index')) && options.git !== false) {
    out.set('.git/index (entries)', execFileSync('git', ['-c', 'safe.directory=*', 'ls-files', '--stage', '-z'], {cwd: dir, encoding: 'latin1'}))
  }

  return out
}

/** The paths whose snapshot entry differs, prefixed `+`, `-` or `~`. */
export function diffExact(before: ExactSnapshot, after: ExactSnapshot): string[] {
  const diff: string[] = []
  for (const [rel, value] of before) {
    if (!after.has(rel)) diff.push(`- ${rel}`)
    else if (after.get(rel) !== value) diff.push(`~ ${rel}`)
  }

  for (const rel of after.keys()) if (!before.has(rel)) diff.push(`+ ${rel}`)
  return diff.sort()
}

/** The argv lines a fake program logged, one array per call. */
export function loggedCalls(log: string): string[][] {
  if (!existsSync(log)) return []
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as string[])
}

/**
 * Writes fake `nix` and a `git` wrapper into `bin` (put it first on PATH).
 * nix: `flake lock` writes `$FAKE_LOCK_TEXT` (or a minimal lock) to
 * flake.lock, after touching `$FAKE_NIX_MARKER` and sleeping
 * `$FAKE_NIX_SLEEP` seconds; fails when `$FAKE_NIX_FAIL` is set.
 */
export async function writeTxFakes(bin: string, realGit: string): Promise<void> {
  await mkdir(bin, {recursive: true})
  const nix = `#!/bin/sh
[ -n "$FAKE_NIX_LOG" ] && node -e 'require("fs").appendFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)) + "\\n")' "$FAKE_NIX_LOG" "$@"
case " $* " in
  *" flake lock "*)
    [ -n "$FAKE_NIX_MARKER" ] && echo $$ > "$FAKE_NIX_MARKER"
    [ -n "$FAKE_NIX_SLEEP" ] && sleep "$FAKE_NIX_SLEEP"
    if [ -n "$FAKE_NIX_FAIL" ]; then echo "error: simulated nix failure" >&2; echo "(use '--show-trace' to show detailed location information)" >&2; exit 1; fi
    if [ -n "$FAKE_LOCK_TEXT" ]; then printf '%s' "$FAKE_LOCK_TEXT" > flake.lock
    else printf '%s\\n' '{"nodes":{"root":{}},"root":"root","version":7}' > flake.lock; fi ;;
esac
exit 0
`
  // The wrapper logs argv (JSON), runs the hook at the chosen subcommand, then becomes the real git.
  const git = `#!/bin/sh
if [ -n "$GLIX_TEST_GIT_LOG" ]; then
  node -e 'require("fs").appendFileSync(process.argv[1], JSON.stringify(process.argv.slice(2)) + "\\n")' "$GLIX_TEST_GIT_LOG" "$@"
fi
if [ -n "$GLIX_TEST_GIT_AT" ]; then
  skip=
  for arg in "$@"; do
    if [ -n "$skip" ]; then skip=; continue; fi
    case "$arg" in -c|-C) skip=1; continue ;; -*) continue ;; esac
    case " $GLIX_TEST_GIT_AT " in *" $arg "*) eval "$GLIX_TEST_GIT_HOOK" ;; esac
    break
  done
fi
exec ${JSON.stringify(realGit)} "$@"
`
  for (const [name, text] of [
    ['nix', nix],
    ['git', git],
  ] as const) {
    await writeFile(path.join(bin, name), text)
    await chmod(path.join(bin, name), 0o755)
  }
}

/** The real git, found before PATH is changed. */
export function realGitPath(): string {
  return execFileSync('sh', ['-c', 'command -v git'], {encoding: 'utf8'}).trim()
}

/** A glix child process the test can signal and await. */
export interface GlixChild {
  pid: number
  output: () => {stdout: string; stderr: string}
  done: Promise<{code: null | number; signal: NodeJS.Signals | null; stdout: string; stderr: string}>
  exited: () => boolean
}

/** Starts `node bin/run.js <args>` (the built CLI). */
export function startGlix(args: string[], env: NodeJS.ProcessEnv, cwd: string, options: {detached?: boolean} = {}): GlixChild {
  const child = spawn(process.execPath, [BIN, ...args], {cwd, detached: options.detached, env, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  let exited = false
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const done = new Promise<{code: null | number; signal: NodeJS.Signals | null; stdout: string; stderr: string}>((resolve) => {
    child.on('close', (code, signal) => {
      exited = true
      resolve({code, signal, stderr, stdout})
    })
  })
  return {done, exited: () => exited, output: () => ({stderr, stdout}), pid: child.pid!}
}

/** Polls `check` every 50 ms until it is true; fails after `ms` (generous: the machine is loaded). */
export async function waitFor(what: string, check: () => boolean, ms = 60_000, child?: GlixChild): Promise<void> {
  const until = Date.now() + ms
  while (!check()) {
    if (child?.exited()) throw new Error(`glix exited before ${what}:\n${JSON.stringify(child.output())}`)
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${child ? `:\n${JSON.stringify(child.output())}` : ''}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** True when nobody holds the repository lock of `root`. */
export function isRepoLockFree(root: string, gitDir = path.join(root, '.git')): boolean {
  try {
    execFileSync('flock', ['--nonblock', path.join(gitDir, 'glix', 'lock'), 'true'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

/** One test's repo, made by {@link useTxRepo}. */
export interface TxRepo {
  tmp: string
  root: string
  /** Holds the fakes of {@link writeTxFakes}; first on PATH. */
  bin: string
  /** A file a fake step writes its pid to when it starts. */
  marker: string
  /** The environment for glix child processes: this one's (hermetic git), the fakes first on PATH. */
  env: NodeJS.ProcessEnv
}

/**
 * Before each test: a temp dir, a glix repo with `hosts` in it (`init
 * --no-lock`), the fakes first on PATH (here, for in-process runs, and in
 * `env`, for child processes). Call inside a `describe` that uses
 * `useHermeticGit()`.
 */
export function useTxRepo(prefix: string, hosts: HostSpec[]): TxRepo {
  const tempDir = useTempDirs()
  const setEnv = useEnv()
  const repo = {} as TxRepo
  beforeEach(async () => {
    repo.tmp = await tempDir(prefix)
    repo.root = await createRepo(path.join(repo.tmp, 'repo'), hosts)
    repo.bin = path.join(repo.tmp, 'bin')
    await writeTxFakes(repo.bin, realGitPath())
    repo.marker = path.join(repo.tmp, 'marker')
    setEnv.set('PATH', `${repo.bin}${path.delimiter}${process.env.PATH}`)
    repo.env = {...process.env, NO_COLOR: '1'}
    delete repo.env.GLIX_HOST
  })
  return repo
}
