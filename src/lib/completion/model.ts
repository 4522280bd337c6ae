/**
 * The static half of shell completion: every command, topic, flag and
 * argument glix has (its plugins' included), turned into one table the
 * shell engines in completion/ read.
 *
 * The input is plain data in the shape of oclif's manifest
 * ({@link CompletionSource}); the command layer gathers it from oclif's
 * loaded config, so what completes is exactly what would run. The output
 * is a list of `[key, value]` string pairs ({@link buildCompletionTable});
 * script.ts prints it as one associative array. Keys:
 *
 * | key | value |
 * |---|---|
 * | `format` | `1` (the engines refuse other tables) |
 * | `name`, `keywords`, `reserved` | the name rule live names must pass (NAME_PATTERN), the words no name may be (Nix keywords), the words no package may be |
 * | `c/<id>` | `1` for each command id and alias, hidden ones included |
 * | `t/<topic>` | `1` for each topic (a proper prefix of an id) |
 * | `k/<topic>` | the visible names one level below `<topic>` (`k/` is the top level) |
 * | `f/<id>` | the visible flags of the command (`--name`, `--no-name`, `-c`) and `--help` |
 * | `v/<id>` | the flags that take a value (hidden ones included), space-padded |
 * | `o/<id>/<flag>` | the values a flag allows |
 * | `a/<id>/<n>`, `an/<id>/<n>` | the values the n-th argument allows; its name |
 * | `al/<id>/<n>` | the live kind of the n-th argument (live.ts) |
 * | `ar/<id>` | the position of the last argument when it repeats (not strict) |
 * | `L/<flag>` | the live kind of a flag's value |
 * | `g`, `gv` | flags that may precede the command; every flag that takes a value |
 * | `sk/<kind>`, `sv/<kind>/<key>`, `ss/<kind>` | the keys of a setting kind, a key's values, the subtable |
 * | `kd/…`, `fd/…`, `gd` | with descriptions: `name:summary` lines for `k/…`, `f/…`, `g` |
 *
 * Invariants: lists are space-separated tokens; every token, key and
 * description is made inert here — ids, flag names and values that are not
 * plain tokens ({@link SAFE_TOKEN}) are left out rather than escaped, and
 * descriptions are one line without control characters — so the engines
 * can split lists without quoting and insert candidates as they are.
 */
import {NAME_PATTERN, NIX_KEYWORDS, RESERVED_PACKAGE_NAMES} from '../names.js'
import {LIVE_ARGS, LIVE_FLAGS, SETTINGS} from './live.js'

/** A flag as oclif's manifest describes it. */
export interface SourceFlag {
  name: string
  type: 'boolean' | 'option'
  char?: string
  allowNo?: boolean
  hidden?: boolean
  options?: readonly string[]
  summary?: string
  description?: string
  helpGroup?: string
}

/** A positional argument as oclif's manifest describes it. */
export interface SourceArg {
  name: string
  options?: readonly string[]
  description?: string
}

/** A command as oclif's manifest describes it. */
export interface SourceCommand {
  id: string
  aliases?: readonly string[]
  hidden?: boolean
  /** False when the command takes any number of arguments (the last one repeats). */
  strict?: boolean
  summary?: string
  description?: string
  pluginName?: string
  flags: Readonly<Record<string, SourceFlag>>
  args: Readonly<Record<string, SourceArg>>
}

/** A topic (a group of commands such as `host`). */
export interface SourceTopic {
  name: string
  description?: string
  hidden?: boolean
}

/** Everything completion knows about the CLI: plain data from oclif's loaded config. */
export interface CompletionSource {
  /** The CLI's name (`glix`): replaces `<%= config.bin %>` in descriptions. */
  bin: string
  /** The CLI's own package: its GLOBAL flags may precede the command. */
  rootPlugin: string
  commands: readonly SourceCommand[]
  topics: readonly SourceTopic[]
}

/** Command words, flag names and values the engines can take as they are. */
export const SAFE_TOKEN = /^[A-Za-z0-9_.,:/@%+=-]+$/
const SAFE_WORD = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/
const SAFE_CHAR = /^[A-Za-z0-9]$/
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/g
const DESCRIPTION_MAX = 100

/** One line of a summary, for a menu: templates filled, control characters and runs of spaces gone. */
function describe(bin: string, text: string | undefined): string {
  const line = (text ?? '').split('\n').find((part) => part.trim() !== '') ?? ''
  const plain = line
    .replaceAll(/<%=\s*config\.bin\s*%>/g, bin)
    .replaceAll(/<%[\s\S]*?%>/g, '')
    .replaceAll(CONTROL, ' ')
    .replaceAll(/\s+/g, ' ')
    .trim()
  return plain.length > DESCRIPTION_MAX ? `${plain.slice(0, DESCRIPTION_MAX - 1)}…` : plain
}

function isSafeId(id: string): boolean {
  return id.split(':').every((word) => SAFE_WORD.test(word))
}

function safeTokens(values: readonly string[] | undefined): string[] {
  return (values ?? []).filter((value) => SAFE_TOKEN.test(value))
}

/** The words a flag is typed as: `--name`, `--no-name` when negatable, `-c`. */
function flagWords(flag: SourceFlag): string[] {
  const words = [`--${flag.name}`]
  if (flag.allowNo) words.push(`--no-${flag.name}`)
  if (flag.char && SAFE_CHAR.test(flag.char)) words.push(`-${flag.char}`)
  return words
}

function flagsOf(command: SourceCommand): SourceFlag[] {
  return Object.values(command.flags).filter((flag) => SAFE_WORD.test(flag.name))
}

function lines(entries: Array<[string, string]>): string {
  return entries.map(([name, summary]) => (summary ? `${name}:${summary}` : name)).join('\n')
}

/**
 * Builds the completion table of a CLI (see the module header for its
 * keys). With `descriptions`, the `kd/`, `fd/` and `gd` entries zsh shows
 * beside candidates are included; bash cannot show them.
 */
export function buildCompletionTable(source: CompletionSource, options: {descriptions: boolean}): Array<[string, string]> {
  const table: Array<[string, string]> = [
    ['format', '1'],
    ['name', NAME_PATTERN.source],
    ['keywords', ` ${NIX_KEYWORDS.join(' ')} `],
    ['reserved', ` ${RESERVED_PACKAGE_NAMES.join(' ')} `],
  ]
  const add = (key: string, value: string) => {
    if (value !== '') table.push([key, value])
  }

  // Each id once: the first command loaded wins, as in oclif's config.
  const commands = new Map<string, SourceCommand>()
  for (const command of source.commands) {
    if (isSafeId(command.id) && !commands.has(command.id)) commands.set(command.id, command)
  }

  // Names one level below each topic, with the summary shown beside them.
  const children = new Map<string, Map<string, string>>()
  const topics = new Set<string>()
  const addPath = (id: string, summary: string, visible: boolean) => {
    const words = id.split(':')
    for (let depth = 1; depth <= words.length; depth++) {
      const parent = words.slice(0, depth - 1).join(':')
      const path = words.slice(0, depth).join(':')
      if (depth < words.length) topics.add(path)
      if (!visible) continue
      const level = children.get(parent) ?? new Map<string, string>()
      children.set(parent, level)
      const word = words[depth - 1]
      if (depth === words.length) level.set(word, summary)
      else if (!level.has(word)) level.set(word, '')
    }
  }

  const valuedEverywhere = new Set<string>()
  const globalFlags = new Map<string, string>()
  const liveFlags = new Map<string, string>()
  const named = new Set<string>()
  for (const [id, command] of commands) {
    const summary = describe(source.bin, command.summary ?? command.description)
    // An alias never shadows a command or an earlier alias.
    const ids = [id]
    for (const alias of command.aliases ?? []) {
      if (isSafeId(alias) && !commands.has(alias) && !named.has(alias) && !ids.includes(alias)) ids.push(alias)
    }

    for (const name of ids) named.add(name)
    for (const name of ids) addPath(name, summary, !command.hidden)

    const visible: Array<[string, string]> = []
    const valued: string[] = []
    const optionLists: Array<[string, string]> = []
    for (const flag of flagsOf(command)) {
      const words = flagWords(flag)
      const text = describe(source.bin, flag.summary ?? flag.description)
      if (!flag.hidden) for (const word of words) visible.push([word, text])
      if (command.pluginName === source.rootPlugin && flag.helpGroup === 'GLOBAL' && !flag.hidden) {
        for (const word of words) globalFlags.set(word, text)
      }

      if (LIVE_FLAGS[flag.name]) liveFlags.set(`--${flag.name}`, LIVE_FLAGS[flag.name])
      if (flag.type !== 'option') continue
      for (const word of words.filter((w) => !w.startsWith('--no-'))) {
        valued.push(word)
        valuedEverywhere.add(word)
        const allowed = safeTokens(flag.options)
        if (allowed.length > 0) optionLists.push([word, allowed.join(' ')])
      }
    }

    visible.push(['--help', 'Show help for this command.'])
    const args = Object.values(command.args)
    for (const name of ids) {
      add(`c/${name}`, '1')
      add(`f/${name}`, visible.map(([word]) => word).join(' '))
      if (options.descriptions) add(`fd/${name}`, lines(visible))
      add(`v/${name}`, ` ${valued.join(' ')} `)
      for (const [word, allowed] of optionLists) add(`o/${name}/${word}`, allowed)
      args.forEach((arg, index) => {
        const n = index + 1
        add(`an/${name}/${n}`, SAFE_WORD.test(arg.name) ? arg.name : 'argument')
        add(`a/${name}/${n}`, safeTokens(arg.options).join(' '))
        add(`al/${name}/${n}`, LIVE_ARGS[id]?.[arg.name] ?? '')
      })
      if (command.strict === false && args.length > 0) add(`ar/${name}`, String(args.length))
    }
  }

  const topicSummaries = new Map(source.topics.map((topic) => [topic.name, topic]))
  for (const topic of topics) add(`t/${topic}`, '1')
  for (const [parent, level] of [...children].sort(([a], [b]) => a.localeCompare(b))) {
    const entries = [...level]
      .filter(([word]) => !topicSummaries.get(parent ? `${parent}:${word}` : word)?.hidden)
      .map(([word, summary]): [string, string] => [word, summary || describe(source.bin, topicSummaries.get(parent ? `${parent}:${word}` : word)?.description)])
      .sort(([a], [b]) => a.localeCompare(b))
    add(`k/${parent}`, entries.map(([word]) => word).join(' '))
    if (options.descriptions) add(`kd/${parent}`, lines(entries))
  }

  globalFlags.set('--help', 'Show help.')
  globalFlags.set('--version', `Show the version of ${source.bin}.`)
  add('g', [...globalFlags.keys()].join(' '))
  if (options.descriptions) add('gd', lines([...globalFlags]))
  add('gv', ` ${[...valuedEverywhere].sort().join(' ')} `)
  for (const [word, kind] of liveFlags) add(`L/${word}`, kind)

  for (const [kind, setting] of Object.entries(SETTINGS)) {
    add(`sk/${kind}`, setting.keys.join(' '))
    for (const [key, values] of Object.entries(setting.values)) add(`sv/${kind}/${key}`, values.join(' '))
    if (setting.subtable) add(`ss/${kind}`, setting.subtable)
  }

  return table
}
