/**
 * Text of `glix info`: `root:`, `git:`, `head:`, `hosts:` (one aligned line
 * per host), then `flake.lock:` (one aligned line per locked input). The
 * root, the HEAD subject, systems, users and everything read from
 * flake.lock pass the output boundary.
 */
import type {RepoInfo} from '../lib/ops/read.js'
import {safeText} from '../lib/ui/safe.js'

/** Renders the repo summary as `glix info` prints it. */
export function formatInfo(info: RepoInfo): string {
  const lines = [`root: ${safeText(info.root)}`, `git: ${info.git}`, `head: ${info.head === undefined ? '(no commits)' : safeText(info.head)}`, 'hosts:']
  const width = Math.max(0, ...info.hosts.map((h) => h.host.length))
  for (const h of info.hosts) {
    const user = h.primary_user === '' ? '-' : safeText(h.primary_user)
    lines.push(`  ${h.host.padEnd(width)}  system=${safeText(h.system)} primary_user=${user} packages=${h.enabled}/${h.total} enabled`)
  }

  if (info.lock === undefined) {
    lines.push('flake.lock: missing (run `glix update`)')
  } else {
    lines.push('flake.lock:')
    const inputs = info.lock.map((l) => ({...l, input: safeText(l.input)}))
    const inputWidth = Math.max(0, ...inputs.map((l) => l.input.length))
    for (const l of inputs) lines.push(`  ${l.input.padEnd(inputWidth)}  ${safeText(l.source)}${l.rev ? ` @ ${safeText(l.rev)}` : ''}`)
  }

  return lines.join('\n')
}
