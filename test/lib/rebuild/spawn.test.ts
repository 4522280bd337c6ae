import {expect} from 'chai'

import {ProcessError} from '../../../src/lib/errors.js'
import {lineSplitter, spawnStreaming, stripAnsi} from '../../../src/lib/rebuild/spawn.js'

/** Runs a node script through the real spawner, capturing its lines. */
async function runNode(script: string): Promise<{code: number; lines: string[]; signal?: string}> {
  const lines: string[] = []
  const result = await spawnStreaming(process.execPath, ['-e', script], {onLine: (line) => lines.push(line)})
  return {...result, lines}
}

describe('spawnStreaming', () => {
  it('reports the lines of stdout and stderr as they come, and the exit status', async () => {
    const r = await runNode(`
      process.stdout.write('one\\n')
      setTimeout(() => { process.stderr.write('two\\nthr'); setTimeout(() => { process.stderr.write('ee\\n'); process.stdout.write('last without newline'); process.exitCode = 3 }, 30) }, 30)
    `)
    expect(r.code).to.equal(3)
    expect(r.lines).to.deep.equal(['one', 'two', 'three', 'last without newline'])
  })

  it('drops colours and empty lines and splits carriage-return progress', async () => {
    const r = await runNode(`process.stdout.write('\\u001b[1;32mbuilding\\u001b[0m x\\r\\n\\n   \\n[1/3 built]\\r[2/3 built]\\r[3/3 built]\\n')`)
    expect(r.lines).to.deep.equal(['building x', '[1/3 built]', '[2/3 built]', '[3/3 built]'])
  })

  it('reports a signal as 128 + its number', async () => {
    const r = await runNode(`process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 1000)`)
    expect(r.code).to.equal(143)
    expect(r.signal).to.equal('SIGTERM')
  })

  it('rejects with NOT_FOUND when the program is missing', async () => {
    try {
      await spawnStreaming('glix-no-such-program', [], {})
      expect.fail('should reject')
    } catch (error) {
      expect(error).to.be.instanceOf(ProcessError)
      expect((error as ProcessError).code).to.equal('NOT_FOUND')
      expect((error as ProcessError).message).to.equal('glix-no-such-program not found on PATH')
    }
  })

  it('never runs a shell: arguments arrive as they are', async () => {
    const lines: string[] = []
    await spawnStreaming(process.execPath, ['-e', 'console.log(JSON.stringify(process.argv.slice(1)))', '$(echo hi)', 'a b;c'], {onLine: (l) => lines.push(l)})
    expect(JSON.parse(lines[0])).to.deep.equal(['$(echo hi)', 'a b;c'])
  })
})

describe('lineSplitter and stripAnsi', () => {
  it('joins a line split across chunks, including a \\r\\n split in two', () => {
    const lines: string[] = []
    const s = lineSplitter((l) => lines.push(l))
    for (const chunk of ['ab', 'c\r', '\nd', 'e\n', 'tail']) s.push(chunk)
    s.flush()
    expect(lines).to.deep.equal(['abc', 'de', 'tail'])
  })

  it('removes CSI and OSC sequences', () => {
    expect(stripAnsi('\u001B[31mred\u001B[39m \u001B]0;title\u0007text\u001B[2K')).to.equal('red text')
  })
})
