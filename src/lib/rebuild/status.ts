/**
 * `glix status` of a fleet: per host, the deployed commit (the ledger),
 * how its last rebuild run ended and where that run's log is (runs.ts),
 * and — with `--probe` — what the host really runs (probe.ts).
 *
 * Reads only; the probe itself is scheduled by the caller, which owns the
 * progress display.
 */
import {deployStatus, type HostSelection, type HostStatus} from '../ops/plan.js'
import type {HostProbe} from './probe.js'
import {type HostLastRun, readLastRuns} from './runs.js'

/** One host of `glix status`. */
export interface FleetHostStatus extends HostStatus {
  /** Its entry in the newest run that rebuilt it. */
  last_run?: HostLastRun
  /** What a probe found (with `--probe`). */
  probe?: HostProbe
}

/** `glix status`. */
export interface FleetStatus {
  head?: string
  hosts: FleetHostStatus[]
  /** With `--probe`: true when every probed host is in sync. */
  ok?: boolean
}

/** The ledger state and last run of each selected host. */
export async function readFleetStatus(selection: HostSelection): Promise<FleetStatus> {
  const status = await deployStatus(selection)
  const runs = readLastRuns(
    selection.root,
    status.hosts.map((h) => h.host),
  )
  return {
    head: status.head,
    hosts: status.hosts.map((host) => {
      const last = runs.get(host.host)
      return last ? {...host, last_run: last} : host
    }),
  }
}

/** The LAST RUN cell: `switch succeeded`, `build failed (exit 1)`, `switch interrupted`, `-`. */
export function describeLastRun(last: HostLastRun | undefined): string {
  if (!last) return '-'
  const exit = last.result === 'failed' && last.exit_code !== undefined ? ` (exit ${last.exit_code})` : ''
  return `${last.action} ${last.result}${exit}`
}
