import {GlixCommand} from '../base-command.js'
import {repoInfo, type RepoInfo} from '../lib/ops/read.js'

export default class Info extends GlixCommand<typeof Info> {
  static override summary = 'Summarise the repo: git state, hosts and locked inputs.'
  static override examples = ['<%= config.bin %> info', '<%= config.bin %> info --json']
  static override enableJsonFlag = true

  async run(): Promise<RepoInfo> {
    const info = await repoInfo(this.root)
    this.log(`root: ${info.root}`)
    this.log(`git: ${info.git}`)
    this.log(`head: ${info.head ?? '(no commits)'}`)
    this.log('hosts:')
    const width = Math.max(0, ...info.hosts.map((h) => h.host.length))
    for (const h of info.hosts) {
      this.log(
        `  ${h.host.padEnd(width)}  system=${h.system} primary_user=${h.primary_user || '-'} packages=${h.enabled}/${h.total} enabled`,
      )
    }

    if (info.lock === undefined) {
      this.log('flake.lock: missing (run `glix update`)')
    } else {
      this.log('flake.lock:')
      const inputWidth = Math.max(0, ...info.lock.map((l) => l.input.length))
      for (const l of info.lock) this.log(`  ${l.input.padEnd(inputWidth)}  ${l.source}${l.rev ? ` @ ${l.rev}` : ''}`)
    }

    return info
  }
}
