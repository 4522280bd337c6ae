/**
 * Progress of work done per host — rebuilds, evaluations, probes — in the
 * three ways glix shows it: a listr2 task list on a terminal (one task per
 * host, the latest output lines of a running task under it, how it ended
 * in its title), one plain `host | text` line per event off a terminal,
 * and nothing under `--json`.
 *
 * listr2 loads only when a task list is drawn (a dynamic import), so no
 * command pays for it otherwise. The caller's `run` owns what a task does
 * (and, for rebuilds, the session's fail-fast, tail and ledger); this
 * module only schedules — `jobs` at a time, in order — and shows. A failed
 * host is a failed task but never stops the list (`exitOnError: false`).
 * Everything is drawn on stderr, and every text from outside glix (program
 * output, error messages) passes safeText first. Results come back in
 * task order.
 */
import type {ListrTaskWrapper} from 'listr2'
import {relative} from 'node:path'

import {changeOutcome, createChangeCheck, type HostChange} from './lib/rebuild/changed.js'
import {createProbe, type HostProbe, probeOutcome, type ProbeOptions, type ProbeTarget} from './lib/rebuild/probe.js'
import {hostLineWriter, type TaskOutcome} from './lib/rebuild/report.js'
import {safeText} from './lib/ui/safe.js'
import {runPool} from './lib/rebuild/run.js'

/** How progress is shown. */
export type ProgressMode = 'plain' | 'silent' | 'tty'

/** The mode for this process: silent under --json, a task list when stdout and stderr are terminals, else plain lines. */
export function progressMode(json: boolean): ProgressMode {
  if (json) return 'silent'
  return process.stdout.isTTY && process.stderr.isTTY ? 'tty' : 'plain'
}

/** What a running task may report. */
export interface TaskIO {
  /** The task began (plain: one line; a task list shows its title instead). */
  started(text: string): void
  /** A line of output. */
  line(text: string): void
}

/** The work of one host. */
export interface HostTask<T> {
  host: string
  /** What the task does, after the host name in its title: `build on root@pi`, `probe root@pi`. */
  title: string
  run(io: TaskIO): Promise<T>
}

/** Options of {@link runHostTasks}. */
export interface HostTasksOptions<T> {
  jobs: number
  mode: ProgressMode
  /** How a result looks. */
  describe(result: T): TaskOutcome
  /** Where plain lines go (default: stderr). */
  write?: (line: string) => void
}

/** `path` relative to the working directory when it is inside it (as git shows paths), else as it is. */
export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel !== '' && !rel.startsWith('..') ? rel : path
}

/** How many output lines each running task shows. */
const OUTPUT_LINES = 3

const quiet: TaskIO = {line() {}, started() {}}

/** Runs `tasks`, `jobs` at a time, showing progress as `mode` says; returns the results in task order. */
export async function runHostTasks<T>(tasks: HostTask<T>[], options: HostTasksOptions<T>): Promise<T[]> {
  const results = new Map<HostTask<T>, T>()
  if (options.mode === 'tty') {
    await runTaskList(tasks, options, results)
  } else {
    const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`))
    const out = hostLineWriter(
      tasks.map((t) => t.host),
      write,
    )
    await runPool(tasks, options.jobs, async (task) => {
      const io: TaskIO = options.mode === 'plain' ? {line: (text) => out(task.host, text), started: (text) => out(task.host, text)} : quiet
      const result = await task.run(io)
      results.set(task, result)
      if (options.mode === 'plain') {
        const outcome = options.describe(result)
        for (const text of [outcome.text, ...(outcome.notes ?? [])]) out(task.host, text)
      }
    })
  }

  return tasks.map((task) => results.get(task)!)
}

async function runTaskList<T>(tasks: HostTask<T>[], options: HostTasksOptions<T>, results: Map<HostTask<T>, T>): Promise<void> {
  const {Listr, ListrLogger, ProcessOutput} = await import('listr2')
  const width = Math.max(...tasks.map((t) => t.host.length))
  const titleOf = (task: HostTask<T>) => `${task.host.padEnd(width)}  ${task.title}`
  const list = new Listr(
    tasks.map((hostTask) => ({
      rendererOptions: {outputBar: OUTPUT_LINES, persistentOutput: false},
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- listr2's wrapper type is generic over its renderers.
      task: async (_ctx: unknown, task: ListrTaskWrapper<unknown, any, any>) => {
        const result = await hostTask.run({
          line(text) {
            task.output = safeText(text)
          },
          started() {},
        })
        results.set(hostTask, result)
        const outcome = options.describe(result)
        const title = `${titleOf(hostTask)}: ${safeText(outcome.text)}`
        if (outcome.state === 'skipped') task.skip(title)
        else if (outcome.state === 'failed') throw new Error(title)
        else task.title = title
      },
      title: titleOf(hostTask),
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
}

/** Evaluates `hosts` (`jobs` at once) and says which changed since their last deploy, with progress. */
export async function checkChangedHosts(root: string, hosts: string[], options: {jobs: number; mode: ProgressMode}): Promise<HostChange[]> {
  const check = await createChangeCheck(root)
  const tasks = hosts.map(
    (host): HostTask<HostChange> => ({
      host,
      run: (io) => check(host, () => io.started('evaluating')),
      title: 'evaluate',
    }),
  )
  return runHostTasks(tasks, {...options, describe: changeOutcome})
}

/** Probes `targets` (`jobs` hosts at once), with progress. */
export async function probeTargets(root: string, targets: ProbeTarget[], options: ProbeOptions & {jobs: number; mode: ProgressMode}): Promise<HostProbe[]> {
  const probe = await createProbe(root, options)
  const tasks = targets.map(
    (target): HostTask<HostProbe> => ({
      host: target.host,
      async run(io) {
        if (target.destination) io.started(`probing ${target.destination}: readlink ${target.path}`)
        return probe(target)
      },
      title: target.destination ? `probe ${target.destination}` : 'probe',
    }),
  )
  return runHostTasks(tasks, {describe: probeOutcome, jobs: options.jobs, mode: options.mode})
}
