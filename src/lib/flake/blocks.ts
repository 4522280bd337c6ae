/**
 * Minimal edits of a managed region's body: the region is read as a list
 * of entries (one input block, or one host line), and only the entries
 * whose value changed are rewritten, so a region another writer laid out
 * (the Go glix puts a blank line between inputs, upstream's example adds
 * `inputs.nixpkgs.follows` lines) keeps every byte of what did not change.
 *
 * Invariants: an entry whose name and value match the wanted ones is kept
 * verbatim, with the lines that follow it (blank lines, comments); a new
 * entry is inserted before the first kept entry that sorts after it, else
 * at the end; a region glix rendered itself (sorted, no separators) is
 * patched into exactly what the renderer would write from scratch. A body
 * that cannot be read as entries is reported (`undefined`), and the caller
 * renders it whole.
 */
import {compareNames} from '../names.js'

/** One entry of a region body, as found in the file. */
export interface RegionEntry {
  name: string
  /** The input URL, or the host's system; undefined when the entry does not state one glix can read. */
  value?: string
  /** The entry's own lines (indentation removed). */
  lines: string[]
  /** Blank and comment lines after the entry, up to the next one. */
  trailer: string[]
}

/** A region body read as entries. */
export interface RegionBody {
  /** Blank and comment lines before the first entry. */
  leading: string[]
  entries: RegionEntry[]
}

const NAME = String.raw`([A-Za-z_][A-Za-z0-9_'-]*|"(?:[^"\\]|\\.)*")`
/** A Nix double-quoted string without interpolation. */
const NIX_STRING = String.raw`"((?:[^"\\$]|\\.|\$(?!\{))*)"`
const BLOCK_START = new RegExp(String.raw`^${NAME}\s*=\s*\{\s*$`)
const ONE_LINE_URL = new RegExp(String.raw`^${NAME}\.url\s*=\s*${NIX_STRING}\s*;\s*$`)
const ONE_LINE_BLOCK = new RegExp(String.raw`^${NAME}\s*=\s*\{\s*url\s*=\s*${NIX_STRING}\s*;\s*\}\s*;\s*$`)
const URL_LINE = new RegExp(String.raw`^url\s*=\s*${NIX_STRING}\s*;\s*$`)
const BLOCK_END = /^\}\s*;\s*$/
const HOST_LINE = new RegExp(String.raw`^${NAME}\s*=\s*mkHost\s+${NIX_STRING}\s+${NIX_STRING}\s*;\s*$`)
const FILLER = /^\s*(#.*)?$/

/** Reads the value of a Nix string literal body (the part between the quotes). */
export function decodeNixString(body: string): string {
  return body.replaceAll(/\\(.)/gs, (_, ch: string) => (ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch === 't' ? '\t' : ch))
}

function unquoteName(name: string): string {
  return name.startsWith('"') ? decodeNixString(name.slice(1, -1)) : name
}

/** Reads the inputs region body as input blocks; undefined when a line is not part of one. */
export function readInputEntries(lines: string[]): RegionBody | undefined {
  const body: RegionBody = {entries: [], leading: []}
  let i = 0
  while (i < lines.length) {
    const line = lines[i].trim()
    const filler = body.entries.at(-1)?.trailer ?? body.leading
    if (FILLER.test(line)) {
      filler.push(lines[i])
      i++
      continue
    }

    const single = ONE_LINE_URL.exec(line) ?? ONE_LINE_BLOCK.exec(line)
    if (single) {
      body.entries.push({lines: [lines[i]], name: unquoteName(single[1]), trailer: [], value: decodeNixString(single[2])})
      i++
      continue
    }

    const start = BLOCK_START.exec(line)
    if (!start) return undefined
    const entry: RegionEntry = {lines: [lines[i]], name: unquoteName(start[1]), trailer: []}
    let depth = 1
    i++
    while (i < lines.length && depth > 0) {
      const inner = lines[i].trim()
      entry.lines.push(lines[i])
      if (depth === 1 && BLOCK_END.test(inner)) depth = 0
      else {
        const url = depth === 1 ? URL_LINE.exec(inner) : null
        if (url) entry.value = decodeNixString(url[1])
        depth += (inner.match(/\{/g) ?? []).length - (inner.match(/\}/g) ?? []).length
      }

      i++
    }

    if (depth !== 0) return undefined
    body.entries.push(entry)
  }

  return body
}

/** Reads the hosts region body as `name = mkHost "name" "system";` lines; undefined otherwise. */
export function readHostEntries(lines: string[]): RegionBody | undefined {
  const body: RegionBody = {entries: [], leading: []}
  for (const raw of lines) {
    const line = raw.trim()
    if (FILLER.test(line)) {
      ;(body.entries.at(-1)?.trailer ?? body.leading).push(raw)
      continue
    }

    const match = HOST_LINE.exec(line)
    if (!match || unquoteName(match[1]) !== decodeNixString(match[2])) return undefined
    body.entries.push({lines: [raw], name: unquoteName(match[1]), trailer: [], value: decodeNixString(match[3])})
  }

  return body
}

/** The name → value map of a region body. */
export function entryValues(body: RegionBody): Map<string, string | undefined> {
  return new Map(body.entries.map((e) => [e.name, e.value]))
}

/**
 * Patches `body` so it holds exactly the `wanted` entries (name → value),
 * rewriting only what differs; `render` gives the lines of a new or
 * changed entry. Returns the new body lines.
 */
export function patchEntries(body: RegionBody, wanted: Map<string, string>, render: (name: string, value: string) => string[]): string[] {
  const separated = body.entries.some((e, i) => i < body.entries.length - 1 && e.trailer.some((l) => l.trim() === ''))
  const kept: RegionEntry[] = []
  // A Set, not a scan of `kept`: a fleet's inputs region holds thousands of entries.
  const present = new Set<string>()
  for (const entry of body.entries) {
    const value = wanted.get(entry.name)
    if (value === undefined || present.has(entry.name)) continue
    present.add(entry.name)
    kept.push(value === entry.value ? entry : {...entry, lines: render(entry.name, value), value})
  }

  // In a sorted region a name after the last entry goes at the end without a scan (a fleet's first rendering adds thousands).
  const sorted = kept.every((entry, i) => i === 0 || compareNames(kept[i - 1].name, entry.name) < 0)
  for (const [name, value] of wanted) {
    if (present.has(name)) continue
    const fresh: RegionEntry = {lines: render(name, value), name, trailer: [], value}
    const last = kept.at(-1)
    const at = sorted && (!last || compareNames(last.name, name) < 0) ? -1 : kept.findIndex((e) => compareNames(e.name, name) > 0)
    if (at === -1) {
      if (last && separated && !last.trailer.some((l) => l.trim() === '')) last.trailer = [...last.trailer, '']
      kept.push(fresh)
    } else {
      if (separated) fresh.trailer = ['']
      kept.splice(at, 0, fresh)
    }
  }

  // A dropped last entry must not leave its predecessor's separator dangling at the end.
  const last = kept.at(-1)
  const original = body.entries.at(-1)
  if (last && original && last !== original && last.name !== original.name) {
    last.trailer = original.trailer.filter((l) => l.trim() !== '').length > 0 ? original.trailer : last.trailer.filter((l) => l.trim() !== '')
  }

  return [...body.leading, ...kept.flatMap((e) => [...e.lines, ...e.trailer])]
}
