import * as Args from '@oclif/core/args'
import path from 'node:path'

import {GlixCommand} from '../../base-command.js'

/** Quotes a path for the shell line users append to their rc file. */
function quote(value: string): string {
  return `'${value.replaceAll("'", String.raw`'\''`)}'`
}

/**
 * Replaces @oclif/plugin-autocomplete's `autocomplete:script` (the root
 * plugin's command wins over a plugin's with the same id). `glix
 * autocomplete bash|zsh` tells users to put this command's output in their
 * rc file, so it prints exactly the plugin's line — which sources oclif's
 * generated setup from the cache — and, before the line's closing comment,
 * sources glix's own layer shipped in `completion/`: pure shell that
 * completes hosts and package names without running node on each TAB.
 */
export default class AutocompleteScript extends GlixCommand<typeof AutocompleteScript> {
  static override summary = 'Print the shell line that sets up glix completion.'
  static override hidden = true
  static override requiresRepo = false
  static override args = {
    shell: Args.string({description: 'Shell type', options: ['zsh', 'bash', 'powershell'], required: false}),
  }

  async run(): Promise<string> {
    const shell = this.args.shell ?? this.config.shell
    const bin = this.config.bin
    const cacheDir = path.join(this.config.cacheDir, 'autocomplete')
    // Same names and paths as the plugin's AutocompleteBase, so its instructions and cache stay valid.
    const envPrefix = `${bin.toUpperCase().replaceAll('-', '_')}_AC_${shell.toUpperCase()}`
    let line: string
    if (shell === 'powershell') {
      line = `. ${path.join(cacheDir, 'functions', 'powershell', `${bin}.ps1`)}`
    } else {
      const setup = `${envPrefix}_SETUP_PATH=${path.join(cacheDir, `${shell}_setup`)} && test -f $${envPrefix}_SETUP_PATH && source $${envPrefix}_SETUP_PATH;`
      const dynamicFile = path.join(this.config.root, 'completion', `${bin}.${shell}`)
      const dynamic = `${envPrefix}_DYNAMIC_PATH=${quote(dynamicFile)} && test -f "$${envPrefix}_DYNAMIC_PATH" && source "$${envPrefix}_DYNAMIC_PATH";`
      line = `\n${setup} ${dynamic} # ${bin} autocomplete setup\n`
    }

    this.log(line)
    return line
  }
}
