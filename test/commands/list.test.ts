import {expect} from 'chai'
import path from 'node:path'

import {
  addPackage,
  createRepo,
  editManifest,
  expectOneLineError,
  glix,
  glixOk,
  lines,
  useEnv,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'

interface Row {
  host: string
  name: string
  scope: string
  state: string
  user?: string
  flake: string
  pin?: string
}

/** The repo of the seed's multi-host page, plus a disabled package and a home package with its own user. */
async function seedRepo(root: string): Promise<void> {
  await createRepo(root, [
    {host: 'laptop', user: 'alice'},
    {host: 'desktop', user: 'alice'},
    {host: 'pi', system: 'aarch64-linux', user: 'pi-user'},
  ])
  await addPackage(root, 'desktop', 'github:NixOS/nixpkgs#firefox')
  await addPackage(root, 'laptop', 'github:NixOS/nixpkgs#firefox')
  await addPackage(root, 'laptop', 'github:owner/pkg-greeting', '--scope', 'home', '--name', 'greeting')
  await addPackage(root, 'laptop', 'github:owner/pkg-tool', '--scope', 'home', '--user', 'bob', '--name', 'tool')
  await addPackage(root, 'laptop', 'github:owner/old-thing', '--name', 'old')
  await addPackage(root, 'pi', 'github:owner/raspi-firmware', '--name', 'raspi-fw')
  // Disabled by hand: `enabled = false` in the manifest.
  await editManifest(root, 'laptop', (text) => text.replace(/(\[packages\.old\][^[]*?enabled = )true/, '$1false'))
  // The first command after the hand edit regenerates flake.nix (tested in drift.test.ts); settle it here.
  const settle = await glixOk(['list', '--dir', root, '--host', 'laptop'])
  expect(settle.stderr).to.match(/regenerated/)
}

describe('glix list', () => {
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  const env = useEnv()
  let root: string

  before(async () => {
    root = path.join(await tempDir(), 'repo')
    await seedRepo(root)
    await createRepo(root, [{host: 'spare', user: 'alice'}])
  })

  it('prints NAME SCOPE STATE USER FLAKE for one host, enabled packages only', async () => {
    const r = await glixOk(['list', '--dir', root, '--host', 'laptop'])
    expect(r.stdout).to.equal(
      [
        'NAME      SCOPE   STATE    USER   FLAKE',
        'firefox   system  enabled         github:NixOS/nixpkgs#firefox',
        'greeting  home    enabled  alice  github:owner/pkg-greeting',
        'tool      home    enabled  bob    github:owner/pkg-tool',
        '',
      ].join('\n'),
    )
    expect(r.stderr).to.equal('')
  })

  it('--all includes disabled packages', async () => {
    const r = await glixOk(['list', '--dir', root, '--host', 'laptop', '--all'])
    expect(lines(r.stdout)).to.deep.equal([
      'NAME      SCOPE   STATE     USER   FLAKE',
      'firefox   system  enabled          github:NixOS/nixpkgs#firefox',
      'greeting  home    enabled   alice  github:owner/pkg-greeting',
      'old       system  disabled         github:owner/old-thing',
      'tool      home    enabled   bob    github:owner/pkg-tool',
    ])
  })

  it('--all-hosts adds a leading HOST column, sorted by host then name', async () => {
    const r = await glixOk(['list', '--dir', root, '--all-hosts'])
    expect(lines(r.stdout)).to.deep.equal([
      'HOST     NAME      SCOPE   STATE    USER   FLAKE',
      'desktop  firefox   system  enabled         github:NixOS/nixpkgs#firefox',
      'laptop   firefox   system  enabled         github:NixOS/nixpkgs#firefox',
      'laptop   greeting  home    enabled  alice  github:owner/pkg-greeting',
      'laptop   tool      home    enabled  bob    github:owner/pkg-tool',
      'pi       raspi-fw  system  enabled         github:owner/raspi-firmware',
    ])
  })

  it('--all-hosts --all lists every row', async () => {
    const r = await glixOk(['list', '--dir', root, '--all-hosts', '--all'])
    const rows = lines(r.stdout).slice(1).map((l) => l.split(/\s+/).slice(0, 2).join('/'))
    expect(rows).to.deep.equal(['desktop/firefox', 'laptop/firefox', 'laptop/greeting', 'laptop/old', 'laptop/tool', 'pi/raspi-fw'])
  })

  it('--json prints exactly one JSON document with the same data', async () => {
    const r = await glixOk(['list', '--dir', root, '--host', 'laptop', '--all', '--json'])
    expect(r.stderr).to.equal('')
    const doc = JSON.parse(r.stdout) as {packages: Row[]}
    expect(doc).to.deep.equal({
      packages: [
        {flake: 'github:NixOS/nixpkgs#firefox', host: 'laptop', name: 'firefox', scope: 'system', state: 'enabled'},
        {flake: 'github:owner/pkg-greeting', host: 'laptop', name: 'greeting', scope: 'home', state: 'enabled', user: 'alice'},
        {flake: 'github:owner/old-thing', host: 'laptop', name: 'old', scope: 'system', state: 'disabled'},
        {flake: 'github:owner/pkg-tool', host: 'laptop', name: 'tool', scope: 'home', state: 'enabled', user: 'bob'},
      ],
    })
    expect(JSON.parse(JSON.stringify(r.result)), 'the returned result is what is printed').to.deep.equal(doc)

    // The text table shows the same rows.
    const text = await glixOk(['list', '--dir', root, '--host', 'laptop', '--all'])
    const fromText = lines(text.stdout)
      .slice(1)
      .map((l) => l.split(/\s+/))
    expect(fromText.map((cells) => [cells[0], cells.at(-1)])).to.deep.equal(doc.packages.map((p) => [p.name, p.flake]))
  })

  it('--all-hosts --json includes the host of every row', async () => {
    const r = await glixOk(['list', '--dir', root, '--all-hosts', '--json'])
    const doc = JSON.parse(r.stdout) as {packages: Row[]}
    expect(doc.packages.map((p) => `${p.host}/${p.name}`)).to.deep.equal([
      'desktop/firefox',
      'laptop/firefox',
      'laptop/greeting',
      'laptop/tool',
      'pi/raspi-fw',
    ])
  })

  it('prints only the header for a host without packages', async () => {
    const r = await glixOk(['list', '--dir', root, '--host', 'spare'])
    expect(r.stdout).to.equal('NAME  SCOPE  STATE  USER  FLAKE\n')
  })

  it('uses $GLIX_HOST when --host is not given', async () => {
    env.set('GLIX_HOST', 'pi')
    const r = await glixOk(['list', '--dir', root])
    expect(lines(r.stdout)).to.deep.equal([
      'NAME      SCOPE   STATE    USER  FLAKE',
      'raspi-fw  system  enabled        github:owner/raspi-firmware',
    ])
  })

  it('finds the repo from a directory inside it when --dir is not given', async () => {
    const cwd = process.cwd()
    env.set('GLIX_ROOT', '/nonexistent')
    process.chdir(path.join(root, 'hosts', 'pi'))
    try {
      const r = await glixOk(['list', '--host', 'pi'])
      expect(lines(r.stdout)[1]).to.match(/^raspi-fw\s/)
    } finally {
      process.chdir(cwd)
    }
  })

  it('finds the repo at $GLIX_ROOT when --dir is not given', async () => {
    env.set('GLIX_ROOT', root)
    const r = await glixOk(['list', '--host', 'pi'])
    expect(lines(r.stdout)[1]).to.match(/^raspi-fw\s/)
  })

  it('refuses an unknown host, naming the hosts there are', async () => {
    const r = await glix(['list', '--dir', root, '--host', 'nohost'])
    const message = expectOneLineError(r, 'list', 1)
    expect(message).to.include('host "nohost" not found')
    expect(message).to.include('desktop, laptop, pi, spare')
  })
})
