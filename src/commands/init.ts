import {Flags} from '@oclif/core'

import {GlixCommand} from '../base-command.js'
import {noLockFlag} from '../flags.js'
import {initHost, type InitResult} from '../lib/ops/init.js'

export default class Init extends GlixCommand<typeof Init> {
  static override summary = 'Create the user-packages repo if needed and add a host to it.'
  static override description = `Host-additive: an existing repo keeps its flake.nix and its other hosts; the new host gets hosts/<host>/default.nix and glix.toml, and a line in the glix-managed hosts region of flake.nix. Without --dir the repo is $GLIX_ROOT, else $XDG_CONFIG_HOME/glixos, else ~/.config/glixos.`
  static override examples = [
    '<%= config.bin %> init --host=desktop --user=alice --system=x86_64-linux',
    '<%= config.bin %> init --host=pi --user=pi-user --system=aarch64-linux',
  ]

  static override enableJsonFlag = true
  static override requiresRepo = false
  static override flags = {
    'allow-local-core': Flags.boolean({summary: 'Accept a local-path --core reference.'}),
    core: Flags.string({summary: 'Flake reference of the glixos core flake.', default: undefined, helpValue: 'REF'}),
    'home-manager': Flags.string({summary: 'Flake reference of home-manager.', helpValue: 'REF'}),
    'no-lock': noLockFlag,
    nixpkgs: Flags.string({summary: 'Flake reference of nixpkgs.', helpValue: 'REF'}),
    system: Flags.string({summary: 'Nix system tuple of the host.', helpValue: 'SYSTEM'}),
    user: Flags.string({summary: 'Primary user of the host (default: $USER).', helpValue: 'USER'}),
  }

  async run(): Promise<InitResult> {
    const {flags} = this
    const result = await initHost(
      {
        allowLocalCore: flags['allow-local-core'],
        core: flags.core,
        dir: flags.dir,
        homeManager: flags['home-manager'],
        host: this.host,
        nixpkgs: flags.nixpkgs,
        system: flags.system,
        user: flags.user,
      },
      this.mutationDeps({noLock: flags['no-lock']}),
    )
    return this.finishMutation(result, {root: result.details.root})
  }
}
