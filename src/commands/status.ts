import {Flags} from '@oclif/core'

import {GlixCommand} from '../base-command.js'
import {deployStatus, describeStatus, type StatusResult} from '../lib/ops/plan.js'
import {renderTable} from '../lib/ui/table.js'

export default class Status extends GlixCommand<typeof Status> {
  static override summary = 'Show which commit each host runs and how far behind HEAD it is.'
  static override description =
    'Reads the deploy ledger (refs/glix/deployed/<host>, written by a successful `glix rebuild switch` or `boot`). BEHIND counts the glix commits since the deployed one. The ledger is local to this clone.'

  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --all-hosts', '<%= config.bin %> status --all-hosts --json']
  static override enableJsonFlag = true
  static override flags = {
    'all-hosts': Flags.boolean({summary: 'Every host of the repo.'}),
  }

  async run(): Promise<StatusResult> {
    const allHosts = this.flags['all-hosts']
    const result = await deployStatus({allHosts, host: allHosts ? '' : this.host, root: this.root})
    this.log(
      renderTable(
        ['HOST', 'DEPLOYED', 'AT', 'STATUS'],
        result.hosts.map((h) => [h.host, h.deployed?.slice(0, 12) ?? '-', formatWhen(h.deployed_at), describeStatus(h)]),
      ),
    )
    return result
  }
}

/** `2024-05-01T12:03:04+02:00` → `2024-05-01 12:03`; `-` when unknown. */
function formatWhen(iso: string | undefined): string {
  const match = iso && /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(iso)
  return match ? `${match[1]} ${match[2]}` : '-'
}
