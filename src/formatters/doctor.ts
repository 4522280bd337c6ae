/**
 * Text of `glix doctor`: one line per check, `STATUS  name  message`,
 * names aligned. Messages carry paths, the HEAD subject and manifest
 * errors, so they pass the output boundary.
 */
import type {DoctorReport} from '../lib/ops/doctor.js'
import {safeText} from '../lib/ui/safe.js'

/** Renders the checks of `glix doctor`. */
export function formatDoctor(report: DoctorReport): string {
  const width = Math.max(0, ...report.checks.map((c) => c.name.length))
  return report.checks.map((check) => `${check.status.padEnd(4)}  ${safeText(check.name).padEnd(width)}  ${safeText(check.message)}`).join('\n')
}
