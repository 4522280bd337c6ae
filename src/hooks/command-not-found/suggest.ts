import type {Hook, Interfaces} from '@oclif/core'

import {safeText} from '../../lib/ui/safe.js'

/** The closest visible command to what was typed, or undefined when none is close. */
interface Suggestion {
  /** The command id (`host:set`). */
  id: string
  /** The words of `typed` the command was compared with, joined by `:`. */
  typed: string
}

/**
 * Finds the command closest to `id` (words joined by `:`). With spaces as
 * topic separators, arguments join the id ("lsit:foo"): each command is
 * compared with as many words as it has.
 */
async function findClosest(config: Interfaces.Config, id: string): Promise<Suggestion | undefined> {
  const {distance} = await import('fastest-levenshtein')
  const words = id.split(':')
  const letters = (s: string) => [...s].sort().join('')
  const scored = config.commands
    .filter((c) => !c.hidden)
    .map(({id: candidate}) => {
      const typed = words.slice(0, candidate.split(':').length).join(':')
      // Command ids are short: a swap of two letters (distance 2) must count, and beat
      // another id at the same distance ("lsit" is "list", not "init").
      const d = distance(typed, candidate) - (letters(candidate) === letters(typed) ? 1 : 0)
      return {d, id: candidate, ok: d <= Math.max(2, Math.floor(typed.length / 3)), typed}
    })
    .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1))
  const best = scored.find((s) => s.ok)
  return best && {id: best.id, typed: best.typed}
}

/**
 * "Did you mean" for a command that does not exist (`id`, words joined by
 * `:`): one line on stderr naming the closest command; on a terminal it
 * asks `offer(command)` and goes on with it through `accept` (run it, or
 * show its help).
 * Returns true when the user accepted; the caller exits 127 otherwise,
 * like a shell's "command not found". Everything typed passes the output
 * boundary.
 */
export async function suggestCommand(
  config: Interfaces.Config,
  id: string,
  accept: (id: string, rest: string[]) => Promise<unknown>,
  offer: (command: string) => string = (command) => `run \`glix ${command}\` instead?`,
): Promise<boolean> {
  const words = id.split(':')
  const best = await findClosest(config, id)
  if (!best) {
    process.stderr.write(`glix: "${safeText(words[0])}" is not a glix command; \`glix help\` lists them\n`)
    return false
  }

  const suggestion = best.id.replaceAll(':', ' ')
  process.stderr.write(`glix: "${safeText(best.typed.replaceAll(':', ' '))}" is not a glix command; did you mean "${suggestion}"?\n`)
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false
  const {createInterface} = await import('node:readline/promises')
  const rl = createInterface({input: process.stdin, output: process.stderr})
  const answer = await rl.question(`${offer(suggestion)} [y/N] `)
  rl.close()
  if (!/^y(es)?$/i.test(answer.trim())) return false
  await accept(best.id, words.slice(best.id.split(':').length))
  return true
}

/** The `command_not_found` hook: suggests, offers to run the suggestion, else exits 127. */
const hook: Hook<'command_not_found'> = async function (options) {
  let result: unknown
  const accepted = await suggestCommand(options.config, options.id, async (id, rest) => {
    result = await options.config.runCommand(id, [...rest, ...(options.argv ?? [])])
  })
  if (!accepted) return this.exit(127)
  return result
}

export default hook
