/**
 * No needless Nix: the built CLI runs with a `nix` shim first on PATH that
 * logs every call and exits 0, and with a `git` shim that logs and runs the
 * real git. Edits that leave the inputs region of flake.nix as it is
 * (`set … config.*`, `enable`/`disable` of a package still enabled on
 * another host, `host set system=…`) and the read-only commands start no
 * Nix at all; `list`, `show` and `--version` start no git either. A
 * positive control (`add` of a new input) shows the shim is really the
 * `nix` glix finds.
 */
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {
  addPackage,
  createRepo,
  git,
  glixBin,
  glixOk,
  headOf,
  lines,
  subjectOf,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'

/** A flake.lock as `nix flake lock` writes it; its content does not matter here, only that it exists. */
const FLAKE_LOCK = `${JSON.stringify({nodes: {root: {inputs: {}}}, root: 'root', version: 7}, null, 2)}\n`

describe('Nix and git invocations per command (subprocess, PATH shims)', function () {
  this.timeout(120_000)
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let root: string
  let shims: string
  let nixLog: string
  let gitLog: string

  before(async () => {
    const base = await tempDir()
    root = path.join(base, 'repo')
    shims = path.join(base, 'bin')
    nixLog = path.join(base, 'nix.log')
    gitLog = path.join(base, 'git.log')
    mkdirSync(shims)
    const realGit = execFileSync('sh', ['-c', 'command -v git'], {encoding: 'utf8'}).trim()
    const shim = (file: string, body: string) => {
      writeFileSync(path.join(shims, file), `#!/bin/sh\n${body}\n`)
      chmodSync(path.join(shims, file), 0o755)
    }

    shim('nix', `printf '%s\\n' "$*" >> "${nixLog}"\nexit 0`)
    shim('git', `printf '%s\\n' "$*" >> "${gitLog}"\nexec "${realGit}" "$@"`)

    await createRepo(root, [
      {host: 'laptop', user: 'alice'},
      {host: 'desktop', user: 'alice'},
    ])
    for (const host of ['laptop', 'desktop']) await addPackage(root, host, 'github:NixOS/nixpkgs#hello')
    await addPackage(root, 'laptop', 'github:owner/pkg-greeting', '--name', 'greeting')
    writeFileSync(path.join(root, 'flake.lock'), FLAKE_LOCK)
    git(root, 'add', 'flake.lock')
    git(root, 'commit', '--quiet', '-m', 'test: a flake.lock')
    // Leaves the drift fingerprint fresh, as any glix run after a commit would.
    await glixOk(['list', '--dir', root, '--host', 'laptop'])
  })

  /** Runs `glix <args>` with the shims; returns its output and the nix and git calls it made. */
  async function run(...args: string[]): Promise<{git: string[]; nix: string[]; stderr: string; stdout: string}> {
    writeFileSync(nixLog, '')
    writeFileSync(gitLog, '')
    const r = await glixBin(args, {cwd: root, env: {PATH: `${shims}${path.delimiter}${process.env.PATH}`}})
    expect(r.code, `glix ${args.join(' ')}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`).to.equal(0)
    return {git: lines(readFileSync(gitLog, 'utf8')), nix: lines(readFileSync(nixLog, 'utf8')), stderr: r.stderr, stdout: r.stdout}
  }

  it('`set <pkg> config.<k>=<v>` commits without Nix', async () => {
    const r = await run('set', 'greeting', 'config.message=hello there', '--host', 'laptop')
    expect(r.nix).to.deep.equal([])
    expect(subjectOf(root)).to.equal('glix set laptop: greeting (config.message=hello there)')
  })

  it('`disable` and `enable` of a package still enabled on another host commit without Nix', async () => {
    const before = headOf(root)
    expect((await run('disable', 'hello', '--host', 'laptop')).nix).to.deep.equal([])
    expect(subjectOf(root)).to.equal('glix disable laptop: hello')
    expect((await run('enable', 'hello', '--host', 'laptop')).nix).to.deep.equal([])
    expect(subjectOf(root)).to.equal('glix enable laptop: hello')
    expect(git(root, 'rev-list', '--count', `${before}..HEAD`).trim()).to.equal('2')
  })

  it('`host set system=…` commits without Nix', async () => {
    const r = await run('host', 'set', 'system=aarch64-linux', '--host', 'desktop')
    expect(r.nix).to.deep.equal([])
    expect(subjectOf(root)).to.equal('glix host set desktop: (system=aarch64-linux)')
  })

  for (const args of [
    ['list', '--host', 'laptop'],
    ['list', '--all-hosts', '--all'],
    ['show', 'hello', '--host', 'laptop'],
    ['--version'],
  ]) {
    it(`\`glix ${args.join(' ')}\` starts neither Nix nor git`, async () => {
      const r = await run(...args)
      expect(r.stdout).not.to.equal('')
      expect(r.nix).to.deep.equal([])
      expect(r.git).to.deep.equal([])
    })
  }

  it('`info` starts no Nix (only git, for the tree state and HEAD)', async () => {
    const r = await run('info')
    expect(r.stdout).to.include('git: clean')
    expect(r.nix).to.deep.equal([])
    expect(r.git.length).to.be.within(1, 2)
  })

  it('control: `add` of a new input runs `nix flake lock` through the shim', async () => {
    const r = await run('add', 'github:owner/pkg-tool', '--host', 'laptop')
    expect(r.nix.filter((call) => / flake lock$/.test(call))).to.have.lengthOf(1)
    expect(subjectOf(root)).to.match(/^glix add laptop: pkg-tool /)
  })
})
