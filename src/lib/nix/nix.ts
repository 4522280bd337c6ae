/**
 * Nix, as glix drives it: locking the flake, the rebuild of a host after
 * a mutation (`--apply`), and garbage collection.
 *
 * Every call passes `--extra-experimental-features 'nix-command flakes'`, so
 * glix works on machines where flakes are not switched on globally.
 */
import {GlixError, ProcessError, UsageError} from '../errors.js'
import {runProcess} from '../process.js'
import {NIX_FEATURES} from '../rebuild/command-line.js'
import {isRebuildAction, localHostName, REBUILD_ACTIONS} from '../rebuild/plan.js'
import {prepareRebuild, startRebuildRun} from '../rebuild/rebuild.js'
import {createRebuildSession} from '../rebuild/run.js'
import {type Spawner, spawnStreaming} from '../rebuild/spawn.js'

const FEATURES = NIX_FEATURES

/** What Nix (through curl or git) says when it cannot reach the network. */
const OFFLINE = /unable to download|Could(?: not|n't) resolve (?:host|proxy)|Failed to connect|Connection refused|Network is unreachable|Connection timed out|Timeout was reached|unable to access '[^']*': /i

/**
 * Runs `nix flake lock` in `root` (creates or completes flake.lock). When
 * Nix cannot download an input, the error says that the network is the
 * problem and how to go on without it.
 */
export async function lockFlake(root: string, onStderr?: (chunk: string) => void): Promise<void> {
  try {
    await runProcess('nix', [...FEATURES, 'flake', 'lock'], {cwd: root, onStderr})
  } catch (error) {
    if (error instanceof ProcessError && error.code === 'NOT_FOUND') {
      throw new GlixError('nix not found on PATH: install Nix, or pass --no-lock to skip `nix flake lock`', {
        code: 'NO_NIX',
      })
    }

    if (error instanceof ProcessError && OFFLINE.test(error.message)) {
      throw new GlixError(`${error.message} (is this machine offline?)`, {
        cause: error,
        code: 'NETWORK',
        suggestions: ['check the network connection and run the command again, or pass --no-lock to commit without locking and run `glix update` once online'],
      })
    }

    throw error
  }
}

/**
 * Rebuilds one host as `glix rebuild --host=<host> <action>` does (used by
 * `--apply` and `auto_apply`): `target_host`/`build_host` from its settings,
 * the same refusal to activate another host's configuration here, the
 * terminal attached (nixos-rebuild may ask for a sudo password), and the
 * deployed commit recorded in the ledger after a successful switch or boot.
 * Resolves with nixos-rebuild's exit status.
 */
export async function rebuildHost(root: string, host: string, action = 'switch', extra: string[] = []): Promise<number> {
  if (!isRebuildAction(action)) throw new UsageError(`unknown rebuild action "${action}" (one of ${REBUILD_ACTIONS.join(', ')})`)
  let prepared
  try {
    prepared = await prepareRebuild({action, extra, hosts: [host], localHost: localHostName(), root})
  } catch (error) {
    if (error instanceof GlixError && error.code === 'FOREIGN_HOST') {
      throw new GlixError(`the change is committed but not applied: ${error.message}`, {code: error.code, suggestions: error.suggestions})
    }

    throw error
  }

  const [plan] = prepared.plans
  const session = createRebuildSession(prepared.plans, {attach: true, cwd: root, spawn: spawnStreaming, ...startRebuildRun(root, prepared)})
  const result = await session.run(plan)
  if (result.exit_code === undefined) throw new GlixError(result.error ?? 'nixos-rebuild could not start', {code: 'NO_REBUILD'})
  return result.exit_code
}

/** The arguments of `nix-collect-garbage`: `-d` with `deleteOld`, then `extra`. */
export function gcArgs(options: {deleteOld?: boolean; extra?: string[]} = {}): string[] {
  return [...(options.deleteOld ? ['-d'] : []), ...(options.extra ?? [])]
}

/**
 * Runs `nix-collect-garbage` with the terminal attached, its output
 * streaming as it comes; resolves with its exit status.
 */
export async function collectGarbage(options: {deleteOld?: boolean; extra?: string[]; spawn?: Spawner} = {}): Promise<number> {
  const spawn = options.spawn ?? spawnStreaming
  try {
    const {code} = await spawn('nix-collect-garbage', gcArgs(options), {attach: true, stdout: 'stdout'})
    return code
  } catch (error) {
    if (error instanceof ProcessError && error.code === 'NOT_FOUND') {
      throw new GlixError('nix-collect-garbage not found on PATH: install Nix', {code: 'NO_NIX'})
    }

    throw error
  }
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
