/**
 * Text of every mutation (one result kind, {@link MutationResult}): what
 * changed, in the words of its command, then the commit —
 *
 *   added firefox -> github:NixOS/nixpkgs#firefox (scope=system) to host desktop
 *   committed 3f2a9c1d0b7e: glix add desktop: firefox (github:NixOS/nixpkgs#firefox, system, via uri)
 *
 * — or, with `--dry-run`, `would …` lines and `would commit: <subject>`;
 * a no-op says so in one line. Commands of plugins get the commit line
 * only. Names, references, paths and subjects pass the output boundary.
 */
import type {AddDetails} from '../lib/ops/add.js'
import type {HostRemoveDetails} from '../lib/ops/host.js'
import type {InitDetails} from '../lib/ops/init.js'
import type {MutationResult} from '../lib/ops/mutation.js'
import type {PackageChangeDetails} from '../lib/ops/packages.js'
import type {RollbackDetails} from '../lib/ops/rollback.js'
import type {UpdateDetails} from '../lib/ops/update.js'
import {safeText} from '../lib/ui/safe.js'

/** The notice when `nix flake lock` was needed and `--no-lock` skipped it. */
export const LOCK_SKIPPED_NOTICE = 'skipped `nix flake lock` (--no-lock): run `glix update` before rebuilding'

/** What a mutation of this command did (or would do): its headline lines, or its no-op line. */
function describe(result: MutationResult<object>): string[] {
  const host = safeText(result.hosts.join(', '))
  const dry = result.dry_run
  const verb = (done: string, planned: string) => (dry ? `would ${planned}` : done)
  switch (result.command) {
    case 'add': {
      const d = result.details as AddDetails
      return [`${verb('added', 'add')} ${safeText(d.name)} -> ${safeText(d.flake)} (scope=${d.scope}) to host ${host}`]
    }

    case 'remove': {
      return [`${verb('removed', 'remove')} ${safeText((result.details as PackageChangeDetails).name)} from host ${host}`]
    }

    case 'enable':
    case 'disable': {
      const name = safeText((result.details as PackageChangeDetails).name)
      const state = `${result.command}d`
      if (!result.changed) return [`${name} is already ${state} on host ${host}; nothing to do`]
      return [`${verb(state, result.command)} ${name} on host ${host}`]
    }

    case 'set': {
      const name = safeText((result.details as PackageChangeDetails).name)
      if (!result.changed) return [`${name} on host ${host} already has those values; nothing to do`]
      return [`${verb('updated', 'update')} ${name} on host ${host}`]
    }

    case 'host set': {
      if (!result.changed) return [`host ${host} already has those settings; nothing to do`]
      return [`${verb('updated', 'update')} host ${host}`]
    }

    case 'host remove': {
      const {removed} = result.details as HostRemoveDetails
      return [`${verb('removed', 'remove')} host ${host} (${safeText(removed.join(', '))})`]
    }

    case 'init': {
      const d = result.details as InitDetails
      return [`${d.created_repo ? 'created' : 'updated'} ${safeText(d.root)}`, `added host ${host} (system=${safeText(d.system)} primary_user=${safeText(d.user)})`]
    }

    case 'update': {
      if (!result.changed) return ['flake.lock is already up to date']
      const {inputs} = result.details as UpdateDetails
      return [`updated ${inputs.length === 0 ? 'all inputs' : safeText(inputs.join(', '))}`]
    }

    case 'rollback': {
      const d = result.details as RollbackDetails
      return [`${verb('reverted', 'revert')} "${safeText(d.reverted_subject)}" (${safeText(d.files.join(', '))})`]
    }

    default: {
      return result.changed ? [] : ['nothing to do']
    }
  }
}

/** The lines of a mutation's result: the headline, then the commit (or the would-be commit). */
export function formatMutation(result: MutationResult<object>): string {
  const lines = describe(result)
  if (result.changed && result.subject !== null) {
    if (result.dry_run) lines.push(`would commit: ${safeText(result.subject)}`)
    else if (result.commit) lines.push(`committed ${result.commit.short}: ${safeText(result.subject)}`)
  }

  return lines.join('\n')
}

/** The hint after a committed change that was not applied: the rebuild `--apply` would have run. */
export function formatApplyHint(hosts: string[]): string {
  return `run \`glix rebuild --host=${safeText(hosts.join(','))}\` to apply`
}

/** The line after the touched hosts were rebuilt. */
export function formatApplied(hosts: string[]): string {
  return `applied: nixos-rebuild switch succeeded on host ${safeText(hosts.join(', '))}`
}

/** The question `host remove` asks on a terminal; file names come from the repo. */
export function formatHostRemovePrompt(host: string, files: string[]): string {
  return `remove host ${safeText(host)} and its ${files.length} file(s) (${safeText(files.join(', '))})? [y/N] `
}
