/**
 * How many git processes a command starts (issue 12: "≤ 4 git processes
 * per mutation"; glix started 14–18). A `git` wrapper first on PATH logs
 * every call (test/helpers/tx.ts). A mutation needs five: one
 * `cat-file --batch` session (HEAD, the index stages of its paths, HEAD's
 * manifests), one `fast-import` (every blob and the tree), `commit-tree`
 * (git's identity and signing), `update-ref` (HEAD, compare-and-set) and
 * one `update-index` (the index follows the commit). Read commands start
 * none. Counts, not times: stable on a loaded machine.
 */
import {expect} from 'chai'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import {addPackage, git, glixOk, useEnv, useHermeticGit} from '../helpers/repo.js'
import {loggedCalls, useTxRepo} from '../helpers/tx.js'

/** The git subcommand of a logged argv (options and their values skipped). */
function subcommand(argv: string[]): string {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '-c' || argv[i] === '-C') i++
    else if (!argv[i].startsWith('-')) return argv[i]
  }

  return '?'
}

describe('git processes per command (integration)', function () {
  this.timeout(120_000)
  useHermeticGit()
  const env = useEnv()
  const repo = useTxRepo('glix-spawns-', [{host: 'a'}, {host: 'b'}, {host: 'c'}])
  let root: string
  let log: string

  beforeEach(async () => {
    root = repo.root
    await addPackage(root, 'a', 'github:owner/tool')
    await addPackage(root, 'b', 'github:owner/other')
    // A locked repo: a config change then needs no Nix (spec §4).
    await writeFile(path.join(root, 'flake.lock'), '{"nodes":{"root":{}},"root":"root","version":7}\n')
    git(root, 'add', 'flake.lock')
    git(root, 'commit', '-q', '-m', 'lock')
    log = path.join(repo.tmp, 'git.log')
    env.set('GLIX_TEST_GIT_LOG', log)
  })

  async function gitCalls(args: string[]): Promise<string[]> {
    await glixOk([...args, '--dir', root])
    const calls = loggedCalls(log).map(subcommand)
    env.set('GLIX_TEST_GIT_LOG', `${log}.${Date.now()}`)
    log = process.env.GLIX_TEST_GIT_LOG!
    return calls
  }

  const MUTATION = ['cat-file', 'fast-import', 'commit-tree', 'update-ref', 'update-index']

  it('add --no-lock: five git processes, one of each', async () => {
    expect(await gitCalls(['add', 'github:owner/new', '--host', 'c', '--no-lock'])).to.deep.equal(MUTATION)
  })

  it('set config.*, disable and enable: five each', async () => {
    expect(await gitCalls(['set', 'tool', 'config.colour=blue', '--host', 'a'])).to.deep.equal(MUTATION)
    expect(await gitCalls(['disable', 'tool', '--host', 'a', '--no-lock'])).to.deep.equal(MUTATION)
    expect(await gitCalls(['enable', 'tool', '--host', 'a', '--no-lock'])).to.deep.equal(MUTATION)
  })

  it('list and show: none', async () => {
    expect(await gitCalls(['list', '--host', 'a'])).to.deep.equal([])
    expect(await gitCalls(['list', '--all-hosts'])).to.deep.equal([])
    expect(await gitCalls(['show', 'tool', '--host', 'a'])).to.deep.equal([])
  })
})
