import {expect} from 'chai'
import {existsSync, readFileSync, statSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, realpath, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {
  listRuns,
  openCappedLog,
  pruneRuns,
  readLastRun,
  readLastRuns,
  readRun,
  runsDir,
  startRun,
  unfinishedHosts,
} from '../../../src/lib/rebuild/runs.js'

describe('the record of rebuild runs', () => {
  let root: string
  let clock = Date.now()
  const now = () => new Date((clock += 1000))

  beforeEach(async () => {
    root = await realpath(await mkdtemp(path.join(tmpdir(), 'glix-runs-')))
    await mkdir(path.join(root, '.git'))
  })
  afterEach(() => rm(root, {force: true, recursive: true}))

  /** A run.json as an earlier glix left it. */
  async function oldRun(id: string, hosts: Array<[string, string]>, extra: Record<string, unknown> = {}): Promise<void> {
    const dir = path.join(runsDir(root), id)
    await mkdir(dir, {recursive: true})
    const record = {action: 'switch', finished_at: '2026-01-01T00:00:00.000Z', hosts: hosts.map(([host, result]) => ({host, result})), pid: 1, started_at: '2026-01-01T00:00:00.000Z', ...extra}
    await writeFile(path.join(dir, 'run.json'), JSON.stringify(record))
  }

  describe('a capped log', () => {
    it('keeps everything under the cap', async () => {
      const file = path.join(root, 'a.log')
      const log = openCappedLog(file, {headBytes: 100, tailBytes: 100})
      log.note('glix rebuild: nixos-rebuild build')
      log.line('one')
      log.line('two')
      log.close()
      log.line('after close is ignored')
      expect(readFileSync(file, 'utf8')).to.equal('# glix rebuild: nixos-rebuild build\none\ntwo\n')
    })

    it('keeps the head and the tail and says how much it left out between', async () => {
      const file = path.join(root, 'b.log')
      const log = openCappedLog(file, {headBytes: 40, tailBytes: 30})
      for (let i = 1; i <= 100; i++) log.line(`line ${String(i).padStart(3, '0')}`) // 9 bytes each with the newline
      log.close()
      const text = readFileSync(file, 'utf8')
      const lines = text.split('\n').filter(Boolean)
      // 4 lines (36 bytes) fit the head; the tail holds the last 3 (27 bytes); 93 lines (837 bytes) are left out.
      expect(lines).to.deep.equal(['line 001', 'line 002', 'line 003', 'line 004', '# … 93 line(s), 837 bytes left out (log cap) …', 'line 098', 'line 099', 'line 100'])
      expect(statSync(file).size).to.be.at.most(40 + 30 + 60)
    })
  })

  describe('a run', () => {
    it('writes run.json at the start, as hosts start and end, and marks itself finished after the last host', async () => {
      const run = startRun(root, {action: 'build', head: 'a'.repeat(40), hosts: ['desktop', 'laptop'], now})
      expect(run.id).to.equal(new Date(clock).toISOString().replaceAll(':', ''))
      expect(readRun(root, run.id)?.hosts).to.deep.equal([
        {host: 'desktop', result: 'pending'},
        {host: 'laptop', result: 'pending'},
      ])
      const log = run.openHost('desktop', 'nixos-rebuild build --flake /r#desktop')
      expect(readRun(root, run.id)?.hosts[0].result).to.equal('running')
      log.line('building')
      log.close()
      run.finishHost({duration_ms: 5, exit_code: 0, host: 'desktop', result: 'succeeded'})
      expect(readRun(root, run.id)?.finished_at).to.equal(undefined)
      run.finishHost({error: 'not started', host: 'laptop', result: 'skipped'})
      const record = readRun(root, run.id)!
      expect(record.finished_at).to.be.a('string')
      expect(record).to.include({action: 'build', head: 'a'.repeat(40), id: run.id, pid: process.pid})
      expect(record.hosts).to.deep.equal([
        {duration_ms: 5, exit_code: 0, host: 'desktop', result: 'succeeded'},
        {error: 'not started', host: 'laptop', result: 'skipped'},
      ])
      expect(readFileSync(run.logOf('desktop'), 'utf8')).to.match(/^# glix rebuild: nixos-rebuild build --flake \/r#desktop\n# started \S+\nbuilding\n$/)
      expect(existsSync(run.logOf('laptop'))).to.equal(false)
      expect(unfinishedHosts(record)).to.deep.equal(['laptop'])
    })

    it('gets a fresh directory when two runs start in the same millisecond', () => {
      const fixed = () => new Date('2026-01-26T07:27:00.000Z')
      const a = startRun(root, {action: 'build', hosts: ['pi'], now: fixed})
      const b = startRun(root, {action: 'build', hosts: ['pi'], now: fixed})
      expect([a.id, b.id]).to.deep.equal(['2026-01-26T072700.000Z', '2026-01-26T072700.000Z-1'])
      expect(listRuns(root)).to.deep.equal([b.id, a.id])
    })

    it('reads the unfinished hosts of a run whose process is gone as interrupted', async () => {
      await oldRun('2026-01-02T000000.000Z', [['desktop', 'succeeded'], ['laptop', 'running'], ['pi', 'pending']], {
        finished_at: undefined,
        pid: 2 ** 22 + 12345, // above Linux's pid_max: no such process
        started_at: new Date().toISOString(),
      })
      const run = readLastRun(root)!
      expect(run.hosts.map((h) => h.result)).to.deep.equal(['succeeded', 'interrupted', 'interrupted'])
      expect(unfinishedHosts(run)).to.deep.equal(['laptop', 'pi'])
    })

    it('reads a run of a live process as still running', async () => {
      await oldRun('2026-01-02T000000.000Z', [['laptop', 'running']], {finished_at: undefined, pid: process.pid, started_at: new Date().toISOString()})
      expect(readLastRun(root)!.hosts[0].result).to.equal('running')
    })

    it('ignores what it did not write: other names, broken run.json, hosts that are not host names', async () => {
      await mkdir(path.join(runsDir(root), 'notes'), {recursive: true})
      await mkdir(path.join(runsDir(root), '2026-01-03T000000.000Z'))
      await writeFile(path.join(runsDir(root), '2026-01-03T000000.000Z', 'run.json'), '{not json')
      await oldRun('2026-01-02T000000.000Z', [['../etc', 'failed'], ['pi', 'failed']])
      expect(listRuns(root)).to.deep.equal(['2026-01-03T000000.000Z', '2026-01-02T000000.000Z'])
      const run = readLastRun(root)!
      expect(run.id).to.equal('2026-01-02T000000.000Z')
      expect(run.hosts.map((h) => h.host)).to.deep.equal(['pi'])
    })
  })

  describe('across runs', () => {
    it('finds each host\'s newest run and its log', async () => {
      await oldRun('2026-01-01T000000.000Z', [['desktop', 'failed'], ['laptop', 'succeeded']])
      await oldRun('2026-01-02T000000.000Z', [['desktop', 'succeeded'], ['pi', 'skipped']], {action: 'boot'})
      const last = readLastRuns(root, ['desktop', 'laptop', 'pi', 'tv'])
      expect([...last.keys()].sort()).to.deep.equal(['desktop', 'laptop', 'pi'])
      expect(last.get('desktop')).to.include({action: 'boot', result: 'succeeded', run: '2026-01-02T000000.000Z'})
      expect(last.get('desktop')?.log).to.equal(path.join(runsDir(root), '2026-01-02T000000.000Z', 'desktop.log'))
      expect(last.get('laptop')).to.include({action: 'switch', result: 'succeeded', run: '2026-01-01T000000.000Z'})
      expect(last.get('pi')?.log, 'a skipped host has no log').to.equal(undefined)
    })

    it('prunes all but the newest runs, keeping each host\'s newest', async () => {
      await oldRun('2026-01-01T000000.000Z', [['tv', 'succeeded']])
      await oldRun('2026-01-02T000000.000Z', [['pi', 'failed']])
      for (let day = 3; day <= 9; day++) await oldRun(`2026-01-0${day}T000000.000Z`, [['desktop', 'succeeded']])
      await oldRun('2026-01-00T000000.000Z', [['gone', 'succeeded']])
      const removed = pruneRuns(root, {hosts: ['desktop', 'pi', 'tv'], keep: 3})
      expect(removed.sort()).to.deep.equal([
        '2026-01-00T000000.000Z',
        '2026-01-03T000000.000Z',
        '2026-01-04T000000.000Z',
        '2026-01-05T000000.000Z',
        '2026-01-06T000000.000Z',
      ])
      expect((await readdir(runsDir(root))).sort()).to.deep.equal([
        '2026-01-01T000000.000Z',
        '2026-01-02T000000.000Z',
        '2026-01-07T000000.000Z',
        '2026-01-08T000000.000Z',
        '2026-01-09T000000.000Z',
      ])
    })

    it('prunes when a run starts, so at most keepRuns runs (plus hosts\' newest) remain', async () => {
      for (let day = 1; day <= 5; day++) await oldRun(`2026-01-0${day}T000000.000Z`, [['desktop', 'succeeded']])
      startRun(root, {action: 'build', hosts: ['desktop'], limits: {keepRuns: 3}, now, repoHosts: ['desktop']})
      expect(listRuns(root)).to.have.lengthOf(3)
      expect(listRuns(root).slice(1)).to.deep.equal(['2026-01-05T000000.000Z', '2026-01-04T000000.000Z'])
    })
  })
})
