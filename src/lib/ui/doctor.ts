/**
 * The text output of `glix doctor`: one aligned line per check, then, with
 * `--fix`, the proposed (or applied) edit of flake.nix as a unified diff and
 * what is left to change by hand. Returns lines; printing is the command's.
 * Check messages, the diff and the advice quote repo content (names,
 * flake.nix lines), so they pass safe.ts on the way out.
 */
import type {DoctorFix, DoctorReport} from '../ops/doctor.js'
import {safeBlock, safeText} from './safe.js'

/** Renders a doctor report as lines of text. */
export function renderDoctorReport(report: DoctorReport): string[] {
  const names = report.checks.map((check) => safeText(check.name))
  const width = Math.max(...names.map((name) => name.length))
  const lines = report.checks.map((check, i) => `${check.status.padEnd(4)}  ${names[i].padEnd(width)}  ${safeText(check.message)}`)
  if (report.fix) lines.push('', ...renderFix(report.fix))
  return lines
}

function renderFix(fix: DoctorFix): string[] {
  if (fix.changes.length === 0 && fix.manual.length === 0) return ['nothing to fix in flake.nix']
  const lines: string[] = []
  if (fix.changes.length > 0) {
    lines.push(`${fix.applied ? 'applied' : 'proposed'} edit of flake.nix: ${safeText(fix.changes.join('; '))}`, safeBlock(fix.diff.trimEnd()))
    lines.push(fix.applied ? `committed ${fix.commit?.slice(0, 12) ?? ''}` : 'run `glix doctor --fix --yes` to apply it (one commit)')
  }

  if (fix.manual.length > 0) lines.push('to change by hand:', ...fix.manual.map((item) => `  - ${safeBlock(item).replaceAll('\n', '\n    ')}`))
  return lines
}
