/**
 * The command line around the commands, as the real executable sees it:
 * global flags before the command (bin/run.js hoists them), `help` of a
 * mistyped command, and a reference with an empty `#` fragment.
 */
import {expect} from 'chai'
import path from 'node:path'

import {addPackage, createRepo, expectOneLineError, glix, glixBin, lines, useHermeticGit, useTempDirs} from '../helpers/repo.js'

describe('the command line: global flags first, help of a typo, empty fragments', function () {
  this.timeout(120_000)
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let root: string

  before(async () => {
    root = await createRepo(path.join(await tempDir(), 'repo'), [{host: 'desktop'}, {host: 'pi', system: 'aarch64-linux', user: 'pi-user'}])
    await addPackage(root, 'pi', 'github:owner/raspi-firmware')
  })

  it('`glix --json list` is `glix list --json`', async () => {
    const r = await glixBin(['--json', '--host=pi', 'list', '--dir', root])
    expect(r.code, r.stderr).to.equal(0)
    expect(JSON.parse(r.stdout).packages.map((p: {name: string}) => p.name)).to.deep.equal(['raspi-firmware'])
  })

  it('`glix --dir=X --host=Y --json info` works, values and all', async () => {
    const r = await glixBin([`--dir=${root}`, '--host=pi', '--json', 'info'])
    expect(r.code, r.stderr).to.equal(0)
    expect(JSON.parse(r.stdout).root).to.equal(root)
    const spaced = await glixBin(['--dir', root, '--json', '--host', 'pi', 'show', 'raspi-firmware'])
    expect(spaced.code, spaced.stderr).to.equal(0)
    expect(JSON.parse(spaced.stdout).flake).to.equal('github:owner/raspi-firmware')
  })

  it('a mutation takes --json before the command too', async () => {
    const r = await glixBin(['--json', '--dir', root, 'disable', 'raspi-firmware', '--host=pi', '--no-lock', '--dry-run'])
    expect(r.code, r.stderr).to.equal(0)
    expect(JSON.parse(r.stdout)).to.include({changed: true, command: 'disable', dry_run: true, subject: 'glix disable pi: raspi-firmware'})
  })

  it('`glix help lsit` says "did you mean" like `glix lsit`, exit 127', async () => {
    const typo = await glixBin(['lsit'])
    const help = await glixBin(['help', 'lsit'])
    expect(help.code).to.equal(127)
    expect(help.stdout).to.equal('')
    expect(lines(help.stderr)).to.deep.equal(['glix: "lsit" is not a glix command; did you mean "list"?'])
    expect(help.stderr).to.equal(typo.stderr)
    const topic = await glixBin(['help', 'host', 'sett'])
    expect(lines(topic.stderr)).to.deep.equal(['glix: "host sett" is not a glix command; did you mean "host set"?'])
  })

  it('`glix help <command>` and `glix help <topic>` still show help', async () => {
    const command = await glixBin(['help', 'host', 'set'])
    expect(command.code, command.stderr).to.equal(0)
    expect(command.stdout).to.include('USAGE').and.to.include('glix host set')
    const topic = await glixBin(['help', 'host'])
    expect(topic.code, topic.stderr).to.equal(0)
    expect(topic.stdout).to.include('host remove').and.to.include('host set')
  })

  it('`add github:a/b#` (an empty fragment) is refused as a usage error', async () => {
    const message = expectOneLineError(await glix(['add', 'github:a/b#', '--dir', root, '--host', 'pi', '--no-lock']), 'add', 2)
    expect(message).to.match(/empty '#' fragment/)
  })
})
