// The example plugin, installed the two ways users install plugins: linked
// from its directory, and from an `npm pack` tarball, each into a fresh
// plugin data dir (GLIX_DATA_DIR). Then it runs, imports glix's base class,
// hears glix's manifest:written hook, and uninstalls.
import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {
  addPackage,
  createRepo,
  expectOneLineError,
  glixBin,
  useHermeticGit,
  useTempDirs,
} from '../../../test/helpers/repo.js'

const PLUGIN_DIR = fileURLToPath(new URL('..', import.meta.url))

describe('example plugin: glix where', function () {
  this.timeout(180_000)
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let root: string
  let env: Record<string, string>

  before(async () => {
    root = await createRepo(path.join(await tempDir(), 'repo'), [{host: 'desktop'}, {host: 'laptop'}, {host: 'pi', system: 'aarch64-linux', user: 'pi-user'}])
    await addPackage(root, 'desktop', 'github:NixOS/nixpkgs#firefox')
    await addPackage(root, 'laptop', 'github:NixOS/nixpkgs#firefox')
    await addPackage(root, 'laptop', 'github:owner/pkg-greeting', '--scope=home', '--name=greeting')
    await addPackage(root, 'laptop', 'github:owner/tool')
    await glixBin(['disable', 'tool', '--dir', root, '--host', 'laptop', '--no-lock'])
    env = {GLIX_CACHE_DIR: await tempDir('glix-cache-'), GLIX_DATA_DIR: await tempDir('glix-data-')}
  })

  const where = (...args: string[]) => glixBin(['where', ...args, '--dir', root], {env})

  const expectWorks = async () => {
    const table = await where('firefox')
    expect(table.code, table.stderr).to.equal(0)
    expect(table.stdout).to.equal(
      'HOST     SCOPE   STATE    USER  FLAKE\n' +
        'desktop  system  enabled        github:NixOS/nixpkgs#firefox\n' +
        'laptop   system  enabled        github:NixOS/nixpkgs#firefox\n',
    )
    const json = await where('greeting', '--json')
    expect(JSON.parse(json.stdout)).to.deep.equal({
      hosts: [{flake: 'github:owner/pkg-greeting', host: 'laptop', scope: 'home', state: 'enabled', user: 'alice'}],
      name: 'greeting',
    })
    const disabled = JSON.parse((await where('tool', '--json')).stdout)
    expect(disabled.hosts[0].state).to.equal('disabled')
    // GlixError from the plugin goes through glix's catch(): one line, exit 1.
    expectOneLineError(await where('nope'), 'where', 1)
  }

  it('is not a command before it is installed', async () => {
    const r = await where('firefox')
    expect(r.code).to.equal(127)
  })

  it('works after `glix plugins link`, and goes away with `plugins uninstall`', async () => {
    const link = await glixBin(['plugins', 'link', PLUGIN_DIR], {env})
    expect(link.code, link.stderr).to.equal(0)
    const list = await glixBin(['plugins'], {env})
    expect(list.stdout).to.match(/glix-plugin-where 0\.1\.0 \(link\)/)
    await expectWorks()
    const rm = await glixBin(['plugins', 'uninstall', 'glix-plugin-where'], {env})
    expect(rm.code, rm.stderr).to.equal(0)
    expect((await where('firefox')).code).to.equal(127)
  })

  it('works after `glix plugins install file:<tarball>`, hears manifest:written, and uninstalls', async () => {
    const dest = await tempDir('glix-pack-')
    const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', dest], {cwd: PLUGIN_DIR}).toString().trim().split('\n').at(-1)!
    const install = await glixBin(['plugins', 'install', `file:${path.join(dest, tarball)}`], {env})
    expect(install.code, install.stderr).to.equal(0)
    expect(install.stderr).to.not.match(/MODULE_NOT_FOUND/)
    await expectWorks()

    // The plugin's hook runs inside glix's mutation.
    const log = path.join(await tempDir('glix-log-'), 'hook.log')
    const add = await glixBin(['add', 'github:owner/htop', '--dir', root, '--host', 'pi', '--no-lock'], {env: {...env, GLIX_WHERE_LOG: log}})
    expect(add.code, add.stderr).to.equal(0)
    expect(await readFile(log, 'utf8')).to.equal('pi\n')

    const rm = await glixBin(['plugins', 'uninstall', 'glix-plugin-where'], {env})
    expect(rm.code, rm.stderr).to.equal(0)
    expect((await where('firefox')).code).to.equal(127)
  })

  it('ships an oclif manifest that matches its commands (so installing it loads no code)', async () => {
    const manifest = JSON.parse(await readFile(path.join(PLUGIN_DIR, 'oclif.manifest.json'), 'utf8'))
    const url = new URL('../commands/where.js', import.meta.url).href
    const {default: Where} = (await import(url)) as {default: {args: Record<string, unknown>; summary: string}}
    expect(Object.keys(manifest.commands)).to.deep.equal(['where'])
    expect(manifest.commands.where.summary).to.equal(Where.summary)
    expect(Object.keys(manifest.commands.where.args)).to.deep.equal(Object.keys(Where.args))
  })
})
