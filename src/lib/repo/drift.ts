/**
 * Keeping the repo consistent before any command reads it: an interrupted
 * transaction is finished or rolled back, then the managed regions of
 * flake.nix are regenerated when they are really stale — what the
 * manifests mean differs from what the regions say — after a hand edit, or
 * the first time glix runs in a repo another writer made (spec §3, §4).
 *
 * Cheap when nothing changed: one existence check for the journal and one
 * lstat per manifest for the fingerprint (which also refuses symbolic
 * links, see fingerprint.ts), no process, and nothing else is loaded: the
 * regenerator and the transaction code (git, the lock) load only when
 * there is work. The lock is taken only then, and the check is repeated
 * under it. While git waits for the user (a merge, rebase, … in progress,
 * or flake.nix unmerged), flake.nix is left to git: no regeneration.
 *
 * Never fatal for the command that asked: a repo glix cannot regenerate
 * (broken markers, a manifest that breaks a field rule) gets one warning
 * from each command that succeeds anyway; a command that fails says why.
 */
import {join} from 'node:path'

import {describeError} from '../errors.js'
import type {UrlConflict} from '../flake/render.js'
import {detectDrift, type Drift, saveFingerprint} from './fingerprint.js'
import {pathExists} from './fs.js'
import {gitOperation, locateGit} from './layout.js'

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

async function isUnmerged(root: string, path: string): Promise<boolean> {
  const {readIndexEntries} = await import('./git.js')
  return (await readIndexEntries(root, [path])).split('\0').some((entry) => /^\d+ [0-9a-f]+ [1-3]\t/.test(entry))
}

/**
 * Repairs what can be repaired before a command reads the repo; see the
 * module header. `onWait` hears once when the repository lock is busy.
 */
export async function refreshRepoState(root: string, onWait?: (message: string) => void): Promise<RepoState> {
  const notices: string[] = []
  let problem: string | undefined
  const layout = locateGit(root)
  if (layout) {
    // The journal transaction.ts writes before a mutation's first change and removes after its commit.
    if (pathExists(join(layout.stateDir, 'journal.json'))) {
      const {recoverInterrupted} = await import('./transaction.js')
      notices.push(...(await recoverInterrupted(root, onWait)))
    }

    if (detectDrift(root) === undefined) return {notices}
  }

  // Without git there is neither a lock nor a fingerprint: compare every time.
  const lock = layout ? await (await import('./transaction.js')).lockRepoAt(root, 'regenerate', onWait) : undefined
  try {
    const drift = detectDrift(root)
    if (layout && drift === undefined) return {notices}
    // While git waits for the user (a merge, a conflicted flake.nix), flake.nix is git's to settle: regenerate after.
    if (layout && (gitOperation(layout) || (await isUnmerged(root, 'flake.nix')))) return {notices}
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
    lock?.release()
  }

  return {notices, problem}
}
