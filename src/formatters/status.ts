/**
 * Text of `glix status`: the table `HOST DEPLOYED AT STATUS`, and the
 * STATUS words `plan` reuses in its host lines.
 */
import type {HostStatus, StatusResult} from '../lib/ops/pending.js'
import {renderTable} from '../lib/ui/table.js'

/** The STATUS cell: `up to date`, `2 glix commits behind`, `never deployed`, … */
export function describeStatus(status: HostStatus): string {
  switch (status.state) {
    case 'never deployed':
    case 'up to date': {
      return status.state
    }

    case 'behind': {
      const n = status.behind ?? 0
      const others = (status.behind_all ?? n) - n
      return `${n} glix ${n === 1 ? 'commit' : 'commits'} behind` + (others > 0 ? ` (+${others} other)` : '')
    }

    case 'diverged': {
      return "deployed commit is not in HEAD's history"
    }
  }
}

/** `2024-05-01T12:03:04+02:00` → `2024-05-01 12:03`; `-` when unknown. */
function formatWhen(iso: string | undefined): string {
  const match = iso && /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(iso)
  return match ? `${match[1]} ${match[2]}` : '-'
}

/** Renders `glix status` as a table. */
export function formatStatus(result: StatusResult): string {
  return renderTable(
    ['HOST', 'DEPLOYED', 'AT', 'STATUS'],
    result.hosts.map((h) => [h.host, h.deployed?.slice(0, 12) ?? '-', formatWhen(h.deployed_at), describeStatus(h)]),
  )
}
