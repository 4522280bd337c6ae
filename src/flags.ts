/** Flags several mutating commands share. */
import {Flags} from '@oclif/core'

export const mutationFlags = {
  apply: Flags.boolean({summary: 'Rebuild the host (nixos-rebuild switch) after the commit.'}),
  'dry-run': Flags.boolean({summary: 'Print what would change; write nothing.'}),
  'no-lock': Flags.boolean({summary: 'Do not run `nix flake lock` (for machines without Nix).'}),
}
