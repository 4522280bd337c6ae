import {Flags} from '@oclif/core'

import {GlixCommand} from '../../base-command.js'
import {mutationFlags} from '../../flags.js'
import {GlixError} from '../../lib/errors.js'
import {type HostChangeResult, hostFiles, removeHost} from '../../lib/ops/host.js'

export default class HostRemove extends GlixCommand<typeof HostRemove> {
  static override summary = 'Remove a host: its directory under hosts/ and its line in flake.nix.'
  static override examples = ['<%= config.bin %> host remove --host=old-laptop --yes']
  static override flags = {
    'dry-run': mutationFlags['dry-run'],
    'no-lock': mutationFlags['no-lock'],
    yes: Flags.boolean({char: 'y', summary: 'Do not ask for confirmation.'}),
  }

  async run(): Promise<HostChangeResult> {
    const {flags} = this
    const {host, root} = this
    const files = hostFiles(root, host)
    if (!flags.yes && !flags['dry-run']) {
      if (!process.stdin.isTTY) {
        throw new GlixError(`refusing to remove host ${host} (${files.length} file(s)) without confirmation: pass --yes`, {exit: 2})
      }

      const {createInterface} = await import('node:readline/promises')
      const rl = createInterface({input: process.stdin, output: process.stderr})
      const answer = await rl.question(`remove host ${host} and its ${files.length} file(s) (${files.join(', ')})? [y/N] `)
      rl.close()
      if (!/^y(es)?$/i.test(answer.trim())) throw new GlixError('not confirmed; nothing removed')
    }

    const result = await removeHost({dryRun: flags['dry-run'], host, root}, this.mutationDeps({noLock: flags['no-lock']}))
    this.log(`${flags['dry-run'] ? 'would remove' : 'removed'} host ${host} (${files.join(', ')})`)
    return result
  }
}
