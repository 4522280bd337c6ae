/**
 * A reader for Nix double-quoted string literals, following the string
 * rules of Nix's lexer (`src/libexpr/lexer.l`): `\x` stands for `x` except
 * `\n`, `\r` and `\t`; `${` starts an interpolation; `$` followed by any
 * other character (including a second `$`) is literal and swallows that
 * character; a raw CR or CR LF reads as LF. Tests use it to check that what
 * glix writes into `flake.nix` reads back as the intended string without
 * running Nix.
 */

/** A decoded literal and the index just past its closing quote. */
export interface NixLiteral {
  end: number
  value: string
}

/** Decodes the Nix string literal that starts at `text[start]` (a `"`). */
export function readNixString(text: string, start = 0): NixLiteral {
  if (text[start] !== '"') throw new Error(`no string literal at ${start}: ${JSON.stringify(text.slice(start, start + 20))}`)
  let value = ''
  let i = start + 1
  const escape = (ch: string): string => (ch === 'n' ? '\n' : ch === 'r' ? '\r' : ch === 't' ? '\t' : ch)
  while (i < text.length) {
    const ch = text[i]
    if (ch === '"') return {end: i + 1, value}
    if (ch === '\\') {
      if (i + 1 >= text.length) break
      value += escape(text[i + 1])
      i += 2
    } else if (ch === '$') {
      const next = text[i + 1]
      if (next === '{') throw new Error(`interpolation at ${i} in ${JSON.stringify(text.slice(start, i + 2))}`)
      if (next === '\\') {
        if (i + 2 >= text.length) break
        value += '$' + escape(text[i + 2])
        i += 3
      } else if (next === undefined || next === '"') {
        value += '$'
        i += 1
      } else {
        value += '$' + (next === '\r' ? '\n' : next)
        i += next === '\r' && text[i + 2] === '\n' ? 3 : 2
      }
    } else if (ch === '\r') {
      value += '\n'
      i += text[i + 1] === '\n' ? 2 : 1
    } else {
      value += ch
      i += 1
    }
  }

  throw new Error(`unterminated string literal at ${start}`)
}

/** Decodes `literal`, which must be exactly one Nix string literal. */
export function decodeNixString(literal: string): string {
  const {end, value} = readNixString(literal, 0)
  if (end !== literal.length) throw new Error(`trailing text after string literal: ${JSON.stringify(literal.slice(end))}`)
  return value
}
