import {expect} from 'chai'

import {ProcessError} from '../../src/lib/errors.js'
import {runProcess} from '../../src/lib/process.js'

describe('runProcess', () => {
  it('returns stdout as text and bytes, and passes stdin', async () => {
    const result = await runProcess('cat', [], {input: 'héllo\n'})
    expect(result.stdout).to.equal('héllo\n')
    expect(result.stdoutBytes.equals(Buffer.from('héllo\n'))).to.equal(true)
  })

  it('fails with the last stderr line of the program', async () => {
    const error = await runProcess('sh', ['-c', 'echo first >&2; echo "the reason" >&2; exit 3']).catch((e: unknown) => e)
    expect(error).to.be.instanceOf(ProcessError)
    expect((error as Error).message).to.match(/failed: the reason$/)
  })

  it('kills a program that outlives timeoutMs, even with allowFailure', async () => {
    const started = Date.now()
    const error = await runProcess('sleep', ['10'], {allowFailure: true, timeoutMs: 200}).catch((e: unknown) => e)
    expect(error).to.be.instanceOf(ProcessError)
    expect((error as ProcessError).code).to.equal('TIMEOUT')
    expect(Date.now() - started).to.be.below(5000)
  })

  it('says when the program is not on PATH', async () => {
    const error = await runProcess('glix-no-such-program', []).catch((e: unknown) => e)
    expect((error as ProcessError).code).to.equal('NOT_FOUND')
  })
})
