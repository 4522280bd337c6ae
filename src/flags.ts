/** Flags (and the registry spinner) that several commands share; plugins get the mutation flags from the package entry. */
import {Flags} from '@oclif/core'

import {startSpinner} from './lib/registry/progress.js'

/** `--no-lock`, for every command that may lock the flake (GLIX_NO_LOCK=1 sets it on a machine without Nix). */
export const noLockFlag = Flags.boolean({env: 'GLIX_NO_LOCK', summary: 'Do not run `nix flake lock` (for machines without Nix).'})

/** `--dry-run` (`--apply` declares the two exclusive, so oclif refuses them together with one message). */
export const dryRunFlag = Flags.boolean({summary: 'Print what would change; write nothing.'})

/** The flags of a mutation that changes what a host builds: `--apply`, `--dry-run`, `--no-lock`. */
export const mutationFlags = {
  apply: Flags.boolean({
    exclusive: ['dry-run'],
    summary: "Rebuild the touched host (nixos-rebuild switch) after the commit, as the host's auto_apply setting does.",
  }),
  'dry-run': dryRunFlag,
  'no-lock': noLockFlag,
}

/** The registry flags `search` and `add` share. */
export const registryFlags = {
  'allow-file-registry': Flags.boolean({summary: 'Accept a file:// registry URL.'}),
  refresh: Flags.boolean({summary: 'Refetch the registry even when the cached copy is fresh (under 24 hours old).'}),
  'registry-url': Flags.string({
    helpValue: 'URL',
    summary: "Registry to read (default: $GLIX_REGISTRY_URL, else the host's registry_url).",
  }),
}

/**
 * The progress callback for registry fetches: a spinner on stderr when it
 * is a terminal and the output is not JSON, else none.
 */
export function registrySpinner(json: boolean): ((url: string) => () => void) | undefined {
  if (json || !process.stderr.isTTY) return undefined
  return () => startSpinner('fetching registry…', (chunk) => process.stderr.write(chunk))
}
