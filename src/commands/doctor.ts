import {GlixCommand} from '../base-command.js'
import {formatDoctor} from '../formatters/doctor.js'
import {type DoctorReport, runDoctor} from '../lib/ops/doctor.js'

export default class Doctor extends GlixCommand<typeof Doctor> {
  static override summary = 'Check Nix, git and the repo; exit 1 on any FAIL.'
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json']
  static override enableJsonFlag = true
  // Read-only: doctor reports an interrupted transaction or stale regions instead of repairing them.
  static override requiresRepo = false

  async run(): Promise<DoctorReport> {
    const report = await runDoctor({dir: this.flags.dir})
    if (!this.jsonEnabled()) this.log(formatDoctor(report))

    if (!report.ok) process.exitCode = 1
    return report
  }
}
