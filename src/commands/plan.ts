import {Flags} from '@oclif/core'

import {GlixCommand} from '../base-command.js'
import {changeSubject, describeChange, describeStatus, type HostPending, pendingChanges, type PlanResult} from '../lib/ops/plan.js'

export default class Plan extends GlixCommand<typeof Plan> {
  static override summary = "Show what a rebuild would change in each host's manifest since it was deployed."
  static override description =
    'Compares the manifest at the deployed commit (refs/glix/deployed/<host>) with the one on disk: packages added (+), removed (-), enabled or disabled, flake/pin/user/scope and config changes (~), and settings. Other changed files that go into the build (flake.nix, flake.lock, the host\'s default.nix, shared modules) are listed by name. Builds nothing.'

  static override examples = ['<%= config.bin %> plan', '<%= config.bin %> plan --all-hosts', '<%= config.bin %> plan --host=pi --json']
  static override enableJsonFlag = true
  static override flags = {
    'all-hosts': Flags.boolean({summary: 'Every host of the repo.'}),
  }

  async run(): Promise<PlanResult> {
    const allHosts = this.flags['all-hosts']
    const result = await pendingChanges({allHosts, host: allHosts ? '' : this.host, root: this.root})
    result.hosts.forEach((host, i) => {
      if (i > 0) this.log('')
      for (const line of describeHost(host)) this.log(line)
    })
    return result
  }
}

function describeHost(host: HostPending): string[] {
  const head = host.deployed ? `${host.host}: deployed ${host.deployed.slice(0, 12)}, ${describeStatus(host)}` : `${host.host}: never deployed`
  const lines = [head + (host.uncommitted && host.deployed !== undefined ? ' (manifest has uncommitted changes)' : '')]
  const width = Math.max(0, ...host.changes.map((c) => changeSubject(c).length))
  for (const change of host.changes) lines.push(`  ${describeChange(change, width)}`)
  if (host.other_files.length > 0) lines.push(`  other files changed: ${host.other_files.join(', ')}`)
  if (host.changes.length === 0 && host.other_files.length === 0) lines.push('  no changes')
  return lines
}
