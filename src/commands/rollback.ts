import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {GlixCommand} from '../base-command.js'
import {mutationFlags} from '../flags.js'
import {rollback, type RollbackResult} from '../lib/ops/rollback.js'

export default class Rollback extends GlixCommand<typeof Rollback> {
  static override summary = 'Revert the last glix commit (as a new commit).'
  static override description = 'Refuses when the working tree has uncommitted changes or HEAD is not a glix commit. flake.nix is regenerated and flake.lock relocked as needed.'
  static override examples = ['<%= config.bin %> rollback', '<%= config.bin %> rollback --apply']
  static override flags = {apply: mutationFlags.apply, 'no-lock': mutationFlags['no-lock']}

  async run(): Promise<RollbackResult> {
    const {flags} = this
    const result = await rollback({root: this.root}, this.mutationDeps({noLock: flags['no-lock']}))
    this.log(`reverted "${result.revertedSubject}" (${result.files.join(', ')})`)
    // The host whose change was reverted is the one to rebuild (this machine's when it touched no single host).
    const host = result.hosts.length === 1 ? result.hosts[0] : this.host
    if (flags.apply && !existsSync(join(this.root, 'hosts', host, 'glix.toml'))) this.notice(`host ${host} no longer exists after the rollback: nothing to rebuild`)
    else if (flags.apply) await this.applyOrHint({apply: true, host})
    return result
  }
}
