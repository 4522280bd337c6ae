/**
 * `glix status` against a repo with several commits and ledger refs
 * (test/helpers/ledger-repo.ts).
 */
import {expect} from 'chai'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'

import {createDeployedRepo, deploy} from '../helpers/ledger-repo.js'
import {expectOneLineError, git, glix, glixOk, headOf, lines, useHermeticGit, useTempDirs} from '../helpers/repo.js'

interface HostStatus {
  host: string
  state: string
  deployed?: string
  deployed_at?: string
  behind?: number
  behind_all?: number
}

describe('glix status', function () {
  this.timeout(120_000)
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let root: string
  let at: Record<string, string>

  before(async () => {
    root = path.join(await tempDir(), 'repo')
    at = await createDeployedRepo(root)
  })

  it('shows, per host, the deployed commit and how many glix commits it is behind, or never deployed', async () => {
    const r = await glixOk(['status', '--dir', root, '--all-hosts'])
    const when = /\d{4}-\d\d-\d\d \d\d:\d\d/
    expect(lines(r.stdout).map((l) => l.replace(when, 'WHEN'))).to.deep.equal([
      'HOST     DEPLOYED      AT                STATUS                                    LAST RUN  LOG',
      `desktop  ${at.desktop.slice(0, 12)}  WHEN  8 glix commits behind (+1 other)          -         -`,
      'laptop   -             -                 never deployed                            -         -',
      `pi       ${headOf(root).slice(0, 12)}  WHEN  up to date                                -         -`,
      `tv       ${at.experiment.slice(0, 12)}  WHEN  deployed commit is not in HEAD's history  -         -`,
    ])
    expect(r.stderr).to.equal('')
  })

  it('shows one host with --host, and --json gives the full data', async () => {
    const r = await glixOk(['status', '--dir', root, '--host', 'desktop', '--json'])
    const result = JSON.parse(r.stdout) as {head: string; hosts: HostStatus[]}
    expect(result.head).to.equal(headOf(root))
    expect(result.hosts).to.have.lengthOf(1)
    expect(result.hosts[0]).to.include({behind: 8, behind_all: 9, deployed: at.desktop, host: 'desktop', state: 'behind'})
    expect(result.hosts[0].deployed_at).to.match(/^\d{4}-\d\d-\d\dT/)
  })

  it('follows the ledger as it moves', async () => {
    deploy(root, 'laptop', at.pi)
    try {
      const r = await glixOk(['status', '--dir', root, '--host', 'laptop'])
      expect(lines(r.stdout)[1]).to.match(new RegExp(`^laptop {2}${at.pi.slice(0, 12)} {2}\\S+ \\S+ {2}7 glix commits behind \\(\\+1 other\\) {2}- {9}-$`))
    } finally {
      git(root, 'update-ref', '-d', 'refs/glix/deployed/laptop')
    }
  })

  it('refuses an unknown host', async () => {
    expect(expectOneLineError(await glix(['status', '--dir', root, '--host', 'nope']), 'status', 1)).to.match(/host "nope" not found/)
  })

  it('shows how each host\'s newest rebuild run ended and where its log is', async () => {
    const runs = path.join(root, '.git', 'glix', 'runs')
    const run = (id: string, hosts: Array<Record<string, unknown>>, action = 'switch') => {
      mkdirSync(path.join(runs, id), {recursive: true})
      writeFileSync(path.join(runs, id, 'run.json'), JSON.stringify({action, finished_at: '2026-01-01T00:00:00.000Z', hosts, pid: 1, started_at: '2026-01-01T00:00:00.000Z'}))
    }

    run('2026-01-01T000000.000Z', [{host: 'desktop', result: 'succeeded'}, {host: 'laptop', result: 'succeeded'}])
    run('2026-01-02T000000.000Z', [{exit_code: 1, host: 'desktop', result: 'failed'}, {host: 'tv', result: 'skipped'}], 'build')
    try {
      const r = await glixOk(['status', '--dir', root, '--all-hosts'])
      const rows = lines(r.stdout).map((l) => l.split(/ {2,}/))
      expect(rows[0].slice(4)).to.deep.equal(['LAST RUN', 'LOG'])
      const lastRun = Object.fromEntries(rows.slice(1).map((row) => [row[0], row.slice(-2)]))
      expect(lastRun).to.deep.equal({
        desktop: ['build failed (exit 1)', path.join(runs, '2026-01-02T000000.000Z', 'desktop.log')],
        laptop: ['switch succeeded', path.join(runs, '2026-01-01T000000.000Z', 'laptop.log')],
        pi: ['-', '-'],
        tv: ['build skipped', '-'],
      })
      const json = await glixOk(['status', '--dir', root, '--host', 'desktop', '--json'])
      expect((json.result as {hosts: Array<{last_run: Record<string, unknown>}>}).hosts[0].last_run).to.deep.equal({
        action: 'build',
        exit_code: 1,
        host: 'desktop',
        log: path.join(runs, '2026-01-02T000000.000Z', 'desktop.log'),
        result: 'failed',
        run: '2026-01-02T000000.000Z',
        started_at: '2026-01-01T00:00:00.000Z',
      })
    } finally {
      rmSync(runs, {force: true, recursive: true})
    }
  })
})
