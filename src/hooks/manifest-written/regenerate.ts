import type {Hook} from '@oclif/core'

import type {GlixHooks} from '../../hook-types.js'
import {regenerateFlake} from '../../lib/flake/regenerate.js'

/** Regenerates the managed regions of flake.nix after a mutation wrote manifests. */
const hook: Hook<'manifest:written', GlixHooks> = async function (options) {
  await regenerateFlake(options.root)
}

export default hook
