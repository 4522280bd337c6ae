/**
 * Text of `glix list`: the table `NAME SCOPE STATE USER FLAKE`, with a
 * leading `HOST` column for `--all-hosts`. Cells pass the output boundary
 * in the table renderer.
 */
import type {PackageRow} from '../lib/ops/read.js'
import {renderTable} from '../lib/ui/table.js'

const HEADERS = ['NAME', 'SCOPE', 'STATE', 'USER', 'FLAKE']

/** Renders the rows of `glix list`; `allHosts` adds the HOST column. */
export function formatPackageList(rows: PackageRow[], allHosts: boolean): string {
  if (allHosts) return renderTable(['HOST', ...HEADERS], rows.map((p) => [p.host, p.name, p.scope, p.state, p.user, p.flake]))
  return renderTable(HEADERS, rows.map((p) => [p.name, p.scope, p.state, p.user, p.flake]))
}
