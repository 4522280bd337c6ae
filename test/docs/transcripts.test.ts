import {expect} from 'chai'

import {matchesTranscript, normaliseVolatile, parseBlocks, rewriteTranscripts} from './transcripts.js'

const PAGE = [
  'Intro',
  '',
  '<!-- doc-test: nix -->',
  '```',
  '$ glix add x',
  'added x',
  'committed 3f2a9c1d0b7e: glix add h: x',
  '$ glix list',
  '```',
  '',
  '```sh',
  'npm ci',
  '```',
].join('\n')

describe('executable docs: transcripts', () => {
  it('finds commands, their expected lines, their line numbers and the directive of their block', () => {
    const blocks = parseBlocks(PAGE)
    expect(blocks).to.have.lengthOf(2)
    expect(blocks[0].directive).to.equal('nix')
    expect(blocks[0].commands).to.deep.equal([
      {command: 'glix add x', expected: ['added x', 'committed 3f2a9c1d0b7e: glix add h: x'], line: 5},
      {command: 'glix list', expected: [], line: 8},
    ])
    expect(blocks[1].commands).to.deep.equal([])
  })

  it('normalises only hashes, durations and times', () => {
    expect(normaliseVolatile('committed 3f2a9c1d0b7e: glix add h: x')).to.equal('committed <hash>: glix add h: x')
    expect(normaliseVolatile('desktop  build  succeeded  1.2s')).to.equal('desktop  build  succeeded  <duration>')
    expect(normaliseVolatile('  nixpkgs  path:/x @ sha256-mctxP+Wn7ZuI')).to.equal('  nixpkgs  path:/x @ sha256-<hash>')
    expect(normaliseVolatile('desktop  de13b5445bb0  2026-11-26 07:27  behind')).to.equal('desktop  <hash>  <time>  behind')
    // Words made of hex letters are words.
    expect(normaliseVolatile('added deadbeef defaced')).to.equal('added deadbeef defaced')
  })

  it('fails on any other difference, and `…` matches any lines', () => {
    expect(matchesTranscript(['added x', 'committed 1111111aaaaa: s'], ['added x', 'committed 2222222bbbbb: s'])).to.equal(true)
    expect(matchesTranscript(['added x'], ['added y'])).to.equal(false)
    expect(matchesTranscript(['added x'], ['added x', 'more'])).to.equal(false)
    expect(matchesTranscript(['a', '…', 'z'], ['a', 'b', 'c', 'z'])).to.equal(true)
    expect(matchesTranscript(['a', '…', 'z'], ['a', 'z'])).to.equal(true)
    expect(matchesTranscript(['a', '…', 'z'], ['a', 'b'])).to.equal(false)
  })

  it('rewrites the expected lines of drifted commands, nothing else', () => {
    const next = rewriteTranscripts(PAGE, new Map([[5, ['added x', 'committed 4444444ccccc: glix add h: x', 'a new line']]]))
    expect(next).to.equal(PAGE.replace('committed 3f2a9c1d0b7e: glix add h: x', 'committed 4444444ccccc: glix add h: x\na new line'))
  })
})
