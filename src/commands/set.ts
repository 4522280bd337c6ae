import {Args, Flags} from '@oclif/core'

import {GlixCommand} from '../base-command.js'
import {mutationFlags} from '../flags.js'
import {type PackageChangeResult, setPackage} from '../lib/ops/packages.js'

export default class SetCommand extends GlixCommand<typeof SetCommand> {
  static override summary = 'Change fields of a package: flake, scope, enabled, pin, user, config.<key>.'
  static override description = `All pairs go into one commit; one bad pair rejects the whole command. An empty value clears pin and user and deletes a config key. A config.* change needs no Nix at all.`
  static override examples = [
    '<%= config.bin %> set greeting config.message="hello there"',
    '<%= config.bin %> set firefox pin=0123abcd',
    '<%= config.bin %> set greeting scope=home user=bob',
  ]

  static override enableJsonFlag = true
  static override strict = false
  static override args = {
    name: Args.string({description: 'Package name.', required: true}),
    pairs: Args.string({description: 'key=value pairs.', required: true}),
  }

  static override flags = {
    ...mutationFlags,
    'allow-local-path': Flags.boolean({summary: 'Accept an absolute local path as flake.'}),
  }

  async run(): Promise<PackageChangeResult> {
    const {flags} = this
    const pairs = this.positionals.slice(1)
    const target = {dryRun: flags['dry-run'], host: this.host, name: this.args.name, root: this.root}
    const result = await setPackage(target, pairs, this.mutationDeps({noLock: flags['no-lock']}), {allowLocalPath: flags['allow-local-path']})
    return this.finishMutation(result)
  }
}
