/**
 * The one result every mutating operation returns (`init`, `add`,
 * `remove`, `enable`, `disable`, `set`, `update`, `rollback`, `host set`,
 * `host remove`, and plugin commands through the base class).
 *
 * Invariants: `changed` is true exactly when a commit was made (or, with
 * `dry_run`, would be); `commit` and `subject` are set exactly when a
 * commit was made, and `subject` alone in a dry run that would commit;
 * `lock_skipped` is true only when locking was needed and `--no-lock`
 * skipped it; `hosts` are the hosts whose files the change touched (the
 * ones `--apply`/`auto_apply` rebuild); `applied` is false here and set by
 * the command layer once it rebuilt them. Everything else about one kind of
 * mutation lives in `details`, so `--json` prints one shape for all.
 */
import {existsSync} from 'node:fs'

import {readManifest} from '../manifest/read.js'
import {repoPaths} from '../repo/discover.js'
import type {TransactionResult} from '../repo/transaction.js'

/** How many hex digits of a commit glix shows (as `status`, `plan` and the ledger notice do). */
export const SHORT_SHA_LENGTH = 12

/** A commit, in full and as shown. */
export interface CommitRef {
  sha: string
  short: string
}

/** What a mutation did or, with `dry_run`, would do. */
export interface MutationResult<D extends object = Record<string, unknown>> {
  /** The command as typed: `add`, `host set`, … */
  command: string
  /** The hosts whose files the change touched; empty for `update`. */
  hosts: string[]
  /** A commit was made (or would be, with `dry_run`). */
  changed: boolean
  dry_run: boolean
  /** The new commit; null when none was made. */
  commit: CommitRef | null
  /** The commit subject (the would-be subject in a dry run); null when nothing changes. */
  subject: string | null
  /** `nix flake lock` ran. */
  locked: boolean
  /** Locking was needed but skipped (`--no-lock`). */
  lock_skipped: boolean
  /** The touched hosts were rebuilt (`--apply` or their `auto_apply`). */
  applied: boolean
  /** What this kind of mutation is about. */
  details: D
}

/** What {@link mutationResult} builds a result from. */
export interface MutationFacts<D extends object> {
  command: string
  hosts: string[]
  details: D
  dryRun?: boolean
  /** The planned commit subject; undefined when there is nothing to do. */
  subject?: string
  /** The transaction; undefined for a dry run or a no-op. */
  tx?: TransactionResult
}

/** A commit hash as {@link CommitRef}. */
export function commitRef(sha: string): CommitRef {
  return {sha, short: sha.slice(0, SHORT_SHA_LENGTH)}
}

/** Builds the result of a mutation from its plan and its transaction. */
export function mutationResult<D extends object>(facts: MutationFacts<D>): MutationResult<D> {
  const dryRun = Boolean(facts.dryRun)
  const sha = dryRun ? undefined : facts.tx?.commit
  const changed = dryRun ? facts.subject !== undefined : sha !== undefined
  return {
    applied: false,
    changed,
    command: facts.command,
    commit: sha === undefined ? null : commitRef(sha),
    details: facts.details,
    dry_run: dryRun,
    hosts: facts.hosts,
    lock_skipped: facts.tx?.lockSkipped ?? false,
    locked: facts.tx?.locked ?? false,
    subject: changed ? (facts.subject ?? null) : null,
  }
}

/**
 * The hosts a committed mutation rebuilds: every touched host with `apply`
 * (`--apply`), else those whose manifest, as committed, sets `auto_apply` —
 * except that a `host set` of `auto_apply` itself does not start a rebuild
 * (turning it on is not a change to apply). A host whose manifest is gone
 * (`host remove`) is never rebuilt.
 */
export async function hostsToApply(root: string, result: MutationResult<object>, apply: boolean): Promise<string[]> {
  if (!result.commit || result.dry_run) return []
  const pairs = (result.details as {pairs?: Array<{key: string}>}).pairs
  const setsAutoApply = result.command === 'host set' && (pairs ?? []).some((pair) => pair.key === 'auto_apply')
  const targets: string[] = []
  for (const host of result.hosts) {
    const file = repoPaths.manifest(root, host)
    if (!existsSync(file)) continue
    if (apply || (!setsAutoApply && (await readManifest(file)).manifest.settings.auto_apply)) targets.push(host)
  }

  return targets
}
