/**
 * Helpers for tests that run the real `nix` against the offline fixture
 * flakes in `test/fixtures/nix/` (stub nixpkgs and home-manager, a core
 * flake keeping the spec §8 contract, and three package flakes).
 *
 * A test that needs Nix is wrapped in {@link describeNix}: without `nix` on
 * PATH the suite is skipped on a developer machine but fails in CI
 * (`CI=true`), so a CI runner that lost Nix cannot pass silently.
 */
import {execFileSync} from 'node:child_process'
import {accessSync, constants} from 'node:fs'
import {cp, mkdir, mkdtemp, readdir, readFile, realpath, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** The fixture flakes, as copied by {@link copyNixFixtures}. */
export const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/nix/', import.meta.url))

const FEATURES = 'experimental-features = nix-command flakes'

/** The `path:` flake references of the copied fixtures. */
export interface NixFixtures {
  nixpkgs: string
  homeManager: string
  core: string
  pkgHello: string
  pkgGreeting: string
  pkgTool: string
}

/** Fixture directory name → its key in {@link NixFixtures} and placeholder. */
const FIXTURES: ReadonlyArray<{dir: string; key: keyof NixFixtures; placeholder: string}> = [
  {dir: 'nixpkgs', key: 'nixpkgs', placeholder: '@NIXPKGS@'},
  {dir: 'home-manager', key: 'homeManager', placeholder: '@HOME_MANAGER@'},
  {dir: 'core', key: 'core', placeholder: '@CORE@'},
  {dir: 'pkg-hello', key: 'pkgHello', placeholder: '@PKG_HELLO@'},
  {dir: 'pkg-greeting', key: 'pkgGreeting', placeholder: '@PKG_GREETING@'},
  {dir: 'pkg-tool', key: 'pkgTool', placeholder: '@PKG_TOOL@'},
]

/** True when an executable `nix` is on PATH. */
export function hasNix(): boolean {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue
    try {
      accessSync(path.join(dir, 'nix'), constants.X_OK)
      return true
    } catch {
      // not in this directory
    }
  }

  return false
}

/**
 * Makes sure `nix` can run. Without it: throws in CI (`CI=true`), so the
 * test fails; elsewhere skips the current test or suite through `context`
 * (mocha's `this`), or throws when no context is given.
 */
export function requireNix(context?: Mocha.Context): void {
  if (hasNix()) return
  const message = 'nix is not on PATH; the Nix integration tests need it'
  if (process.env.CI === 'true' || !context) throw new Error(message)
  context.skip()
}

/**
 * `describe` for suites that need the real `nix`: skipped (pending) outside
 * CI when nix is missing; in CI every test of the suite fails instead.
 */
export function describeNix(title: string, fn: (this: Mocha.Suite) => void): Mocha.Suite | void {
  const runnable = hasNix() || process.env.CI === 'true'
  return (runnable ? describe : describe.skip)(title, function () {
    before(function () {
      requireNix(this)
    })
    fn.call(this)
  })
}

/** The environment for `nix` (and glix calling nix): flakes switched on. */
export function nixEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const existing = base.NIX_CONFIG ? `${base.NIX_CONFIG}\n` : ''
  return {...base, NIX_CONFIG: `${existing}${FEATURES}`}
}

/**
 * Copies the fixture flakes into `dir` (one subdirectory each) and replaces
 * the placeholders in their `flake.nix` files (`@NIXPKGS@`, `@CORE@`, …) by
 * the copies' `path:` references, which it returns.
 */
export async function copyNixFixtures(dir: string): Promise<NixFixtures> {
  const root = path.resolve(dir)
  const refs = {} as NixFixtures
  for (const {dir: name, key} of FIXTURES) refs[key] = `path:${path.join(root, name)}`

  for (const {dir: name} of FIXTURES) {
    const target = path.join(root, name)
    await cp(path.join(FIXTURES_DIR, name), target, {recursive: true})
    for (const file of await readdir(target, {recursive: true})) {
      if (!file.endsWith('.nix')) continue
      const filePath = path.join(target, file)
      let text = await readFile(filePath, 'utf8')
      for (const {key, placeholder} of FIXTURES) text = text.replaceAll(placeholder, refs[key])
      await writeFile(filePath, text)
    }
  }

  return refs
}

/** Runs `nix <args>` in `cwd` and returns its stdout; throws with stderr on failure. */
export function runNix(args: string[], cwd: string): string {
  try {
    return execFileSync('nix', args, {cwd, encoding: 'utf8', env: nixEnv(), stdio: ['ignore', 'pipe', 'pipe']})
  } catch (error) {
    const {stderr} = error as {stderr?: string}
    throw new Error(`nix ${args.join(' ')} failed in ${cwd}:\n${stderr ?? String(error)}`)
  }
}

/** `nix eval --json <installable>` in `cwd`, parsed. */
export function nixEvalJson<T = unknown>(installable: string, cwd: string): T {
  return JSON.parse(runNix(['eval', '--json', installable], cwd)) as T
}

/**
 * A temp dir (real path) and an environment for subprocess runs of glix:
 * Nix with flakes on, a fixed git identity, no global or system git config,
 * XDG dirs inside the temp dir, and none of the user's GLIX_* settings.
 */
export async function makeSandbox(prefix: string): Promise<{env: NodeJS.ProcessEnv; tmp: string}> {
  const tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), prefix)))
  const gitconfig = path.join(tmp, 'gitconfig')
  await writeFile(gitconfig, '')
  await mkdir(path.join(tmp, 'xdg-config'))
  const base = nixEnv()
  delete base.GLIX_HOST
  delete base.GLIX_ROOT
  delete base.GLIX_REGISTRY_URL
  const env = {
    ...base,
    GIT_AUTHOR_EMAIL: 'test@example.com',
    GIT_AUTHOR_NAME: 'glix test',
    GIT_COMMITTER_EMAIL: 'test@example.com',
    GIT_COMMITTER_NAME: 'glix test',
    GIT_CONFIG_GLOBAL: gitconfig,
    GIT_CONFIG_NOSYSTEM: '1',
    NO_COLOR: '1',
    XDG_CACHE_HOME: path.join(tmp, 'xdg-cache'),
    XDG_CONFIG_HOME: path.join(tmp, 'xdg-config'),
  }
  return {env, tmp}
}

/** The `glix init` flags that point a new repo at the fixture flakes. */
export function fixtureInitFlags(fx: NixFixtures): string[] {
  return ['--core', fx.core, '--nixpkgs', fx.nixpkgs, '--home-manager', fx.homeManager, '--allow-local-core']
}
