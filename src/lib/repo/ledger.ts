/**
 * The deploy ledger: which commit each host last ran (`switch` or `boot`).
 *
 * One git ref per host, `refs/glix/deployed/<host>`, pointing at the commit
 * that was HEAD when the rebuild started. Invariants: the ledger never
 * makes a commit and never moves a branch (refs outside `refs/heads` are
 * invisible to `git log`, `git status` and a plain `git push`); every
 * update goes through `git update-ref` with a reflog entry, so
 * `git reflog refs/glix/deployed/<host>` is the host's deploy history; a
 * host name is validated before it becomes part of a ref name.
 */
import {assertName} from '../names.js'
import {runProcess} from '../process.js'

/** The namespace of the ledger's refs. */
export const LEDGER_NAMESPACE = 'refs/glix/deployed/'

/** Where a host's deployed commit is recorded. */
export function ledgerRef(host: string): string {
  return LEDGER_NAMESPACE + assertName('host', host)
}

function git(root: string, args: string[], allowFailure = false) {
  return runProcess('git', args, {allowFailure, cwd: root})
}

/** Records that `host` now runs `commit`; `reason` is the reflog message (`glix rebuild switch`). */
export async function recordDeployment(root: string, host: string, commit: string, reason: string): Promise<void> {
  await git(root, ['update-ref', '--create-reflog', '-m', reason, ledgerRef(host), commit])
}

/** One host's entry in the ledger. */
export interface Deployment {
  host: string
  /** The full hash of the deployed commit. */
  commit: string
  /** When the ref was last written (from its reflog; absent without one). */
  at?: string
}

/** Every host with a ledger entry, sorted by name. Entries whose name is not a valid host name are ignored. */
export async function readLedger(root: string): Promise<Map<string, Deployment>> {
  const result = await git(root, ['for-each-ref', '--format=%(refname)%00%(objectname)', LEDGER_NAMESPACE], true)
  const ledger = new Map<string, Deployment>()
  if (result.code !== 0) return ledger
  for (const line of result.stdout.split('\n')) {
    const [ref, commit] = line.split('\0')
    if (!ref || !commit) continue
    const host = ref.slice(LEDGER_NAMESPACE.length)
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(host)) continue
    ledger.set(host, {at: await deployedAt(root, ref), commit, host})
  }

  return ledger
}

async function deployedAt(root: string, ref: string): Promise<string | undefined> {
  const result = await git(root, ['log', '--walk-reflogs', '-1', '--date=iso-strict', '--format=%gd', ref, '--'], true)
  const match = /@\{(.+)\}\s*$/.exec(result.stdout.trim())
  return result.code === 0 && match ? match[1] : undefined
}

/** How a deployed commit relates to HEAD. */
export interface Behind {
  /** Commits in HEAD's history but not the deployed one's whose subject starts with `glix `. */
  glixCommits: number
  /** All commits in HEAD's history but not the deployed one's. */
  commits: number
  /** False when the deployed commit is not in HEAD's history (history was rewritten or reset). */
  ancestor: boolean
}

/** Counts the commits between `deployed` and `head`. */
export async function behindHead(root: string, deployed: string, head: string): Promise<Behind> {
  const [log, ancestor] = await Promise.all([
    git(root, ['log', '--format=%s', `${deployed}..${head}`, '--']),
    git(root, ['merge-base', '--is-ancestor', deployed, head], true),
  ])
  const subjects = log.stdout.split('\n').filter((line) => line !== '')
  return {
    ancestor: ancestor.code === 0,
    commits: subjects.length,
    glixCommits: subjects.filter((subject) => subject.startsWith('glix ')).length,
  }
}
