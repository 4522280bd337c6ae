/**
 * src/lib/repo/known.ts: what a command read or wrote is served again only
 * while the file is the same file. A property test interleaves glix's
 * reads and writes with edits made behind its back (in place with the same
 * size and the modification time put back, by rename, chmod) and checks
 * that every read returns what is on disk at that moment.
 */
import {expect} from 'chai'
import fc from 'fast-check'
import {chmodSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {parseCommittedManifest, readManifest} from '../../../src/lib/manifest/read.js'
import {captureEntry, writeFileAtomic} from '../../../src/lib/repo/fs.js'
import {knownIdentity, lstatNs, RACY_MS, recall} from '../../../src/lib/repo/known.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Long enough that a read made now is past the racy window of the last change. */
const settle = () => sleep(RACY_MS + 20)

/** A manifest whose text has the same length for every `n` of one digit. */
const manifest = (n: number) => `schema = 1\n\n[packages.p${n}]\nflake = "github:owner/p${n}"\n`

describe('known files (one open per command)', function () {
  this.timeout(120_000)
  let dir: string
  let file: string

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'glix-known-'))
    file = path.join(dir, 'glix.toml')
  })

  afterEach(() => rm(dir, {force: true, recursive: true}))

  it('serves a settled read again, and not one made right after the file changed', async () => {
    writeFileSync(file, manifest(1))
    await captureEntry(dir, 'glix.toml')
    expect(knownIdentity(file), 'a file changed just now is not vouched for').to.equal(undefined)
    await settle()
    await captureEntry(dir, 'glix.toml')
    expect(recall(file, lstatNs(file))?.data.toString()).to.equal(manifest(1))
  })

  it('serves what glix wrote, until the file is touched behind its back', async () => {
    await writeFileAtomic(file, manifest(2))
    expect(recall(file, lstatNs(file))?.data.toString()).to.equal(manifest(2))
    const {mtime} = statSync(file)
    writeFileSync(file, manifest(3))
    utimesSync(file, mtime, mtime)
    expect(recall(file, lstatNs(file)), 'same size and mtime, but a new change time').to.equal(undefined)
    expect((await captureEntry(dir, 'glix.toml'))).to.deep.include({data: Buffer.from(manifest(3))})
  })

  it("reuses the work tree's parse for a committed copy with the same bytes, and only then", async () => {
    writeFileSync(file, manifest(4))
    await settle()
    const read = await readManifest(file)
    expect(parseCommittedManifest(Buffer.from(manifest(4)), file), 'the same bytes').to.equal(read)
    const other = parseCommittedManifest(Buffer.from(manifest(5)), file, 'hosts/h/glix.toml')
    expect(other).to.not.equal(read)
    expect(Object.keys(other.manifest.packages)).to.deep.equal(['p5'])
    expect(() => parseCommittedManifest(Buffer.from('schema = '), file, 'hosts/h/glix.toml')).to.throw(/^hosts\/h\/glix\.toml:1:/)
  })

  it('property: every read returns the bytes and mode on disk, whatever happened in between', async () => {
    type Step =
      | {kind: 'edit-in-place'; n: number}
      | {kind: 'replace'; n: number}
      | {kind: 'chmod'; exec: boolean}
      | {kind: 'glix-write'; n: number}
      | {kind: 'settle'}
    const step: fc.Arbitrary<Step> = fc.oneof(
      fc.record({kind: fc.constant('edit-in-place' as const), n: fc.integer({max: 9, min: 0})}),
      fc.record({kind: fc.constant('replace' as const), n: fc.integer({max: 9, min: 0})}),
      fc.record({exec: fc.boolean(), kind: fc.constant('chmod' as const)}),
      fc.record({kind: fc.constant('glix-write' as const), n: fc.integer({max: 9, min: 0})}),
      fc.constant({kind: 'settle' as const}),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(step, {maxLength: 6, minLength: 1}), async (steps) => {
        writeFileSync(file, manifest(0))
        await settle()
        for (const s of steps) {
          // Read first, so there is always something remembered that the step may make stale.
          await readManifest(file)
          await captureEntry(dir, 'glix.toml')
          switch (s.kind) {
            case 'edit-in-place': {
              const {mtime} = statSync(file)
              writeFileSync(file, manifest(s.n))
              utimesSync(file, mtime, mtime)
              break
            }

            case 'replace': {
              writeFileSync(`${file}.new`, manifest(s.n))
              renameSync(`${file}.new`, file)
              break
            }

            case 'chmod': {
              chmodSync(file, s.exec ? 0o755 : 0o644)
              break
            }

            case 'glix-write': {
              await writeFileAtomic(file, manifest(s.n))
              break
            }

            case 'settle': {
              await settle()
              break
            }
          }

          const onDisk = readFileSync(file)
          const entry = await captureEntry(dir, 'glix.toml')
          expect(entry).to.deep.equal({data: onDisk, mode: statSync(file).mode & 0o7777, type: 'file'})
          const parsed = await readManifest(file)
          expect(Object.keys(parsed.manifest.packages)).to.deep.equal([`p${/p(\d)/.exec(onDisk.toString())![1]}`])
        }
      }),
      {numRuns: 40},
    )
  })
})
