import {GlixCommand} from '../base-command.js'
import {formatInfo} from '../formatters/info.js'
import {repoInfo, type RepoInfo} from '../lib/ops/read.js'

export default class Info extends GlixCommand<typeof Info> {
  static override summary = 'Summarise the repo: git state, hosts and locked inputs.'
  static override examples = ['<%= config.bin %> info', '<%= config.bin %> info --json']
  static override enableJsonFlag = true

  async run(): Promise<RepoInfo> {
    const info = await repoInfo(this.root)
    if (!this.jsonEnabled()) this.log(formatInfo(info))
    return info
  }
}
