/**
 * Keeping the repo consistent before any command reads it: an interrupted
 * transaction is finished or rolled back, then the managed regions of
 * flake.nix are regenerated when a manifest was edited by hand (spec §3,
 * §4).
 *
 * Cheap when nothing changed: one existence check for the journal and one
 * lstat per manifest for the fingerprint (which also refuses symbolic
 * links, see fingerprint.ts), no process, and nothing else is loaded: the
 * regenerator and the transaction code (git, the lock) load only when
 * there is work. The lock is taken only then, and the check is repeated
 * under it. While git waits for the user (a merge, rebase, … in progress,
 * or flake.nix unmerged), flake.nix is left to git: no regeneration.
 */
import {join} from 'node:path'

import {isFingerprintFresh} from './fingerprint.js'
import {pathExists} from './fs.js'
import {gitOperation, locateGit} from './layout.js'

async function isUnmerged(root: string, path: string): Promise<boolean> {
  const {readIndexEntries} = await import('./git.js')
  return (await readIndexEntries(root, [path])).split('\0').some((entry) => /^\d+ [0-9a-f]+ [1-3]\t/.test(entry))
}


/** Returns the notices (one line each) of what was repaired. */
export async function refreshRepoState(root: string, onWait?: (message: string) => void): Promise<string[]> {
  const notices: string[] = []
  const layout = locateGit(root)
  if (layout) {
    // The journal transaction.ts writes before a mutation's first change and removes after its commit.
    if (pathExists(join(layout.stateDir, 'journal.json'))) {
      const {recoverInterrupted} = await import('./transaction.js')
      notices.push(...(await recoverInterrupted(root, onWait)))
    }

    if (isFingerprintFresh(root)) return notices
  }

  // Without git there is neither a lock nor a fingerprint: compare every time.
  const lock = layout ? await (await import('./transaction.js')).lockRepoAt(root, 'regenerate', onWait) : undefined
  try {
    // While git waits for the user (a merge, a conflicted flake.nix), flake.nix is git's to settle: regenerate after.
    if (layout && (gitOperation(layout) || (await isUnmerged(root, 'flake.nix')))) return notices
    const {refreshIfDrifted} = await import('../flake/regenerate.js')
    const result = await refreshIfDrifted(root)
    if (result?.changed) {
      notices.push('a glix.toml changed outside glix: regenerated the managed regions of flake.nix (not committed)')
    }
  } finally {
    lock?.release()
  }

  return notices
}
