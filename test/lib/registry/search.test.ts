import {expect} from 'chai'

import type {Registry} from '../../../src/lib/registry/document.js'
import {SPINNER_FRAMES, startSpinner} from '../../../src/lib/registry/progress.js'
import {searchRegistry} from '../../../src/lib/registry/search.js'
import {closestNames} from '../../../src/lib/registry/suggest.js'

const REGISTRY: Registry = {
  packages: {
    'firefox': {description: 'Mozilla Firefox web browser', flake: 'github:NixOS/nixpkgs#firefox'},
    'firefox-esr': {description: 'Firefox, extended support release', flake: 'github:NixOS/nixpkgs#firefox-esr'},
    'librewolf': {description: 'A fork of Firefox', flake: 'github:NixOS/nixpkgs#librewolf'},
    'raspi-firmware': {description: 'Firmware and boot files for the Raspberry Pi', flake: 'github:owner/raspi-firmware'},
    'raspi-fw': {description: '', flake: 'github:owner/raspi-firmware'},
    'zfirefox-tools': {description: 'Helpers', flake: 'github:owner/zfirefox-tools'},
  },
  schema: 1,
}

const names = (query: string) => searchRegistry(REGISTRY, query).map((m) => m.name)

describe('registry search', () => {
  it('matches names and descriptions, ignoring case; name-prefix matches first, each group by name', () => {
    expect(names('firefox')).to.deep.equal(['firefox', 'firefox-esr', 'librewolf', 'zfirefox-tools'])
    expect(names('FIREFOX')).to.deep.equal(['firefox', 'firefox-esr', 'librewolf', 'zfirefox-tools'])
    expect(names('raspberry')).to.deep.equal(['raspi-firmware'])
    expect(names('firm')).to.deep.equal(['raspi-firmware'])
    expect(names('raspi')).to.deep.equal(['raspi-firmware', 'raspi-fw'])
    expect(names('nothing-like-it')).to.deep.equal([])
  })

  it('lists everything, by name, for an empty query', () => {
    expect(names('')).to.deep.equal(['firefox', 'firefox-esr', 'librewolf', 'raspi-firmware', 'raspi-fw', 'zfirefox-tools'])
    expect(names('  ')).to.have.lengthOf(6)
  })

  it('returns name, flake and description', () => {
    expect(searchRegistry(REGISTRY, 'raspi-fw')).to.deep.equal([{description: '', flake: 'github:owner/raspi-firmware', name: 'raspi-fw'}])
  })
})

describe('closest names (fuzzy suggestions)', () => {
  const candidates = Object.keys(REGISTRY.packages)

  it('suggests raspi-firmware for raspi-firmwar', async () => {
    expect((await closestNames('raspi-firmwar', candidates))[0]).to.equal('raspi-firmware')
  })

  it('catches typos a substring match misses: swaps, a wrong letter, a missing letter', async () => {
    expect(await closestNames('firefxo', candidates)).to.deep.equal(['firefox'])
    expect(await closestNames('firefix', candidates)).to.deep.equal(['firefox'])
    expect(await closestNames('librwolf', candidates)).to.deep.equal(['librewolf'])
    expect(await closestNames('Firefox', candidates)).to.deep.equal(['firefox', 'firefox-esr', 'zfirefox-tools'])
  })

  it('also offers names containing the query (or contained in it), closest first, at most 3', async () => {
    expect(await closestNames('raspi', candidates)).to.deep.equal(['raspi-fw', 'raspi-firmware'])
    expect(await closestNames('firefox-nightly', candidates)).to.deep.equal(['firefox'])
    expect(await closestNames('firefox-es', candidates)).to.deep.equal(['firefox-esr', 'firefox'])
    expect(await closestNames('fire', candidates, 2)).to.deep.equal(['firefox', 'firefox-esr'])
  })

  it('offers nothing when nothing is close', async () => {
    expect(await closestNames('vim', candidates)).to.deep.equal([])
    expect(await closestNames('ff', candidates)).to.deep.equal([])
    expect(await closestNames('x', [])).to.deep.equal([])
  })
})

describe('registry spinner', () => {
  it('draws frames on one line and clears it when stopped, once', async () => {
    const out: string[] = []
    const stop = startSpinner('fetching registry…', (chunk) => out.push(chunk), 5)
    await new Promise((resolve) => setTimeout(resolve, 40))
    stop()
    stop()
    const count = out.length
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(out.length, 'nothing drawn after stop').to.equal(count)
    expect(out[0]).to.equal(`\r${SPINNER_FRAMES[0]} fetching registry…`)
    expect(out[1]).to.equal(`\r${SPINNER_FRAMES[1]} fetching registry…`)
    expect(out.length).to.be.greaterThan(3)
    expect(out.at(-1)).to.equal('\r\u001B[K')
    expect(out.filter((c) => c === '\r\u001B[K')).to.have.lengthOf(1)
  })
})
