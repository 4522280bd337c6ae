import {GlixCommand} from '../base-command.js'
import {buildCommit, formatVersion} from '../lib/build-info.js'

export default class Version extends GlixCommand<typeof Version> {
  static override summary = 'Print the version of glix and the commit it was built from.'
  static override enableJsonFlag = true
  static override requiresRepo = false

  async run(): Promise<{commit: string; version: string}> {
    const result = {commit: buildCommit(), version: this.config.version}
    this.log(formatVersion(result.version, result.commit))
    return result
  }
}
