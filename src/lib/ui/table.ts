/**
 * Plain-text tables: columns padded to their widest cell and separated by
 * two spaces, no trailing spaces, no colour. Returns a string; printing is
 * the command's job.
 */

/** Renders `rows` under `headers`; `null`/`undefined` cells are empty. */
export function renderTable(headers: string[], rows: Array<Array<string | undefined>>): string {
  const cells = [headers, ...rows.map((row) => row.map((cell) => cell ?? ''))]
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => [...(row[i] ?? '')].length)))
  return cells
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell + ' '.repeat(widths[i] - [...cell].length)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}
