/**
 * What mutating operations need from the layer above: the regeneration
 * hook, the flake locker and a place for notices. The command layer hands
 * in oclif's hook runner and stderr; tests hand in plain functions.
 */
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
