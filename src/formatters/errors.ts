/**
 * Text of an error: exactly one line, `glix <command>: <message>`, then
 * `; try: <suggestion>` for each suggestion. Messages quote flags, values
 * from manifests, URLs, HTTP reason phrases and commit subjects, so the
 * whole line passes the output boundary: line breaks are folded into one
 * space (oclif's own messages span lines), every other control character
 * is escaped visibly. The JSON form stays exact.
 */
import {safeText} from '../lib/ui/safe.js'

/** The JSON document of an error (`--json`). */
export interface ErrorDocument {
  error: {code: string; exit: number; message: string; suggestions: string[]}
}

/** The one stderr line of an error. */
export function formatError(command: string, message: string, suggestions: string[]): string {
  const line = [message.replaceAll(/\s*\n\s*/g, ' '), ...suggestions.map((s) => `try: ${s}`)].join('; ')
  return `glix ${safeText(command)}: ${safeText(line)}`
}

/** One notice line for stderr, `glix: <message>`. */
export function formatNotice(message: string): string {
  return `glix: ${safeText(message)}`
}
