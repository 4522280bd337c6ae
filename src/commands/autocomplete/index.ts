import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'

import {GlixCommand} from '../../base-command.js'

/**
 * Replaces @oclif/plugin-autocomplete's `autocomplete` (the root plugin's
 * command wins). The plugin's instructions append
 * `printf "$(… autocomplete script bash)"` to the rc file, which suits a
 * one-line script; glix's script is the whole generated completion, so
 * for bash and zsh glix tells users to evaluate it from the rc file
 * instead. PowerShell still uses the plugin's cache.
 */
export default class Autocomplete extends GlixCommand<typeof Autocomplete> {
  static override summary = 'Show how to set up shell completion.'
  static override description = `Completion is generated from the installed commands and plugins each time a shell starts, by \`<%= config.bin %> autocomplete script <shell>\`; no glix process runs on TAB.`
  static override requiresRepo = false
  static override examples = ['<%= config.bin %> autocomplete bash', '<%= config.bin %> autocomplete zsh']
  static override args = {
    shell: Args.string({description: 'Shell type', options: ['zsh', 'bash', 'powershell'], required: false}),
  }

  static override flags = {
    'refresh-cache': Flags.boolean({char: 'r', summary: 'Rebuild the cache PowerShell completion reads (bash and zsh need none).'}),
  }

  async run(): Promise<void> {
    const shell = this.args.shell ?? this.config.shell
    const script = `${this.config.bin} autocomplete script ${shell}`
    if (this.flags['refresh-cache'] || shell === 'powershell') {
      // The plugin's generator, still behind `autocomplete:create`, builds PowerShell's cache.
      await this.config.runCommand('autocomplete:create')
      if (this.flags['refresh-cache']) return
      this.log(`Add this line to your PowerShell profile ($PROFILE), then open a new window:\n\n  ${script} | Invoke-Expression\n`)
      return
    }

    const rc = shell === 'zsh' ? '~/.zshrc' : '~/.bashrc'
    this.log(
      [
        `Add this line to ${rc}, then start a new shell (or run it once in this one):`,
        '',
        `  eval "$(${script})"`,
        '',
        `Each new shell then completes the commands and flags of the installed ${this.config.bin} and its plugins,`,
        `and reads hosts and packages from the repo on TAB: ${this.config.bin} ${shell === 'bash' ? '<TAB><TAB>' : '<TAB>'}`,
      ].join('\n'),
    )
  }
}
