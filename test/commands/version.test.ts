import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import path from 'node:path'

import {
  addPackage,
  createRepo,
  glixBin,
  glixOk,
  lines,
  PACKAGE_ROOT,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'

const {version} = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {version: string}

/** The commit `npm run build` recorded. */
function builtCommit(): string {
  return (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'dist', 'build-info.json'), 'utf8')) as {commit: string}).commit
}

describe('glix version', () => {
  it('prints `glix <version> (<commit>)`', async () => {
    const r = await glixOk<{commit: string; version: string}>(['version'])
    const commit = builtCommit()
    expect(commit).to.match(/^([0-9a-f]{7,40}|unknown)$/)
    expect(r.stdout).to.equal(`glix ${version} (${commit})\n`)
    expect(r.stderr).to.equal('')
    expect(r.result).to.deep.equal({commit, version})
  })

  it('--json prints the version and commit as one JSON document', async () => {
    const r = await glixOk(['version', '--json'])
    expect(JSON.parse(r.stdout)).to.deep.equal({commit: builtCommit(), version})
  })

  it('works outside any glix repo', async () => {
    const r = await glixBin(['version'], {cwd: '/', env: {GLIX_ROOT: '/nonexistent', HOME: '/nonexistent'}})
    expect(r.code, r.stderr).to.equal(0)
    expect(r.stdout).to.equal(`glix ${version} (${builtCommit()})\n`)
  })

  for (const flag of ['--version', '-v']) {
    it(`\`glix ${flag}\` prints the same line as \`glix version\` (subprocess)`, async () => {
      const r = await glixBin([flag])
      expect(r.code, r.stderr).to.equal(0)
      expect(r.stdout).to.equal(`glix ${version} (${builtCommit()})\n`)
    })
  }
})

describe('global flags before the command (subprocess)', () => {
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let root: string

  before(async () => {
    root = path.join(await tempDir(), 'repo')
    await createRepo(root, [
      {host: 'laptop', user: 'alice'},
      {host: 'pi', system: 'aarch64-linux', user: 'pi-user'},
    ])
    await addPackage(root, 'laptop', 'github:NixOS/nixpkgs#firefox')
    await addPackage(root, 'pi', 'github:owner/raspi-firmware', '--name', 'raspi-fw')
  })

  const PI_TABLE = ['NAME      SCOPE   STATE    USER  FLAKE', 'raspi-fw  system  enabled        github:owner/raspi-firmware']

  it('`glix --host=pi list --dir <root>` lists the packages of pi', async () => {
    const r = await glixBin(['--host=pi', 'list', '--dir', root], {env: {GLIX_HOST: 'laptop'}})
    expect(r.code, r.stderr).to.equal(0)
    expect(lines(r.stdout)).to.deep.equal(PI_TABLE)
    expect(r.stderr).to.equal('')
  })

  it('`glix --dir <root> --host pi list --json` takes both flags in their two-word form', async () => {
    const r = await glixBin(['--dir', root, '--host', 'pi', 'list', '--json'], {env: {GLIX_HOST: 'laptop'}})
    expect(r.code, r.stderr).to.equal(0)
    expect((JSON.parse(r.stdout) as {packages: Array<{name: string}>}).packages.map((p) => p.name)).to.deep.equal(['raspi-fw'])
  })
})
