/**
 * "Did you mean": the registry names closest to a name nobody knows.
 *
 * A name is close when its Levenshtein distance to the query (ignoring
 * case) is at most a third of the longer name's length (at least 1), or
 * when one contains the other and the shorter has 3 characters or more.
 * Closest first, then alphabetical. The distance library loads on first
 * use: only an unresolved name pays for it.
 */

/** How many names {@link closestNames} returns by default. */
export const SUGGESTION_LIMIT = 3

/** Returns up to `limit` names of `candidates` close to `query`, closest first. */
export async function closestNames(query: string, candidates: Iterable<string>, limit = SUGGESTION_LIMIT): Promise<string[]> {
  const {distance} = await import('fastest-levenshtein')
  const q = query.toLowerCase()
  const scored: Array<{distance: number; name: string}> = []
  for (const name of new Set(candidates)) {
    const n = name.toLowerCase()
    const d = distance(q, n)
    const typo = d <= Math.max(1, Math.floor(Math.max(q.length, n.length) / 3))
    const contains = Math.min(q.length, n.length) >= 3 && (n.includes(q) || q.includes(n))
    if (typo || contains) scored.push({distance: d, name})
  }

  scored.sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return scored.slice(0, limit).map((s) => s.name)
}
