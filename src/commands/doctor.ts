import {GlixCommand} from '../base-command.js'
import {ExitStatus} from '../lib/errors.js'
import {type DoctorReport, runDoctor} from '../lib/ops/doctor.js'

export default class Doctor extends GlixCommand<typeof Doctor> {
  static override summary = 'Check Nix, git and the repo; exit 1 on any FAIL.'
  static override examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --json']
  static override enableJsonFlag = true
  // Read-only: doctor reports an interrupted transaction or stale regions instead of repairing them.
  static override requiresRepo = false

  async run(): Promise<DoctorReport> {
    const report = await runDoctor({dir: this.flags.dir})
    if (!this.jsonEnabled()) {
      const width = Math.max(...report.checks.map((c) => c.name.length))
      for (const check of report.checks) this.log(`${check.status.padEnd(4)}  ${check.name.padEnd(width)}  ${check.message}`)
    }

    // The report said everything; exit 1 leaves through catch() like every failure.
    if (!report.ok) throw new ExitStatus(1, {result: report})
    return report
  }
}
