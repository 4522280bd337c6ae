import type {Config} from '@oclif/core/config'
import * as Args from '@oclif/core/args'
import path from 'node:path'

import {GlixCommand} from '../../base-command.js'
import type {CompletionSource, SourceArg, SourceFlag} from '../../lib/completion/model.js'

/** The plain data completion is generated from: every loaded command (plugins' included) and topic. */
function completionSource(config: Config): CompletionSource {
  return {
    bin: config.bin,
    commands: config.commands.map((command) => ({
      aliases: command.aliases,
      args: Object.fromEntries(
        Object.entries(command.args).map(([key, arg]): [string, SourceArg] => [key, {description: arg.description, name: arg.name, options: arg.options}]),
      ),
      description: command.description,
      flags: Object.fromEntries(
        Object.entries(command.flags).map(([key, flag]): [string, SourceFlag] => [
          key,
          {
            allowNo: flag.type === 'boolean' ? flag.allowNo : false,
            char: flag.char,
            description: flag.description,
            helpGroup: flag.helpGroup,
            hidden: flag.hidden,
            name: flag.name,
            options: flag.type === 'option' ? flag.options : undefined,
            summary: flag.summary,
            type: flag.type,
          },
        ]),
      ),
      hidden: command.hidden,
      id: command.id,
      pluginName: command.pluginName,
      strict: command.strict,
      summary: command.summary,
    })),
    rootPlugin: config.name,
    topics: config.topics.map((topic) => ({description: topic.description, hidden: topic.hidden, name: topic.name})),
  }
}

/**
 * Replaces @oclif/plugin-autocomplete's `autocomplete:script` (the root
 * plugin's command wins over a plugin's with the same id). For bash and
 * zsh it prints the whole completion script, generated from the commands
 * oclif loaded — glix's and every installed plugin's — followed by the
 * engine in completion/ (docs/decisions.md, Completion). Users put
 * `eval "$(glix autocomplete script bash)"` in their rc file, so a new
 * shell always completes what the installed glix has.
 */
export default class AutocompleteScript extends GlixCommand<typeof AutocompleteScript> {
  static override summary = 'Print the completion script of a shell (for eval in the rc file).'
  static override hidden = true
  static override requiresRepo = false
  static override args = {
    shell: Args.string({description: 'Shell type', options: ['zsh', 'bash', 'powershell'], required: false}),
  }

  async run(): Promise<string> {
    const shell = this.args.shell ?? this.config.shell
    if (shell !== 'bash' && shell !== 'zsh') {
      // PowerShell keeps the plugin's cached script (`glix autocomplete powershell` builds it).
      const line = `. ${path.join(this.config.cacheDir, 'autocomplete', 'functions', 'powershell', `${this.config.bin}.ps1`)}`
      this.log(line)
      return line
    }

    const [{buildCompletionTable}, {readCompletionEngine, renderCompletionScript}] = await Promise.all([
      import('../../lib/completion/model.js'),
      import('../../lib/completion/script.js'),
    ])
    const table = buildCompletionTable(completionSource(this.config), {descriptions: shell === 'zsh'})
    const plugins = [...this.config.plugins.values()].filter((plugin) => plugin.type === 'user' || plugin.type === 'link')
    const about = [`${this.config.bin} ${this.config.version}`, ...plugins.map((plugin) => `${plugin.name} ${plugin.version} (${plugin.type})`)].join(', ')
    const script = renderCompletionScript(shell, table, await readCompletionEngine(this.config.root, shell), about)
    process.stdout.write(script)
    return script
  }
}
