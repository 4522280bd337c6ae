import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdtemp, realpath, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {UsageError} from '../../../src/lib/errors.js'
import {behindHead, ledgerRef, readLedger, recordDeployment} from '../../../src/lib/repo/ledger.js'

describe('the deploy ledger', () => {
  let root: string
  const env = {...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1'}
  const git = (...args: string[]) => execFileSync('git', args, {cwd: root, encoding: 'utf8', env}).trim()
  const commit = (subject: string) => {
    git('-c', 'user.name=t', '-c', 'user.email=t@x', 'commit', '--quiet', '--allow-empty', '-m', subject)
    return git('rev-parse', 'HEAD')
  }

  beforeEach(async () => {
    root = await realpath(await mkdtemp(path.join(tmpdir(), 'glix-ledger-')))
    git('init', '--quiet', '--initial-branch=main')
  })
  afterEach(() => rm(root, {force: true, recursive: true}))

  it('names refs/glix/deployed/<host> and refuses names that are not host names', () => {
    expect(ledgerRef('desktop')).to.equal('refs/glix/deployed/desktop')
    expect(() => ledgerRef('../heads/main')).to.throw(UsageError)
  })

  it('records, reads back and moves a deployment without touching branches', async () => {
    const first = commit('glix init: bootstrap host desktop')
    const second = commit('glix add desktop: firefox')
    expect((await readLedger(root)).get('desktop')).to.equal(undefined)
    await recordDeployment(root, 'desktop', first, 'glix rebuild switch')
    await recordDeployment(root, 'pi', second, 'glix rebuild boot')
    await recordDeployment(root, 'desktop', second, 'glix rebuild switch')
    const desktop = (await readLedger(root)).get('desktop')
    expect(desktop?.commit).to.equal(second)
    expect(desktop?.at).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/)
    const ledger = await readLedger(root)
    expect([...ledger.keys()]).to.deep.equal(['desktop', 'pi'])
    expect(ledger.get('pi')?.commit).to.equal(second)
    expect(git('reflog', 'show', '--format=%H %gs', 'refs/glix/deployed/desktop').split('\n')).to.deep.equal([
      `${second} glix rebuild switch`,
      `${first} glix rebuild switch`,
    ])
    expect(git('rev-parse', 'HEAD')).to.equal(second)
    expect(git('for-each-ref', '--format=%(refname)', 'refs/heads')).to.equal('refs/heads/main')
    expect(git('status', '--porcelain')).to.equal('')
  })

  it('is empty in a repo without deployments (or without commits)', async () => {
    expect((await readLedger(root)).size).to.equal(0)
  })

  it('counts glix commits and all commits between the deployment and HEAD', async () => {
    const deployed = commit('glix init: bootstrap host desktop')
    commit('glix add desktop: firefox')
    commit('my own commit')
    const head = commit('glix disable desktop: firefox')
    expect(await behindHead(root, deployed, head)).to.deep.equal({ancestor: true, commits: 3, glixCommits: 2})
    expect(await behindHead(root, head, head)).to.deep.equal({ancestor: true, commits: 0, glixCommits: 0})
  })

  it('notices a deployed commit outside HEAD\'s history', async () => {
    const base = commit('glix init: bootstrap host desktop')
    git('checkout', '--quiet', '-b', 'side')
    const side = commit('glix add desktop: side thing')
    git('checkout', '--quiet', 'main')
    git('branch', '--quiet', '-D', 'side')
    const head = commit('glix add desktop: firefox')
    expect(await behindHead(root, side, head)).to.deep.equal({ancestor: false, commits: 1, glixCommits: 1})
    expect(await behindHead(root, base, head)).to.deep.equal({ancestor: true, commits: 1, glixCommits: 1})
  })
})
