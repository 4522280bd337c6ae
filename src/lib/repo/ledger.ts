/**
 * The deploy ledger: which commit each host last ran (`switch` or `boot`),
 * and which system that was.
 *
 * One git ref per host, `refs/glix/deployed/<host>`, pointing at the commit
 * that was HEAD when the rebuild started; and beside it
 * `refs/glix/system/<host>`, pointing at a blob that holds the
 * {@link SystemRecord} of that deploy (the commit again, and the
 * evaluated system's drvPath and outPath). Invariants: the ledger never
 * makes a commit and never moves a branch (refs outside `refs/heads` are
 * invisible to `git log`, `git status` and a plain `git push`); every
 * update of a deployed ref goes through `git update-ref` with a reflog
 * entry, so `git reflog refs/glix/deployed/<host>` is the host's deploy
 * history (system refs have no reflog: git's reflog expiry walks commits
 * and chokes on blobs); the system ref is written first, and a record
 * counts only while its commit is the deployed ref's, so a deploy that
 * died between the two writes, or a deploy by a glix that kept no record,
 * reads as "system unknown", never as a wrong system; a record read back
 * is validated field by field (the refs can be pushed and fetched: they
 * are shared input); a host name is validated before it becomes part of
 * a ref name.
 */
import {assertName, isValidName} from '../names.js'
import {runProcess} from '../process.js'
import {isStorePath, type SystemPaths} from '../rebuild/system.js'

/** The namespace of the ledger's refs. */
export const LEDGER_NAMESPACE = 'refs/glix/deployed/'

/** The namespace of the system records. */
export const SYSTEM_NAMESPACE = 'refs/glix/system/'

/** What a deploy recorded about the system it activated. */
export interface SystemRecord {
  host: string
  /** The deployed commit (the deployed ref's target when the record was written). */
  commit: string
  /** The rebuild action (`switch`, `boot`). */
  action: string
  /** When it was recorded (ISO 8601). */
  at: string
  /** The evaluated system; absent when it could not be evaluated. */
  system?: SystemPaths
  /** Why it could not be evaluated. */
  error?: string
}

/** Where a host's deployed commit is recorded. */
export function ledgerRef(host: string): string {
  return LEDGER_NAMESPACE + assertName('host', host)
}

function git(root: string, args: string[], allowFailure = false) {
  return runProcess('git', args, {allowFailure, cwd: root})
}

/** Where a host's system record is kept. */
export function systemRef(host: string): string {
  return SYSTEM_NAMESPACE + assertName('host', host)
}

/** What is known about the system of a deploy: its paths, or why they could not be evaluated. */
export type DeployedSystem = SystemPaths | {error: string}

/**
 * Records that `host` now runs `commit`, deployed by `glix rebuild <action>`
 * (the reflog message). With `system`, its record is written too (first);
 * without, an older record is removed.
 */
export async function recordDeployment(root: string, host: string, commit: string, action: string, system?: DeployedSystem): Promise<void> {
  const ref = ledgerRef(host)
  if (system === undefined) {
    await git(root, ['update-ref', '-d', systemRef(host)], true)
  } else {
    const record: SystemRecord = {action, at: new Date().toISOString(), commit, host}
    if ('error' in system) record.error = system.error
    else record.system = {drv_path: system.drv_path, out_path: system.out_path}
    const blob = await runProcess('git', ['hash-object', '-w', '--stdin'], {cwd: root, input: `${JSON.stringify(record)}\n`})
    await git(root, ['update-ref', systemRef(host), blob.stdout.trim()])
  }

  await git(root, ['update-ref', '--create-reflog', '-m', `glix rebuild ${action}`, ref, commit])
}

/** Parses a record read from git; undefined unless every field is what glix writes. */
export function parseSystemRecord(text: string, host: string): SystemRecord | undefined {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }

  if (typeof value !== 'object' || value === null) return undefined
  const raw = value as Record<string, unknown>
  const plain = (v: unknown, pattern: RegExp): v is string => typeof v === 'string' && pattern.test(v)
  if (raw.host !== host || !plain(raw.commit, /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/) || !plain(raw.action, /^[a-z]{1,10}(?:-[a-z]{1,10})?$/)) return undefined
  if (!plain(raw.at, /^\d{4}-\d\d-\d\dT[\d:.]+Z$/)) return undefined
  const record: SystemRecord = {action: raw.action, at: raw.at, commit: raw.commit, host}
  const system = raw.system as Record<string, unknown> | undefined
  if (system !== undefined) {
    if (typeof system !== 'object' || system === null || !isStorePath(system.drv_path) || !isStorePath(system.out_path)) return undefined
    record.system = {drv_path: system.drv_path, out_path: system.out_path}
  } else if (typeof raw.error === 'string') {
    record.error = raw.error.slice(0, 500)
  }

  return record
}

/**
 * The system record of `host`'s current deployment: undefined when there
 * is none, when it is malformed, or when it belongs to another commit than
 * the deployed ref (see the invariants above).
 */
export async function readSystemRecord(root: string, host: string, deployed: string): Promise<SystemRecord | undefined> {
  const result = await git(root, ['cat-file', 'blob', systemRef(host)], true)
  if (result.code !== 0) return undefined
  const record = parseSystemRecord(result.stdout, host)
  return record && record.commit === deployed ? record : undefined
}

/** One host's entry in the ledger. */
export interface Deployment {
  host: string
  /** The full hash of the deployed commit. */
  commit: string
  /** When the ref was last written (from its reflog; absent without one). */
  at?: string
}

/** A host's deployed commit and, when one belongs to it, its system record. */
export interface DeployedState {
  host: string
  commit: string
  record?: SystemRecord
}

/**
 * The deployed commit and system record of every host in the ledger, with
 * two git calls whatever the number of hosts (for `--changed` and probes
 * over a whole fleet). Records that do not belong to the deployed commit
 * are left out, as in {@link readSystemRecord}.
 */
export async function readDeployedStates(root: string): Promise<Map<string, DeployedState>> {
  const refs = await git(root, ['for-each-ref', '--format=%(refname)%00%(objectname)', LEDGER_NAMESPACE, SYSTEM_NAMESPACE], true)
  const states = new Map<string, DeployedState>()
  const blobs = new Map<string, string>()
  for (const line of refs.code === 0 ? refs.stdout.split('\n') : []) {
    const [ref, oid] = line.split('\0')
    if (!ref || !oid) continue
    const namespace = ref.startsWith(LEDGER_NAMESPACE) ? LEDGER_NAMESPACE : SYSTEM_NAMESPACE
    const host = ref.slice(namespace.length)
    if (!isValidName(host)) continue
    if (namespace === LEDGER_NAMESPACE) states.set(host, {commit: oid, host})
    else blobs.set(host, oid)
  }

  const wanted = [...blobs].filter(([host]) => states.has(host))
  if (wanted.length === 0) return states
  const batch = await runProcess('git', ['cat-file', '--batch'], {cwd: root, input: wanted.map(([, oid]) => `${oid}\n`).join('')})
  const out = batch.stdoutBytes
  let pos = 0
  for (const [host] of wanted) {
    const eol = out.indexOf(10, pos)
    if (eol === -1) break
    const [, type, size] = out.subarray(pos, eol).toString('utf8').split(' ')
    if (type === undefined) break
    pos = eol + 1
    if (size === undefined) continue // "<oid> missing"
    const body = out.subarray(pos, pos + Number(size)).toString('utf8')
    pos += Number(size) + 1
    const state = states.get(host)!
    const record = type === 'blob' ? parseSystemRecord(body, host) : undefined
    if (record && record.commit === state.commit) state.record = record
  }

  return states
}

/**
 * Every host with a ledger entry, sorted by name. Entries whose name is not
 * a valid host name are ignored. Two git calls, however many hosts.
 */
export async function readLedger(root: string): Promise<Map<string, Deployment>> {
  const result = await git(root, ['for-each-ref', '--format=%(refname)%00%(objectname)', LEDGER_NAMESPACE], true)
  const ledger = new Map<string, Deployment>()
  if (result.code !== 0) return ledger
  const refs: Array<[string, string, string]> = []
  for (const line of result.stdout.split('\n')) {
    const [ref, commit] = line.split('\0')
    if (!ref || !commit) continue
    const host = ref.slice(LEDGER_NAMESPACE.length)
    if (isValidName(host)) refs.push([ref, host, commit])
  }

  const times = await deployTimes(
    root,
    refs.map(([ref]) => ref),
  )
  for (const [ref, host, commit] of refs.sort((a, b) => (a[1] < b[1] ? -1 : 1))) {
    const at = times.get(ref)
    ledger.set(host, at === undefined ? {commit, host} : {at, commit, host})
  }

  return ledger
}

/** When each of `refs` was last written, from their reflogs (one git call; refs without a reflog are absent). */
async function deployTimes(root: string, refs: string[]): Promise<Map<string, string>> {
  const times = new Map<string, string>()
  if (refs.length === 0) return times
  const result = await git(root, ['log', '--walk-reflogs', '--date=iso-strict', '--format=%gD', ...refs, '--'], true)
  if (result.code !== 0) return times
  for (const line of result.stdout.split('\n')) {
    const match = /^(.+)@\{(.+)\}$/.exec(line.trim())
    if (!match) continue
    const [, ref, at] = match
    const known = times.get(ref)
    if (known === undefined || Date.parse(at) > Date.parse(known)) times.set(ref, at)
  }

  return times
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

// Commits never change, so neither does how far one is behind another: many hosts share a deployed commit.
const behindCache = new Map<string, Promise<Behind>>()

/** Counts the commits between `deployed` and `head` (once per pair and repo in a process). */
export function behindHead(root: string, deployed: string, head: string): Promise<Behind> {
  const key = `${root}\0${deployed}\0${head}`
  let behind = behindCache.get(key)
  if (!behind) {
    behind = countBehind(root, deployed, head)
    behindCache.set(key, behind)
    behind.catch(() => behindCache.delete(key))
  }

  return behind
}

async function countBehind(root: string, deployed: string, head: string): Promise<Behind> {
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
