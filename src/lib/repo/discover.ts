/**
 * Finding the user-packages repo (spec §1).
 *
 * First match wins: `--dir`; the nearest ancestor of the working directory
 * holding both `flake.nix` and `hosts/`; `$GLIX_ROOT`; `$XDG_CONFIG_HOME/glixos`;
 * `~/.config/glixos`. Discovery only reads (stat) — it never creates.
 *
 * Invariant: a repository found (or named by `--dir`) that another user
 * owns is refused unless git's safe.directory allows it (ownership.ts),
 * before anything is read from it.
 */
import {statSync} from 'node:fs'
import {homedir} from 'node:os'
import {dirname, join, resolve} from 'node:path'

import {GlixError} from '../errors.js'
import {assertOwnedRepo} from './ownership.js'

/** Where discovery looks, injectable for tests. */
export interface DiscoverOptions {
  cwd?: string
  dir?: string
  env?: NodeJS.ProcessEnv
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile()
  } catch {
    return false
  }
}

/** True when `dir` looks like a user-packages repo (flake.nix + hosts/). */
export function isGlixRoot(dir: string): boolean {
  return isFile(join(dir, 'flake.nix')) && isDir(join(dir, 'hosts'))
}

/** The directory `glix init` creates when no `--dir` is given. */
export function defaultInitRoot(env: NodeJS.ProcessEnv = process.env): string {
  if (env.GLIX_ROOT) return resolve(env.GLIX_ROOT)
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  return join(config, 'glixos')
}

/**
 * Returns the root of the repo, or throws when there is none. With `dir`,
 * that directory must be a repo itself.
 */
export function discoverRoot(options: DiscoverOptions = {}): string {
  const env = options.env ?? process.env
  if (options.dir !== undefined) {
    const dir = resolve(options.cwd ?? process.cwd(), options.dir)
    if (!isGlixRoot(dir)) throw notFound(`${dir} is not a glix repository (no flake.nix and hosts/)`)
    assertOwnedRepo(dir, env)
    return dir
  }

  let current = resolve(options.cwd ?? process.cwd())
  for (;;) {
    if (isGlixRoot(current)) {
      assertOwnedRepo(current, env)
      return current
    }

    const parent = dirname(current)
    if (parent === current) break
    current = parent
  }

  const candidates = [
    env.GLIX_ROOT ? resolve(env.GLIX_ROOT) : undefined,
    env.XDG_CONFIG_HOME ? join(env.XDG_CONFIG_HOME, 'glixos') : undefined,
    join(env.HOME || homedir(), '.config', 'glixos'),
  ]
  for (const candidate of candidates) {
    if (candidate && isGlixRoot(candidate)) {
      assertOwnedRepo(candidate, env)
      return candidate
    }
  }

  throw notFound('no glix repository found (looked in the current directory and its parents, $GLIX_ROOT, $XDG_CONFIG_HOME/glixos, ~/.config/glixos)')
}

function notFound(message: string): GlixError {
  return new GlixError(message, {code: 'NO_REPO', suggestions: ['create one with `glix init --host=<host>`, or point at one with --dir']})
}

/** Paths inside a repo. Host names must be validated before calling these. */
export const repoPaths = {
  flake: (root: string) => join(root, 'flake.nix'),
  hostDir: (root: string, host: string) => join(root, 'hosts', host),
  hosts: (root: string) => join(root, 'hosts'),
  lock: (root: string) => join(root, 'flake.lock'),
  manifest: (root: string, host: string) => join(root, 'hosts', host, 'glix.toml'),
}
