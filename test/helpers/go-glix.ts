/**
 * The Go glix (`glix-go`, see /work/shared/anchor/README.md) as a program
 * for compatibility tests: repos and files it writes are what real users of
 * the Go tool have. It is used as a program only.
 *
 * The binary is found at `$GLIX_GO` or else /work/shared/anchor/glix-go.
 * It has no `--no-lock`, so {@link runGoGlix} puts a stub `nix` first on
 * PATH that exits 0 (no flake.lock is written; the caller's real `nix eval`
 * locks later). A suite that needs it is wrapped in {@link describeGoGlix}:
 * when the binary is absent the suite is skipped with the reason in its
 * title, also under CI (a checkout without the anchor is legitimate); when
 * the file exists but does not run, the suite fails under `CI=true` and is
 * skipped with the reason elsewhere.
 */
import {execFile, execFileSync} from 'node:child_process'
import {existsSync, rmSync} from 'node:fs'
import {chmod, mkdtemp, readFile, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import type {NixFixtures} from './nix.js'

const execFileAsync = promisify(execFile)

/** Where the Go glix binary is looked for. */
export const GO_GLIX = process.env.GLIX_GO ?? '/work/shared/anchor/glix-go'

/** Whether the Go glix can be used, and if not, why. */
export type GoGlixStatus = {ok: false; present: boolean; reason: string} | {ok: true; version: string}

let cached: GoGlixStatus | undefined

/** Checks once whether {@link GO_GLIX} exists and runs (`glix-go version`). */
export function goGlixStatus(): GoGlixStatus {
  if (cached) return cached
  if (!existsSync(GO_GLIX)) {
    cached = {ok: false, present: false, reason: `the Go glix is not at ${GO_GLIX} (set GLIX_GO)`}
    return cached
  }

  try {
    const version = execFileSync(GO_GLIX, ['version'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000})
    cached = {ok: true, version: version.trim()}
  } catch (error) {
    cached = {ok: false, present: true, reason: `${GO_GLIX} exists but does not run: ${(error as Error).message.split('\n')[0]}`}
  }

  return cached
}

/**
 * `describe` for suites that run the Go glix. Absent binary: skipped, the
 * reason in the title. Present but broken: fails under `CI=true`, else
 * skipped with the reason in the title.
 */
export function describeGoGlix(title: string, fn: (this: Mocha.Suite) => void): Mocha.Suite | void {
  const status = goGlixStatus()
  if (status.ok) return describe(title, fn)
  if (status.present && process.env.CI === 'true') {
    return describe(title, function () {
      it('runs the Go glix', function () {
        throw new Error(status.reason)
      })
    })
  }

  return describe.skip(`${title} (skipped: ${status.reason})`, fn)
}

/** The output of one run of the Go glix. */
export interface GoGlixRun {
  code: number
  stdout: string
  stderr: string
}

let stubDir: Promise<string> | undefined

/** A directory holding a `nix` that exits 0, made once per process. */
function stubNixDir(): Promise<string> {
  stubDir ??= (async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'glix-go-stub-nix-'))
    process.once('exit', () => rmSync(dir, {force: true, recursive: true}))
    await writeFile(path.join(dir, 'nix'), '#!/bin/sh\nexit 0\n')
    await chmod(path.join(dir, 'nix'), 0o755)
    return dir
  })()
  return stubDir
}

/**
 * Runs `glix-go <args>` (flags before positional arguments: Go's flag
 * package stops at the first positional one) with a stub `nix` first on
 * PATH. Rejects with the output when it exits non-zero, unless
 * `allowFailure`.
 */
export async function runGoGlix(
  args: string[],
  options: {allowFailure?: boolean; cwd?: string; env?: NodeJS.ProcessEnv} = {},
): Promise<GoGlixRun> {
  const env = {...(options.env ?? process.env)}
  env.PATH = `${await stubNixDir()}${path.delimiter}${env.PATH ?? ''}`
  try {
    const {stderr, stdout} = await execFileAsync(GO_GLIX, args, {cwd: options.cwd, env, timeout: 120_000})
    return {code: 0, stderr, stdout}
  } catch (error) {
    const {code, stderr, stdout} = error as {code?: number | string; stderr?: string; stdout?: string}
    const run = {code: typeof code === 'number' ? code : 1, stderr: stderr ?? '', stdout: stdout ?? ''}
    if (options.allowFailure) return run
    throw new Error(`glix-go ${args.join(' ')} exited ${String(code)}:\n${run.stdout}${run.stderr}`)
  }
}

/** Flags that keep the Go glix's `add` offline: no nix registry, no registry fetch, local paths allowed. */
export const GO_OFFLINE_ADD = ['--no-nix-registry', '--allow-local-path', '--registry-url=file:///nonexistent', '--allow-file-registry']

/**
 * Makes a repo with `glix-go init` at `root` (host `host`, user `user`,
 * core = the fixture core) and points its other fixed inputs, nixpkgs and
 * home-manager, at the fixtures (the Go init has no flags for them) by
 * editing those two lines outside the regions; commits that edit.
 */
export async function createGoRepo(
  root: string,
  options: {env: NodeJS.ProcessEnv; fixtures: NixFixtures; host: string; user: string},
): Promise<void> {
  const {env, fixtures: fx} = options
  await runGoGlix(['init', `--dir=${root}`, `--host=${options.host}`, `--user=${options.user}`, `--core=${fx.core}`, '--allow-local-core'], {env})
  const flakeFile = path.join(root, 'flake.nix')
  const flake = await readFile(flakeFile, 'utf8')
  const pointed = flake
    .replace('nixpkgs.url = "github:NixOS/nixpkgs/nixpkgs-unstable";', `nixpkgs.url = "${fx.nixpkgs}";`)
    .replace('url = "github:nix-community/home-manager";', `url = "${fx.homeManager}";`)
  if (!pointed.includes(`nixpkgs.url = "${fx.nixpkgs}";`) || !pointed.includes(`url = "${fx.homeManager}";`)) {
    throw new Error(`the Go glix's flake.nix no longer has the fixed inputs this helper edits:\n${flake}`)
  }

  await writeFile(flakeFile, pointed)
  await execFileAsync('git', ['commit', '-q', '-am', 'test: point nixpkgs and home-manager at the fixtures'], {cwd: root, env})
}
