/**
 * Keeping the repo consistent before any command reads it: an interrupted
 * transaction is rolled back, then the managed regions of flake.nix are
 * regenerated when they are really stale — what the manifests mean differs
 * from what the regions say — after a hand edit, or the first time glix
 * runs in a repo another writer made (spec §3, §4).
 *
 * Cheap when nothing changed: one existence check for the journal and one
 * stat per manifest for the fingerprint, and nothing else is loaded: the
 * regenerator and the transaction code (git, the lock) load only when there
 * is work. The lock is taken only then, and the check is repeated under it.
 *
 * Never fatal for the command that asked: a repo glix cannot regenerate
 * (broken markers, a manifest that breaks a field rule) gets one warning
 * from each command that succeeds anyway; a command that fails says why.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {describeError} from '../errors.js'
import type {UrlConflict} from '../flake/render.js'
import {detectDrift, type Drift, saveFingerprint} from './fingerprint.js'

function why(drift: Drift): string {
  if (drift.firstRun) return 'first glix run in this repo'
  const names = drift.changed.length > 3 ? [...drift.changed.slice(0, 3), `${drift.changed.length - 3} more`] : drift.changed
  return `${names.join(', ')} changed since glix last ran`
}

/** The warning for a package name that already means two flakes (a repo another writer made). */
export function describeConflict(conflict: UrlConflict): string {
  const uses = conflict.uses.map((u) => `${u.url} on ${u.host}`).join(', ')
  return `package "${conflict.name}" means different flakes on different hosts (${uses}); flake.nix keeps its input as it is until one name means one flake: align them with \`glix set ${conflict.name} pin=…\`/\`flake=…\`, or remove it from one host and add it back under another --name`
}

/** What {@link refreshRepoState} has to say. */
export interface RepoState {
  /** One line each: what was repaired, and conflicts found while doing it. */
  notices: string[]
  /**
   * Why the regions could not be regenerated (broken markers, a bad
   * manifest), for a command that goes on to succeed anyway; a command
   * that fails reports its own error instead.
   */
  problem?: string
}

/** Repairs what can be repaired before a command reads the repo; see the module header. */
export async function refreshRepoState(root: string): Promise<RepoState> {
  const notices: string[] = []
  let problem: string | undefined
  const hasGit = existsSync(join(root, '.git', 'HEAD'))
  if (hasGit) {
    // The journal transaction.ts writes before a mutation's first change and removes after its commit.
    if (existsSync(join(root, '.git', 'glix', 'journal.json'))) {
      const {recoverInterrupted} = await import('./transaction.js')
      const recovered = await recoverInterrupted(root)
      if (recovered) notices.push(recovered)
    }

    if (detectDrift(root) === undefined) return {notices}
  }

  // Without git there is neither a lock nor a fingerprint: compare every time.
  const release = hasGit ? await (await import('./transaction.js')).lockRepo(root) : async () => {}
  try {
    const drift = detectDrift(root)
    if (hasGit && drift === undefined) return {notices}
    const {regenerateFlake} = await import('../flake/regenerate.js')
    try {
      const result = await regenerateFlake(root)
      if (result.changed) notices.push(`regenerated the managed regions of flake.nix (${drift ? why(drift) : 'no git repository'}; not committed)`)
      for (const conflict of result.conflicts) notices.push(describeConflict(conflict))
      saveFingerprint(root)
    } catch (error) {
      // No fingerprint saved: every command tries again, and says why it could not.
      problem = `flake.nix was not regenerated: ${describeError(error)}`
    }
  } finally {
    await release()
  }

  return {notices, problem}
}
