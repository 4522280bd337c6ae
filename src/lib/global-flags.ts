/**
 * Global flags written before the command (`glix --host=pi list`).
 *
 * oclif takes the first argument as the command id before any hook runs,
 * so bin/run.js moves leading `--host`/`--dir` flags after the command
 * (before any `--`) with this function. Kept dependency-free: it runs on
 * every start.
 */
const GLOBAL = new Set(['--dir', '--host'])

/** Returns `argv` with leading global flags moved behind the command. */
export function hoistGlobalFlags(argv: string[]): string[] {
  const hoisted: string[] = []
  let i = 0
  while (i < argv.length) {
    const arg = argv[i]
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg : arg.slice(0, eq)
    if (!GLOBAL.has(name)) break
    if (eq === -1 && i + 1 < argv.length) {
      hoisted.push(arg, argv[i + 1])
      i += 2
    } else {
      hoisted.push(arg)
      i += 1
    }
  }

  if (hoisted.length === 0) return argv
  const rest = argv.slice(i)
  const dashdash = rest.indexOf('--')
  return dashdash === -1 ? [...rest, ...hoisted] : [...rest.slice(0, dashdash), ...hoisted, ...rest.slice(dashdash)]
}
