/**
 * Plain-text tables: columns padded to their widest cell and separated by
 * two spaces, no trailing spaces, no colour. Returns a string; printing is
 * the command's job. Linear in the number of cells: `list --all-hosts` on
 * a large fleet renders tens of thousands of rows.
 *
 * Invariant: every cell passes the output boundary ({@link safeText}), so
 * a value from a manifest or a registry can neither forge a row (a newline)
 * nor drive the terminal; widths are measured on the escaped text.
 */
import {safeText} from './safe.js'

const HIGH_SURROGATE = /[\uD800-\uDBFF]/

/** The width of `cell` in code points; only text with astral characters needs counting. */
function widthOf(cell: string): number {
  return HIGH_SURROGATE.test(cell) ? [...cell].length : cell.length
}

/**
 * Renders `rows` under `headers`; `null`/`undefined` cells are empty.
 * Indexed loops and one string per line: a long table is rendered once,
 * by code that has not been optimised yet.
 */
export function renderTable(headers: string[], rows: Array<Array<string | undefined>>): string {
  const columns = headers.length
  const safeHeaders = headers.map((header) => safeText(header))
  const widths = safeHeaders.map((header) => widthOf(header))
  const safeRows: string[][] = new Array(rows.length)
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]
    const safe: string[] = new Array(row.length)
    for (let i = 0; i < row.length; i++) {
      const cell = safeText(row[i] ?? '')
      safe[i] = cell
      if (i < columns) {
        const width = widthOf(cell)
        if (width > widths[i]) widths[i] = width
      }
    }

    safeRows[r] = safe
  }

  const lines: string[] = [renderLine(safeHeaders, widths)]
  for (let r = 0; r < safeRows.length; r++) lines.push(renderLine(safeRows[r], widths))
  return lines.join('\n')
}

/** One line: every cell but the last padded to its column's width, two spaces between, no trailing spaces. */
function renderLine(row: string[], widths: number[]): string {
  let line = ''
  for (let i = 0; i < row.length; i++) {
    const cell = row[i]
    if (i > 0) line += '  '
    line += cell
    if (i < row.length - 1 && i < widths.length) line += ' '.repeat(widths[i] - widthOf(cell))
  }

  return line.trimEnd()
}
