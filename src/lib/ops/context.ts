/**
 * What mutating operations need from the layer above: the regeneration
 * hook, the flake locker and a place for notices. The command layer hands
 * in oclif's hook runner and stderr; tests hand in plain functions.
 */
import type {TransactionOptions} from '../repo/transaction.js'

export interface MutationDeps {
  /** Runs after manifests are written; regenerates flake.nix (the manifest:written hook). */
  afterWrite: (root: string, hosts: string[]) => Promise<void>
  /** Runs `nix flake lock`. */
  lockFlake: (root: string) => Promise<void>
  /** One-line notices for stderr. */
  notice: (message: string) => void
  /** Skip `nix flake lock` (--no-lock). */
  noLock?: boolean
}

/** Transaction options for a mutation of `hosts`, wired to `deps`. */
export function transactionOptions(
  deps: MutationDeps,
  what: {command: string; dirs?: string[]; files: string[]; hosts: string[]; root: string},
): TransactionOptions {
  return {
    afterWrite: () => deps.afterWrite(what.root, what.hosts),
    command: what.command,
    dirs: what.dirs,
    files: what.files,
    lockFlake: deps.lockFlake,
    noLock: deps.noLock,
    notice: deps.notice,
    root: what.root,
  }
}
