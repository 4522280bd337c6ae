import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

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
