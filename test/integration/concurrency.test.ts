/**
 * Concurrent glix processes on one repo (spec §4.1): the inter-process lock
 * makes them run one after another, and none is lost.
 *
 * The built CLI (`bin/run.js` → `dist/`, run `npm run build` first) is
 * started as many subprocesses at once against one host:
 *
 * - 12 `glix add --no-lock` (Nix is not the subject: only the lock, the
 *   journal, the manifest rewrite under the lock and git);
 * - 5 `glix add` with real `nix flake lock` under contention, on local
 *   `path:` fixture flakes (one fixture flake under five `--name`s).
 *
 * Every add must exit 0 and end up as exactly one commit that adds exactly
 * its own package, with a clean tree and no journal left behind.
 */
import TOML from '@iarna/toml'
import {expect} from 'chai'
import {execFile, spawn, spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {copyNixFixtures, describeNix, makeSandbox, type NixFixtures, fixtureInitFlags} from '../helpers/nix.js'

const execFileAsync = promisify(execFile)

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = path.join(PACKAGE_ROOT, 'bin', 'run.js')
const HOST = 'h'
const MANIFEST = `hosts/${HOST}/glix.toml`

interface Run {
  args: string[]
  code: null | number
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

/** Runs the built CLI as a subprocess; never rejects. */
function runGlix(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({args, code, signal, stderr, stdout}))
  })
}

function describeRun(run: Run): string {
  return `glix ${run.args.join(' ')} → ${run.code ?? run.signal}\nstdout: ${run.stdout}\nstderr: ${run.stderr}`
}

/** The `name = { url = "…"; };` entries of the glix-managed inputs region. */
function inputsRegion(flake: string): Record<string, string> {
  const start = flake.indexOf('# >>> glix-managed inputs >>>')
  const end = flake.indexOf('# <<< glix-managed inputs <<<')
  expect(start, 'inputs start marker').to.be.greaterThan(-1)
  expect(end, 'inputs end marker').to.be.greaterThan(start)
  const region = flake.slice(start, end)
  const inputs: Record<string, string> = {}
  for (const match of region.matchAll(/^\s*([A-Za-z][\w-]*) = \{\s*\n\s*url = "([^"]*)";\s*\n\s*\};/gm)) {
    inputs[match[1]] = match[2]
  }

  return inputs
}

function packagesOf(toml: string): Record<string, {enabled: boolean; flake: string; scope: string}> {
  const data = TOML.parse(toml) as {packages?: Record<string, {enabled: boolean; flake: string; scope: string}>}
  return JSON.parse(JSON.stringify(data.packages ?? {}))
}

/** Helpers bound to one repo. */
function repoTools(root: string, env: () => NodeJS.ProcessEnv) {
  async function git(...args: string[]): Promise<string> {
    const {stdout} = await execFileAsync('git', args, {cwd: root, env: env(), maxBuffer: 64 << 20})
    return stdout
  }

  /** The commits after `base`, oldest first. */
  async function commitsSince(base: string): Promise<string[]> {
    return (await git('rev-list', '--reverse', `${base}..HEAD`)).split('\n').filter(Boolean)
  }

  async function filesOf(commit: string): Promise<string[]> {
    return (await git('diff-tree', '--no-commit-id', '--name-only', '-r', `${commit}^`, commit)).split('\n').filter(Boolean).sort()
  }

  async function subjectOf(commit: string): Promise<string> {
    return (await git('log', '-1', '--format=%s', commit)).trim()
  }

  async function showFile(commit: string, file: string): Promise<string> {
    return git('show', `${commit}:${file}`)
  }

  /**
   * Checks that each of `commits` adds exactly one package to the manifest,
   * the one its subject names, and returns those names in commit order.
   */
  async function expectOnePackagePerCommit(commits: string[]): Promise<string[]> {
    const added: string[] = []
    for (const commit of commits) {
      const subject = await subjectOf(commit)
      const match = /^glix add h: ([A-Za-z][\w-]*) \(/.exec(subject)
      expect(match, `subject of ${commit}: ${subject}`).to.not.equal(null)
      const name = match![1]
      const before = packagesOf(await showFile(`${commit}^`, MANIFEST))
      const after = packagesOf(await showFile(commit, MANIFEST))
      const newNames = Object.keys(after).filter((n) => !(n in before))
      expect(newNames, `packages added by ${commit} (${subject})`).to.deep.equal([name])
      expect(Object.keys(after).length, `${commit} removes nothing`).to.equal(Object.keys(before).length + 1)
      for (const n of Object.keys(before)) expect(after[n], `${commit} leaves ${n} alone`).to.deep.equal(before[n])
      // The commit's flake.nix agrees with its manifest: one input per package.
      expect(Object.keys(inputsRegion(await showFile(commit, 'flake.nix'))).sort(), `inputs at ${commit}`).to.deep.equal(
        Object.keys(after).sort(),
      )
      added.push(name)
    }

    return added
  }

  return {commitsSince, expectOnePackagePerCommit, filesOf, git, showFile, subjectOf}
}

describe('concurrent glix add, 12 processes with --no-lock (integration)', function () {
  this.timeout(120_000)

  const COUNT = 12
  const names = Array.from({length: COUNT}, (_, i) => `pkg-${i + 1}`)
  let tmp: string
  let root: string
  let env: NodeJS.ProcessEnv
  let base: string
  let runs: Run[]
  let repo: ReturnType<typeof repoTools>

  before(async function () {
    if (!existsSync(path.join(PACKAGE_ROOT, 'dist', 'commands', 'add.js'))) {
      throw new Error('dist/commands/add.js is missing: run `npm run build` before the integration tests')
    }

    ;({env, tmp} = await makeSandbox('glix-concurrency-'))
    root = path.join(tmp, 'repo')
    repo = repoTools(root, () => env)
    const init = await runGlix(['init', '--dir', root, '--host', HOST, '--user', 'alice', '--no-lock'], env, tmp)
    expect(init.code, describeRun(init)).to.equal(0)
    base = (await repo.git('rev-parse', 'HEAD')).trim()

    // All at once: every process is started before any is awaited.
    runs = await Promise.all(
      names.map((name) => runGlix(['add', '--dir', root, '--host', HOST, '--no-lock', `github:owner/${name}`], env, tmp)),
    )
  })

  after(async function () {
    if (tmp) await rm(tmp, {force: true, recursive: true})
  })

  it('every add exits 0 and says what it added', function () {
    for (const [i, run] of runs.entries()) {
      expect(run.code, describeRun(run)).to.equal(0)
      expect(run.stdout, describeRun(run)).to.include(`added ${names[i]} -> github:owner/${names[i]} (scope=system) to host h`)
      expect(run.stderr, describeRun(run)).to.not.match(/recovered|rolled back/)
    }
  })

  it('keeps all 12 packages in the manifest', async function () {
    const packages = packagesOf(await readFile(path.join(root, MANIFEST), 'utf8'))
    expect(Object.keys(packages).sort()).to.deep.equal([...names].sort())
    for (const name of names) {
      expect(packages[name]).to.deep.equal({enabled: true, flake: `github:owner/${name}`, scope: 'system'})
    }
  })

  it('makes exactly 12 commits in a line, each adding its own package and nothing else', async function () {
    const commits = await repo.commitsSince(base)
    expect(commits).to.have.length(COUNT)
    expect((await repo.git('rev-list', '--merges', `${base}..HEAD`)).trim()).to.equal('')
    // git show HEAD~k: the newest first, as the brief of this test asks.
    for (let k = 0; k < COUNT; k++) {
      const viaHead = (await repo.git('rev-parse', `HEAD~${k}`)).trim()
      expect(viaHead).to.equal(commits[COUNT - 1 - k])
    }

    const added = await repo.expectOnePackagePerCommit(commits)
    expect([...added].sort()).to.deep.equal([...names].sort())
    for (const [i, commit] of commits.entries()) {
      const name = added[i]
      expect(await repo.subjectOf(commit)).to.equal(`glix add h: ${name} (github:owner/${name}, system, via uri)`)
      // --no-lock: no flake.lock; the new input goes into flake.nix.
      expect(await repo.filesOf(commit), commit).to.deep.equal(['flake.nix', MANIFEST])
    }
  })

  it('leaves a clean tree, all 12 inputs in flake.nix and no journal or lock', async function () {
    expect(await repo.git('status', '--porcelain')).to.equal('')
    expect((await repo.git('diff', '--cached', '--name-only')).trim()).to.equal('')
    const inputs = inputsRegion(await readFile(path.join(root, 'flake.nix'), 'utf8'))
    expect(inputs).to.deep.equal(Object.fromEntries([...names].sort().map((n) => [n, `github:owner/${n}`])))
    expect(existsSync(path.join(root, '.git', 'glix', 'journal.json')), 'journal').to.equal(false)
    // The lock file stays (deleting it would let two processes lock two files); nobody holds it.
    expect(spawnSync('flock', ['--nonblock', path.join(root, '.git', 'glix', 'lock'), 'true']).status, 'lock free').to.equal(0)
  })
})

describeNix('concurrent glix add with real nix flake lock (integration)', function () {
  this.timeout(240_000)

  const COUNT = 5
  const names = Array.from({length: COUNT}, (_, i) => `hello-${i + 1}`)
  let tmp: string
  let root: string
  let env: NodeJS.ProcessEnv
  let fx: NixFixtures
  let base: string
  let runs: Run[]
  let repo: ReturnType<typeof repoTools>

  before(async function () {
    if (!existsSync(path.join(PACKAGE_ROOT, 'dist', 'commands', 'add.js'))) {
      throw new Error('dist/commands/add.js is missing: run `npm run build` before the integration tests')
    }

    ;({env, tmp} = await makeSandbox('glix-concurrency-nix-'))
    root = path.join(tmp, 'repo')
    repo = repoTools(root, () => env)
    fx = await copyNixFixtures(path.join(tmp, 'fixtures'))
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
    expect(existsSync(path.join(root, 'flake.lock')), 'flake.lock after init').to.equal(true)
    base = (await repo.git('rev-parse', 'HEAD')).trim()

    // One fixture flake under five names: the same URL for different names is allowed.
    runs = await Promise.all(
      names.map((name) =>
        runGlix(['add', '--dir', root, '--host', HOST, '--allow-local-path', fx.pkgHello, '--name', name], env, tmp),
      ),
    )
  })

  after(async function () {
    if (tmp) await rm(tmp, {force: true, recursive: true})
  })

  it('every add exits 0', function () {
    for (const [i, run] of runs.entries()) {
      expect(run.code, describeRun(run)).to.equal(0)
      expect(run.stdout, describeRun(run)).to.include(`added ${names[i]} -> ${fx.pkgHello} (scope=system) to host h`)
      expect(run.stderr, describeRun(run)).to.not.match(/skipped `nix flake lock`|recovered|rolled back/)
    }
  })

  it('makes one commit per add, each with its own package, input and lock entry', async function () {
    const commits = await repo.commitsSince(base)
    expect(commits).to.have.length(COUNT)
    const added = await repo.expectOnePackagePerCommit(commits)
    expect([...added].sort()).to.deep.equal([...names].sort())
    const fixed = ['glixos-core', 'home-manager', 'nixpkgs']
    for (const [i, commit] of commits.entries()) {
      expect(await repo.filesOf(commit), commit).to.deep.equal(['flake.lock', 'flake.nix', MANIFEST])
      // The lock committed with each add covers exactly the inputs of that commit.
      const lock = JSON.parse(await repo.showFile(commit, 'flake.lock')) as {
        nodes: Record<string, {inputs?: Record<string, unknown>; original?: {path?: string}}>
        root: string
      }
      const expected = [...fixed, ...added.slice(0, i + 1)].sort()
      expect(Object.keys(lock.nodes[lock.root].inputs ?? {}).sort(), `locked inputs at ${commit}`).to.deep.equal(expected)
      expect(lock.nodes[added[i]].original?.path).to.equal(fx.pkgHello.replace(/^path:/, ''))
    }
  })

  it('leaves a clean tree, a complete flake.lock and no journal', async function () {
    expect(await repo.git('status', '--porcelain')).to.equal('')
    const inputs = inputsRegion(await readFile(path.join(root, 'flake.nix'), 'utf8'))
    expect(Object.keys(inputs).sort()).to.deep.equal([...names].sort())
    expect(existsSync(path.join(root, '.git', 'glix', 'journal.json')), 'journal').to.equal(false)
    // A complete lock file: Nix has nothing to add to it.
    await execFileAsync('nix', ['flake', 'lock'], {cwd: root, env})
    expect(await repo.git('status', '--porcelain')).to.equal('')
  })
})
