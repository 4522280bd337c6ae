import {Args} from '@oclif/core'

import {GlixCommand} from '../base-command.js'
import {mutationFlags} from '../flags.js'
import {type PackageChangeResult, setEnabled} from '../lib/ops/packages.js'

export default class Enable extends GlixCommand<typeof Enable> {
  static override summary = 'Enable a disabled package of a host.'
  static override examples = ['<%= config.bin %> enable --host=laptop firefox']
  static override args = {name: Args.string({description: 'Package name.', required: true})}
  static override enableJsonFlag = true
  static override flags = {...mutationFlags}
  /** What this command sets `enabled` to. */
  protected readonly enabled: boolean = true

  async run(): Promise<PackageChangeResult> {
    const {flags} = this
    const target = {dryRun: flags['dry-run'], host: this.host, name: this.args.name, root: this.root}
    return this.finishMutation(await setEnabled(target, this.enabled, this.mutationDeps({noLock: flags['no-lock']})))
  }
}
