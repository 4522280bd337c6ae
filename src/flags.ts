/** Flags (and the registry spinner) that several commands share. */
import {Flags} from '@oclif/core'

import {startSpinner} from './lib/registry/progress.js'

export const mutationFlags = {
  apply: Flags.boolean({summary: 'Rebuild the host (nixos-rebuild switch) after the commit.'}),
  'dry-run': Flags.boolean({summary: 'Print what would change; write nothing.'}),
  'no-lock': Flags.boolean({summary: 'Do not run `nix flake lock` (for machines without Nix).'}),
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
