import {expect} from 'chai'

import {InterruptedError, ProcessError} from '../../src/lib/errors.js'
import {deferSignals, describeCommand, identifyProcess, isProcessAlive, killProcessGroup, runProcess, summariseStderr} from '../../src/lib/process.js'

describe('runProcess', () => {
  it('returns stdout as text and bytes, and passes stdin', async () => {
    const result = await runProcess('cat', [], {input: 'héllo\n'})
    expect(result.stdout).to.equal('héllo\n')
    expect(result.stdoutBytes.equals(Buffer.from('héllo\n'))).to.equal(true)
  })

  it('fails with the last stderr line of the program when it prints no error: line', async () => {
    const error = await runProcess('sh', ['-c', 'echo first >&2; echo "the reason" >&2; exit 3']).catch((e: unknown) => e)
    expect(error).to.be.instanceOf(ProcessError)
    expect((error as Error).message).to.equal('sh failed: the reason')
  })

  it("names the real subcommand and keeps Nix's error: line, not its --show-trace hint", async () => {
    const script = [
      "echo \"warning: you don't have Internet access; disabling some network-dependent features\" >&2",
      "echo \"error: unable to download 'https://api.github.com/repos/donnismoore/glixos/commits/HEAD': Couldn't resolve host name (6)\" >&2",
      "echo \"(use '--show-trace' to show detailed location information)\" >&2",
      'exit 1',
    ].join('; ')
    // A stand-in called like nix: the name is taken from the arguments, not the first two of them.
    const error = await runProcess('sh', ['-c', script]).catch((e: unknown) => e)
    expect((error as Error).message).to.equal(
      "sh failed: unable to download 'https://api.github.com/repos/donnismoore/glixos/commits/HEAD': Couldn't resolve host name (6)",
    )
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

describe('describeCommand', () => {
  it('skips global options and their values', () => {
    expect(describeCommand('nix', ['--extra-experimental-features', 'nix-command flakes', 'flake', 'lock'])).to.equal('nix flake lock')
    expect(describeCommand('nix', ['--option', 'substitute', 'false', 'flake', 'update', 'nixpkgs'])).to.equal('nix flake update')
    expect(describeCommand('nix', ['eval', '--json', '.#x'])).to.equal('nix eval')
    expect(describeCommand('git', ['--literal-pathspecs', 'update-ref', '-m', 'glix: x', 'HEAD', 'abc'])).to.equal('git update-ref')
    expect(describeCommand('git', ['-c', 'user.useConfigOnly=true', 'commit-tree', 'abc'])).to.equal('git commit-tree')
    expect(describeCommand('nixos-rebuild', ['switch', '--flake', '/r#h'])).to.equal('nixos-rebuild switch')
  })
})

describe('summariseStderr', () => {
  it("keeps every Nix error: line with its continuation, never the --show-trace hint or code frames", () => {
    const stderr = [
      "error: attribute 'x' missing",
      '',
      '       at /nix/store/abc-source/flake.nix:5:3:',
      '',
      '            4|',
      "(use '--show-trace' to show detailed location information)",
    ].join('\n')
    expect(summariseStderr(stderr)).to.equal("attribute 'x' missing")
  })

  it("keeps git's fatal: line and the advice after it", () => {
    const stderr = "fatal: detected dubious ownership in repository at '/tmp/r'\nTo add an exception for this directory, call:\n\n\tgit config --global --add safe.directory /tmp/r\n"
    expect(summariseStderr(stderr)).to.equal(
      "detected dubious ownership in repository at '/tmp/r' To add an exception for this directory, call: git config --global --add safe.directory /tmp/r",
    )
  })
})

describe('process identity and signals', () => {
  it('tells a live process from a dead one by pid, boot id and start time', async () => {
    const me = identifyProcess()
    expect(me.start, 'start time from /proc').to.match(/^\d+$/)
    expect(isProcessAlive(me)).to.equal(true)
    expect(isProcessAlive({...me, start: String(Number(me.start) + 1)}), 'same pid, another start: a recycled pid').to.equal(false)
    expect(isProcessAlive({...me, boot: 'another-boot'})).to.equal(false)
    const child = await runProcess('sh', ['-c', 'echo $$'])
    expect(isProcessAlive(identifyProcess(Number(child.stdout)))).to.equal(false)
  })

  it('killProcessGroup stops a child and its own children', async () => {
    const {spawn} = await import('node:child_process')
    const child = spawn('sh', ['-c', 'sleep 30 & echo $!; wait'], {detached: true, stdio: ['ignore', 'pipe', 'ignore']})
    const grandchild = Number(await new Promise<string>((resolve) => child.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString()))))
    const closed = new Promise((resolve) => child.on('close', resolve))
    expect(killProcessGroup(child.pid!, 'SIGTERM')).to.equal(true)
    await closed
    const until = Date.now() + 10_000
    while (isProcessAlive({pid: grandchild}) && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(isProcessAlive({pid: grandchild}), "the child's own child is gone too").to.equal(false)
  })

  it('deferSignals stops the running child on SIGTERM and lets the caller end with InterruptedError (exit 143)', async () => {
    const error = await deferSignals(async (scope) => {
      const running = runProcess('sleep', ['30'])
      setTimeout(() => process.kill(process.pid, 'SIGTERM'), 100)
      await running.catch(() => {})
      scope.check()
    }).catch((e: unknown) => e)
    expect(error).to.be.instanceOf(InterruptedError)
    expect((error as InterruptedError).exit).to.equal(143)
    expect((error as Error).message).to.equal('interrupted by SIGTERM')
    expect(process.listenerCount('SIGTERM'), 'handlers removed').to.equal(0)
  })
})
