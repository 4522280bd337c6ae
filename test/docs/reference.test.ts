// docs/commands.md is the command reference, generated from the commands
// (`npm run readme`, i.e. `oclif readme`). It must match what the current
// commands generate, so a flag added, renamed or described anew without
// regenerating the page fails here, like a stale oclif.manifest.json.
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {copyFile, mkdtemp, readFile, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {PACKAGE_ROOT} from '../helpers/repo.js'

const REFERENCE = path.join(PACKAGE_ROOT, 'docs', 'commands.md')

/** Regenerates the reference into a copy of the page, as `npm run readme` does, and returns the copy's text. */
async function regenerate(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'glix-reference-'))
  try {
    const copy = path.join(dir, 'commands.md')
    await copyFile(REFERENCE, copy)
    const pkg = JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as {scripts: Record<string, string>}
    // The flags of the npm script, so the test cannot drift from it.
    const flags = pkg.scripts.readme.replace(/^COLUMNS=120 oclif readme /, '').split(' ')
    const readmePath = flags.indexOf('--readme-path')
    flags[readmePath + 1] = copy
    await new Promise<void>((resolve, reject) => {
      execFile(process.execPath, [path.join(PACKAGE_ROOT, 'node_modules', 'oclif', 'bin', 'run.js'), 'readme', ...flags], {
        cwd: PACKAGE_ROOT,
        env: {...process.env, COLUMNS: '120', GLIX_HOST: 'reference'},
      }, (error, _stdout, stderr) => (error ? reject(new Error(`oclif readme failed: ${stderr}`)) : resolve()))
    })
    return await readFile(copy, 'utf8')
  } finally {
    await rm(dir, {force: true, recursive: true})
  }
}

describe('docs/commands.md (the generated command reference)', function () {
  this.timeout(180_000)

  it('is what `npm run readme` generates from the current commands', async () => {
    const generated = await regenerate()
    expect(generated === (await readFile(REFERENCE, 'utf8')), 'docs/commands.md is stale: run `npm run build && npm run readme` and commit it').to.equal(true)
  })

  it('documents every visible command and flag of the manifest', async () => {
    const page = await readFile(REFERENCE, 'utf8')
    const manifest = JSON.parse(await readFile(path.join(PACKAGE_ROOT, 'oclif.manifest.json'), 'utf8')) as {
      commands: Record<string, {flags: Record<string, {hidden?: boolean}>; hidden?: boolean}>
    }
    for (const [id, command] of Object.entries(manifest.commands)) {
      if (command.hidden) continue
      expect(page, id).to.include(`## \`glix ${id.replaceAll(':', ' ')}`)
      for (const [name, flag] of Object.entries(command.flags)) if (!flag.hidden) expect(page, `${id} --${name}`).to.include(`--${name}`)
    }
  })
})
