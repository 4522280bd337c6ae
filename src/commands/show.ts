import * as Args from '@oclif/core/args'

import {GlixCommand} from '../base-command.js'
import {formatPackage} from '../formatters/show.js'
import {type PackageDetails, showPackage} from '../lib/ops/read.js'

export default class Show extends GlixCommand<typeof Show> {
  static override summary = 'Show one package of a host.'
  static override examples = ['<%= config.bin %> show --host=pi raspi-firmware']
  static override enableJsonFlag = true
  static override args = {
    name: Args.string({description: 'Package name.', required: true}),
  }

  async run(): Promise<PackageDetails> {
    const details = await showPackage(this.root, this.host, this.args.name)
    if (!this.jsonEnabled()) this.log(formatPackage(details))
    return details
  }
}
