import * as Args from '@oclif/core/args'

import {GlixCommand} from '../base-command.js'
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
    const fields: Array<[string, string | undefined]> = [
      ['name', details.name],
      ['flake', details.flake],
      ['scope', details.scope],
      ['state', details.state],
      ['pin', details.pin],
      ['user', details.user],
      ['host', details.host],
    ]
    for (const [key, value] of fields) if (value !== undefined) this.log(`${`${key}:`.padEnd(7)}${value}`)
    const keys = Object.keys(details.config)
    this.log(keys.length === 0 ? 'config: (none)' : 'config:')
    for (const key of keys) this.log(`  ${key} = ${JSON.stringify(details.config[key])}`)
    return details
  }
}
