import {Args} from '@oclif/core'

import {GlixCommand} from '../base-command.js'
import {updateInputs, type UpdateResult} from '../lib/ops/update.js'

export default class Update extends GlixCommand<typeof Update> {
  static override summary = 'Update flake.lock: every input, or the named ones.'
  static override description = 'Inputs are package names and the fixed inputs nixpkgs, home-manager and glixos-core.'
  static override examples = ['<%= config.bin %> update', '<%= config.bin %> update nixpkgs firefox']
  static override strict = false
  static override args = {inputs: Args.string({description: 'Inputs to update (default: all).'})}

  async run(): Promise<UpdateResult> {
    const {updateFlakeInputs} = await import('../lib/nix/nix.js')
    const result = await updateInputs({host: this.flags.host, inputs: this.positionals, root: this.root}, this.mutationDeps(), updateFlakeInputs)
    this.log(result.changed ? `updated ${result.inputs.length === 0 ? 'all inputs' : result.inputs.join(', ')}` : 'flake.lock is already up to date')
    return result
  }
}
