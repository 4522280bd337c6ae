/**
 * Keeping the repo consistent before any command reads it: an interrupted
 * transaction is rolled back, then the managed regions of flake.nix are
 * regenerated when a manifest was edited by hand (spec §3, §4).
 *
 * Cheap when nothing changed: one existence check for the journal and one
 * stat per manifest for the fingerprint. The lock is taken only when work
 * is needed, and the check is repeated under it.
 */
import {existsSync} from 'node:fs'
import {join} from 'node:path'

import {isFingerprintFresh, refreshIfDrifted} from '../flake/regenerate.js'
import {lockRepo, recoverInterrupted} from './transaction.js'

/** Returns the notices (one line each) of what was repaired. */
export async function refreshRepoState(root: string): Promise<string[]> {
  const notices: string[] = []
  const hasGit = existsSync(join(root, '.git', 'HEAD'))
  if (hasGit) {
    const recovered = await recoverInterrupted(root)
    if (recovered) notices.push(recovered)
    if (isFingerprintFresh(root)) return notices
  }

  // Without git there is neither a lock nor a fingerprint: compare every time.
  const release = hasGit ? await lockRepo(root) : async () => {}
  try {
    const result = await refreshIfDrifted(root)
    if (result?.changed) {
      notices.push('a glix.toml changed outside glix: regenerated the managed regions of flake.nix (not committed)')
    }
  } finally {
    await release()
  }

  return notices
}
