/**
 * Making a glix commit with as few git processes as the job allows.
 *
 * - {@link openObjectReader}: one `git cat-file --batch -z` kept open for
 *   the whole transaction, asked in rounds: HEAD and the index stages of
 *   the journaled paths before the mutation, HEAD's files after it.
 * - {@link writeTree}: one `git fast-import` writes every blob and the new
 *   tree on top of HEAD's (modes as glix wrote the files), and reports the
 *   blob and tree ids; it updates no ref (its scratch branch is reset
 *   before it ends).
 * - {@link commitTree}: `git commit-tree`, so git's identity, signing
 *   (`commit.gpgSign`) and message handling apply; without a configured
 *   identity, a fallback one (and the caller is told).
 * - {@link updateHead}: `git update-ref HEAD <new> <old>`, a
 *   compare-and-set: when HEAD moved since it was read, nothing lands.
 *
 * Invariant: the commit holds HEAD's tree plus exactly the given paths, so
 * neither what the user staged nor their unstaged edits are swept into it.
 */
import {type ChildProcess, spawn} from 'node:child_process'

import {ProcessError} from '../errors.js'
import {failureError, runProcess, startError, trackChild} from '../process.js'

/** The identity glix commits with when git has none configured. */
export const FALLBACK_IDENTITY = {email: 'glix@localhost', name: 'glix'}

/** An object read by {@link ObjectReader}. */
export interface GitObject {
  oid: string
  type: string
  data: Buffer
}

/** A `git cat-file --batch` session. */
export interface ObjectReader {
  /** Reads the named objects (`HEAD`, `<rev>:<path>`, `:<stage>:<path>`); undefined where missing. */
  read(names: readonly string[]): Promise<Array<GitObject | undefined>>
  /** Ends the session. */
  close(): Promise<void>
}

const HEADER = /^([0-9a-f]{40,64}) (\w+) (\d+)$/

/** Starts a `git cat-file --batch -z` session in `root`. */
export function openObjectReader(root: string): ObjectReader {
  let child: ChildProcess | undefined
  let exited: Promise<void> | undefined
  let buffer: Buffer = Buffer.alloc(0)
  let failure: Error | undefined
  let stderr = ''
  const pending: Array<{name: string; resolve: (object: GitObject | undefined) => void; reject: (error: Error) => void}> = []

  function parse(): void {
    while (pending.length > 0) {
      const eol = buffer.indexOf(0x0a)
      if (eol < 0) return
      const {name} = pending[0]
      const header = HEADER.exec(buffer.toString('utf8', 0, eol))
      if (header) {
        const size = Number(header[3])
        if (buffer.length < eol + 1 + size + 1) return
        const data = Buffer.from(buffer.subarray(eol + 1, eol + 1 + size))
        buffer = buffer.subarray(eol + 1 + size + 1)
        pending.shift()!.resolve({data, oid: header[1], type: header[2]})
        continue
      }

      // "<name> missing" / "<name> ambiguous": the name may hold newlines (-z input), so match it whole.
      const prefix = Buffer.from(`${name} `)
      const end = buffer.indexOf(0x0a, prefix.length)
      if (!buffer.subarray(0, prefix.length).equals(prefix)) {
        fail(new ProcessError(`git cat-file: unexpected output for ${JSON.stringify(name)}`))
        return
      }

      if (end < 0) return
      buffer = buffer.subarray(end + 1)
      pending.shift()!.resolve(undefined)
    }
  }

  function fail(error: Error): void {
    failure ??= error
    for (const request of pending.splice(0)) request.reject(failure)
  }

  function start(): ChildProcess {
    const args = ['cat-file', '--batch', '-z']
    const started = spawn('git', args, {cwd: root, stdio: ['pipe', 'pipe', 'pipe']})
    trackChild(started)
    started.stdout!.on('data', (chunk: Buffer) => {
      buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk])
      parse()
    })
    started.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    started.stdin!.on('error', () => {})
    started.on('error', (error: NodeJS.ErrnoException) => fail(startError('git', error)))
    exited = new Promise((resolve) => {
      started.on('close', (code, signal) => {
        if (pending.length > 0) {
          fail(failureError('git', args, {code: code ?? 128, signal: signal ?? undefined, stderr, stdout: '', stdoutBytes: Buffer.alloc(0)}))
        }

        resolve()
      })
    })
    return started
  }

  return {
    async close() {
      if (!child) return
      child.stdin!.end()
      await exited
    },
    read(names) {
      if (failure) return Promise.reject(failure)
      child ??= start()
      const results = names.map(
        (name) =>
          new Promise<GitObject | undefined>((resolve, reject) => {
            pending.push({name, reject, resolve})
          }),
      )
      child.stdin!.write(names.map((name) => `${name}\0`).join(''))
      return Promise.all(results)
    },
  }
}

/** The entries of a tree object: name → mode and id. */
export function parseTree(data: Buffer, oidBytes: number): Map<string, {mode: string; oid: string}> {
  const entries = new Map<string, {mode: string; oid: string}>()
  let at = 0
  while (at < data.length) {
    const space = data.indexOf(0x20, at)
    const nul = data.indexOf(0, space)
    const mode = data.toString('utf8', at, space)
    const name = data.toString('utf8', space + 1, nul)
    entries.set(name, {mode, oid: data.toString('hex', nul + 1, nul + 1 + oidBytes)})
    at = nul + 1 + oidBytes
  }

  return entries
}

/** A file as it is committed: its bytes and its git mode (`100644` or `100755`). */
export interface CommittedFile {
  data: Buffer
  mode: '100644' | '100755'
}

/** What {@link writeTree} wrote. */
export interface WrittenTree {
  /** The id of the new root tree. */
  tree: string
  /** Path → the blob written (mode and id), or undefined for a deletion. */
  entries: Map<string, {mode: string; oid: string} | undefined>
}

/** A path as fast-import reads it: always C-quoted, so any byte but NUL is fine. */
function quotePath(path: string): string {
  // eslint-disable-next-line no-control-regex
  const escaped = path.replaceAll(/[\\"\u0000-\u001F\u007F]/g, (c) => {
    if (c === '\\' || c === '"') return `\\${c}`
    if (c === '\n') return '\\n'
    if (c === '\t') return '\\t'
    return `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`
  })
  return `"${escaped}"`
}

const SCRATCH_REF = 'refs/glix/fast-import'

/**
 * Writes `files` (path → committed file, or undefined to delete it) on top
 * of `base`'s tree (an empty tree without `base`) with one
 * `git fast-import`, and returns the new tree and blob ids. No ref moves.
 */
export async function writeTree(root: string, base: string | undefined, files: ReadonlyMap<string, CommittedFile | undefined>): Promise<WrittenTree> {
  const chunks: Buffer[] = []
  const text = (s: string) => chunks.push(Buffer.from(s))
  // fast-import needs a commit to build a tree; this one is never referenced (the branch is reset below).
  text(`feature done\nreset ${SCRATCH_REF}\ncommit ${SCRATCH_REF}\nmark :1\ncommitter glix <glix@localhost> 0 +0000\ndata 0\n`)
  if (base) text(`from ${base}\n`)
  const written = [...files.keys()]
  for (const path of written) {
    const file = files.get(path)
    if (file === undefined) {
      text(`D ${quotePath(path)}\n`)
    } else {
      text(`M ${file.mode} inline ${quotePath(path)}\ndata ${file.data.length}\n`)
      chunks.push(file.data)
      text('\n')
    }
  }

  text('\n')
  for (const path of written) text(`ls :1 ${quotePath(path)}\n`)
  text(`ls :1 ""\nreset ${SCRATCH_REF}\n\ndone\n`)
  // No hooks: the scratch branch's (empty) ref transaction is nobody's business.
  const result = await runProcess('git', ['-c', 'core.hooksPath=/dev/null', 'fast-import', '--quiet'], {cwd: root, input: Buffer.concat(chunks)})

  // One answer line per `ls`, in order: "<mode> <type> <oid>\t<path>" or "missing <path>".
  const answers = result.stdout.split('\n').filter((line) => line !== '')
  if (answers.length !== written.length + 1) throw new ProcessError(`git fast-import: unexpected answers (${answers.length} for ${written.length + 1} questions)`)
  const entries = new Map<string, {mode: string; oid: string} | undefined>()
  for (const [i, path] of written.entries()) {
    const match = /^(\d+) blob ([0-9a-f]+)\t/.exec(answers[i])
    entries.set(path, match ? {mode: match[1], oid: match[2]} : undefined)
  }

  const root_ = /^040000 tree ([0-9a-f]+)\t/.exec(answers.at(-1)!)
  if (!root_) throw new ProcessError(`git fast-import: no tree written (${answers.at(-1)})`)
  return {entries, tree: root_[1]}
}

/** The result of {@link commitTree}. */
export interface CommitMade {
  commit: string
  /** True when the fallback identity was used. */
  fallbackIdentity: boolean
}

const IDENTITY_MISSING = /identity unknown|auto-detection is disabled|unable to auto-detect/i

async function fallbackEnv(root: string): Promise<NodeJS.ProcessEnv> {
  const configured = await runProcess('git', ['config', '-z', '--get-regexp', '^user\\.(name|email)$'], {allowFailure: true, cwd: root})
  const keys = new Set(configured.stdout.split('\0').map((entry) => entry.split('\n')[0]))
  const env: NodeJS.ProcessEnv = {...process.env}
  for (const role of ['AUTHOR', 'COMMITTER']) {
    if (!env[`GIT_${role}_NAME`] && !keys.has('user.name')) env[`GIT_${role}_NAME`] = FALLBACK_IDENTITY.name
    if (!env[`GIT_${role}_EMAIL`] && !keys.has('user.email')) env[`GIT_${role}_EMAIL`] = FALLBACK_IDENTITY.email
  }

  return env
}

/**
 * Makes the commit of `tree` on `parent` with `message` (`git commit-tree`,
 * identity from git's configuration only, never guessed from the host
 * name). Without an identity it commits as {@link FALLBACK_IDENTITY}.
 */
export async function commitTree(root: string, tree: string, parent: string | undefined, message: string): Promise<CommitMade> {
  const args = ['-c', 'user.useConfigOnly=true', 'commit-tree', tree, ...(parent ? ['-p', parent] : []), '-F', '-']
  const first = await runProcess('git', args, {allowFailure: true, cwd: root, input: message + '\n'})
  if (first.code === 0) return {commit: first.stdout.trim(), fallbackIdentity: false}
  if (!IDENTITY_MISSING.test(first.stderr)) throw failureError('git', args, first)
  const env = await fallbackEnv(root)
  const second = await runProcess('git', args, {cwd: root, env, input: message + '\n'})
  return {commit: second.stdout.trim(), fallbackIdentity: true}
}

/**
 * Moves HEAD (its branch) from `old` to `commit` — only if it is still
 * `old` (absent when `old` is undefined); the reflog says `glix: <subject>`.
 */
export async function updateHead(root: string, commit: string, old: string | undefined, subject: string): Promise<void> {
  await runProcess('git', ['update-ref', '-m', `glix: ${subject}`, 'HEAD', commit, old ?? ''], {cwd: root})
}
