import {expect} from 'chai'

import {hoistGlobalFlags} from '../../src/lib/global-flags.js'

describe('hoistGlobalFlags: global flags before the command', () => {
  const cases: Array<[string[], string[]]> = [
    [['--host=pi', 'list'], ['list', '--host=pi']],
    [['--json', 'list'], ['list', '--json']],
    [['--dir=X', '--host=Y', '--json', 'info'], ['info', '--dir=X', '--host=Y', '--json']],
    [['--dir', 'X', '--json', '--host', 'Y', 'host', 'set', 'a=b'], ['host', 'set', 'a=b', '--dir', 'X', '--json', '--host', 'Y']],
    [['--json', 'rebuild', 'build', '--', '--json'], ['rebuild', 'build', '--json', '--', '--json']],
    [['list', '--json'], ['list', '--json']],
    [['--no-lock', 'add', 'x'], ['--no-lock', 'add', 'x']],
    [['--json'], ['--json']],
    [[], []],
  ]
  for (const [argv, expected] of cases) {
    it(`${JSON.stringify(argv)} → ${JSON.stringify(expected)}`, () => {
      expect(hoistGlobalFlags(argv)).to.deep.equal(expected)
    })
  }

  it('--json takes no value: the word after it is the command', () => {
    expect(hoistGlobalFlags(['--json', 'list', '--all'])).to.deep.equal(['list', '--all', '--json'])
  })
})
