
import {GlixCommand} from '../base-command.js'
import {mutationFlags} from '../flags.js'
import {rollback, type RollbackResult} from '../lib/ops/rollback.js'

export default class Rollback extends GlixCommand<typeof Rollback> {
  static override summary = 'Revert the last glix commit (as a new commit).'
  static override description =
    "Refuses when the working tree has uncommitted changes or HEAD is not a glix commit. flake.nix is regenerated and flake.lock relocked as needed. --apply (or auto_apply) rebuilds the host the reverted commit touched."

  static override examples = ['<%= config.bin %> rollback', '<%= config.bin %> rollback --apply']
  static override enableJsonFlag = true
  static override flags = {...mutationFlags}

  async run(): Promise<RollbackResult> {
    const {flags} = this
    return this.finishMutation(await rollback({dryRun: flags['dry-run'], root: this.root}, this.mutationDeps({noLock: flags['no-lock']})))
  }
}
