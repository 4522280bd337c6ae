import {Args, Flags} from '@oclif/core'
import {availableParallelism} from 'node:os'

import {GlixCommand} from '../base-command.js'
import {UsageError} from '../lib/errors.js'
import {listHosts} from '../lib/manifest/hosts.js'
import {splitRebuildArgv} from '../lib/rebuild/argv.js'
import {defaultEvalJobs} from '../lib/rebuild/changed.js'
import {defaultJobs, describeTarget, isRebuildAction, localHostName, REBUILD_ACTIONS, type RebuildAction} from '../lib/rebuild/plan.js'
import {prepareRebuild, selectFailedHosts, startRebuildRun} from '../lib/rebuild/rebuild.js'
import {describeFinish, describeStart, rebuildOutcome, renderSummary} from '../lib/rebuild/report.js'
import {createRebuildSession, failedHosts, type HostResult} from '../lib/rebuild/run.js'
import {spawnStreaming} from '../lib/rebuild/spawn.js'
import {safeBlock, safeText} from '../lib/ui/safe.js'
import {checkChangedHosts, displayPath, type HostTask, progressMode, runHostTasks, type TaskIO} from '../rebuild-ui.js'

/** What `glix rebuild` returns (and prints under --json). */
export interface RebuildSummary {
  action: RebuildAction
  jobs: number
  /** HEAD when the rebuild started: the commit the ledger records. */
  head?: string
  ok: boolean
  failed: string[]
  hosts: HostResult[]
  /** The directory of this run's logs (`.git/glix/runs/<time>`); absent when nothing ran. */
  run?: string
}

export default class Rebuild extends GlixCommand<typeof Rebuild> {
  static override summary = 'Build and activate hosts with nixos-rebuild.'
  static override description = `Runs \`nixos-rebuild <action> --flake <root>#<host>\` for each host, with --target-host and --build-host from the host's settings (target_host, build_host) unless the flags give them. Arguments after \`--\` go to nixos-rebuild unchanged (e.g. its sudo options, which differ between versions).

Hosts: --host (repeatable, or comma-separated: --host=laptop,pi), or --all-hosts; default: this machine's host. --changed takes the hosts whose evaluated system differs from the one recorded at their last deploy (every host, or those --host names); --failed takes the hosts the last run did not get through (failed, skipped or interrupted), with that run's action unless one is given. One host runs with the terminal attached. Several run as a task list (plain lines prefixed with the host when output is not a terminal), --jobs at a time, and keep going after a failure unless --fail-fast; a summary table follows, and the exit status is 1 when any host failed.

Each run keeps every host's outcome and output in .git/glix/runs/<time>/<host>.log (see \`glix status\`). Activating another host's configuration on this machine (switch, boot, test, dry-activate without a target host) is refused unless --force. After a successful switch or boot the deployed commit and the evaluated system are recorded as refs/glix/deployed/<host> and refs/glix/system/<host> (see \`glix status\` and \`glix plan\`).`

  static override examples = [
    '<%= config.bin %> rebuild --host=desktop switch',
    '<%= config.bin %> rebuild --all-hosts build',
    '<%= config.bin %> rebuild --changed --jobs 4',
    '<%= config.bin %> rebuild --failed',
    '<%= config.bin %> rebuild --host=laptop,pi boot --fail-fast',
    '<%= config.bin %> rebuild --host=pi --target-host=root@pi.local switch -- --use-remote-sudo',
  ]

  static override enableJsonFlag = true
  static override args = {
    action: Args.string({
      description: 'What nixos-rebuild does (default: switch; with --failed, the last run\'s action).',
      options: [...REBUILD_ACTIONS],
      required: false,
    }),
  }

  static override flags = {
    'all-hosts': Flags.boolean({summary: 'Rebuild every host of the repo.'}),
    'build-host': Flags.string({helpValue: 'HOST', summary: "Build on HOST over SSH (overrides the hosts' build_host)."}),
    changed: Flags.boolean({summary: 'Only the hosts whose evaluated system changed since their last deploy.'}),
    'fail-fast': Flags.boolean({summary: 'Start no more hosts after the first failure (default: keep going).'}),
    failed: Flags.boolean({summary: 'Only the hosts the last run did not get through (failed, skipped or interrupted).'}),
    force: Flags.boolean({summary: "Activate another host's configuration on this machine anyway."}),
    // `--host` (a base flag) is collected from argv before parsing; this is where it lands.
    hosts: Flags.string({delimiter: ',', hidden: true, multiple: true}),
    jobs: Flags.integer({
      char: 'j',
      helpValue: 'N',
      min: 1,
      summary: 'Hosts rebuilt (and, with --changed, evaluated) at once (default: 1 when any host builds or activates here, else up to 4).',
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
    const json = this.jsonEnabled()
    const mode = progressMode(json)
    const named = flags.hosts ?? []
    if (flags['all-hosts'] && named.length > 0) throw new UsageError('--host and --all-hosts exclude each other')
    if (flags.failed && (named.length > 0 || flags['all-hosts'] || flags.changed)) {
      throw new UsageError('--failed takes the hosts of the last run: it excludes --host, --all-hosts and --changed')
    }

    let action = this.args.action
    let hosts = named.length > 0 ? named : [this.host]
    if (flags.failed) {
      const selection = selectFailedHosts(this.root)
      action ??= selection.run.action
      if (selection.gone.length > 0) this.notice(`not retried (no longer in the repo): ${selection.gone.join(', ')}`)
      if (selection.hosts.length === 0) return this.nothingToDo(action, `every host of the last run (${selection.run.id}) succeeded`)
      hosts = selection.hosts
    } else if (flags.changed) {
      const candidates = named.length > 0 ? named : listHosts(this.root)
      const changes = await checkChangedHosts(this.root, candidates, {jobs: flags.jobs ?? defaultEvalJobs(availableParallelism()), mode})
      hosts = changes.filter((c) => c.changed).map((c) => c.host)
      if (hosts.length === 0) return this.nothingToDo(action, `no host changed since its last deploy (${candidates.length} evaluated)`)
      if (!json) this.notice(`changed since their last deploy: ${hosts.join(', ')}`)
    }

    if (action !== undefined && !isRebuildAction(action)) throw new UsageError(`unknown action "${action}"`)
    const prepared = await prepareRebuild({
      action: action ?? 'switch',
      // With --changed, the evaluation chose the hosts (among all of them, with --all-hosts).
      allHosts: flags['all-hosts'] && !flags.changed,
      buildHost: flags['build-host'],
      extra: this.passthrough,
      force: flags.force,
      hosts,
      localHost: localHostName(),
      root: this.root,
      targetHost: flags['target-host'],
    })
    const {plans} = prepared
    const jobs = flags.jobs ?? defaultJobs(plans)
    if (prepared.ledger && prepared.uncommitted.length > 0) {
      this.notice(`uncommitted changes (${prepared.uncommitted.length} file(s)) are built too; the ledger can only record HEAD`)
    }

    const recording = startRebuildRun(this.root, prepared)
    const results = await this.runPlans(prepared.plans, {attach: plans.length === 1 && !json, failFast: flags['fail-fast'], jobs, mode, recording})
    const failed = failedHosts(results)
    const summary: RebuildSummary = {action: prepared.action, failed, head: prepared.head, hosts: results, jobs, ok: failed.length === 0, run: recording.runLog.dir}
    if (!json) {
      if (mode === 'tty' && plans.length > 1) {
        for (const r of results.filter((r) => r.result === 'failed' && r.output_tail.length > 0)) {
          this.logToStderr(`--- ${r.host}: last ${r.output_tail.length} line(s) of output ---\n${safeBlock(r.output_tail.join('\n'))}`)
        }
      }

      this.log(renderSummary(results))
      for (const r of results) if (r.warning) this.notice(`${r.host}: ${safeText(r.warning)}`)
      const deployed = results.filter((r) => r.deployed).map((r) => r.host)
      if (deployed.length > 0) this.notice(`recorded ${prepared.head!.slice(0, 12)} as deployed on ${deployed.join(', ')} (refs/glix/deployed/<host>)`)
      if (failed.length > 0) this.notice(`full output: ${displayPath(recording.runLog.dir)}/<host>.log; retry with \`glix rebuild --failed\``)
    }

    if (failed.length === 0) return summary
    if (json) this.logJson(summary)
    const why = plans.length === 1 ? `${results[0].host} ${describeFinish(results[0])}` : `${failed.length} of ${plans.length} hosts failed: ${failed.join(', ')}`
    this.logToStderr(`glix rebuild: ${why}`)
    this.exit(1)
  }

  /** Runs the plans through one session: attached for a lone host on a terminal, else as tasks with progress. */
  private async runPlans(
    plans: Parameters<typeof createRebuildSession>[0],
    options: {attach: boolean; failFast?: boolean; jobs: number; mode: ReturnType<typeof progressMode>; recording: ReturnType<typeof startRebuildRun>},
  ): Promise<HostResult[]> {
    const io = new Map<string, TaskIO>()
    const session = createRebuildSession(plans, {
      ...options.recording,
      attach: options.attach,
      cwd: this.root,
      failFast: options.failFast,
      reporter: {
        line: (host, line) => io.get(host)?.line(line),
        started: (plan) => io.get(plan.host)?.started(describeStart(plan)),
      },
      spawn: spawnStreaming,
    })
    if (options.attach) {
      await session.run(plans[0])
      return session.results()
    }

    const tasks = plans.map(
      (plan): HostTask<HostResult> => ({
        host: plan.host,
        run(taskIO) {
          io.set(plan.host, taskIO)
          return session.run(plan)
        },
        title: describeTarget(plan),
      }),
    )
    await runHostTasks(tasks, {describe: rebuildOutcome, jobs: options.jobs, mode: options.mode})
    return session.results()
  }

  private nothingToDo(action: string | undefined, why: string): RebuildSummary {
    const summary: RebuildSummary = {action: (action ?? 'switch') as RebuildAction, failed: [], hosts: [], jobs: 0, ok: true}
    this.log(`nothing to rebuild: ${why}`)
    return summary
  }
}
