import * as Flags from '@oclif/core/flags'

import {GlixCommand} from '../base-command.js'
import {type DoctorReport, runDoctor} from '../lib/ops/doctor.js'
import {renderDoctorReport} from '../lib/ui/doctor.js'

export default class Doctor extends GlixCommand<typeof Doctor> {
  static override summary = 'Check Nix, git and the repo; exit 1 on any FAIL.'
  static override description =
    'With --fix, also shows the edit of flake.nix outside its managed regions that brings an older mkHost (made by an ' +
    'earlier glix or by the Go glix) up to date, or adds a missing hosts region; --yes applies it as one commit.'

  static override examples = [
    '<%= config.bin %> doctor',
    '<%= config.bin %> doctor --json',
    '<%= config.bin %> doctor --fix',
    '<%= config.bin %> doctor --fix --yes',
  ]

  static override enableJsonFlag = true
  static override flags = {
    fix: Flags.boolean({summary: 'Show the edit of flake.nix that repairs what glix can repair (a unified diff).'}),
    yes: Flags.boolean({dependsOn: ['fix'], summary: 'With --fix: apply the edit, as one commit.'}),
  }

  // Doctor reports an interrupted transaction or stale regions instead of repairing them.
  static override requiresRepo = false

  async run(): Promise<DoctorReport> {
    const {flags} = this
    const report = await runDoctor({deps: this.mutationDeps(), dir: flags.dir, fix: flags.fix, yes: flags.yes})
    if (!this.jsonEnabled()) this.log(renderDoctorReport(report).join('\n'))
    if (!report.ok) process.exitCode = 1
    return report
  }
}
