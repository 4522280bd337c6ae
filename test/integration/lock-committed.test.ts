/**
 * The committed flake.lock agrees with the committed flake.nix (issue 11,
 * item 8), with the real `nix` on the offline fixture flakes.
 *
 * Another host's manifest has an uncommitted hand edit (a new package), so
 * the work tree's flake.nix renders an input HEAD does not have. A locking
 * `glix add` on the first host must lock the flake.nix it commits — the
 * one rendered from HEAD's manifests plus its own change — so neither the
 * committed flake.nix nor the committed flake.lock holds the other host's
 * uncommitted input, and `nix flake lock` on a clean checkout of HEAD
 * finds nothing to change. The hand edit stays in the work tree.
 */
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

import {copyNixFixtures, describeNix, fixtureInitFlags, makeSandbox, type NixFixtures} from '../helpers/nix.js'
import {startGlix} from '../helpers/tx.js'

const execFileAsync = promisify(execFile)
const REPO = fileURLToPath(new URL('../../', import.meta.url))
const FIXED = ['glixos-core', 'home-manager', 'nixpkgs']

describeNix('locking exactly what is committed (integration)', function () {
  this.timeout(240_000)

  let tmp: string
  let root: string
  let fx: NixFixtures
  let env: NodeJS.ProcessEnv

  /** The built CLI on the repo; fails the test with its output unless it exits 0. */
  async function glix(...args: string[]): Promise<{stderr: string; stdout: string}> {
    const run = await startGlix([...args, '--dir', root], env, tmp).done
    expect(run.code, `glix ${args.join(' ')}: ${run.stdout}${run.stderr}`).to.equal(0)
    return run
  }

  async function git(cwd: string, ...args: string[]): Promise<string> {
    return (await execFileAsync('git', args, {cwd, env})).stdout
  }

  const regionInputs = (flake: string) => {
    const region = flake.slice(flake.indexOf('# >>> glix-managed inputs >>>'), flake.indexOf('# <<< glix-managed inputs <<<'))
    return [...region.matchAll(/^\s*([A-Za-z][\w-]*) = \{$/gm)].map((m) => m[1]).sort()
  }

  const lockedInputs = (text: string) => {
    const lock = JSON.parse(text) as {nodes: Record<string, {inputs?: Record<string, unknown>}>; root: string}
    return Object.keys(lock.nodes[lock.root].inputs ?? {}).sort()
  }

  before(async function () {
    if (!existsSync(path.join(REPO, 'dist', 'commands', 'add.js'))) throw new Error('dist/ is missing: run `npm run build` first')
    ;({env, tmp} = await makeSandbox('glix-lock-committed-'))
    root = path.join(tmp, 'repo')
    fx = await copyNixFixtures(path.join(tmp, 'fixtures'))
    await glix('init', '--host', 'a', '--user', 'alice', ...fixtureInitFlags(fx))
    await glix('init', '--host', 'b', '--user', 'alice', ...fixtureInitFlags(fx))
    await glix('add', fx.pkgHello, '--name', 'hello', '--host', 'a', '--allow-local-path')
  })

  after(async () => {
    if (tmp) await rm(tmp, {force: true, recursive: true})
  })

  it("commits a flake.lock without another host's uncommitted input, consistent with the committed flake.nix", async () => {
    // Host b's uncommitted hand edit: a new package, in the work tree only.
    const manifestB = path.join(root, 'hosts/b/glix.toml')
    const edited = `${await readFile(manifestB, 'utf8')}\n[packages.greeting]\nflake   = "${fx.pkgGreeting}"\nscope   = "system"\nenabled = true\n`
    await writeFile(manifestB, edited)

    const add = await glix('add', fx.pkgTool, '--name', 'tool', '--host', 'a', '--allow-local-path')
    expect(add.stderr).to.include('regenerated the managed regions of flake.nix')

    const committedFlake = await git(root, 'show', 'HEAD:flake.nix')
    const committedLock = await git(root, 'show', 'HEAD:flake.lock')
    expect(regionInputs(committedFlake), 'committed flake.nix').to.deep.equal(['hello', 'tool'])
    expect(lockedInputs(committedLock), 'committed flake.lock').to.deep.equal([...FIXED, 'hello', 'tool'].sort())
    expect((await git(root, 'show', 'HEAD:hosts/b/glix.toml')).includes('greeting'), "b's edit is not committed").to.equal(false)

    // A clean checkout of HEAD: Nix has nothing to add to or remove from its lock.
    const checkout = path.join(tmp, 'checkout')
    await git(root, 'worktree', 'add', '--detach', checkout, 'HEAD')
    await execFileAsync('nix', ['flake', 'lock'], {cwd: checkout, env})
    expect(await git(checkout, 'status', '--porcelain'), 'nix flake lock changed nothing in a checkout of HEAD').to.equal('')

    // The work tree keeps the hand edit, rendered into its flake.nix; only those two files differ from HEAD.
    expect(regionInputs(await readFile(path.join(root, 'flake.nix'), 'utf8'))).to.deep.equal(['greeting', 'hello', 'tool'])
    expect(await readFile(manifestB, 'utf8')).to.equal(edited)
    expect((await git(root, 'status', '--porcelain')).split('\n').filter(Boolean).sort()).to.deep.equal([' M flake.nix', ' M hosts/b/glix.toml'])
  })
})
