import {expect} from 'chai'
import fc from 'fast-check'

import {safeBlock, safeText} from '../../../src/lib/ui/safe.js'

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/

describe('ui/safe: the output boundary', () => {
  it('writes every terminal control visibly: ESC sequences, C1 CSI, BEL, BS, CR, LF, bidi overrides', () => {
    const cases: Array<[string, string]> = [
      ['a\u001B]0;owned\u0007b', String.raw`a\x1b]0;owned\x07b`],
      ['\u001Bc', String.raw`\x1bc`],
      ['\u001B#8', String.raw`\x1b#8`],
      ['\u001B(0', String.raw`\x1b(0`],
      ['\u009B2J', String.raw`\x9b2J`],
      ['x\by', String.raw`x\x08y`],
      ['row\nforged  row', String.raw`row\nforged  row`],
      ['over\rwrite', String.raw`over\rwrite`],
      ['abc\u202Edef', String.raw`abc\u202edef`],
      ['plain text: ünïcödé 日本 🎉', 'plain text: ünïcödé 日本 🎉'],
    ]
    for (const [input, expected] of cases) expect(safeText(input)).to.equal(expected)
  })

  it('keeps the layout of captured blocks but drops colours and escapes the rest', () => {
    expect(safeBlock('\u001B[1;31merror:\u001B[0m bad\n\tdetail\r\n')).to.equal('error: bad\n\tdetail\n')
    expect(safeBlock('building\rdone\u001B]0;t\u0007\u001Bc')).to.equal(String.raw`building\rdone\x1b]0;t\x07\x1bc`)
  })

  it('property: nothing unsafe survives, and safe text is unchanged', () => {
    fc.assert(
      fc.property(fc.string({unit: 'binary', maxLength: 60}), (text) => {
        expect(CONTROL.test(safeText(text))).to.equal(false)
        expect(CONTROL_BUT_LAYOUT.test(safeBlock(text))).to.equal(false)
        if (!CONTROL.test(text)) expect(safeText(text)).to.equal(text)
      }),
      {numRuns: 3000},
    )
  })
})
