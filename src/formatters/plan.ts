/**
 * Text of `glix plan`: per host a head line (deployed commit and how far
 * behind), one line per manifest change — `+` added, `-` removed, `~`
 * changed — and the other changed files. Keys glix does not know are
 * marked `(not a glix key)`. Package names, flakes, keys, values and file
 * names from git pass the output boundary.
 */
import type {HostPending, ManifestChange, PlanResult} from '../lib/ops/pending.js'
import {safeText} from '../lib/ui/safe.js'
import {describeStatus} from './status.js'

/** What a change is about: the package, `settings`, or `manifest` for a top-level key. */
export function changeSubject(change: ManifestChange): string {
  if (change.kind === 'setting') return 'settings'
  if (change.kind === 'manifest') return 'manifest'
  return safeText(change.package)
}

function quote(value: string | undefined): string {
  return value === undefined ? '(unset)' : JSON.stringify(value)
}

/**
 * One change as a line of text, the subject padded to `width`:
 * `+ firefox  github:NixOS/nixpkgs#firefox (system)`, `~ tool  enabled`,
 * `~ greeting  config.theme: "dark" -> "light"`, `~ settings  system: …`,
 * `~ manifest  imports: (unset) -> ["./x.nix"]  (not a glix key)`.
 */
export function describeChange(change: ManifestChange, width = 0): string {
  const subject = changeSubject(change).padEnd(width)
  switch (change.kind) {
    case 'added': {
      const notes = [change.scope, ...(change.user === undefined ? [] : [`user=${change.user}`]), ...(change.pin === undefined ? [] : [`pin=${change.pin}`])]
      if (!change.enabled) notes.push('disabled: not built')
      return safeText(`+ ${subject}  ${change.flake} (${notes.join(', ')})`)
    }

    case 'removed': {
      return safeText(`- ${subject}  ${change.flake}`)
    }

    case 'enabled':
    case 'disabled': {
      return `~ ${subject}  ${change.kind}`
    }

    case 'changed':
    case 'manifest':
    case 'setting': {
      // A non-glix value is already JSON text; a glix value is a string, quoted here.
      const show = change.non_glix ? (value: string | undefined) => value ?? '(unset)' : quote
      const line = `~ ${subject}  ${change.key}: ${show(change.from)} -> ${show(change.to)}`
      return safeText(change.non_glix ? `${line}  (not a glix key)` : line)
    }
  }
}

/** The lines of one host of `glix plan`. */
export function formatHostPlan(host: HostPending): string[] {
  const head = host.deployed ? `${host.host}: deployed ${host.deployed.slice(0, 12)}, ${describeStatus(host)}` : `${host.host}: never deployed`
  const lines = [head + (host.uncommitted && host.deployed !== undefined ? ' (manifest has uncommitted changes)' : '')]
  const width = Math.max(0, ...host.changes.map((c) => changeSubject(c).length))
  for (const change of host.changes) lines.push(`  ${describeChange(change, width)}`)
  if (host.other_files.length > 0) lines.push(`  other files changed: ${safeText(host.other_files.join(', '))}`)
  if (host.changes.length === 0 && host.other_files.length === 0) lines.push('  no changes')
  return lines
}

/** Renders `glix plan`: the hosts, separated by a blank line. */
export function formatPlan(result: PlanResult): string {
  return result.hosts.map((host) => formatHostPlan(host).join('\n')).join('\n\n')
}
