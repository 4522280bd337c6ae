/**
 * Rebuild progress and results as text: the plain, one-line-per-event
 * reporter used off a terminal, and the summary table. Functions here
 * return strings or take a `write` callback; printing is the caller's job.
 * No colour, no cursor movement: this output goes to logs and pipes.
 */
import {safeText} from '../ui/safe.js'
import {renderTable} from '../ui/table.js'
import {describeCommand, type HostPlan} from './plan.js'
import type {HostResult} from './run.js'

/** A duration for people: `0.4s`, `12.3s`, `2m05s`, `1h02m`. */
export function formatDuration(ms: number): string {
  const tenths = Math.round(ms / 100)
  if (tenths < 600) return `${(tenths / 10).toFixed(1)}s`
  const seconds = Math.round(ms / 1000)
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
  const minutes = Math.round(seconds / 60)
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`
}

/** The RESULT cell of a host: `succeeded`, `failed (exit 1)`, `failed (not started)`, `skipped`. */
export function describeOutcome(result: HostResult): string {
  if (result.result !== 'failed') return result.result
  return result.exit_code === undefined ? 'failed (could not start)' : `failed (exit ${result.exit_code})`
}

/** The summary table: HOST ACTION RESULT DURATION, one row per host in plan order. */
export function renderSummary(results: HostResult[]): string {
  return renderTable(
    ['HOST', 'ACTION', 'RESULT', 'DURATION'],
    results.map((r) => [r.host, r.action, describeOutcome(r), r.result === 'skipped' ? '-' : formatDuration(r.duration_ms)]),
  )
}

/** One line about how a host ended, without the host prefix. */
export function describeFinish(result: HostResult): string {
  if (result.result === 'skipped') return `skipped: ${result.error}`
  const took = formatDuration(result.duration_ms)
  if (result.result === 'failed') return `failed after ${took}: ${result.error}`
  return `succeeded in ${took}` + (result.deployed ? `; deployed commit ${result.deployed.slice(0, 12)} recorded` : '')
}

/**
 * Returns a writer of plain lines about hosts, each prefixed with the host
 * name padded to the widest of `hosts`: `desktop | <text>`. The text is
 * made safe for a terminal (it is often program output).
 */
export function hostLineWriter(hosts: string[], write: (line: string) => void): (host: string, text: string) => void {
  const width = Math.max(0, ...hosts.map((h) => h.length))
  return (host, text) => write(`${host.padEnd(width)} | ${safeText(text)}`)
}

/** How a finished host looks in progress output: its state, one line of text, and warnings. */
export interface TaskOutcome {
  state: 'failed' | 'skipped' | 'succeeded'
  text: string
  notes?: string[]
}

/** A rebuild result as a {@link TaskOutcome}. */
export function rebuildOutcome(result: HostResult): TaskOutcome {
  return {notes: result.warning ? [`warning: ${result.warning}`] : [], state: result.result, text: describeFinish(result)}
}

/** The line a rebuild starts with in plain output: `started: nixos-rebuild …`. */
export function describeStart(plan: HostPlan): string {
  return `started: ${describeCommand(plan)}`
}
