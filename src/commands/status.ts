import {Flags} from '@oclif/core'
import {availableParallelism} from 'node:os'

import {GlixCommand} from '../base-command.js'
import {defaultEvalJobs} from '../lib/rebuild/changed.js'
import {type HostProbe, probeExitCode, readProbeTargets} from '../lib/rebuild/probe.js'
import {sshOptionsFromEnv} from '../lib/rebuild/command-line.js'
import {describeLastRun, type FleetStatus, readFleetStatus} from '../lib/rebuild/status.js'
import {describeStatus} from '../lib/ops/plan.js'
import {safeText} from '../lib/ui/safe.js'
import {renderTable} from '../lib/ui/table.js'
import {displayPath, probeTargets, progressMode} from '../rebuild-ui.js'

/** Hosts probed at once by default: ssh mostly waits, so more than the CPUs. */
const PROBE_JOBS = 8

export default class Status extends GlixCommand<typeof Status> {
  static override summary = 'Show which commit each host runs, how its last rebuild ended, and (with --probe) what it really runs.'
  static override description = `Reads the deploy ledger (refs/glix/deployed/<host>, written by a successful \`glix rebuild switch\` or \`boot\`) and the record of rebuild runs (.git/glix/runs): STATUS counts the glix commits since the deployed one; LAST RUN and LOG are the host's newest run and its output. The ledger is local to this clone.

--probe asks each host that has a target_host, over ssh and in parallel, where its current system link points (readlink of its current_system_path setting, default /run/current-system), and compares that with what glix deployed and what the repo evaluates to now: in sync, behind (it runs what glix deployed, and the repo has changed it since), drifted (it runs something glix did not deploy) or unreachable (with ssh's reason). ssh runs with BatchMode=yes and a 10 s connect timeout, reads your ssh config, and takes the options in $NIX_SSHOPTS (as nixos-rebuild does). The exit status is 0 only when every probed host is in sync.`

  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --all-hosts',
    '<%= config.bin %> status --all-hosts --probe',
    '<%= config.bin %> status --all-hosts --probe --json',
  ]

  static override enableJsonFlag = true
  static override flags = {
    'all-hosts': Flags.boolean({summary: 'Every host of the repo.'}),
    jobs: Flags.integer({char: 'j', helpValue: 'N', min: 1, summary: `Hosts probed at once (default ${PROBE_JOBS}; evaluations stay at one per CPU, at most 4).`}),
    probe: Flags.boolean({summary: 'Ask each host over ssh what it really runs.'}),
  }

  async run(): Promise<FleetStatus> {
    const allHosts = this.flags['all-hosts']
    const result = await readFleetStatus({allHosts, host: allHosts ? '' : this.host, root: this.root})
    if (!this.flags.probe) {
      this.log(
        renderTable(
          ['HOST', 'DEPLOYED', 'AT', 'STATUS', 'LAST RUN', 'LOG'],
          result.hosts.map((h) => [
            h.host,
            h.deployed?.slice(0, 12) ?? '-',
            formatWhen(h.deployed_at),
            describeStatus(h),
            describeLastRun(h.last_run),
            h.last_run?.log ? displayPath(h.last_run.log) : '-',
          ]),
        ),
      )
      return result
    }

    const targets = await readProbeTargets(
      this.root,
      result.hosts.map((h) => h.host),
    )
    const probes = await probeTargets(this.root, targets, {
      evalJobs: defaultEvalJobs(availableParallelism()),
      head: result.head,
      jobs: this.flags.jobs ?? PROBE_JOBS,
      mode: progressMode(this.jsonEnabled()),
      sshOptions: sshOptionsFromEnv(),
    })
    const exit = probeExitCode(probes)
    const probed: FleetStatus = {...result, hosts: result.hosts.map((h, i) => ({...h, probe: probes[i]})), ok: exit === 0}
    this.log(
      renderTable(
        ['HOST', 'TARGET', 'STATE', 'RUNNING', 'DETAIL'],
        probes.map((p) => [p.host, p.target_host ?? '-', p.state, shortStorePath(p.running), safeText(p.reason ?? '')]),
      ),
    )
    if (exit === 0) return probed
    if (this.jsonEnabled()) this.logJson(probed)
    else this.logToStderr(`glix status: ${summarise(probes)}`)
    this.exit(exit)
  }
}

/** `/nix/store/<hash>-nixos-system-pi` → `<first 12 of hash>…-nixos-system-pi`; `-` when absent. */
function shortStorePath(path: string | undefined): string {
  const match = path && /\/([0-9a-z]{32})-([^/]+)$/.exec(path)
  return match ? `${match[1].slice(0, 12)}…-${match[2]}` : (path ?? '-')
}

/** `2 of 3 probed hosts are not in sync: laptop (drifted), pi (unreachable)`. */
function summarise(probes: HostProbe[]): string {
  const probed = probes.filter((p) => p.state !== 'not probed')
  const off = probed.filter((p) => p.state !== 'in sync')
  return `${off.length} of ${probed.length} probed hosts are not in sync: ${off.map((p) => `${p.host} (${p.state})`).join(', ')}`
}

/** `2024-05-01T12:03:04+02:00` → `2024-05-01 12:03`; `-` when unknown. */
function formatWhen(iso: string | undefined): string {
  const match = iso && /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(iso)
  return match ? `${match[1]} ${match[2]}` : '-'
}
