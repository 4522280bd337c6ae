/**
 * `glix rollback`: reverts the last glix commit as a new commit.
 *
 * Refuses on a dirty tree (tracked files) and when HEAD is not a glix
 * commit or has no parent. The files the commit changed are put back as
 * they were before it; flake.nix is then regenerated from the manifests
 * and flake.lock relocked when its inputs changed, so the result is
 * consistent even if the reverted commit was partly hand-made.
 */
import {existsSync, mkdirSync} from 'node:fs'
import {rm, rmdir} from 'node:fs/promises'
import {dirname, join} from 'node:path'

import {GlixError} from '../errors.js'
import {writeFileAtomic} from '../repo/fs.js'
import {changedInCommit, headSubject, readAtRevision, resolveRevision, trackedChanges} from '../repo/git.js'
import {runTransaction} from '../repo/transaction.js'
import {type MutationDeps, transactionOptions} from './context.js'

/** What `glix rollback` did. */
export interface RollbackResult {
  reverted: string
  revertedSubject: string
  files: string[]
  commit?: string
  message: string
}

/** Runs `glix rollback`. */
export async function rollback(options: {root: string}, deps: MutationDeps): Promise<RollbackResult> {
  const {root} = options
  const dirty = await trackedChanges(root)
  if (dirty.length > 0) {
    throw new GlixError(`the working tree has uncommitted changes (${dirty.length} file(s)); commit or stash them first`, {code: 'DIRTY'})
  }

  const head = await resolveRevision(root, 'HEAD')
  const subject = (await headSubject(root)) ?? ''
  // A rollback is itself a glix commit (git's and the Go glix's revert subject), so rolling back twice redoes.
  if (!head || !(subject.startsWith('glix ') || subject.startsWith('Revert "glix '))) {
    throw new GlixError(`HEAD is not a glix commit (${subject ? JSON.stringify(subject) : 'no commits'}); rollback only reverts glix's own commits`, {
      code: 'NOT_GLIX_COMMIT',
    })
  }

  if (!(await resolveRevision(root, 'HEAD^'))) {
    throw new GlixError('HEAD is the first commit of the repository; there is nothing to roll back to', {code: 'NO_PARENT'})
  }

  const files = await changedInCommit(root, head)
  // The subject `git revert` (and so the Go glix) writes: both tools' histories read alike.
  const message = `Revert "${subject}"`
  const tx = await runTransaction(
    transactionOptions(deps, {command: 'rollback', dirs: [...new Set(files.map((f) => dirname(f)))].filter((d) => d !== '.' && !existsSync(join(root, d))), files, hosts: [], root}),
    async () => {
      for (const file of files) {
        const before = await readAtRevision(root, `${head}^`, file)
        if (before === undefined) {
          await rm(join(root, file), {force: true})
        } else {
          mkdirSync(dirname(join(root, file)), {recursive: true})
          await writeFileAtomic(join(root, file), before)
        }
      }

      // A directory the reverted commit created (an init's hosts/<host>/) goes with its files.
      for (const dir of new Set(files.map((f) => dirname(f)))) {
        if (dir !== '.') await rmdir(join(root, dir)).catch(() => {})
      }

      return {message}
    },
  )
  return {commit: tx.commit, files, message, reverted: head, revertedSubject: subject}
}
