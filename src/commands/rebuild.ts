import {Args, Flags} from '@oclif/core'

import {GlixCommand} from '../base-command.js'
import {UsageError} from '../lib/errors.js'
import {splitRebuildArgv} from '../lib/rebuild/argv.js'
import {defaultJobs, isRebuildAction, localHostName, REBUILD_ACTIONS, type RebuildAction} from '../lib/rebuild/plan.js'
import {prepareRebuild} from '../lib/rebuild/rebuild.js'
import {describeFinish, plainReporter, renderSummary} from '../lib/rebuild/report.js'
import {failedHosts, type HostResult, runRebuilds} from '../lib/rebuild/run.js'
import {spawnStreaming} from '../lib/rebuild/spawn.js'

/** What `glix rebuild` returns (and prints under --json). */
export interface RebuildSummary {
  action: RebuildAction
  jobs: number
  /** HEAD when the rebuild started: the commit the ledger records. */
  head?: string
  ok: boolean
  failed: string[]
  hosts: HostResult[]
}

export default class Rebuild extends GlixCommand<typeof Rebuild> {
  static override summary = 'Build and activate hosts with nixos-rebuild.'
  static override description = `Runs \`nixos-rebuild <action> --flake <root>#<host>\` for each host, with --target-host and --build-host from the host's settings (target_host, build_host) unless the flags give them. Arguments after \`--\` go to nixos-rebuild unchanged (e.g. its sudo options, which differ between versions).

Hosts: --host (repeatable, or comma-separated: --host=laptop,pi), or --all-hosts; default: this machine's host. One host runs with the terminal attached. Several run as a task list (plain lines prefixed with the host when output is not a terminal), --jobs at a time, and keep going after a failure unless --fail-fast; a summary table follows, and the exit status is 1 when any host failed.

Activating another host's configuration on this machine (switch, boot, test, dry-activate without a target host) is refused unless --force. After a successful switch or boot the deployed commit is recorded as refs/glix/deployed/<host> (see \`glix status\` and \`glix plan\`).`

  static override examples = [
    '<%= config.bin %> rebuild --host=desktop switch',
    '<%= config.bin %> rebuild --all-hosts build',
    '<%= config.bin %> rebuild --host=laptop,pi boot --fail-fast',
    '<%= config.bin %> rebuild --host=pi --target-host=root@pi.local switch -- --use-remote-sudo',
  ]

  static override enableJsonFlag = true
  static override args = {
    action: Args.string({default: 'switch', description: 'What nixos-rebuild does.', options: [...REBUILD_ACTIONS], required: false}),
  }

  static override flags = {
    'all-hosts': Flags.boolean({summary: 'Rebuild every host of the repo.'}),
    'build-host': Flags.string({helpValue: 'HOST', summary: "Build on HOST over SSH (overrides the hosts' build_host)."}),
    'fail-fast': Flags.boolean({summary: 'Start no more hosts after the first failure (default: keep going).'}),
    force: Flags.boolean({summary: "Activate another host's configuration on this machine anyway."}),
    // `--host` (a base flag) is collected from argv before parsing; this is where it lands.
    hosts: Flags.string({delimiter: ',', hidden: true, multiple: true}),
    jobs: Flags.integer({
      char: 'j',
      helpValue: 'N',
      min: 1,
      summary: 'Hosts rebuilt at once (default: 1 when any host builds or activates here, else up to 4).',
    }),
    'target-host': Flags.string({helpValue: 'HOST', summary: 'Activate on HOST over SSH (overrides target_host; one host only).'}),
  }

  private passthrough: string[] = []

  public override async init(): Promise<void> {
    const {argv, hosts, passthrough} = splitRebuildArgv(this.argv)
    this.passthrough = passthrough
    this.argv = [...argv, ...hosts.map((host) => `--hosts=${host}`)]
    await super.init()
  }

  async run(): Promise<RebuildSummary> {
    const {flags} = this
    const action = this.args.action ?? 'switch'
    if (!isRebuildAction(action)) throw new UsageError(`unknown action "${action}"`)
    const named = flags.hosts ?? []
    if (flags['all-hosts'] && named.length > 0) throw new UsageError('--host and --all-hosts exclude each other')
    const prepared = await prepareRebuild({
      action,
      allHosts: flags['all-hosts'],
      buildHost: flags['build-host'],
      extra: this.passthrough,
      force: flags.force,
      hosts: named.length > 0 ? named : [this.host],
      localHost: localHostName(),
      root: this.root,
      targetHost: flags['target-host'],
    })
    const {plans} = prepared
    const jobs = flags.jobs ?? defaultJobs(plans)
    const json = this.jsonEnabled()
    if (prepared.ledger && prepared.uncommitted.length > 0) {
      this.notice(`uncommitted changes (${prepared.uncommitted.length} file(s)) are built too; the ledger can only record HEAD`)
    }

    const options = {cwd: this.root, failFast: flags['fail-fast'], jobs, ledger: prepared.ledger, spawn: spawnStreaming}
    let results: HostResult[]
    if (json) {
      results = await runRebuilds(plans, options)
    } else if (plans.length === 1) {
      results = await runRebuilds(plans, {...options, attach: true})
    } else if (process.stdout.isTTY && process.stderr.isTTY) {
      const {runTaskList} = await import('../rebuild-ui.js')
      results = await runTaskList(plans, options)
      for (const r of results.filter((r) => r.result === 'failed' && r.output_tail.length > 0)) {
        this.logToStderr(`--- ${r.host}: last ${r.output_tail.length} line(s) of output ---\n${r.output_tail.join('\n')}`)
      }
    } else {
      results = await runRebuilds(plans, {...options, reporter: plainReporter(plans.map((p) => p.host), (line) => this.logToStderr(line))})
    }

    const failed = failedHosts(results)
    const summary: RebuildSummary = {action, failed, head: prepared.head, hosts: results, jobs, ok: failed.length === 0}
    if (!json) {
      this.log(renderSummary(results))
      for (const r of results) if (r.warning) this.notice(`${r.host}: ${r.warning}`)
      const deployed = results.filter((r) => r.deployed).map((r) => r.host)
      if (deployed.length > 0) this.notice(`recorded ${prepared.head!.slice(0, 12)} as deployed on ${deployed.join(', ')} (refs/glix/deployed/<host>)`)
    }

    if (failed.length === 0) return summary
    if (json) this.logJson(summary)
    const why = plans.length === 1 ? `${results[0].host} ${describeFinish(results[0])}` : `${failed.length} of ${plans.length} hosts failed: ${failed.join(', ')}`
    this.logToStderr(`glix rebuild: ${why}`)
    this.exit(1)
  }
}
