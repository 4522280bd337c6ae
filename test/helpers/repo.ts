/**
 * Helpers for the command tests (`test/commands/**`): run glix in-process
 * or as a subprocess, make temp repos with real `git`, and take byte-level
 * snapshots of a repo so a test can prove a command changed nothing.
 *
 * Every helper that touches the environment or the disk registers its own
 * mocha cleanup, so call the `use…` functions inside a `describe` block.
 *
 * In-process runs load the commands oclif finds from package.json, i.e.
 * `dist/`: run `npm run build` after changing `src/` (`npm test` does).
 */
import {Config, run} from '@oclif/core'
import {captureOutput} from '@oclif/test'
import {expect} from 'chai'
import {execFile, execFileSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {lstat, mkdtemp, readdir, readFile, realpath, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** The glix package directory (holds package.json, bin/, dist/). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** The CLI entry point used by subprocess tests. */
export const BIN = path.join(PACKAGE_ROOT, 'bin', 'run.js')

/** The git identity every test commit is made with. */
export const TEST_IDENTITY = {email: 'tester@glix.invalid', name: 'Glix Tester'} as const

/** The identity variables git reads from the environment. */
export const GIT_IDENTITY_VARS = ['GIT_AUTHOR_NAME', 'GIT_AUTHOR_EMAIL', 'GIT_COMMITTER_NAME', 'GIT_COMMITTER_EMAIL'] as const

// ---------------------------------------------------------------------------
// Running glix

/** What one glix run left behind. */
export interface GlixRun<T = unknown> {
  stdout: string
  stderr: string
  /** The value `run()` returned (what `--json` prints); undefined on failure. */
  result?: T
  error?: Error & {oclif?: {exit?: number}}
  /** 0 on success, else the exit status the process would have had. */
  exitCode: number
}

let builtChecked = false
let cachedConfig: Config | undefined

function newestMtime(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const full = path.join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs)
  }

  return newest
}

/** Fails early (instead of with a confusing oclif error) when dist/ is missing; warns when it is older than src/. */
function checkBuilt(): void {
  if (builtChecked) return
  builtChecked = true
  const commands = path.join(PACKAGE_ROOT, 'dist', 'commands')
  if (!existsSync(commands)) throw new Error(`${commands} is missing: run \`npm run build\` before the command tests`)
  if (newestMtime(path.join(PACKAGE_ROOT, 'src')) > newestMtime(path.join(PACKAGE_ROOT, 'dist'))) {
    console.warn('warning: src/ is newer than dist/; the command tests run dist/ — run `npm run build`')
  }
}

/**
 * Runs `glix <args>` in-process and captures its output.
 *
 * Unlike `runCommand` from @oclif/test, which joins the arguments and
 * splits them again at whitespace, the argv reaches oclif exactly as given,
 * so arguments with spaces, newlines or empty strings can be tested.
 * The `init` hook sets `$GLIX_HOST` when it is unset and the value stays in
 * this process: pass `--host`, or use {@link useEnv} around default-host tests.
 */
export async function glix<T = unknown>(args: string[]): Promise<GlixRun<T>> {
  checkBuilt()
  cachedConfig ??= await Config.load({root: PACKAGE_ROOT})
  const config = cachedConfig
  const captured = await captureOutput<T>(async () => run(args, config))
  const error = captured.error as GlixRun['error']
  const exitCode = error ? (error.oclif?.exit ?? 1) : 0
  return {error, exitCode, result: captured.result, stderr: captured.stderr, stdout: captured.stdout}
}

/** Runs glix in-process and fails the test (showing its output) unless it exits 0. */
export async function glixOk<T = unknown>(args: string[]): Promise<GlixRun<T>> {
  const r = await glix<T>(args)
  if (r.exitCode !== 0) {
    expect.fail(`glix ${args.join(' ')} exited ${r.exitCode}\nstdout: ${r.stdout}\nstderr: ${r.stderr}\nerror: ${r.error?.message}`)
  }

  return r
}

/** What a subprocess run left behind. */
export interface ProcessRun {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs `node bin/run.js <args>` (the built CLI) in a subprocess. The
 * environment is this process's, minus `GLIX_HOST` (which the in-process
 * `init` hook may have set), plus `env`; an `undefined` value unsets a variable.
 */
export function glixBin(args: string[], options: {cwd?: string; env?: Record<string, string | undefined>} = {}): Promise<ProcessRun> {
  checkBuilt()
  const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1'}
  delete env.GLIX_HOST
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key]
    else env[key] = value
  }

  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], {cwd: options.cwd ?? PACKAGE_ROOT, env}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({code, stderr: stderr.toString(), stdout: stdout.toString()})
    })
  })
}

/** The lines of `text` without the empty string after a final newline. */
export function lines(text: string): string[] {
  const all = text.split('\n')
  if (all.at(-1) === '') all.pop()
  return all
}

/**
 * Asserts the shape of a failed command: exit status `exit`, nothing on
 * stdout, exactly one line on stderr that starts with `glix <command>: `,
 * and no stack trace. Returns the message after the prefix.
 */
export function expectOneLineError(r: GlixRun | ProcessRun, command: string, exit: number): string {
  const code = 'exitCode' in r ? r.exitCode : r.code
  const context = `stdout: ${JSON.stringify(r.stdout)}\nstderr: ${JSON.stringify(r.stderr)}`
  expect(code, `exit status\n${context}`).to.equal(exit)
  expect(r.stdout, `stdout\n${context}`).to.equal('')
  const stderrLines = lines(r.stderr)
  expect(stderrLines, `exactly one stderr line\n${context}`).to.have.lengthOf(1)
  const prefix = `glix ${command}: `
  expect(stderrLines[0].startsWith(prefix), `stderr starts with ${JSON.stringify(prefix)}\n${context}`).to.equal(true)
  expect(r.stderr, 'no stack trace').not.to.match(/^\s+at\s/m)
  expect(r.stderr, 'no stack trace').not.to.match(/\.(js|ts):\d+:\d+\)?$/m)
  return stderrLines[0].slice(prefix.length)
}

// ---------------------------------------------------------------------------
// Environment and temp dirs

/**
 * Lets a test set environment variables in this process; every variable
 * touched is restored after each test.
 */
export function useEnv(): {set: (name: string, value: string | undefined) => void} {
  const saved = new Map<string, string | undefined>()
  afterEach(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }

    saved.clear()
  })
  return {
    set(name, value) {
      if (!saved.has(name)) saved.set(name, process.env[name])
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    },
  }
}

/**
 * Makes git hermetic for the suite: no global or system config (so no
 * signing, hooks paths or identity of the machine leak in) and a fixed
 * identity through GIT_AUTHOR_* / GIT_COMMITTER_*. Restored after the suite.
 */
export function useHermeticGit(): void {
  const vars: Record<string, string> = {
    GIT_AUTHOR_EMAIL: TEST_IDENTITY.email,
    GIT_AUTHOR_NAME: TEST_IDENTITY.name,
    GIT_COMMITTER_EMAIL: TEST_IDENTITY.email,
    GIT_COMMITTER_NAME: TEST_IDENTITY.name,
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_CONFIG_NOSYSTEM: '1',
  }
  const saved: Record<string, string | undefined> = {}
  before(() => {
    for (const [name, value] of Object.entries(vars)) {
      saved[name] = process.env[name]
      process.env[name] = value
    }
  })
  after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })
}

/**
 * Returns a function that makes a fresh temp directory (real path, so it
 * compares equal to what glix prints). Every directory made is removed
 * after each test, or after the suite when `scope` is 'suite'.
 */
export function useTempDirs(scope: 'suite' | 'test' = 'test'): (prefix?: string) => Promise<string> {
  const made: string[] = []
  const cleanup = async () => {
    await Promise.all(made.splice(0).map((dir) => rm(dir, {force: true, recursive: true})))
  }

  if (scope === 'suite') after(cleanup)
  else afterEach(cleanup)
  return async (prefix = 'glix-test-') => {
    const dir = await realpath(await mkdtemp(path.join(tmpdir(), prefix)))
    made.push(dir)
    return dir
  }
}

// ---------------------------------------------------------------------------
// Repos

/** One host for {@link createRepo}. */
export interface HostSpec {
  host: string
  user?: string
  system?: string
}

/**
 * Creates a glix repo at `root` with `glix init --no-lock` for each host
 * (1–3 of them, in order) and returns `root`.
 */
export async function createRepo(root: string, hosts: HostSpec[]): Promise<string> {
  for (const {host, system, user} of hosts) {
    const args = ['init', '--dir', root, '--host', host, '--user', user ?? 'alice', '--no-lock']
    if (system) args.push('--system', system)
    await glixOk(args)
  }

  return root
}

/** Runs `glix add <ref> --no-lock --dir root --host host [...extra]` and expects success. */
export async function addPackage(root: string, host: string, ref: string, ...extra: string[]): Promise<GlixRun> {
  return glixOk(['add', ref, '--dir', root, '--host', host, '--no-lock', ...extra])
}

/** Runs git in `root` and returns its stdout. */
export function git(root: string, ...args: string[]): string {
  return execFileSync('git', args, {cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe']})
}

/** The full hash of HEAD. */
export function headOf(root: string): string {
  return git(root, 'rev-parse', 'HEAD').trim()
}

/** The line a mutation prints after its commit: `committed <12 hex>: <subject>` of HEAD. */
export function committedLine(root: string): string {
  return `committed ${headOf(root).slice(0, 12)}: ${subjectOf(root)}`
}

/** The number of commits reachable from HEAD. */
export function commitCount(root: string): number {
  return Number(git(root, 'rev-list', '--count', 'HEAD').trim())
}

/** The subject of a commit (HEAD by default). */
export function subjectOf(root: string, rev = 'HEAD'): string {
  return git(root, 'log', '-1', '--format=%s', rev).trim()
}

/** The files a commit changed, sorted. */
export function filesOf(root: string, rev = 'HEAD'): string[] {
  return lines(git(root, 'show', '--name-only', '--format=', rev)).filter((l) => l !== '').sort()
}

/** `git status --porcelain` lines, sorted. */
export function statusOf(root: string): string[] {
  return lines(git(root, 'status', '--porcelain', '--untracked-files=all')).sort()
}

/** Reads a repo file as text. */
export function readText(root: string, rel: string): string {
  return readFileSync(path.join(root, rel), 'utf8')
}

/** Rewrites a repo file as text through `edit`. */
export async function editText(root: string, rel: string, edit: (text: string) => string): Promise<void> {
  const file = path.join(root, rel)
  await writeFile(file, edit(await readFile(file, 'utf8')))
}

/** Rewrites `hosts/<host>/glix.toml` through `edit`, as a user would by hand. */
export function editManifest(root: string, host: string, edit: (text: string) => string): Promise<void> {
  return editText(root, `hosts/${host}/glix.toml`, edit)
}

// ---------------------------------------------------------------------------
// flake.nix regions

const MARKERS = {
  hosts: ['# >>> glix-managed hosts >>>', '# <<< glix-managed hosts <<<'],
  inputs: ['# >>> glix-managed inputs >>>', '# <<< glix-managed inputs <<<'],
} as const

/** The lines between a region's markers, exactly as in the file (indentation kept). */
export function regionLines(flake: string, region: 'hosts' | 'inputs'): string[] {
  const all = flake.split('\n')
  const start = all.findIndex((l) => l.trim() === MARKERS[region][0])
  const end = all.findIndex((l) => l.trim() === MARKERS[region][1])
  expect(start, `${region} start marker`).to.be.greaterThan(-1)
  expect(end, `${region} end marker`).to.be.greaterThan(start)
  return all.slice(start + 1, end)
}

/** `flake.nix` with the bodies of both managed regions removed: what glix must never change. */
export function outsideRegions(flake: string): string {
  let out = flake
  for (const region of ['inputs', 'hosts'] as const) {
    const body = regionLines(out, region)
    const all = out.split('\n')
    const start = all.findIndex((l) => l.trim() === MARKERS[region][0])
    all.splice(start + 1, body.length)
    out = all.join('\n')
  }

  return out
}

// ---------------------------------------------------------------------------
// Snapshots

/** Path (relative, `/`-separated; directories end in `/`) → bytes (null for directories). */
export type Snapshot = Map<string, Buffer | null>

/**
 * Whether a path is left out of snapshots: glix's own state under
 * `.git/glix/` (lock, fingerprint) and git's content-addressed object store
 * (a dangling object changes nothing a user sees; refs, HEAD and the index
 * are kept).
 */
function skipped(rel: string): boolean {
  return rel === '.git/glix' || rel.startsWith('.git/glix/') || rel === '.git/objects' || rel.startsWith('.git/objects/')
}

/**
 * Reads every file and directory under `dir` (including `.git/`, except what
 * {@link skipped} leaves out). `.git/index` is recorded as its staged entries
 * (`git ls-files --stage`): what is staged must not change, while the stat
 * cache in the file may (a restored file has a new inode and mtime).
 */
export async function snapshotTree(dir: string): Promise<Snapshot> {
  const snapshot: Snapshot = new Map()
  async function walk(rel: string): Promise<void> {
    const entries = await readdir(path.join(dir, rel))
    for (const name of entries.sort()) {
      const childRel = rel === '' ? name : `${rel}/${name}`
      if (skipped(childRel)) continue
      const full = path.join(dir, childRel)
      const stat = await lstat(full)
      if (stat.isDirectory()) {
        snapshot.set(`${childRel}/`, null)
        await walk(childRel)
      } else if (childRel === '.git/index') {
        // The staged entries (mode, blob, stage, path), not the bytes: git rewrites its stat cache freely.
        snapshot.set(childRel, execFileSync('git', ['ls-files', '--stage', '-z'], {cwd: dir}))
      } else if (stat.isFile()) {
        snapshot.set(childRel, await readFile(full))
      }
    }
  }

  await walk('')
  return snapshot
}

/** The paths that differ between two snapshots, each prefixed with `+` (added), `-` (removed) or `~` (changed). */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const diff: string[] = []
  for (const [rel, bytes] of before) {
    if (!after.has(rel)) diff.push(`- ${rel}`)
    else {
      const now = after.get(rel)
      if (bytes === null ? now !== null : now === null || !bytes.equals(now as Buffer)) diff.push(`~ ${rel}`)
    }
  }

  for (const rel of after.keys()) if (!before.has(rel)) diff.push(`+ ${rel}`)
  return diff.sort()
}

/** Asserts that `dir` is byte-identical to `before` (and, when given, HEAD is still `head`). */
export async function expectUnchanged(dir: string, before: Snapshot, head?: string): Promise<void> {
  const diff = diffSnapshots(before, await snapshotTree(dir))
  expect(diff, 'files changed').to.deep.equal([])
  if (head !== undefined) expect(headOf(dir), 'HEAD').to.equal(head)
}
