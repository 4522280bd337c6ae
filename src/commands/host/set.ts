import {Args} from '@oclif/core'

import {GlixCommand} from '../../base-command.js'
import {mutationFlags} from '../../flags.js'
import {HOST_KEYS, type HostSetDetails, setHost} from '../../lib/ops/host.js'
import type {MutationResult} from '../../lib/ops/mutation.js'

export default class HostSet extends GlixCommand<typeof HostSet> {
  static override summary = 'Change settings of a host.'
  static override description = `Keys: ${HOST_KEYS.join(', ')}. An empty value clears an optional setting. Changing system regenerates the host's line in flake.nix.`
  static override examples = [
    '<%= config.bin %> host set --host=pi system=aarch64-linux',
    '<%= config.bin %> host set --host=pi target_host=root@pi.local',
  ]

  static override enableJsonFlag = true
  static override strict = false
  static override args = {pairs: Args.string({description: 'key=value pairs.', required: true})}
  static override flags = {...mutationFlags}

  async run(): Promise<MutationResult<HostSetDetails>> {
    const {flags} = this
    const options = {dryRun: flags['dry-run'], host: this.host, pairs: this.positionals, root: this.root}
    return this.finishMutation(await setHost(options, this.mutationDeps({noLock: flags['no-lock']})))
  }
}
