/**
 * kill -9 in the middle of a mutation (spec §4): the journal survives, and
 * the next glix command restores every file byte for byte, says so in one
 * line on stderr, leaves HEAD and the index as they were, and is not held
 * up by the lock the dead process held (the kernel releases it with the
 * process). The interrupted command can then be run again.
 *
 * Each stage is killed by a real SIGKILL of a real process:
 *
 * (a) after the journal is written, before any file changes, and
 * (b) after the manifest is written and flake.nix regenerated: a small Node
 *     script runs the built `runTransaction` (dist/) on the repo and kills
 *     itself from inside its mutate callback — no test-only code in src/;
 * (c) during `nix flake lock`: `glix add` runs with a `nix` shim first on
 *     PATH that sleeps before exec'ing the real nix; the test waits until
 *     the shim has started, then SIGKILLs glix's whole process group;
 * (d) after the commit landed, before the journal is removed: git's
 *     reference-transaction hook SIGKILLs `glix add` once HEAD has moved —
 *     the next command must keep the commit, not "restore" over it;
 * (e) as (b), then the user commits something unrelated by hand before the
 *     next glix command: a moved HEAD alone is no proof that the
 *     interrupted transaction committed, so the files are still restored.
 *
 * Needs the built CLI: run `npm run build` first.
 */
import {expect} from 'chai'
import {execFile, execFileSync, spawn, spawnSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {chmod, mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {promisify} from 'node:util'

import {copyNixFixtures, describeNix, makeSandbox, type NixFixtures, fixtureInitFlags} from '../helpers/nix.js'
import {realGitPath, writeTxFakes} from '../helpers/tx.js'

const escapeRegExp = (text: string) => text.replaceAll(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/** The message JSON.parse gives for `text` (it differs between Node versions). */
function jsonError(text: string): string {
  try {
    JSON.parse(text)
  } catch (error) {
    return (error as Error).message
  }

  return ''
}

const execFileAsync = promisify(execFile)

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = path.join(PACKAGE_ROOT, 'bin', 'run.js')
const DIST = path.join(PACKAGE_ROOT, 'dist')
const HOST = 'h'
const MANIFEST = `hosts/${HOST}/glix.toml`
/**
 * How long the next command may take after a kill: the kernel releases a dead holder's lock at
 * once, so this is node's start-up on a loaded machine (the old mtime lock held it up 10 s).
 */
const STALE_LOCK_BUDGET_MS = 8000
const RECOVERY_NOTICE = /^glix: recovered an interrupted `glix add` \(pid (\d+), started [^)]+\): restored (\d+) file\(s\)$/

/**
 * The crashing command: runs the real `runTransaction` from dist/ with the
 * mutation `glix add` would make (a new package in hosts/h/glix.toml, then
 * flake.nix regenerated), and SIGKILLs itself at the stage named by argv.
 */
const CRASH_SCRIPT = `
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'

const [dist, root, stage, name] = process.argv.slice(2)
const load = (file) => import(pathToFileURL(join(dist, file)).href)
const {runTransaction} = await load('lib/repo/transaction.js')
const {readManifest} = await load('lib/manifest/read.js')
const {writeManifest} = await load('lib/manifest/write.js')
const {regenerateFlake} = await load('lib/flake/regenerate.js')

const manifestFile = 'hosts/${HOST}/glix.toml'
const flake = 'github:owner/' + name
const result = await runTransaction(
  {
    afterWrite: async () => {
      await regenerateFlake(root)
    },
    command: 'add',
    files: [manifestFile],
    lockFlake: async () => {
      throw new Error('nix must not run here')
    },
    noLock: true,
    notice: (message) => process.stderr.write('glix: ' + message + '\\n'),
    root,
  },
  async () => {
    if (stage === 'after-journal') process.kill(process.pid, 'SIGKILL')
    const file = join(root, manifestFile)
    const {manifest} = await readManifest(file)
    manifest.packages[name] = {config: {}, enabled: true, extra: {}, flake, scope: 'system'}
    await writeManifest(file, manifest)
    await regenerateFlake(root)
    if (stage === 'after-write') process.kill(process.pid, 'SIGKILL')
    return {message: 'glix add ${HOST}: ' + name + ' (' + flake + ', system, via uri)'}
  },
)
process.stdout.write(JSON.stringify(result) + '\\n')
`

interface Run {
  args: string[]
  code: null | number
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  ms: number
  pid: number
}

/** Runs `node <args>`; never rejects. */
function runNode(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const child = spawn(process.execPath, args, {cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({args, code, ms: Date.now() - started, pid: child.pid!, signal, stderr, stdout}))
  })
}

const runGlix = (args: string[], env: NodeJS.ProcessEnv, cwd: string) => runNode([BIN, ...args], env, cwd)

function describeRun(run: Run): string {
  return `${run.args.join(' ')} → ${run.code ?? run.signal} after ${run.ms} ms\nstdout: ${run.stdout}\nstderr: ${run.stderr}`
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Every file of the work tree (not .git) → its bytes, as latin1 (one char per byte). */
async function snapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  async function walk(dir: string): Promise<void> {
    for (const entry of await readdir(dir, {withFileTypes: true})) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (file !== path.join(root, '.git')) await walk(file)
      } else if (entry.isFile()) {
        out[path.relative(root, file)] = (await readFile(file)).toString('latin1')
      }
    }
  }

  await walk(root)
  return out
}

/** The state a crashed-and-recovered command must leave exactly as it found. */
interface RepoState {
  files: Record<string, string>
  head: string
  refs: string
  status: string
}

function repoTools(root: string, env: () => NodeJS.ProcessEnv) {
  async function git(...args: string[]): Promise<string> {
    const {stdout} = await execFileAsync('git', args, {cwd: root, env: env()})
    return stdout
  }

  /** Exit status of `git diff --cached --quiet`: 0 when the index matches HEAD. */
  function indexDiffers(): number {
    try {
      execFileSync('git', ['diff', '--cached', '--quiet'], {cwd: root, env: env(), stdio: 'ignore'})
      return 0
    } catch (error) {
      return (error as {status?: number}).status ?? -1
    }
  }

  async function state(): Promise<RepoState> {
    return {
      files: await snapshot(root),
      head: (await git('rev-parse', 'HEAD')).trim(),
      refs: await git('for-each-ref', '--format=%(refname) %(objectname)'),
      status: await git('status', '--porcelain', '--untracked-files=all'),
    }
  }

  const journal = path.join(root, '.git', 'glix', 'journal.json')
  const lockFile = path.join(root, '.git', 'glix', 'lock')

  /** Reads the journal a crash left behind. */
  function readJournal(): {command: string; files: Record<string, unknown>; owner: {pid: number}} {
    expect(existsSync(journal), 'the journal survives the crash').to.equal(true)
    const data = JSON.parse(readFileSync(journal, 'utf8'))
    // Journals of older glix versions kept the pid at the top level.
    return {...data, owner: data.owner ?? {pid: data.pid}}
  }

  /** True when nobody holds the repository lock (a non-blocking flock on it succeeds). */
  function lockIsFree(): boolean {
    return spawnSync('flock', ['--nonblock', lockFile, 'true']).status === 0
  }

  /**
   * Runs `glix list` after a crash and checks the recovery: exit 0, one
   * notice line, within the start-up budget (no wait for a lock); then that the repo
   * is exactly as `before` (files byte for byte, HEAD, refs, index).
   * Returns the number of files the notice says were restored.
   */
  async function expectRecovered(before: RepoState, crashedPid: number, env: NodeJS.ProcessEnv, cwd: string): Promise<number> {
    expect(lockIsFree(), 'the kernel released the dead process\'s lock').to.equal(true)
    const list = await runGlix(['list', '--dir', root, '--host', HOST, '--all'], env, cwd)
    expect(list.code, describeRun(list)).to.equal(0)
    expect(list.ms, `the dead process's lock held up the next command: ${describeRun(list)}`).to.be.below(STALE_LOCK_BUDGET_MS)
    const lines = list.stderr.split('\n').filter((line) => line !== '')
    expect(lines, describeRun(list)).to.have.length(1)
    expect(lines[0]).to.match(/^glix: recovered an interrupted/)
    const match = RECOVERY_NOTICE.exec(lines[0])
    expect(match, lines[0]).to.not.equal(null)
    expect(Number(match![1]), 'the notice names the dead process').to.equal(crashedPid)

    const after = await state()
    expect(Object.keys(after.files).sort(), 'the same files').to.deep.equal(Object.keys(before.files).sort())
    for (const [file, bytes] of Object.entries(before.files)) {
      expect(after.files[file], `${file} is byte-identical to before the crashed command`).to.equal(bytes)
    }

    expect(after.head, 'HEAD unchanged').to.equal(before.head)
    expect(after.refs, 'no partial commit on any ref').to.equal(before.refs)
    expect(after.status, 'git status as before').to.equal(before.status)
    expect(indexDiffers(), 'git diff --cached --quiet').to.equal(0)
    expect(existsSync(journal), 'journal removed').to.equal(false)
    expect(lockIsFree(), 'lock released').to.equal(true)
    return Number(match![2])
  }

  return {expectRecovered, git, indexDiffers, journal, lockFile, lockIsFree, readJournal, state}
}

describe('crash recovery: kill -9 inside runTransaction (integration)', function () {
  this.timeout(120_000)

  let tmp: string
  let root: string
  let env: NodeJS.ProcessEnv
  let script: string
  let repo: ReturnType<typeof repoTools>

  before(async function () {
    if (!existsSync(path.join(DIST, 'lib', 'repo', 'transaction.js'))) {
      throw new Error('dist/lib/repo/transaction.js is missing: run `npm run build` before the integration tests')
    }

    ;({env, tmp} = await makeSandbox('glix-crash-'))
    root = path.join(tmp, 'repo')
    repo = repoTools(root, () => env)
    script = path.join(tmp, 'crash.mjs')
    await writeFile(script, CRASH_SCRIPT)
    const init = await runGlix(['init', '--dir', root, '--host', HOST, '--user', 'alice', '--no-lock'], env, tmp)
    expect(init.code, describeRun(init)).to.equal(0)
    const add = await runGlix(['add', '--dir', root, '--host', HOST, '--no-lock', 'github:owner/base'], env, tmp)
    expect(add.code, describeRun(add)).to.equal(0)
    expect(await repo.git('status', '--porcelain')).to.equal('')
  })

  after(async function () {
    if (tmp) await rm(tmp, {force: true, recursive: true})
  })

  /** Crashes the script at `stage`; returns the state before and the dead pid. */
  async function crash(stage: 'after-journal' | 'after-write', name: string): Promise<{before: RepoState; pid: number}> {
    const before = await repo.state()
    const run = await runNode([script, DIST, root, stage, name], env, tmp)
    expect(run.signal, describeRun(run)).to.equal('SIGKILL')
    const journal = repo.readJournal()
    expect(journal.command).to.equal('add')
    expect(journal.owner.pid).to.equal(run.pid)
    expect(Object.keys(journal.files).sort()).to.deep.equal(['flake.lock', 'flake.nix', MANIFEST])
    return {before, pid: run.pid}
  }

  /** Reruns the interrupted add through the CLI: it must commit normally. */
  async function rerun(name: string, before: RepoState): Promise<void> {
    const run = await runGlix(['add', '--dir', root, '--host', HOST, '--no-lock', `github:owner/${name}`], env, tmp)
    expect(run.code, describeRun(run)).to.equal(0)
    expect(run.stderr, describeRun(run)).to.not.match(/recovered/)
    expect((await repo.git('rev-parse', 'HEAD~1')).trim()).to.equal(before.head)
    expect((await repo.git('log', '-1', '--format=%s')).trim()).to.equal(`glix add h: ${name} (github:owner/${name}, system, via uri)`)
    expect(await readFile(path.join(root, MANIFEST), 'utf8')).to.include(`[packages.${name}]`)
    expect(await repo.git('status', '--porcelain')).to.equal('')
    expect(existsSync(repo.journal)).to.equal(false)
  }

  it('(a) killed after the journal is written, before any file changed', async function () {
    const {before, pid} = await crash('after-journal', 'crash-a')
    expect(await snapshot(root), 'no file changed before the kill').to.deep.equal(before.files)

    const restored = await repo.expectRecovered(before, pid, env, tmp)
    expect(restored).to.equal(0)
    await rerun('crash-a', before)
  })

  it('(b) killed after the manifest was written and flake.nix regenerated', async function () {
    const {before, pid} = await crash('after-write', 'crash-b')
    const crashed = await snapshot(root)
    expect(crashed[MANIFEST], 'the manifest was written before the kill').to.include('[packages.crash-b]')
    expect(crashed['flake.nix'], 'flake.nix was regenerated before the kill').to.include('url = "github:owner/crash-b";')

    const restored = await repo.expectRecovered(before, pid, env, tmp)
    expect(restored).to.equal(2)
    await rerun('crash-b', before)
  })

  // A crash in the moment between the commit and the journal's removal:
  // the next command must see that the commit landed and only clean up.
  // Restoring the journaled files there would silently revert a committed
  // change in the work tree (and the next mutation would commit the revert).
  it('(d) killed after the commit, before the journal is removed: the commit stands', async function () {
    // A real glix dying right there: git's reference-transaction hook runs
    // when HEAD has been moved ("committed"), and kills the process group of
    // glix (spawned detached, so the group is glix, git and the hook).
    const hook = path.join(root, '.git', 'hooks', 'reference-transaction')
    await mkdir(path.dirname(hook), {recursive: true})
    await writeFile(hook, '#!/bin/sh\n[ "$1" = committed ] || exit 0\nrm -f -- "$0"\nkill -9 0\n')
    await chmod(hook, 0o755)
    const before = await repo.state()
    const args = ['add', '--dir', root, '--host', HOST, '--no-lock', 'github:owner/crash-d']
    const child = spawn(process.execPath, [BIN, ...args], {cwd: tmp, detached: true, env, stdio: 'ignore'})
    const signal = await new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, s) => resolve(s)))
    const hookRan = !existsSync(hook)
    await rm(hook, {force: true})
    expect(hookRan, 'the reference-transaction hook ran').to.equal(true)
    expect(signal, 'glix was killed by the hook').to.equal('SIGKILL')

    const committed = (await repo.git('rev-parse', 'HEAD')).trim()
    expect(committed, 'the commit landed').to.not.equal(before.head)
    expect((await repo.git('rev-parse', 'HEAD~1')).trim()).to.equal(before.head)
    expect((await repo.git('log', '-1', '--format=%s')).trim()).to.equal('glix add h: crash-d (github:owner/crash-d, system, via uri)')
    const journal = repo.readJournal()
    expect(journal.owner.pid).to.equal(child.pid)
    const atCrash = await snapshot(root)
    expect(atCrash[MANIFEST]).to.include('[packages.crash-d]')

    const list = await runGlix(['list', '--dir', root, '--host', HOST], env, tmp)
    expect(list.code, describeRun(list)).to.equal(0)
    expect(list.ms, describeRun(list)).to.be.below(STALE_LOCK_BUDGET_MS)
    const lines = list.stderr.split('\n').filter((line) => line !== '')
    expect(lines, describeRun(list)).to.have.length(1)
    expect(lines[0]).to.match(/^glix: (recovered|finished) an interrupted `glix add`/)
    expect(existsSync(repo.journal), 'journal removed').to.equal(false)
    expect((await repo.git('rev-parse', 'HEAD')).trim(), 'HEAD stays on the commit').to.equal(committed)
    expect(await snapshot(root), 'no file was "restored" over the committed change').to.deep.equal(atCrash)
    expect(await repo.git('status', '--porcelain'), 'the work tree and index match the commit').to.equal('')
    expect(repo.indexDiffers(), 'git diff --cached --quiet').to.equal(0)
    expect(list.stdout, describeRun(list)).to.include('crash-d')
  })

  // HEAD moving is not proof that the interrupted transaction committed: here
  // the user commits something unrelated by hand before running glix again.
  // The half-written files were never committed, so they must be restored.
  it('(e) killed after the manifest write, then an unrelated commit by hand: still restored', async function () {
    const {before, pid} = await crash('after-write', 'crash-e')
    await repo.git('commit', '--quiet', '--allow-empty', '-m', 'unrelated: by hand')
    const moved = await repo.state()
    expect(moved.head).to.not.equal(before.head)
    expect(moved.files[MANIFEST], 'the half-written manifest is still there').to.include('[packages.crash-e]')

    const restored = await repo.expectRecovered({...before, head: moved.head, refs: moved.refs}, pid, env, tmp)
    expect(restored).to.equal(2)
    expect((await repo.git('log', '-1', '--format=%s')).trim()).to.equal('unrelated: by hand')
  })

  // A journal that cannot be read is never taken for "no journal": the command stops, naming it.
  it('(f) a corrupt journal stops every command, naming the file and what to do', async () => {
    const before = await repo.state()
    await mkdir(path.dirname(repo.journal), {recursive: true})
    await writeFile(repo.journal, '{"command": "add", "files": {"flake.nix": ')
    for (const args of [['list'], ['add', '--no-lock', 'github:owner/never']]) {
      const run = await runGlix([...args, '--dir', root, '--host', HOST], env, tmp)
      expect(run.code, describeRun(run)).to.equal(1)
      const lines = run.stderr.split('\n').filter((line) => line !== '')
      expect(lines, describeRun(run)).to.have.length(1)
      expect(lines[0]).to.equal(
        `glix ${args[0]}: the journal of an interrupted glix transaction, ${repo.journal}, cannot be used (not valid JSON: ${jsonError('{"command": "add", "files": {"flake.nix": ')}); nothing was changed: compare the files it names with \`git status\`/\`git diff\`, restore them by hand, then delete it`,
      )
    }

    expect(await repo.state(), 'nothing changed').to.deep.equal(before)
    await rm(repo.journal)
  })

  /**
   * kill -9 of glix and of its git child while that child holds index.lock (a `git` wrapper first
   * on PATH takes index.lock at the chosen `git update-index`, then kills glix — its parent — and
   * itself): the next command removes the stale index.lock (its writer was glix's own, now dead,
   * as the journal's record says) and finishes or restores, instead of failing on it.
   */
  async function crashHoldingIndexLock(name: string, args: string[]): Promise<{before: RepoState; pid: number}> {
    const bin = path.join(tmp, 'bin-index-lock')
    await writeTxFakes(bin, realGitPath())
    const before = await repo.state()
    const hook = ': > "$(git rev-parse --git-dir)/index.lock"; kill -9 $PPID; kill -9 $$'
    const run = await runNode(
      [BIN, 'add', '--dir', root, '--host', HOST, ...args, `github:owner/${name}`],
      {...env, GLIX_TEST_GIT_AT: 'update-index', GLIX_TEST_GIT_HOOK: hook, PATH: `${bin}${path.delimiter}${env.PATH}`},
      tmp,
    )
    expect(run.signal, describeRun(run)).to.equal('SIGKILL')
    expect(existsSync(path.join(root, '.git', 'index.lock')), 'the dead git left index.lock').to.equal(true)
    expect(repo.readJournal().owner.pid).to.equal(run.pid)
    return {before, pid: run.pid}
  }

  it('(g) killed while its git stages for nix and holds index.lock: the lock is removed, the files restored', async () => {
    const {before, pid} = await crashHoldingIndexLock('crash-g', [])
    // doctor's words for it (describeInterrupted) before anything is repaired.
    const {describeInterrupted} = await import(pathToFileURL(path.join(DIST, 'lib', 'repo', 'journal.js')).href)
    const checks = describeInterrupted(root) as Array<{message: string; name: string; status: string}>
    const lockCheck = checks.find((c) => c.name === 'index.lock')!
    expect(lockCheck.status).to.equal('FAIL')
    expect(lockCheck.message).to.match(new RegExp(`^${escapeRegExp(path.join(root, '.git', 'index.lock'))} was left behind by glix's git \\(pid \\d+\\), which died: the next glix command removes it$`))
    expect(checks.find((c) => c.name === 'transaction')!.message).to.match(/^an interrupted `glix add` \(pid \d+, started [^)]+\) left its journal /)

    const list = await runGlix(['list', '--dir', root, '--host', HOST], env, tmp)
    expect(list.code, describeRun(list)).to.equal(0)
    const lines = list.stderr.split('\n').filter((line) => line !== '')
    expect(lines[0]).to.match(/^glix: removed .*\/\.git\/index\.lock, left behind by glix's git \(pid \d+\), which died with the interrupted `glix add`$/)
    expect(lines[0]).to.include(lockCheck.message.match(/pid \d+/)![0])
    expect(lines[1]).to.match(new RegExp(`^glix: recovered an interrupted \`glix add\` \\(pid ${pid}, `))
    expect(lines).to.have.length(2)
    expect(await repo.state(), 'exactly as before').to.deep.equal(before)
  })

  it('(h) killed after its commit, while its git updates the index: the lock is removed, the commit kept', async () => {
    const {before} = await crashHoldingIndexLock('crash-h', ['--no-lock'])
    expect((await repo.git('rev-parse', 'HEAD~1')).trim(), 'the commit landed').to.equal(before.head)
    const list = await runGlix(['list', '--dir', root, '--host', HOST], env, tmp)
    expect(list.code, describeRun(list)).to.equal(0)
    const lines = list.stderr.split('\n').filter((line) => line !== '')
    expect(lines[0]).to.match(/^glix: removed .*index\.lock, left behind by glix's git/)
    expect(lines[1]).to.match(/^glix: finished an interrupted `glix add` \(pid \d+\): its commit had landed; cleaned up$/)
    expect(list.stdout).to.include('crash-h')
    expect(await repo.git('status', '--porcelain'), 'index and work tree match the commit').to.equal('')
    expect(existsSync(path.join(root, '.git', 'index.lock'))).to.equal(false)
  })
})

describeNix('crash recovery: kill -9 during nix flake lock (integration)', function () {
  this.timeout(180_000)

  let tmp: string
  let root: string
  let env: NodeJS.ProcessEnv
  let fx: NixFixtures
  let shimDir: string
  let marker: string
  let repo: ReturnType<typeof repoTools>

  before(async function () {
    if (!existsSync(path.join(DIST, 'commands', 'add.js'))) {
      throw new Error('dist/commands/add.js is missing: run `npm run build` before the integration tests')
    }

    ;({env, tmp} = await makeSandbox('glix-crash-nix-'))
    root = path.join(tmp, 'repo')
    repo = repoTools(root, () => env)
    fx = await copyNixFixtures(path.join(tmp, 'fixtures'))

    // The real nix, found before PATH is changed.
    const realNix = execFileSync('sh', ['-c', 'command -v nix'], {encoding: 'utf8', env}).trim()
    expect(realNix).to.match(/^\//)
    shimDir = path.join(tmp, 'shim')
    marker = path.join(tmp, 'nix-shim-started')
    await mkdir(shimDir)
    const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`
    await writeFile(
      path.join(shimDir, 'nix'),
      [
        '#!/bin/sh',
        '# Slow `nix flake lock`: say so, then sleep before running the real nix.',
        'case " $* " in',
        `  *" flake lock "*) echo "$$" > ${q(marker)}; sleep 30 ;;`,
        'esac',
        `exec ${q(realNix)} "$@"`,
        '',
      ].join('\n'),
    )
    await chmod(path.join(shimDir, 'nix'), 0o755)

    const init = await runGlix(
      [
        'init',
        '--dir',
        root,
        '--host',
        HOST,
        '--user',
        'alice',
        ...fixtureInitFlags(fx),
      ],
      env,
      tmp,
    )
    expect(init.code, describeRun(init)).to.equal(0)
    expect(await repo.git('status', '--porcelain')).to.equal('')
  })

  after(async function () {
    if (tmp) await rm(tmp, {force: true, recursive: true})
  })

  it('(c) killed while nix flake lock runs: recovered at once, the add rerun', async function () {
    const before = await repo.state()
    const addArgs = ['add', '--dir', root, '--host', HOST, '--allow-local-path', fx.pkgTool, '--name', 'tool']

    // Detached: glix leads its own process group, so one kill reaches the shim and its sleep too.
    const child = spawn(process.execPath, [BIN, ...addArgs], {
      cwd: tmp,
      detached: true,
      env: {...env, PATH: `${shimDir}${path.delimiter}${env.PATH ?? ''}`},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
    const closed = new Promise<{code: null | number; signal: NodeJS.Signals | null}>((resolve) => {
      child.on('close', (code, signal) => resolve({code, signal}))
    })
    let exited = false
    void closed.then(() => (exited = true))

    const deadline = Date.now() + 30_000
    while (!existsSync(marker)) {
      if (exited) throw new Error(`glix add exited before nix flake lock started:\n${output}`)
      if (Date.now() > deadline) {
        process.kill(-child.pid!, 'SIGKILL')
        throw new Error(`the nix shim did not start within 30 s:\n${output}`)
      }

      await sleep(50)
    }

    // The stage we are killing: journal written, files changed and staged for Nix.
    const journal = repo.readJournal()
    expect(journal.owner.pid).to.equal(child.pid)
    expect(await readFile(path.join(root, MANIFEST), 'utf8')).to.include('[packages.tool]')
    expect(await readFile(path.join(root, 'flake.nix'), 'utf8')).to.include(`url = "${fx.pkgTool}";`)
    expect(repo.indexDiffers(), 'glix staged its files for nix').to.equal(1)

    let shimPid = 0
    for (let i = 0; i < 20 && !shimPid; i++) {
      shimPid = Number(readFileSync(marker, 'utf8').trim())
      if (!shimPid) await sleep(25)
    }

    process.kill(-child.pid!, 'SIGKILL')
    const {signal} = await closed
    expect(signal, output).to.equal('SIGKILL')
    expect(existsSync(repo.journal), 'the journal survives the crash').to.equal(true)

    // The shim died with the group (gone, or a zombie until it is reaped).
    if (shimPid && existsSync('/proc')) {
      const until = Date.now() + 5000
      const alive = () => {
        try {
          return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${shimPid}/stat`, 'utf8'))
        } catch {
          return false
        }
      }

      while (alive() && Date.now() < until) await sleep(50)
      expect(alive(), `the nix shim (pid ${shimPid}) outlived the killed process group`).to.equal(false)
    }

    // The next command: recovers, and is not held up by the dead process's lock.
    const restored = await repo.expectRecovered(before, child.pid!, env, tmp)
    expect(restored, 'the manifest and flake.nix were restored').to.equal(2)

    // The same add, with the real nix: commits normally.
    const rerun = await runGlix(addArgs, env, tmp)
    expect(rerun.code, describeRun(rerun)).to.equal(0)
    expect(rerun.stderr, describeRun(rerun)).to.not.match(/recovered|skipped/)
    expect(rerun.ms, describeRun(rerun)).to.be.below(STALE_LOCK_BUDGET_MS)
    expect((await repo.git('rev-parse', 'HEAD~1')).trim()).to.equal(before.head)
    expect((await repo.git('log', '-1', '--format=%s')).trim()).to.equal(`glix add h: tool (${fx.pkgTool}, system, via uri)`)
    const files = (await repo.git('diff-tree', '--no-commit-id', '--name-only', '-r', 'HEAD~1', 'HEAD')).split('\n').filter(Boolean)
    expect(files.sort()).to.deep.equal(['flake.lock', 'flake.nix', MANIFEST])
    const lock = JSON.parse(await readFile(path.join(root, 'flake.lock'), 'utf8')) as {
      nodes: Record<string, {inputs?: Record<string, unknown>}>
      root: string
    }
    expect(lock.nodes[lock.root].inputs).to.have.property('tool')
    expect(await repo.git('status', '--porcelain')).to.equal('')
    expect(existsSync(repo.journal)).to.equal(false)
    expect(repo.lockIsFree()).to.equal(true)
  })
})
