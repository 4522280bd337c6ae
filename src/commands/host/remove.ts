import {Flags} from '@oclif/core'

import {GlixCommand} from '../../base-command.js'
import {dryRunFlag, noLockFlag} from '../../flags.js'
import {formatHostRemovePrompt} from '../../formatters/mutation.js'
import {GlixError} from '../../lib/errors.js'
import {type HostRemoveDetails, hostFiles, removeHost} from '../../lib/ops/host.js'
import type {MutationResult} from '../../lib/ops/mutation.js'

export default class HostRemove extends GlixCommand<typeof HostRemove> {
  static override summary = 'Remove a host: its directory under hosts/ and its line in flake.nix.'
  static override examples = ['<%= config.bin %> host remove --host=old-laptop --yes']
  static override enableJsonFlag = true
  static override flags = {
    'dry-run': dryRunFlag,
    'no-lock': noLockFlag,
    yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation.'}),
  }

  async run(): Promise<MutationResult<HostRemoveDetails>> {
    const {flags} = this
    const {host, root} = this
    if (!flags.yes && !flags['dry-run']) {
      const files = hostFiles(root, host)
      if (!process.stdin.isTTY) {
        throw new GlixError(`refusing to remove host ${host} (${files.length} file(s)) without confirmation: pass --yes`, {exit: 2})
      }

      const {createInterface} = await import('node:readline/promises')
      const rl = createInterface({input: process.stdin, output: process.stderr})
      const answer = await rl.question(formatHostRemovePrompt(host, files))
      rl.close()
      if (!/^y(es)?$/i.test(answer.trim())) throw new GlixError('not confirmed; nothing removed')
    }

    return this.finishMutation(await removeHost({dryRun: flags['dry-run'], host, root}, this.mutationDeps({noLock: flags['no-lock']})))
  }
}
