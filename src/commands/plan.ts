import {Flags} from '@oclif/core'
import {availableParallelism} from 'node:os'

import {GlixCommand} from '../base-command.js'
import {listHosts} from '../lib/manifest/hosts.js'
import {changeSubject, describeChange, describeStatus, type HostPending, pendingChanges, type PlanResult} from '../lib/ops/plan.js'
import {defaultEvalJobs, describeVerdict, type HostChange} from '../lib/rebuild/changed.js'
import {safeText} from '../lib/ui/safe.js'
import {checkChangedHosts, progressMode} from '../rebuild-ui.js'

/** What `glix plan --changed` returns (and prints under --json). */
export interface PlanChangedResult {
  head?: string
  /** Evaluations run at once. */
  jobs: number
  /** The hosts a rebuild would change, in name order. */
  changed: string[]
  unchanged: string[]
  /** The verdict on every host evaluated. */
  evaluated: HostChange[]
  /** What changed in the repo for each changed host since its deployed commit. */
  hosts: HostPending[]
}

export default class Plan extends GlixCommand<typeof Plan> {
  static override summary = "Show what a rebuild would change in each host's manifest since it was deployed."
  static override description = `Compares the manifest at the deployed commit (refs/glix/deployed/<host>) with the one on disk: packages added (+), removed (-), enabled or disabled, flake/pin/user/scope and config changes (~), and settings. Other changed files that go into the build (flake.nix, flake.lock, the host's default.nix, shared modules) are listed by name. Builds nothing.

--changed answers which hosts a change affects: it evaluates every host's system (\`nix eval\` of its toplevel drvPath, --jobs at once; or only the host --host names) and shows the hosts whose system differs from the one recorded at their last deploy — a host never deployed, or deployed without a recorded system, counts as changed. Exit status 1 when a host could not be evaluated.`

  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan --all-hosts',
    '<%= config.bin %> plan --changed',
    '<%= config.bin %> plan --changed --jobs 4 --json',
    '<%= config.bin %> plan --host=pi --json',
  ]

  static override enableJsonFlag = true
  static override flags = {
    'all-hosts': Flags.boolean({summary: 'Every host of the repo.'}),
    changed: Flags.boolean({summary: 'Only the hosts whose evaluated system changed since their last deploy (evaluates every host).'}),
    jobs: Flags.integer({char: 'j', dependsOn: ['changed'], helpValue: 'N', min: 1, summary: 'Evaluations at once with --changed (default: one per CPU, at most 4).'}),
  }

  async run(): Promise<PlanChangedResult | PlanResult> {
    if (this.flags.changed) return this.runChanged()
    const allHosts = this.flags['all-hosts']
    const result = await pendingChanges({allHosts, host: allHosts ? '' : this.host, root: this.root})
    result.hosts.forEach((host, i) => {
      if (i > 0) this.log('')
      for (const line of describeHost(host)) this.log(line)
    })
    return result
  }

  private async runChanged(): Promise<PlanChangedResult> {
    // --changed looks at every host unless --host names one (its default, this machine, does not count).
    const named = !this.flags['all-hosts'] && this.argv.some((arg) => arg === '--host' || arg.startsWith('--host='))
    const candidates = named ? [this.host] : listHosts(this.root)
    const jobs = this.flags.jobs ?? defaultEvalJobs(availableParallelism())
    const started = Date.now()
    const evaluated = await checkChangedHosts(this.root, candidates, {jobs, mode: progressMode(this.jsonEnabled())})
    const seconds = ((Date.now() - started) / 1000).toFixed(1)
    const changed = evaluated.filter((c) => c.changed)
    const pending = changed.length > 0 ? await pendingChanges({allHosts: true, host: '', root: this.root}) : {head: undefined, hosts: []}
    const byHost = new Map(pending.hosts.map((h) => [h.host, h]))
    const result: PlanChangedResult = {
      changed: changed.map((c) => c.host),
      evaluated,
      head: pending.head,
      hosts: changed.map((c) => byHost.get(c.host)).filter((h): h is HostPending => h !== undefined),
      jobs,
      unchanged: evaluated.filter((c) => !c.changed).map((c) => c.host),
    }
    changed.forEach((change, i) => {
      if (i > 0) this.log('')
      const host = byHost.get(change.host)
      const verdict = safeText(describeVerdict(change))
      const head = change.reason === 'never deployed' || !host ? `${change.host}: ${verdict}` : `${change.host}: ${verdict} (${describeStatus(host)})`
      for (const line of host ? describeHost(host, head) : [head]) this.log(line)
    })
    if (changed.length > 0) this.log('')
    this.log(
      `${changed.length} of ${evaluated.length} hosts changed (evaluated in ${seconds}s, ${jobs} at a time)` +
        (result.unchanged.length > 0 ? `; unchanged: ${result.unchanged.join(', ')}` : ''),
    )
    const failed = evaluated.filter((c) => c.reason === 'evaluation failed')
    if (failed.length === 0) return result
    if (this.jsonEnabled()) this.logJson(result)
    this.logToStderr(`glix plan: could not evaluate ${failed.map((c) => c.host).join(', ')}`)
    this.exit(1)
  }
}

function describeHost(host: HostPending, headline?: string): string[] {
  const head = headline ?? (host.deployed ? `${host.host}: deployed ${host.deployed.slice(0, 12)}, ${describeStatus(host)}` : `${host.host}: never deployed`)
  const lines = [head + (host.uncommitted && host.deployed !== undefined ? ' (manifest has uncommitted changes)' : '')]
  const width = Math.max(0, ...host.changes.map((c) => changeSubject(c).length))
  for (const change of host.changes) lines.push(`  ${describeChange(change, width)}`)
  if (host.other_files.length > 0) lines.push(`  other files changed: ${host.other_files.join(', ')}`)
  if (host.changes.length === 0 && host.other_files.length === 0) lines.push('  no changes')
  return lines
}
