/**
 * The lifecycle commands with the real `nix` (offline, on the local fixture
 * flakes of test/fixtures/nix): which mutations relock flake.lock and which
 * leave it alone, `update` on the Nix that is installed (2.8 on Debian:
 * `nix flake lock --update-input`), and `rollback` bringing an input back
 * into flake.nix and flake.lock. The built CLI (`bin/run.js` → `dist/`)
 * runs as a subprocess. One repo, one sequence of steps; Nix calls are kept
 * to one per step.
 */
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {copyNixFixtures, describeNix, makeSandbox, type NixFixtures, runNix, fixtureInitFlags} from '../helpers/nix.js'

const execFileAsync = promisify(execFile)

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const BIN = path.join(REPO, 'bin', 'run.js')
const HOST = 'h'
const MANIFEST = `hosts/${HOST}/glix.toml`

interface Lock {
  nodes: Record<string, {inputs?: Record<string, unknown>; original?: {path?: string; type?: string}}>
  root: string
}

describeNix('lifecycle commands with real nix (integration)', function () {
  this.timeout(120_000)

  let tmp: string
  let root: string
  let fx: NixFixtures
  let env: NodeJS.ProcessEnv

  /** Runs the built CLI on the repo; rejects with its output when it exits non-zero. */
  async function glix(...args: string[]): Promise<{stderr: string; stdout: string}> {
    try {
      return await execFileAsync(process.execPath, [BIN, ...args, '--dir', root], {cwd: tmp, env})
    } catch (error) {
      const {stderr, stdout} = error as {stderr?: string; stdout?: string}
      throw new Error(`glix ${args.join(' ')} failed:\n${stdout ?? ''}${stderr ?? ''}`)
    }
  }

  async function git(...args: string[]): Promise<string> {
    const {stdout} = await execFileAsync('git', args, {cwd: root, env})
    return stdout
  }

  const filesOfHead = async () => (await git('show', '--format=', '--name-only', 'HEAD')).split('\n').filter(Boolean).sort()
  const subject = async () => (await git('log', '-1', '--format=%s')).trim()
  const readRepo = (rel: string) => readFile(path.join(root, rel), 'utf8')
  /** The root inputs of flake.lock. */
  const lockedInputs = async () => {
    const lock = JSON.parse(await readRepo('flake.lock')) as Lock
    return Object.keys(lock.nodes[lock.root].inputs ?? {}).sort()
  }

  /** The input names of the glix-managed inputs region of flake.nix. */
  const regionInputs = async () => {
    const flake = await readRepo('flake.nix')
    const region = flake.slice(flake.indexOf('# >>> glix-managed inputs >>>'), flake.indexOf('# <<< glix-managed inputs <<<'))
    return [...region.matchAll(/^\s*([A-Za-z][\w-]*) = \{$/gm)].map((m) => m[1]).sort()
  }

  const FIXED = ['glixos-core', 'home-manager', 'nixpkgs']

  before(async function () {
    if (!existsSync(path.join(REPO, 'dist', 'commands', 'init.js'))) {
      throw new Error('dist/commands/init.js is missing: run `npm run build` before the integration tests')
    }

    ;({env, tmp} = await makeSandbox('glix-lifecycle-nix-'))
    root = path.join(tmp, 'repo')
    fx = await copyNixFixtures(path.join(tmp, 'fixtures'))

    await glix(
      'init',
      '--host',
      HOST,
      '--user',
      'alice',
      ...fixtureInitFlags(fx),
    )
    await glix('add', fx.pkgHello, '--host', HOST, '--allow-local-path')
    await glix('add', fx.pkgTool, '--host', HOST, '--allow-local-path')
  })

  after(async function () {
    if (tmp) await rm(tmp, {force: true, recursive: true})
  })

  it('init + add lock every input for real', async function () {
    expect(await lockedInputs()).to.deep.equal([...FIXED, 'pkg-hello', 'pkg-tool'])
    expect(await regionInputs()).to.deep.equal(['pkg-hello', 'pkg-tool'])
    expect(await filesOfHead()).to.deep.equal(['flake.lock', 'flake.nix', MANIFEST])
    expect(await git('status', '--porcelain')).to.equal('')
  })

  it('`set X config.k=v` commits only the manifest; flake.lock is untouched', async function () {
    const lock = await readRepo('flake.lock')
    const {stdout} = await glix('set', 'pkg-tool', 'config.level=loud', '--host', HOST)
    expect(stdout).to.include('updated pkg-tool on host h')
    expect(await filesOfHead()).to.deep.equal([MANIFEST])
    expect(await readRepo('flake.lock')).to.equal(lock)
    expect(await git('status', '--porcelain')).to.equal('')
  })

  it('`disable` relocks without the input; `enable` relocks it back', async function () {
    await glix('disable', 'pkg-tool', '--host', HOST)
    expect(await subject()).to.equal('glix disable h: pkg-tool')
    expect(await filesOfHead()).to.deep.equal(['flake.lock', 'flake.nix', MANIFEST])
    expect(await lockedInputs()).to.deep.equal([...FIXED, 'pkg-hello'])
    expect(await regionInputs()).to.deep.equal(['pkg-hello'])

    await glix('enable', 'pkg-tool', '--host', HOST)
    expect(await subject()).to.equal('glix enable h: pkg-tool')
    expect(await filesOfHead()).to.deep.equal(['flake.lock', 'flake.nix', MANIFEST])
    expect(await lockedInputs()).to.deep.equal([...FIXED, 'pkg-hello', 'pkg-tool'])
    expect(await git('status', '--porcelain')).to.equal('')
  })

  it('`update <inputs>` runs on the installed Nix and exits 0 (Nix < 2.19: `flake lock --update-input`)', async function () {
    // A wrapper first on PATH logs the argv and runs the real nix.
    const realNix = (await execFileAsync('sh', ['-c', 'command -v nix'], {env})).stdout.trim()
    const version = (await execFileAsync(realNix, ['--version'], {env})).stdout
    const [major, minor] = (/(\d+)\.(\d+)/.exec(version) ?? []).slice(1).map(Number)
    const bin = path.join(tmp, 'bin')
    const log = path.join(tmp, 'nix-argv.log')
    await mkdir(bin, {recursive: true})
    await writeFile(path.join(bin, 'nix'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${realNix}' "$@"\n`, {mode: 0o755})
    const saved = env
    env = {...env, PATH: `${bin}${path.delimiter}${env.PATH}`}
    let stdout: string
    try {
      ;({stdout} = await glix('update', 'nixpkgs', 'pkg-hello'))
    } finally {
      env = saved
    }

    const calls = (await readFile(log, 'utf8')).split('\n').filter((l) => l !== '' && l !== '--version')
    const modern = major > 2 || (major === 2 && minor >= 19)
    expect(calls).to.deep.equal([
      modern
        ? '--extra-experimental-features nix-command flakes flake update nixpkgs pkg-hello'
        : '--extra-experimental-features nix-command flakes flake lock --update-input nixpkgs --update-input pkg-hello',
    ])
    // Local path inputs have nothing new: either outcome is a success.
    expect(stdout.trim()).to.be.oneOf(['updated nixpkgs, pkg-hello', 'flake.lock is already up to date'])
    expect(await lockedInputs()).to.deep.equal([...FIXED, 'pkg-hello', 'pkg-tool'])
    expect(await git('status', '--porcelain')).to.equal('')
  })

  it('`remove` relocks: the input leaves flake.nix and flake.lock', async function () {
    const {stdout} = await glix('remove', 'pkg-tool', '--host', HOST)
    expect(stdout).to.include('removed pkg-tool from host h')
    expect(await subject()).to.equal('glix remove h: pkg-tool')
    expect(await filesOfHead()).to.deep.equal(['flake.lock', 'flake.nix', MANIFEST])
    expect(await regionInputs()).to.deep.equal(['pkg-hello'])
    expect(await lockedInputs()).to.deep.equal([...FIXED, 'pkg-hello'])
    const lock = JSON.parse(await readRepo('flake.lock')) as Lock
    expect(Object.keys(lock.nodes)).not.to.include('pkg-tool')
  })

  it('`rollback` after the remove brings the input back into flake.nix and flake.lock', async function () {
    await glix('rollback')
    expect(await subject()).to.equal('Revert "glix remove h: pkg-tool"')
    expect(await filesOfHead()).to.deep.equal(['flake.lock', 'flake.nix', MANIFEST])
    expect(await regionInputs()).to.deep.equal(['pkg-hello', 'pkg-tool'])
    expect(await lockedInputs()).to.deep.equal([...FIXED, 'pkg-hello', 'pkg-tool'])
    expect(await readRepo(MANIFEST)).to.include('[packages.pkg-tool.config]\nlevel = "loud"\n')
    expect(await git('status', '--porcelain')).to.equal('')

    // The committed lock matches flake.nix (no update needed) and the config reaches the module.
    const etc = JSON.parse(
      runNix(['eval', '--json', '--no-update-lock-file', `${root}#nixosConfigurations.${HOST}.config.environment.etc`, '--apply', 'e: builtins.mapAttrs (_: f: f.text) e'], root),
    ) as Record<string, string>
    expect(etc).to.deep.equal({'tool.conf': 'loud'})
  })
})
