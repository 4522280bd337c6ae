/**
 * Property tests of the manifest writer and reader: for any manifest glix
 * can hold, writing then reading gives the same manifest, and writing is
 * idempotent (the canonical form is a fixed point).
 */
import TOML from '@iarna/toml'
import {expect} from 'chai'
import fc from 'fast-check'

import {parseManifest, parseManifestDocument} from '../../../src/lib/manifest/read.js'
import {OPTIONAL_SETTING_KEYS} from '../../../src/lib/manifest/types.js'
import {renderManifest} from '../../../src/lib/manifest/write.js'
import {manifest} from './arbitraries.js'

const NUM_RUNS = 200

describe('manifest round trip (property)', () => {
  it('parseManifest(renderManifest(m)) deep-equals m', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        const text = renderManifest(m)
        expect(parseManifest(text, 'glix.toml').manifest).to.deep.equal(m)
      }),
      {numRuns: NUM_RUNS},
    )
  })

  it('renderManifest is idempotent: rendering what it read gives the same bytes', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        const once = renderManifest(m)
        const twice = renderManifest(parseManifest(once, 'glix.toml').manifest)
        expect(twice).to.equal(once)
      }),
      {numRuns: NUM_RUNS},
    )
  })

  it('what glix writes is read the same by a plain TOML reader', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        const text = renderManifest(m)
        // @iarna/toml, the independent reader, loses keys named like Object.prototype members.
        fc.pre(!/__proto__|constructor|toString|valueOf|hasOwnProperty/.test(text))
        const data = TOML.parse(text) as Record<string, unknown>
        const packages = (data.packages ?? {}) as Record<string, Record<string, unknown>>
        expect(Object.keys(packages).sort()).to.deep.equal(Object.keys(m.packages).sort())
        for (const [n, entry] of Object.entries(m.packages)) {
          expect(packages[n].flake).to.equal(entry.flake)
          expect(packages[n].pin).to.equal(entry.pin)
          expect(packages[n].config ?? {}).to.deep.equal(entry.config)
        }

        const s = data.settings as Record<string, unknown>
        for (const key of OPTIONAL_SETTING_KEYS) expect(s[key]).to.equal(m.settings[key])
      }),
      {numRuns: NUM_RUNS},
    )
  })

  it('writes no comment but the header', () => {
    fc.assert(
      fc.property(manifest, (m) => {
        expect(parseManifestDocument(renderManifest(m), 'glix.toml').document.comments).to.deep.equal([0])
      }),
      {numRuns: NUM_RUNS},
    )
  })
})
