// `glix where <package>`: every host that declares a package, with its scope,
// state, resolved user and flake. Plain ESM JavaScript: no build step.
import {Args, GlixCommand, GlixError, readAllManifests, renderTable, resolvedUser} from 'glix'

export default class Where extends GlixCommand {
  static summary = 'Show which hosts have a package, with scope, state, user and flake.'
  static examples = ['<%= config.bin %> where firefox', '<%= config.bin %> where firefox --json']
  static enableJsonFlag = true
  static args = {name: Args.string({description: 'Package name.', required: true})}

  async run() {
    const {name} = this.args
    const hosts = []
    for (const {host, manifest} of await readAllManifests(this.root)) {
      const entry = manifest.packages[name]
      if (!entry) continue
      hosts.push({
        flake: entry.flake,
        host,
        scope: entry.scope,
        state: entry.enabled ? 'enabled' : 'disabled',
        user: resolvedUser(manifest, entry),
      })
    }

    if (hosts.length === 0) throw new GlixError(`package "${name}" is not declared on any host`)
    if (!this.jsonEnabled()) {
      this.log(renderTable(['HOST', 'SCOPE', 'STATE', 'USER', 'FLAKE'], hosts.map((h) => [h.host, h.scope, h.state, h.user, h.flake])))
    }

    return {hosts, name}
  }
}
