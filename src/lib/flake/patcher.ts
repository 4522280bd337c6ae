/**
 * The region patcher: replaces the bodies of the glix-managed regions of
 * `flake.nix` and nothing else.
 *
 * Invariants: bytes outside the marker lines are never changed; each
 * emitted line carries the indentation of its region's start marker; a
 * region whose markers are missing, repeated or out of order is an error
 * and the text is returned untouched (the caller writes nothing); the
 * result is written atomically by the caller.
 */
import {GlixError} from '../errors.js'

/** The managed regions, in the order they appear in the template. */
export type RegionName = 'hosts' | 'inputs'

/** The start and end marker of a region. */
export function regionMarkers(region: RegionName): {end: string; start: string} {
  return {end: `# <<< glix-managed ${region} <<<`, start: `# >>> glix-managed ${region} >>>`}
}

/** Where a region sits in a file split into lines. */
interface RegionSpan {
  /** Index of the end marker line. */
  end: number
  indent: string
  /** Index of the start marker line. */
  start: number
}

function markerError(file: string, message: string, region?: RegionName): GlixError {
  const markers = region ? regionMarkers(region) : undefined
  const how = markers ? `keep exactly one \`${markers.start}\` line and one \`${markers.end}\` line after it` : 'keep each region between its own markers'
  return new GlixError(`${file}: ${message}; ${how} — the file was left untouched`, {code: 'BAD_MARKERS'})
}

function findRegion(lines: string[], region: RegionName, file: string): RegionSpan {
  const {end, start} = regionMarkers(region)
  const starts: number[] = []
  const ends: number[] = []
  for (const [i, line] of lines.entries()) {
    const trimmed = line.trim()
    if (trimmed === start) starts.push(i)
    else if (trimmed === end) ends.push(i)
  }

  if (starts.length === 0 || ends.length === 0) {
    throw markerError(file, `the glix-managed ${region} region is missing its ${starts.length === 0 ? 'start' : 'end'} marker`, region)
  }

  if (starts.length > 1 || ends.length > 1) throw markerError(file, `the glix-managed ${region} markers appear more than once`, region)
  if (ends[0] < starts[0]) throw markerError(file, `the glix-managed ${region} end marker comes before its start marker`, region)
  const indent = /^\s*/.exec(lines[starts[0]])![0]
  return {end: ends[0], indent, start: starts[0]}
}

/** Splits on LF only: a CRLF line keeps its CR, so joining with LF gives back every byte. */
function splitLines(text: string): string[] {
  return text.split('\n')
}

/** Returns the current body lines of a region, indentation removed. */
export function readRegion(text: string, region: RegionName, file = 'flake.nix'): string[] {
  const lines = splitLines(text)
  const span = findRegion(lines, region, file)
  return lines.slice(span.start + 1, span.end).map((l) => l.replace(/\r$/, '')).map((line) => (line.startsWith(span.indent) ? line.slice(span.indent.length) : line.trimStart()))
}

/** Whether a region of `text` can be patched: present and intact, absent (no marker at all), or broken. */
export type RegionState = {state: 'absent'} | {state: 'broken'; error: GlixError} | {state: 'ok'; body: string[]}

/** Tells whether a region is intact, absent or broken, without throwing. */
export function regionState(text: string, region: RegionName, file = 'flake.nix'): RegionState {
  const {end, start} = regionMarkers(region)
  const lines = splitLines(text)
  if (!lines.some((line) => line.trim() === start || line.trim() === end)) return {state: 'absent'}
  try {
    return {body: readRegion(text, region, file), state: 'ok'}
  } catch (error) {
    return {error: error as GlixError, state: 'broken'}
  }
}

/**
 * Replaces the bodies of the given regions of `text`; a region not given
 * is neither read nor required (a flake.nix may lack the hosts region when
 * its hosts are declared by hand). Throws (changing nothing) when a given
 * region's markers are broken or the regions overlap.
 */
export function patchRegions(text: string, bodies: Partial<Record<RegionName, string[]>>, file = 'flake.nix'): string {
  const lines = splitLines(text)
  const wanted = (['inputs', 'hosts'] as const).filter((region) => bodies[region] !== undefined)
  const spans = wanted.map((region) => ({region, span: findRegion(lines, region, file)}))
  if (spans.length === 2) {
    const [a, b] = spans.map((s) => s.span).sort((x, y) => x.start - y.start)
    if (b.start < a.end) throw markerError(file, 'the glix-managed inputs and hosts regions overlap')
  }

  let out = lines
  // Patch from the bottom up so earlier indices stay valid.
  for (const {region, span} of spans.sort((x, y) => y.span.start - x.span.start)) {
    const body = bodies[region] as string[]
    // New lines end like the start marker's line (CRLF or LF).
    const cr = lines[span.start].endsWith('\r') ? '\r' : ''
    const rendered = body.map((line) => (line === '' ? '' : span.indent + line) + cr)
    out = [...out.slice(0, span.start + 1), ...rendered, ...out.slice(span.end)]
  }

  return out.join('\n')
}
