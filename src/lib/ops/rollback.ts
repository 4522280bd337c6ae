/**
 * `glix rollback`: reverts the last glix commit as a new commit.
 *
 * Refuses on a dirty tree (tracked files) and when HEAD is not a glix
 * commit or has no parent. The files the commit changed are put back as
 * they were before it; flake.nix is then regenerated from the manifests
 * and flake.lock relocked when its inputs changed, so the result is
 * consistent even if the reverted commit was partly hand-made.
 *
 * Invariant: the plan is checked again under the repository lock — HEAD
 * must still be the commit planned against and the tree still clean — so
 * a commit that landed in between (another glix, or git by hand) is never
 * reverted unseen.
 */
import {rmdir} from 'node:fs/promises'

import {GlixError} from '../errors.js'
import {removeInside, resolveInside, writeInside} from '../repo/fs.js'
import {changedInCommit, headSubject, readAtRevision, resolveRevision, trackedChanges} from '../repo/git.js'
import {runTransaction} from '../repo/transaction.js'
import {compareNames, isValidName} from '../names.js'
import {type MutationDeps, transactionOptions} from './context.js'
import {type MutationResult, mutationResult} from './mutation.js'

/** The details of `glix rollback`. */
export interface RollbackDetails {
  /** The reverted commit (full hash). */
  reverted: string
  reverted_subject: string
  /** The files the reverted commit changed, put back as they were before it. */
  files: string[]
}

/** What `glix rollback` did. */
export type RollbackResult = MutationResult<RollbackDetails>

/** The hosts whose files `files` (repo-relative paths) belong to, sorted. */
function hostsOf(files: string[]): string[] {
  const hosts = new Set<string>()
  for (const file of files) {
    const match = /^hosts\/([^/]+)\//.exec(file)
    if (match && isValidName(match[1])) hosts.add(match[1])
  }

  return [...hosts].sort(compareNames)
}

async function assertClean(root: string): Promise<void> {
  const dirty = await trackedChanges(root)
  if (dirty.length > 0) {
    throw new GlixError(`the working tree has uncommitted changes (${dirty.length} file(s)); commit or stash them first`, {code: 'DIRTY'})
  }
}

/** Runs `glix rollback`. */
export async function rollback(options: {root: string; dryRun?: boolean}, deps: MutationDeps): Promise<RollbackResult> {
  const {root} = options
  await assertClean(root)
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
  const dirs = [...new Set(files.flatMap((file) => file.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))))]
  // The subject `git revert` (and so the Go glix) writes: both tools' histories read alike.
  const message = `Revert "${subject}"`
  // The hosts the reverted commit touched: the ones --apply and auto_apply rebuild.
  const facts = {command: 'rollback', details: {files, reverted: head, reverted_subject: subject}, dryRun: options.dryRun, hosts: hostsOf(files), subject: message}
  if (options.dryRun) return mutationResult(facts)
  const tx = await runTransaction(
    transactionOptions(deps, {command: 'rollback', dirs, files, hosts: [], root}),
    async (context) => {
      if (context.head !== head) {
        throw new GlixError(`HEAD moved while rollback was starting (it is now ${context.head?.slice(0, 12) ?? 'gone'}, not ${head.slice(0, 12)}); nothing was reverted: run \`glix rollback\` again`, {
          code: 'HEAD_MOVED',
        })
      }

      await assertClean(root)
      for (const file of files) {
        const before = await readAtRevision(root, `${head}^`, file)
        if (before === undefined) await removeInside(root, file)
        else await writeInside(root, file, before)
      }

      // A directory the reverted commit created (an init's hosts/<host>/) goes with its files; deepest first.
      for (const dir of [...dirs].sort((a, b) => b.length - a.length)) await rmdir(resolveInside(root, dir)).catch(() => {})
      return {message}
    },
  )
  return mutationResult({...facts, tx})
}
