import type {Hook} from '@oclif/core'

import {hostname} from 'node:os'

/**
 * Sets the default host before any command parses its flags: `--host`
 * reads `$GLIX_HOST`, which this fills from the hostname (up to the first
 * dot) when unset. Runs on every call, help included, so it does no I/O.
 * A `default:` function on the flag would instead be evaluated by
 * `oclif manifest` and bake the build machine's name into the manifest.
 */
const hook: Hook.Init = async function () {
  if (!process.env.GLIX_HOST) process.env.GLIX_HOST = hostname().split('.')[0]
}

export default hook
