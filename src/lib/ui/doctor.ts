/**
 * The text output of `glix doctor`: one aligned line per check, then, with
 * `--fix`, the proposed (or applied) edit of flake.nix as a unified diff and
 * what is left to change by hand. Returns lines; printing is the command's.
 */
import type {DoctorFix, DoctorReport} from '../ops/doctor.js'

/** Renders a doctor report as lines of text. */
export function renderDoctorReport(report: DoctorReport): string[] {
  const width = Math.max(...report.checks.map((c) => c.name.length))
  const lines = report.checks.map((check) => `${check.status.padEnd(4)}  ${check.name.padEnd(width)}  ${check.message}`)
  if (report.fix) lines.push('', ...renderFix(report.fix))
  return lines
}

function renderFix(fix: DoctorFix): string[] {
  if (fix.changes.length === 0 && fix.manual.length === 0) return ['nothing to fix in flake.nix']
  const lines: string[] = []
  if (fix.changes.length > 0) {
    lines.push(`${fix.applied ? 'applied' : 'proposed'} edit of flake.nix: ${fix.changes.join('; ')}`, fix.diff.trimEnd())
    lines.push(fix.applied ? `committed ${fix.commit?.slice(0, 12) ?? ''}` : 'run `glix doctor --fix --yes` to apply it (one commit)')
  }

  if (fix.manual.length > 0) lines.push('to change by hand:', ...fix.manual.map((item) => `  - ${item.replaceAll('\n', '\n    ')}`))
  return lines
}
