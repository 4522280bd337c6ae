/**
 * Keeping the repo consistent before any command reads it: an interrupted
 * transaction is rolled back, then the managed regions of flake.nix are
 * regenerated when a manifest was edited by hand (spec §3, §4).
 *
 * Cheap when nothing changed: one existence check for the journal and one
 * stat per manifest for the fingerprint, and nothing else is loaded: the
 * regenerator and the transaction code (git, the lock) load only when there
 * is work. The lock is taken only then, and the check is repeated under it.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {isFingerprintFresh} from './fingerprint.js'

/** Returns the notices (one line each) of what was repaired. */
export async function refreshRepoState(root: string): Promise<string[]> {
  const notices: string[] = []
  const hasGit = existsSync(join(root, '.git', 'HEAD'))
  if (hasGit) {
    // The journal transaction.ts writes before a mutation's first change and removes after its commit.
    if (existsSync(join(root, '.git', 'glix', 'journal.json'))) {
      const {recoverInterrupted} = await import('./transaction.js')
      const recovered = await recoverInterrupted(root)
      if (recovered) notices.push(recovered)
    }

    if (isFingerprintFresh(root)) return notices
  }

  // Without git there is neither a lock nor a fingerprint: compare every time.
  const release = hasGit ? await (await import('./transaction.js')).lockRepo(root) : async () => {}
  try {
    const {refreshIfDrifted} = await import('../flake/regenerate.js')
    const result = await refreshIfDrifted(root)
    if (result?.changed) {
      notices.push('a glix.toml changed outside glix: regenerated the managed regions of flake.nix (not committed)')
    }
  } finally {
    await release()
  }

  return notices
}
