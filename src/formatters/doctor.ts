/**
 * Text of `glix doctor`: one line per check, `STATUS  name  message`,
 * names aligned; then, with `--fix`, the proposed (or applied) edit of
 * flake.nix as a unified diff and what is left to change by hand. Check
 * messages, the diff and the advice quote repo content (paths, the HEAD
 * subject, manifest errors, flake.nix lines), so they pass the output
 * boundary.
 */
import type {DoctorFix, DoctorReport} from '../lib/ops/doctor.js'
import {safeBlock, safeText} from '../lib/ui/safe.js'

/** Renders a doctor report. */
export function formatDoctor(report: DoctorReport): string {
  const names = report.checks.map((check) => safeText(check.name))
  const width = Math.max(0, ...names.map((name) => name.length))
  const lines = report.checks.map((check, i) => `${check.status.padEnd(4)}  ${names[i].padEnd(width)}  ${safeText(check.message)}`)
  if (report.fix) lines.push('', ...formatFix(report.fix))
  return lines.join('\n')
}

function formatFix(fix: DoctorFix): string[] {
  if (fix.changes.length === 0 && fix.manual.length === 0) return ['nothing to fix in flake.nix']
  const lines: string[] = []
  if (fix.changes.length > 0) {
    lines.push(`${fix.applied ? 'applied' : 'proposed'} edit of flake.nix: ${safeText(fix.changes.join('; '))}`, safeBlock(fix.diff.trimEnd()))
    lines.push(fix.applied ? `committed ${fix.commit?.slice(0, 12) ?? ''}` : 'run `glix doctor --fix --yes` to apply it (one commit)')
  }

  if (fix.manual.length > 0) lines.push('to change by hand:', ...fix.manual.map((item) => `  - ${safeBlock(item).replaceAll('\n', '\n    ')}`))
  return lines
}
