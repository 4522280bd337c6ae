import * as Flags from '@oclif/core/flags'

import {GlixCommand} from '../base-command.js'
import {formatPackageList} from '../formatters/list.js'
import {listPackages, type PackageRow} from '../lib/ops/read.js'

export default class List extends GlixCommand<typeof List> {
  static override summary = "List a host's packages, or every host's."
  static override examples = ['<%= config.bin %> list --host=desktop', '<%= config.bin %> list --all-hosts', '<%= config.bin %> list --all --json']
  static override enableJsonFlag = true
  static override flags = {
    all: Flags.boolean({summary: 'Include disabled packages.'}),
    'all-hosts': Flags.boolean({summary: 'List the packages of every host (adds a HOST column).'}),
  }

  async run(): Promise<{packages: PackageRow[]}> {
    const allHosts = this.flags['all-hosts']
    const packages = await listPackages({all: this.flags.all, allHosts, host: allHosts ? '' : this.host, root: this.root})
    if (!this.jsonEnabled()) this.log(formatPackageList(packages, allHosts))

    return {packages}
  }
}
