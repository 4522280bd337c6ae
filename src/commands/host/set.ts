import {Args} from '@oclif/core'

import {GlixCommand} from '../../base-command.js'
import {mutationFlags} from '../../flags.js'
import {HOST_KEYS, type HostChangeResult, setHost} from '../../lib/ops/host.js'

export default class HostSet extends GlixCommand<typeof HostSet> {
  static override summary = 'Change settings of a host.'
  static override description = `Keys: ${HOST_KEYS.join(', ')}. An empty value clears an optional setting. Changing system regenerates the host's line in flake.nix.`
  static override examples = [
    '<%= config.bin %> host set --host=pi system=aarch64-linux',
    '<%= config.bin %> host set --host=pi target_host=root@pi.local',
  ]

  static override strict = false
  static override args = {pairs: Args.string({description: 'key=value pairs.', required: true})}
  static override flags = {'dry-run': mutationFlags['dry-run'], 'no-lock': mutationFlags['no-lock']}

  async run(): Promise<HostChangeResult> {
    const {flags} = this
    const result = await setHost(
      {dryRun: flags['dry-run'], host: this.host, pairs: this.positionals, root: this.root},
      this.mutationDeps({noLock: flags['no-lock']}),
    )
    if (!result.changed) this.log(`host ${result.host} already has those settings; nothing to do`)
    else if (flags['dry-run']) this.log(`would commit: ${result.message}`)
    else this.log(`updated host ${result.host}`)
    return result
  }
}
