import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {glixBin, useTempDirs} from './helpers/repo.js'

const root = fileURLToPath(new URL('..', import.meta.url))

/** JSON text with every object's keys sorted, so key order does not matter. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1))) : v,
  )
}

describe('build', () => {
  it('has a committed oclif.manifest.json that matches the commands (npm run build regenerates it)', () => {
    // `npm test` builds first, so the working copy is what the current sources produce;
    // a difference from what git holds (the index) means the committed manifest is stale.
    // oclif does not always write commands in the same order, so compare content, not text.
    const committed = JSON.parse(execFileSync('git', ['show', ':oclif.manifest.json'], {cwd: root}).toString())
    const built = JSON.parse(readFileSync(`${root}/oclif.manifest.json`, 'utf8'))
    expect(canonical(built), 'oclif.manifest.json is stale: run `npm run build` and commit it').to.equal(canonical(committed))
    const manifest = JSON.parse(readFileSync(`${root}/oclif.manifest.json`, 'utf8'))
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'))
    expect(manifest.version).to.equal(pkg.version)
    for (const id of ['init', 'add', 'list', 'show', 'info', 'version']) expect(manifest.commands).to.have.property(id)
  })

  it('does not bake the build machine hostname into the manifest', () => {
    const text = readFileSync(`${root}/oclif.manifest.json`, 'utf8')
    const manifest = JSON.parse(text)
    for (const command of Object.values<{flags: Record<string, {default?: unknown}>}>(manifest.commands)) {
      expect(command.flags.host?.default).to.equal(undefined)
    }
  })

  it('declares Node 20 support and pins the oclif plugins exactly', () => {
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'))
    expect(pkg.engines.node).to.equal('>=20')
    for (const name of ['@oclif/core', '@oclif/plugin-help', '@oclif/plugin-plugins', '@oclif/plugin-autocomplete']) {
      expect(pkg.dependencies[name], name).to.match(/^\d+\.\d+\.\d+$/)
      const installed = JSON.parse(readFileSync(`${root}/node_modules/${name}/package.json`, 'utf8'))
      const engine: string = installed.engines?.node ?? ''
      expect(engine, `${name} engines`).to.not.match(/>=\s*2[2-9]/)
    }
  })

  it('builds bin/run.js against dist/', () => {
    expect(existsSync(`${root}/dist/commands/add.js`)).to.equal(true)
  })
})

describe('the bundle bin/run.js loads (dist/bundle/glix.cjs)', function () {
  this.timeout(120_000)
  const tempDir = useTempDirs()
  const bundlePath = `${root}/dist/bundle/glix.cjs`

  it('holds the very commands of oclif.manifest.json and a hook for every hook of package.json', () => {
    const bundle = createRequire(import.meta.url)(bundlePath) as {COMMANDS: Record<string, {summary?: string}>; run: unknown} & Record<string, unknown>
    const manifest = JSON.parse(readFileSync(`${root}/oclif.manifest.json`, 'utf8'))
    expect(Object.keys(bundle.COMMANDS).sort()).to.deep.equal(Object.keys(manifest.commands).sort())
    for (const [id, command] of Object.entries(bundle.COMMANDS)) expect(command.summary, id).to.equal(manifest.commands[id].summary)
    const pkg = JSON.parse(readFileSync(`${root}/package.json`, 'utf8'))
    const declared = Object.values<string | string[]>(pkg.oclif.hooks).flat().length
    expect(Object.keys(bundle).filter((name) => name.startsWith('HOOK_') && typeof bundle[name] === 'function')).to.have.lengthOf(declared)
    expect(typeof bundle.run).to.equal('function')
  })

  it('sends every dynamic import through __glixImport (Node 20 loses import() in cached code)', () => {
    const text = readFileSync(bundlePath, 'utf8')
    const [first, ...rest] = text.split('\n')
    // The one import() left is the bundle's own, on its first line, for a load without the cache.
    expect(first).to.match(/__glixHostImport : \(specifier\) => import\(specifier\)$/)
    expect(rest.join('\n').match(/(?<![\w$."'`])import\(/g) ?? []).to.deep.equal([])
    expect(text).to.include('__glixImport(')
  })

  /** The one cache file under `<cacheDir>/code`, or undefined. */
  const cacheFileIn = (cacheDir: string) => {
    const dir = path.join(cacheDir, 'code')
    const files = existsSync(dir) ? readdirSync(dir) : []
    expect(files.length, files.join(', ')).to.be.at.most(1)
    return files[0] && path.join(dir, files[0])
  }

  it('runs help, --json, hooks and a plugin command from the bundle, writing the code cache once and then using it', async () => {
    const cacheDir = await tempDir()
    const env = {GLIX_CACHE_DIR: cacheDir}
    const help = await glixBin(['help', 'list'], {env})
    expect(help.code, help.stderr).to.equal(0)
    expect(help.stdout).to.include('List a host\'s packages').and.to.include('USAGE')
    const cache = cacheFileIn(cacheDir)
    expect(cache, 'a code cache after the first run').to.be.a('string')
    const written = statSync(cache!).mtimeMs
    const version = await glixBin(['version', '--json'], {env})
    expect(version.code, version.stderr).to.equal(0)
    expect(JSON.parse(version.stdout).version).to.match(/^\d+\.\d+\.\d+$/)
    // command_not_found, a hook of the bundle.
    const typo = await glixBin(['lst'], {env})
    expect(typo.stderr).to.include('did you mean "list"')
    // A command of a core plugin loads from node_modules through import(), from cached code.
    const plugins = await glixBin(['plugins'], {env: {...env, GLIX_DATA_DIR: await tempDir()}})
    expect(plugins.code, plugins.stderr).to.equal(0)
    expect(plugins.stdout).to.include('No plugins installed')
    expect(statSync(cache!).mtimeMs, 'the cache was served, not rejected and rewritten').to.equal(written)
  })

  it('recompiles and rewrites a damaged or foreign cache, and writes none under NODE_DISABLE_COMPILE_CACHE', async () => {
    const cacheDir = await tempDir()
    expect((await glixBin(['version'], {env: {GLIX_CACHE_DIR: cacheDir}})).code).to.equal(0)
    const cache = cacheFileIn(cacheDir)!
    const [stamp] = readFileSync(cache, 'utf8').split('\n', 1)
    writeFileSync(cache, `${stamp}\nnot V8 code`)
    const damaged = await glixBin(['help', 'show'], {env: {GLIX_CACHE_DIR: cacheDir}})
    expect(damaged.code, damaged.stderr).to.equal(0)
    expect(damaged.stdout).to.include('Show one package')
    expect(readFileSync(cache).length).to.be.greaterThan(1000)
    writeFileSync(cache, `{"ino":0,"mtime":0,"size":0}\nnot V8 code`)
    expect((await glixBin(['version'], {env: {GLIX_CACHE_DIR: cacheDir}})).code).to.equal(0)
    expect(readFileSync(cache, 'utf8').split('\n', 1)[0], 'a cache of another bundle is replaced').to.equal(stamp)
    const off = await tempDir()
    const plain = await glixBin(['help', 'show'], {env: {GLIX_CACHE_DIR: off, NODE_DISABLE_COMPILE_CACHE: '1'}})
    expect(plain.code, plain.stderr).to.equal(0)
    expect(cacheFileIn(off)).to.equal(undefined)
  })
})
