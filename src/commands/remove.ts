import {Args} from '@oclif/core'

import {GlixCommand} from '../base-command.js'
import {mutationFlags} from '../flags.js'
import {type PackageChangeResult, removePackage} from '../lib/ops/packages.js'

export default class Remove extends GlixCommand<typeof Remove> {
  static override summary = 'Remove a package from a host.'
  static override examples = ['<%= config.bin %> remove --host=pi raspi-fw']
  static override args = {name: Args.string({description: 'Package name.', required: true})}
  static override enableJsonFlag = true
  static override flags = {...mutationFlags}

  async run(): Promise<PackageChangeResult> {
    const {flags} = this
    const target = {dryRun: flags['dry-run'], host: this.host, name: this.args.name, root: this.root}
    return this.finishMutation(await removePackage(target, this.mutationDeps({noLock: flags['no-lock']})))
  }
}
