import {Flags} from '@oclif/core'

import {GlixCommand} from '../base-command.js'
import {GlixError} from '../lib/errors.js'

export default class Gc extends GlixCommand<typeof Gc> {
  static override summary = 'Collect garbage in the Nix store (nix-collect-garbage).'
  static override description =
    "Runs `nix-collect-garbage` (with `-d` for --delete-old) and streams its output. Arguments after `--` go to it unchanged (e.g. `-- --delete-older-than 14d`). System profiles are only cleaned as root: `sudo glix gc --delete-old`. Needs no repo."

  static override examples = ['<%= config.bin %> gc', '<%= config.bin %> gc --delete-old', '<%= config.bin %> gc -- --delete-older-than 14d']
  static override requiresRepo = false
  static override flags = {
    'delete-old': Flags.boolean({summary: 'Also delete old generations of every profile (-d): no rollback past the current one.'}),
  }

  private passthrough: string[] = []

  public override async init(): Promise<void> {
    const dashdash = this.argv.indexOf('--')
    if (dashdash !== -1) {
      this.passthrough = this.argv.slice(dashdash + 1)
      this.argv = this.argv.slice(0, dashdash)
    }

    await super.init()
  }

  async run(): Promise<{exit_code: number}> {
    const {collectGarbage} = await import('../lib/nix/nix.js')
    const code = await collectGarbage({deleteOld: this.flags['delete-old'], extra: this.passthrough})
    if (code !== 0) throw new GlixError(`nix-collect-garbage exited with status ${code}`, {code: 'GC_FAILED'})
    return {exit_code: code}
  }
}
