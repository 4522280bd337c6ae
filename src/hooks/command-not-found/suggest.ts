import type {Hook} from '@oclif/core'

/**
 * "Did you mean" for a misspelled command. One line on stderr naming the
 * closest command; on a terminal glix offers to run it. Exit status 127,
 * like a shell's "command not found".
 */
const hook: Hook<'command_not_found'> = async function (options) {
  const {distance} = await import('fastest-levenshtein')
  // With spaces as topic separators, arguments join the id ("lsit:foo"): compare
  // each command with as many words as it has.
  const words = options.id.split(':')
  const letters = (s: string) => [...s].sort().join('')
  const scored = options.config.commands
    .filter((c) => !c.hidden)
    .map(({id}) => {
      const typed = words.slice(0, id.split(':').length).join(':')
      // Command ids are short: a swap of two letters (distance 2) must count, and beat
      // another id at the same distance ("lsit" is "list", not "init").
      const d = distance(typed, id) - (letters(id) === letters(typed) ? 1 : 0)
      return {d, id, ok: d <= Math.max(2, Math.floor(typed.length / 3)), typed}
    })
    .sort((a, b) => a.d - b.d || (a.id < b.id ? -1 : 1))
  const best = scored.find((s) => s.ok)
  if (!best) {
    process.stderr.write(`glix: "${words[0]}" is not a glix command; \`glix help\` lists them\n`)
    return this.exit(127)
  }

  const suggestion = best.id.replaceAll(':', ' ')
  process.stderr.write(`glix: "${best.typed.replaceAll(':', ' ')}" is not a glix command; did you mean "${suggestion}"?\n`)
  if (process.stdin.isTTY && process.stderr.isTTY) {
    const {createInterface} = await import('node:readline/promises')
    const rl = createInterface({input: process.stdin, output: process.stderr})
    const answer = await rl.question(`run \`glix ${suggestion}\` instead? [y/N] `)
    rl.close()
    const rest = [...words.slice(best.id.split(':').length), ...(options.argv ?? [])]
    if (/^y(es)?$/i.test(answer.trim())) return options.config.runCommand(best.id, rest)
  }

  return this.exit(127)
}

export default hook
