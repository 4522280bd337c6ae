/**
 * The terminal view of a multi-host rebuild: a listr2 task list, one task
 * per host, the latest output lines of each running nixos-rebuild under
 * its task, how it ended (and how long it took) in its title.
 *
 * Only `glix rebuild` loads this module, and only on a terminal (it is
 * imported dynamically), so no other command pays for listr2. listr2
 * schedules the tasks (`concurrent: jobs`); each task runs its host
 * through the same session as the plain runner, which owns fail-fast,
 * the output tail and the ledger. A failed host is a failed task but never
 * stops the list (`exitOnError: false`): with --fail-fast the session
 * skips the hosts not yet started. Everything is drawn on stderr.
 */
import {Listr, ListrLogger, type ListrTaskWrapper, ProcessOutput} from 'listr2'

import {describeTarget, type HostPlan} from './lib/rebuild/plan.js'
import {describeFinish} from './lib/rebuild/report.js'
import {createRebuildSession, type HostResult, type RunOptions} from './lib/rebuild/run.js'

/** How many output lines each running task shows. */
const OUTPUT_LINES = 3

/** Runs `plans` as a listr2 task list on the terminal and returns the results in plan order. */
export async function runTaskList(plans: HostPlan[], options: RunOptions): Promise<HostResult[]> {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- listr2's wrapper type is generic over its renderers.
  const tasks = new Map<string, ListrTaskWrapper<unknown, any, any>>()
  const width = Math.max(...plans.map((p) => p.host.length))
  const titleOf = (plan: HostPlan) => `${plan.host.padEnd(width)}  ${describeTarget(plan)}`
  const session = createRebuildSession(plans, {
    ...options,
    attach: false,
    reporter: {
      line(host, line) {
        const task = tasks.get(host)
        if (task) task.output = line
      },
    },
  })
  const list = new Listr(
    plans.map((plan) => ({
      rendererOptions: {outputBar: OUTPUT_LINES, persistentOutput: false},
      task: async (_ctx: unknown, task: ListrTaskWrapper<unknown, any, any>) => { // eslint-disable-line @typescript-eslint/no-explicit-any
        tasks.set(plan.host, task)
        const result = await session.run(plan)
        const title = `${titleOf(plan)}: ${describeFinish(result)}`
        if (result.result === 'skipped') task.skip(title)
        else if (result.result === 'failed') throw new Error(title)
        else task.title = title
      },
      title: titleOf(plan),
    })),
    {
      concurrent: options.jobs,
      exitOnError: false,
      registerSignalListeners: true,
      renderer: 'default',
      rendererOptions: {
        collapseErrors: true,
        logger: new ListrLogger({processOutput: new ProcessOutput(process.stderr, process.stderr), useIcons: true}),
      },
    },
  )
  await list.run()
  return session.results()
}
