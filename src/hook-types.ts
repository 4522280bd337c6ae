/**
 * glix's own oclif hook events, typed for `config.runHook` and for plugins.
 *
 * `manifest:written` fires after a mutation wrote host manifests and before
 * it locks and commits; glix's own listener regenerates the managed regions
 * of flake.nix. A listener that throws fails (and rolls back) the mutation.
 */
import type {Interfaces} from '@oclif/core'

/** The options every `manifest:written` listener receives. */
export type ManifestWrittenOptions = {
  /** The repo root. */
  root: string
  /** The hosts whose manifests were written. */
  hosts: string[]
}

/** oclif's hooks plus glix's; use as `Hook<'manifest:written', GlixHooks>`. */
export interface GlixHooks extends Interfaces.Hooks {
  'manifest:written': {
    options: ManifestWrittenOptions
    return: void
  }
}

/** The names of glix's hook events. */
export const HOOK_EVENTS = {manifestWritten: 'manifest:written'} as const
