/**
 * Text of `glix search`: the table `NAME FLAKE DESCRIPTION` on stdout, or,
 * when nothing matches, one notice for stderr. Registry text (names, flakes,
 * descriptions, the URL) passes the output boundary.
 */
import type {SearchResult} from '../lib/registry/search.js'
import {safeText} from '../lib/ui/safe.js'
import {renderTable} from '../lib/ui/table.js'

/** What `glix search` prints: a table for stdout, or a notice for stderr. */
export function formatSearch(result: SearchResult): {notice?: string; table?: string} {
  if (result.packages.length === 0) {
    return {
      notice:
        result.query === ''
          ? `the registry ${safeText(result.registry)} is empty`
          : `no package in the registry matches ${safeText(JSON.stringify(result.query))}`,
    }
  }

  return {table: renderTable(['NAME', 'FLAKE', 'DESCRIPTION'], result.packages.map((p) => [p.name, p.flake, p.description]))}
}
