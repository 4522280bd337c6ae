/**
 * Global flags written before the command: `glix --host=pi list`,
 * `glix --json list`, `glix --dir=X --host=Y --json info`.
 *
 * oclif takes the first argument as the command id before any hook runs,
 * so bin/run.js moves the leading global flags — the base flags every
 * glix command takes (`--dir`, `--host`) and `--json` — to the end of the
 * command line (before any `--`), where oclif parses them as the
 * command's. Kept dependency-free: it runs on every start.
 *
 * Invariants: only a run of global flags at the very start moves; a value
 * flag takes its value with it (`--dir X` or `--dir=X`), `--json` takes
 * none; the moved flags keep their order; nothing after `--` is touched;
 * an argv with no leading global flag is returned as is.
 */

/** Global flags that take a value. */
const VALUE_FLAGS = new Set(['--dir', '--host'])
/** Global flags that take none. */
const BOOLEAN_FLAGS = new Set(['--json'])

/** Returns `argv` with leading global flags moved behind the command. */
export function hoistGlobalFlags(argv: string[]): string[] {
  const hoisted: string[] = []
  let i = 0
  while (i < argv.length) {
    const arg = argv[i]
    const eq = arg.indexOf('=')
    const name = eq === -1 ? arg : arg.slice(0, eq)
    if (BOOLEAN_FLAGS.has(arg)) {
      hoisted.push(arg)
      i += 1
    } else if (VALUE_FLAGS.has(name)) {
      const takesNext = eq === -1 && i + 1 < argv.length
      hoisted.push(...(takesNext ? [arg, argv[i + 1]] : [arg]))
      i += takesNext ? 2 : 1
    } else {
      break
    }
  }

  if (hoisted.length === 0) return argv
  const rest = argv.slice(i)
  const dashdash = rest.indexOf('--')
  return dashdash === -1 ? [...rest, ...hoisted] : [...rest.slice(0, dashdash), ...hoisted, ...rest.slice(dashdash)]
}
