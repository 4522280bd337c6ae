import {Args, Flags} from '@oclif/core'

import {GlixCommand} from '../base-command.js'
import {mutationFlags, registryFlags, registrySpinner} from '../flags.js'
import {addPackage, type AddResult} from '../lib/ops/add.js'
import {type Scope, SCOPES} from '../lib/manifest/types.js'

export default class Add extends GlixCommand<typeof Add> {
  static override summary = 'Declare a package on a host.'
  static override description = `Takes a flake reference (github:owner/repo, nixpkgs#firefox, path:./pkgs/foo, https://…) or a short name. A short name is looked up in the glixos registry (--registry-url, $GLIX_REGISTRY_URL or the host's registry_url), then in \`nix registry list\`, and the package is named after it. A reference is used as is; its package name is inferred (a #attr fragment wins, then ?dir=, then the repository) unless --name is given. One commit per add; \`nix flake lock\` runs when the inputs of flake.nix change.`
  static override examples = [
    '<%= config.bin %> add github:NixOS/nixpkgs#firefox',
    '<%= config.bin %> add --host=pi --scope=system raspi-firmware',
    '<%= config.bin %> add --host=pi --scope=system github:owner/raspi-firmware --name=raspi-fw',
    '<%= config.bin %> add --scope=home --user=alice github:owner/pkg-greeting',
  ]

  static override enableJsonFlag = true
  static override args = {
    ref: Args.string({description: 'Flake reference or short name of the package.', required: true}),
  }

  static override flags = {
    'allow-local-path': Flags.boolean({summary: 'Accept an absolute local path (only this machine can build it).'}),
    ...mutationFlags,
    ...registryFlags,
    'no-nix-registry': Flags.boolean({summary: 'Do not look short names up in `nix registry list`.'}),
    name: Flags.string({summary: 'Package name (default: the short name, or inferred from the reference).', helpValue: 'NAME'}),
    pin: Flags.string({summary: 'Revision to pin (folded into github/gitlab/sourcehut URLs as rev=).', helpValue: 'REV'}),
    scope: Flags.string({options: [...SCOPES], summary: "Where to install it (default: the host's default_scope)."}),
    user: Flags.string({summary: 'User of a home-scope package (default: the primary user).', helpValue: 'USER'}),
  }

  async run(): Promise<AddResult> {
    const {args, flags} = this
    const result = await addPackage(
      {
        allowFileRegistry: flags['allow-file-registry'],
        allowLocalPath: flags['allow-local-path'],
        dryRun: flags['dry-run'],
        host: this.host,
        input: args.ref,
        name: flags.name,
        noNixRegistry: flags['no-nix-registry'],
        pin: flags.pin,
        refresh: flags.refresh,
        registryUrl: flags['registry-url'],
        root: this.root,
        scope: flags.scope as Scope | undefined,
        user: flags.user,
      },
      this.mutationDeps({noLock: flags['no-lock']}),
      {onRegistryFetch: registrySpinner(this.jsonEnabled())},
    )
    return this.finishMutation(result)
  }
}
