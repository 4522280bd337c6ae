/**
 * The output boundary: every string that did not come from glix's own
 * source — manifest values, file names, commit subjects, registry
 * descriptions, HTTP reason phrases, output captured from nix or
 * nixos-rebuild — passes {@link safeText} (one line) or {@link safeBlock}
 * (several lines) before it reaches a terminal.
 *
 * Invariant: the result holds no C0 control character (except, in a block,
 * newline and tab), no DEL, no C1 control (U+0080–U+009F, which some
 * terminals read as CSI/OSC introducers), and no bidirectional override or
 * line/paragraph separator: each is written visibly as `\xHH` or `\uHHHH`,
 * so foreign text can neither drive the terminal (colours, titles, cursor,
 * charset switches, resets) nor forge lines. `--json` output does not pass
 * here: JSON escapes control characters itself and must stay exact.
 */

// C0 (but \t and \n, handled per mode), DEL, C1, bidi embeddings/overrides/isolates, LS/PS.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g
// eslint-disable-next-line no-control-regex
const UNSAFE_WITH_LAYOUT = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/g
/** SGR colour sequences (ESC [ digits/semicolons m): harmless styling, dropped from captured output. */
// eslint-disable-next-line no-control-regex
const SGR = /\u001B\[[0-9;]*m/g

function visible(ch: string): string {
  const code = ch.codePointAt(0) as number
  if (ch === '\n') return '\\n'
  if (ch === '\t') return '\\t'
  if (ch === '\r') return '\\r'
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`
}

/** Makes foreign text safe for one line of terminal output (newlines and tabs are escaped too). */
export function safeText(text: string): string {
  UNSAFE_WITH_LAYOUT.lastIndex = 0
  return UNSAFE_WITH_LAYOUT.test(text) ? text.replace(UNSAFE_WITH_LAYOUT, visible) : text
}

/**
 * Makes foreign multi-line text safe for the terminal: newlines and tabs
 * stay, colour sequences (SGR) are dropped, every other control character
 * is escaped visibly. A carriage return not followed by a newline is
 * escaped too: it would let a line overwrite the one glix printed.
 */
export function safeBlock(text: string): string {
  const plain = text.replace(SGR, '').replaceAll('\r\n', '\n')
  UNSAFE.lastIndex = 0
  return UNSAFE.test(plain) ? plain.replace(UNSAFE, visible) : plain
}
