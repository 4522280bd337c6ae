import {expect} from 'chai'
import {execFileSync} from 'node:child_process'
import {mkdtemp, realpath, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {UsageError} from '../../../src/lib/errors.js'
import {
  behindHead,
  ledgerRef,
  parseSystemRecord,
  readDeployedStates,
  readLedger,
  readSystemRecord,
  recordDeployment,
  systemRef,
} from '../../../src/lib/repo/ledger.js'

const SYSTEM = {
  drv_path: '/nix/store/dzk45dbjgs3dv9yqbkfmfhykcg3iva93-nixos-system-desktop.drv',
  out_path: '/nix/store/vvw64s4ibqf5glnfg644ng6qpb3jhki7-nixos-system-desktop',
}
const OTHER = {
  drv_path: '/nix/store/0000000000000000000000000000000a-nixos-system-pi.drv',
  out_path: '/nix/store/0000000000000000000000000000000b-nixos-system-pi',
}

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
    await recordDeployment(root, 'desktop', first, 'switch')
    await recordDeployment(root, 'pi', second, 'boot')
    await recordDeployment(root, 'desktop', second, 'switch')
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

  describe('system records', () => {
    it('records the evaluated system with the commit, as a blob beside the deployed ref, without a reflog', async () => {
      const first = commit('glix init: bootstrap host desktop')
      await recordDeployment(root, 'desktop', first, 'switch', SYSTEM)
      expect(systemRef('desktop')).to.equal('refs/glix/system/desktop')
      expect(git('cat-file', '-t', 'refs/glix/system/desktop')).to.equal('blob')
      const record = await readSystemRecord(root, 'desktop', first)
      expect(record).to.deep.include({action: 'switch', commit: first, host: 'desktop', system: SYSTEM})
      expect(record?.at).to.match(/^\d{4}-\d\d-\d\dT/)
      expect(() => git('reflog', 'exists', 'refs/glix/system/desktop')).to.throw()
      expect(git('reflog', 'exists', 'refs/glix/deployed/desktop')).to.equal('')
      git('gc', '--quiet')
      expect(git('fsck', '--no-dangling')).to.equal('')
      expect(await readSystemRecord(root, 'desktop', first)).to.deep.include({system: SYSTEM})
    })

    it('counts a record only while it belongs to the deployed commit', async () => {
      const first = commit('glix init: bootstrap host desktop')
      const second = commit('glix add desktop: firefox')
      await recordDeployment(root, 'desktop', first, 'switch', SYSTEM)
      expect(await readSystemRecord(root, 'desktop', second)).to.equal(undefined)
      // A deploy by a glix that keeps no record moves the deployed ref only (and drops the old record).
      git('update-ref', 'refs/glix/deployed/desktop', second)
      expect((await readDeployedStates(root)).get('desktop')).to.deep.equal({commit: second, host: 'desktop'})
      await recordDeployment(root, 'desktop', second, 'boot')
      expect(git('for-each-ref', '--format=%(refname)', 'refs/glix/system/')).to.equal('')
    })

    it('records why the system could not be evaluated', async () => {
      const first = commit('glix init: bootstrap host desktop')
      await recordDeployment(root, 'desktop', first, 'switch', {error: 'nix eval failed: boom'})
      const record = await readSystemRecord(root, 'desktop', first)
      expect(record).to.deep.include({error: 'nix eval failed: boom'})
      expect(record?.system).to.equal(undefined)
    })

    it('reads every host\'s deployed commit and record with two git calls', async () => {
      const first = commit('glix init: bootstrap host desktop')
      const second = commit('glix add pi: x')
      await recordDeployment(root, 'desktop', first, 'switch', SYSTEM)
      await recordDeployment(root, 'pi', second, 'boot', OTHER)
      await recordDeployment(root, 'tv', second, 'switch')
      const states = await readDeployedStates(root)
      expect([...states.keys()].sort()).to.deep.equal(['desktop', 'pi', 'tv'])
      expect(states.get('desktop')?.record).to.deep.include({commit: first, system: SYSTEM})
      expect(states.get('pi')?.record).to.deep.include({action: 'boot', commit: second, system: OTHER})
      expect(states.get('tv')).to.deep.equal({commit: second, host: 'tv'})
    })

    it('refuses records that glix did not write: the refs are shared input', () => {
      const commit40 = 'a'.repeat(40)
      const good = {action: 'switch', at: '2026-01-26T07:27:00.000Z', commit: commit40, host: 'pi', system: OTHER}
      expect(parseSystemRecord(JSON.stringify(good), 'pi')).to.deep.equal(good)
      const bad: unknown[] = [
        {...good, host: 'desktop'},
        {...good, commit: 'HEAD'},
        {...good, action: '--exec'},
        {...good, at: 'yesterday'},
        {...good, system: {...OTHER, out_path: '-oProxyCommand=x'}},
        {...good, system: {...OTHER, drv_path: '/nix/store/\u001b]0;pwned\u0007-x.drv'}},
        {...good, system: {...OTHER, out_path: '/nix/store/short-nixos'}},
        'not an object',
        null,
      ]
      for (const value of bad) expect(parseSystemRecord(JSON.stringify(value), 'pi'), JSON.stringify(value)).to.equal(undefined)
      expect(parseSystemRecord('{broken', 'pi')).to.equal(undefined)
    })
  })
})
