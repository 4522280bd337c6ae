import {expect} from 'chai'
import {appendFile} from 'node:fs/promises'
import path from 'node:path'

import {
  addPackage,
  createRepo,
  editManifest,
  expectOneLineError,
  glix,
  glixOk,
  lines,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'

describe('glix show', () => {
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let root: string

  before(async () => {
    root = path.join(await tempDir(), 'repo')
    await createRepo(root, [
      {host: 'laptop', user: 'alice'},
      {host: 'pi', system: 'aarch64-linux', user: 'pi-user'},
    ])
    await addPackage(root, 'laptop', 'github:owner/pkg-greeting', '--scope', 'home', '--name', 'greeting')
    await addPackage(root, 'laptop', 'github:owner/pkg-tool', '--scope', 'home', '--user', 'bob', '--name', 'tool')
    await addPackage(root, 'laptop', 'github:owner/old-thing', '--name', 'old')
    await addPackage(root, 'pi', 'github:owner/raspi-firmware', '--name', 'raspi-fw', '--pin', 'abc123def456')
    // A config table and a disabled package, written by hand.
    await appendFile(
      path.join(root, 'hosts/laptop/glix.toml'),
      '\n[packages.greeting.config]\nmessage = "hello \\"world\\""\ncolor = "blue"\n',
    )
    await editManifest(root, 'laptop', (text) => text.replace(/(\[packages\.old\][^[]*?enabled = )true/, '$1false'))
    await glixOk(['list', '--dir', root, '--host', 'laptop'])
  })

  it('prints the fields and the config lines of a home-scope package', async () => {
    const r = await glixOk(['show', 'greeting', '--dir', root, '--host', 'laptop'])
    expect(lines(r.stdout)).to.deep.equal([
      'name:  greeting',
      'flake: github:owner/pkg-greeting',
      'scope: home',
      'state: enabled',
      'user:  alice',
      'host:  laptop',
      'config:',
      '  color = "blue"',
      '  message = "hello \\"world\\""',
    ])
    expect(r.stderr).to.equal('')
  })

  it('shows the package’s own user over the primary user', async () => {
    const r = await glixOk(['show', 'tool', '--dir', root, '--host', 'laptop'])
    expect(lines(r.stdout)).to.include('user:  bob')
  })

  it('prints pin for a pinned system package, no user line, and config: (none)', async () => {
    const r = await glixOk(['show', 'raspi-fw', '--dir', root, '--host', 'pi'])
    expect(lines(r.stdout)).to.deep.equal([
      'name:  raspi-fw',
      'flake: github:owner/raspi-firmware',
      'scope: system',
      'state: enabled',
      'pin:   abc123def456',
      'host:  pi',
      'config: (none)',
    ])
  })

  it('shows a disabled package as disabled', async () => {
    const r = await glixOk(['show', 'old', '--dir', root, '--host', 'laptop'])
    expect(lines(r.stdout)).to.include('state: disabled')
  })

  it('--json prints exactly one JSON document with the same data', async () => {
    const r = await glixOk(['show', 'greeting', '--dir', root, '--host', 'laptop', '--json'])
    expect(r.stderr).to.equal('')
    expect(JSON.parse(r.stdout)).to.deep.equal({
      config: {color: 'blue', message: 'hello "world"'},
      flake: 'github:owner/pkg-greeting',
      host: 'laptop',
      name: 'greeting',
      scope: 'home',
      state: 'enabled',
      user: 'alice',
    })

    const pinned = await glixOk(['show', 'raspi-fw', '--dir', root, '--host', 'pi', '--json'])
    expect(JSON.parse(pinned.stdout)).to.deep.equal({
      config: {},
      flake: 'github:owner/raspi-firmware',
      host: 'pi',
      name: 'raspi-fw',
      pin: 'abc123def456',
      scope: 'system',
      state: 'enabled',
    })
  })

  it('refuses an unknown package, listing the host’s packages', async () => {
    const r = await glix(['show', 'nope', '--dir', root, '--host', 'laptop'])
    const message = expectOneLineError(r, 'show', 1)
    expect(message).to.include('package "nope" not found on host laptop')
    expect(message).to.include('greeting, old, tool')
    expect(message).not.to.include('raspi-fw')
  })

  it('refuses an unknown package under --json with one JSON error document', async () => {
    const r = await glix(['show', 'nope', '--dir', root, '--host', 'laptop', '--json'])
    expect(r.exitCode).to.equal(1)
    const doc = JSON.parse(r.stdout) as {error: {exit: number; message: string; suggestions: string[]}}
    expect(doc.error.exit).to.equal(1)
    expect(doc.error.message).to.include('package "nope" not found on host laptop')
    expect(doc.error.suggestions.join(' ')).to.include('greeting, old, tool')
  })

  it('looks the package up on the given host only', async () => {
    const r = await glix(['show', 'greeting', '--dir', root, '--host', 'pi'])
    expect(expectOneLineError(r, 'show', 1)).to.include('not found on host pi')
  })
})
