import {Args, Command, Flags, loadHelpClass} from '@oclif/core'

import {suggestCommand} from '../hooks/command-not-found/suggest.js'

/**
 * Replaces @oclif/plugin-help's `help` (the root plugin's command wins over
 * a plugin's with the same id) only to treat an unknown subject as a
 * mistyped command: `glix help lsit` says `did you mean "list"?` (and on a
 * terminal offers that command's help) and exits 127, instead of oclif's
 * raw "command lsit not found". Everything else is the plugin's help.
 */
export default class HelpCommand extends Command {
  static override summary = 'Display help for glix, or for one command or topic.'
  static override args = {
    command: Args.string({description: 'Command to show help for.', required: false}),
  }

  static override flags = {
    'nested-commands': Flags.boolean({char: 'n', summary: 'Include all nested commands in the output.'}),
  }

  static override strict = false

  async run(): Promise<void> {
    // Read by hand, not with this.parse: a flag help does not know (`glix help add --dir x`) must not end in oclif's stack trace.
    const all = this.argv.includes('-n') || this.argv.includes('--nested-commands')
    const argv = this.argv.filter((arg) => arg !== '-n' && arg !== '--nested-commands')
    const Help = await loadHelpClass(this.config)
    const help = new Help(this.config, {all})
    // The subject is the words before the first flag (`glix help host set --dir x` is `host set`).
    const firstFlag = argv.findIndex((arg) => arg.startsWith('-'))
    const words = firstFlag === -1 ? argv : argv.slice(0, firstFlag)
    const id = words.join(':')
    if (words.length > 0 && !this.config.findCommand(id) && !this.config.findTopic(id)) {
      const shown = await suggestCommand(this.config, id, (command) => help.showHelp(command.split(':')), (command) => `show \`glix help ${command}\`?`)
      if (!shown) this.exit(127)
      return
    }

    await help.showHelp(argv)
  }
}
