/**
 * Nix, as glix drives it: locking the flake and the rebuild of a host.
 *
 * Every call passes `--extra-experimental-features 'nix-command flakes'`, so
 * glix works on machines where flakes are not switched on globally.
 */
import {spawn} from 'node:child_process'

import {GlixError, ProcessError} from '../errors.js'
import {runProcess} from '../process.js'

const FEATURES = ['--extra-experimental-features', 'nix-command flakes']

/** Runs `nix flake lock` in `root` (creates or completes flake.lock). */
export async function lockFlake(root: string, onStderr?: (chunk: string) => void): Promise<void> {
  try {
    await runProcess('nix', [...FEATURES, 'flake', 'lock'], {cwd: root, onStderr})
  } catch (error) {
    if (error instanceof ProcessError && error.code === 'NOT_FOUND') {
      throw new GlixError('nix not found on PATH: install Nix, or pass --no-lock to skip `nix flake lock`', {
        code: 'NO_NIX',
      })
    }

    throw error
  }
}

/** The argv of `nixos-rebuild` for one host. */
export function rebuildArgs(root: string, host: string, action: string, extra: string[] = []): string[] {
  return [action, '--flake', `${root}#${host}`, ...extra]
}

/**
 * Runs `nixos-rebuild <action> --flake <root>#<host>` with the terminal
 * attached (it may ask for a sudo password), resolving with its exit status.
 */
export function rebuildHost(root: string, host: string, action = 'switch', extra: string[] = []): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('nixos-rebuild', rebuildArgs(root, host, action, extra), {cwd: root, stdio: 'inherit'})
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        new GlixError(error.code === 'ENOENT' ? 'nixos-rebuild not found on PATH (is this a NixOS machine?)' : error.message, {
          code: 'NO_REBUILD',
        }),
      ),
    )
    child.on('close', (code) => resolve(code ?? 1))
  })
}

/** The version of the `nix` on PATH as [major, minor], or undefined when there is none. */
export async function nixVersion(): Promise<[number, number] | undefined> {
  const result = await runProcess('nix', ['--version'], {allowFailure: true}).catch(() => undefined)
  const match = result && /(\d+)\.(\d+)/.exec(result.stdout)
  return match ? [Number(match[1]), Number(match[2])] : undefined
}

/**
 * Updates all inputs of the flake at `root`, or the named ones: Nix ≥ 2.19
 * takes names after `nix flake update`; older Nix (2.8 on Debian) needs
 * `nix flake lock --update-input <name>` per input.
 */
export async function updateFlakeInputs(root: string, inputs: string[]): Promise<void> {
  const version = await nixVersion()
  if (!version) throw new GlixError('nix not found on PATH: install Nix to update flake.lock', {code: 'NO_NIX'})
  const modern = version[0] > 2 || (version[0] === 2 && version[1] >= 19)
  let args: string[]
  if (inputs.length === 0) args = ['flake', 'update']
  else if (modern) args = ['flake', 'update', ...inputs]
  else args = ['flake', 'lock', ...inputs.flatMap((input) => ['--update-input', input])]
  await runProcess('nix', [...FEATURES, ...args], {cwd: root})
}
