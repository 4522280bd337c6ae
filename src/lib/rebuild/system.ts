/**
 * Evaluating a host's system: the derivation and output paths of its
 * `config.system.build.toplevel`, which Nix computes without building.
 *
 * The drvPath is what `--changed` compares and the ledger records (it
 * changes exactly when what would be built changes); the outPath is what
 * a NixOS machine's `/run/current-system` points to once that system is
 * activated, which `status --probe` compares.
 *
 * Invariants: one `nix eval` per host, built by command-line.ts (the lock
 * file is never written); what Nix prints is accepted only when both paths
 * are plain store paths — the repo decides what the toplevel attribute
 * holds, and these strings later reach the terminal, JSON and git.
 */
import {GlixError, ProcessError} from '../errors.js'
import {runProcess} from '../process.js'
import {evalSystemArgs} from './command-line.js'

/** A host's evaluated system. */
export interface SystemPaths {
  /** The derivation of its toplevel (`/nix/store/…-nixos-system-<host>.drv`). */
  drv_path: string
  /** Its output path: what `/run/current-system` points to once activated. */
  out_path: string
}

/** Evaluates one host's system in the repo at `root`. */
export type SystemEvaluator = (root: string, host: string) => Promise<SystemPaths>

// A store directory of plain segments, a 32-character nix-base32 hash, a name.
const STORE_PATH = /^(?:\/[A-Za-z0-9_.+-]+)+\/[0-9a-df-np-sv-z]{32}-[A-Za-z0-9+._?=-]+$/

/** True when `value` looks like a Nix store path (`/nix/store/<hash>-<name>`). */
export function isStorePath(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 4096 && STORE_PATH.test(value)
}

/**
 * The message of a failed Nix call: its first `error:` line (Nix ends with
 * hints such as "use '--show-trace'"), else its last line.
 */
export function nixErrorMessage(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim())
  const error = lines.find((line) => line.startsWith('error:'))
  if (error) return error.slice('error:'.length).trim()
  return lines.filter((line) => line !== '').at(-1) ?? 'no output'
}

/** The real {@link SystemEvaluator}: `nix eval` of the host's toplevel (see evalSystemArgs). */
export const evaluateSystem: SystemEvaluator = async (root, host) => {
  let result
  try {
    result = await runProcess('nix', evalSystemArgs(root, host), {allowFailure: true, cwd: root})
  } catch (error) {
    if (error instanceof ProcessError && error.code === 'NOT_FOUND') {
      throw new GlixError('nix not found on PATH: evaluating a host needs Nix', {code: 'NO_NIX'})
    }

    throw error
  }

  if (result.code !== 0) throw new GlixError(`nix eval failed: ${nixErrorMessage(result.stderr)}`, {code: 'EVAL_FAILED'})
  let value: unknown
  try {
    value = JSON.parse(result.stdout)
  } catch {
    value = undefined
  }

  const {drv, out} = (value ?? {}) as {drv?: unknown; out?: unknown}
  if (!isStorePath(drv) || !drv.endsWith('.drv') || !isStorePath(out)) {
    throw new GlixError(`nixosConfigurations.${host}.config.system.build.toplevel is not a derivation with store paths`, {
      code: 'EVAL_FAILED',
    })
  }

  return {drv_path: drv, out_path: out}
}
