/**
 * Executable documentation: the transcripts of README.md and docs/*.md.
 *
 * A transcript is a fenced code block holding lines that start with `$ `:
 * each such line is a command, the lines after it (up to the next `$ `
 * line or the end of the block) are what it prints — stdout and stderr
 * as one stream, in order, exactly as a terminal shows them. Fenced blocks
 * without a `$ ` line (install instructions, JSON, Nix) are prose.
 *
 * An HTML comment on the line right before a block's opening fence tells
 * the runner how to run that block (it is invisible on a rendered page):
 *
 * - `<!-- doc-test: nix -->` — with Nix on PATH (every other block runs
 *   with Nix removed from PATH, proving the page's claim that the tour
 *   works on a machine without it);
 * - `<!-- doc-test: stand-in -->` — with stand-ins for nixos-rebuild and
 *   nix-collect-garbage first on PATH (test/helpers/fake-rebuild.ts);
 * - `<!-- doc-test: serve /registry.json -->` — on a JSON block: serve it
 *   at that path of the loopback registry (`http://127.0.0.1:8080` on the
 *   page);
 * - `<!-- doc-test: stop the registry -->` — the registry is unreachable
 *   from this block on;
 * - `<!-- doc-test: skip: <reason> -->` — not run; the reason is reported.
 *
 * Normalised before comparing (and only these): the temporary directory
 * the runner works in is `/tmp/tour` on the page; the loopback registry is
 * `127.0.0.1:8080`; commit hashes (7–40 hex digits, at least one digit),
 * `sha256-…` hashes, durations (`1.2s`, `850ms`, `2m05s`) and date-times
 * compare equal to any other. A line holding only `…` stands for any
 * number of lines. A command holding `<TAB>` is an interactive completion
 * example (test/integration/completion.test.ts drives those in tmux) and
 * is not run here.
 */

/** One `$ ` command of a transcript and what it should print. */
export interface DocCommand {
  /** 1-based line of the `$ ` line in the file. */
  line: number
  command: string
  /** The lines the page shows after it. */
  expected: string[]
}

/** One transcript block. */
export interface DocBlock {
  /** 1-based line of the opening fence. */
  line: number
  /** The directive before the block, without `doc-test:` (e.g. `nix`, `skip: …`). */
  directive?: string
  /** The block's language tag (`json`, `sh`, …; empty when none). */
  lang: string
  /** The block's lines. */
  body: string[]
  /** Its commands; empty for prose blocks. */
  commands: DocCommand[]
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([\w-]*)/
const DIRECTIVE = /^<!--\s*doc-test:\s*(.*?)\s*-->\s*$/

/** The fenced blocks of a markdown text, with their directives and commands. */
export function parseBlocks(text: string): DocBlock[] {
  const lines = text.split('\n')
  const blocks: DocBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i])
    if (!open) continue
    const fence = open[2]
    const start = i
    const body: string[] = []
    for (i++; i < lines.length && lines[i].trim() !== fence; i++) body.push(lines[i])
    const directive = start > 0 ? DIRECTIVE.exec(lines[start - 1])?.[1] : undefined
    blocks.push({body, commands: parseCommands(body, start + 2), directive, lang: open[3], line: start + 1})
  }

  return blocks
}

/** The `$ ` commands of a block body whose first line is line `firstLine` of the file. */
function parseCommands(body: string[], firstLine: number): DocCommand[] {
  const commands: DocCommand[] = []
  for (const [index, text] of body.entries()) {
    if (text.startsWith('$ ')) commands.push({command: text.slice(2), expected: [], line: firstLine + index})
    else if (commands.length > 0) commands.at(-1)!.expected.push(text)
  }

  return commands
}

// A hex run with at least one digit: a commit hash, never a word such as "deadbeef" or "added".
const HASH = /\b(?=[0-9a-f]*\d)[0-9a-f]{7,40}\b/g
const NAR_HASH = /sha256-[A-Za-z0-9+/=]{4,}/g
const DURATION = /\b(\d+(\.\d+)?(ms|s)|\d+m\d{2}s|\d+h\d{2}m)\b/g
const DATE_TIME = /\b\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?/g

/** What may differ between runs, replaced by placeholders. */
export function normaliseVolatile(line: string): string {
  return line
    .replace(DATE_TIME, '<time>')
    .replace(NAR_HASH, 'sha256-<hash>')
    .replace(HASH, '<hash>')
    .replace(DURATION, '<duration>')
    .trimEnd()
}

/** True when `actual` (already mapped to the page's paths) shows what `expected` does. */
export function matchesTranscript(expected: string[], actual: string[]): boolean {
  const want = expected.map((line) => normaliseVolatile(line))
  const got = actual.map((line) => normaliseVolatile(line))
  const match = (w: number, g: number): boolean => {
    if (w === want.length) return g === got.length
    if (want[w].trim() === '…') {
      for (let skip = g; skip <= got.length; skip++) if (match(w + 1, skip)) return true
      return false
    }

    return g < got.length && want[w] === got[g] && match(w + 1, g + 1)
  }

  return match(0, 0)
}

/** Rewrites `text` with new expected output for the commands in `updates` (keyed by their `$ ` line). */
export function rewriteTranscripts(text: string, updates: Map<number, string[]>): string {
  const lines = text.split('\n')
  const out: string[] = []
  let skipping = false
  for (const [index, line] of lines.entries()) {
    const lineNumber = index + 1
    if (skipping && (line.startsWith('$ ') || FENCE.test(line))) skipping = false
    if (skipping) continue
    out.push(line)
    const update = updates.get(lineNumber)
    if (update) {
      out.push(...update)
      skipping = true
    }
  }

  return out.join('\n')
}
