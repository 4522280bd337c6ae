/**
 * Fake `nixos-rebuild` and `nix-collect-garbage` for the rebuild tests:
 * real executable scripts in a temp directory put first on PATH (the real
 * programs cannot run here).
 *
 * The fake nixos-rebuild appends one JSON line per call to
 * `$FAKE_REBUILD_LOG` — its argv, the host of its `--flake` reference, and
 * start and end times — prints `$FAKE_REBUILD_LINES` lines of output (on
 * stdout and stderr, each padded with `$FAKE_REBUILD_PAD` dots)
 * `$FAKE_REBUILD_DELAY` ms apart, and exits 1 when the
 * host is listed in `$FAKE_REBUILD_FAIL` (comma-separated). With
 * `FAKE_REBUILD_LINES=0` it prints nothing but a failure's error line.
 * The fake nix-collect-garbage logs its argv the same way and prints two lines.
 * A fake `ssh` (written apart, by {@link writeFakeSsh}, so the real one
 * stays usable) logs its argv the same way and answers a probe with
 * `$FAKE_SSH_ANSWER`.
 */
import {chmod, mkdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'

/** One call of the fake nixos-rebuild. */
export interface RebuildCall {
  program: string
  argv: string[]
  host?: string
  start: number
  end: number
  code: number
}

const REBUILD = `#!/usr/bin/env node
const {appendFileSync} = require('node:fs')
const argv = process.argv.slice(2)
const flake = argv[argv.indexOf('--flake') + 1] || ''
const host = flake.includes('#') ? flake.slice(flake.lastIndexOf('#') + 1) : undefined
const fail = (process.env.FAKE_REBUILD_FAIL || '').split(',').includes(host)
const lines = Number(process.env.FAKE_REBUILD_LINES || 3)
const delay = Number(process.env.FAKE_REBUILD_DELAY || 100)
const pad = '.'.repeat(Number(process.env.FAKE_REBUILD_PAD || 0))
const start = Date.now()
let i = 0
function step() {
  if (i < lines) {
    i++
    const text = 'building ' + host + ': step ' + i + ' of ' + lines + pad + '\\n'
    if (i % 2) process.stderr.write(text)
    else process.stdout.write(text)
    setTimeout(step, delay)
    return
  }
  if (fail) process.stderr.write("error: builder for '/nix/store/0000-nixos-system-" + host + ".drv' failed with exit code 1\\n")
  else if (lines > 0) process.stdout.write('done: ' + host + '\\n')
  const code = fail ? 1 : 0
  if (process.env.FAKE_REBUILD_LOG) {
    appendFileSync(process.env.FAKE_REBUILD_LOG, JSON.stringify({program: 'nixos-rebuild', argv, host, start, end: Date.now(), code}) + '\\n')
  }
  process.exit(code)
}
step()
`

const GC = `#!/usr/bin/env node
const {appendFileSync} = require('node:fs')
const argv = process.argv.slice(2)
if (process.env.FAKE_REBUILD_LOG) {
  appendFileSync(process.env.FAKE_REBUILD_LOG, JSON.stringify({program: 'nix-collect-garbage', argv, start: Date.now(), end: Date.now(), code: 0}) + '\\n')
}
process.stdout.write('finding garbage collector roots...\\n')
process.stdout.write('0 store paths deleted, 0.00 MiB freed\\n')
process.exit(Number(process.env.FAKE_GC_EXIT || 0))
`

const SSH = `#!/usr/bin/env node
const {appendFileSync} = require('node:fs')
const argv = process.argv.slice(2)
if (process.env.FAKE_REBUILD_LOG) {
  appendFileSync(process.env.FAKE_REBUILD_LOG, JSON.stringify({program: 'ssh', argv, start: Date.now(), end: Date.now(), code: 0}) + '\\n')
}
process.stdout.write((process.env.FAKE_SSH_ANSWER || '/nix/store/00000000000000000000000000000000-nixos-system-x') + '\\n')
`

/** Writes a fake `ssh` into `dir/ssh-bin` and returns that directory (put it first on PATH). */
export async function writeFakeSsh(dir: string): Promise<string> {
  const bin = path.join(dir, 'ssh-bin')
  await mkdir(bin, {recursive: true})
  await writeFile(path.join(bin, 'ssh'), SSH)
  await chmod(path.join(bin, 'ssh'), 0o755)
  return bin
}

/** Writes the fake programs into `dir/bin` and returns that directory (put it first on PATH). */
export async function writeFakePrograms(dir: string): Promise<string> {
  const bin = path.join(dir, 'bin')
  await mkdir(bin, {recursive: true})
  for (const [name, text] of [['nixos-rebuild', REBUILD], ['nix-collect-garbage', GC]] as const) {
    const file = path.join(bin, name)
    await writeFile(file, text)
    await chmod(file, 0o755)
  }

  return bin
}

/** The calls logged in `log` (empty when there were none). */
export async function readCalls(log: string): Promise<RebuildCall[]> {
  let text: string
  try {
    text = await readFile(log, 'utf8')
  } catch {
    return []
  }

  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RebuildCall)
}

/** The most calls that were running at the same moment. */
export function maxOverlap(calls: RebuildCall[]): number {
  const events = calls.flatMap((c) => [
    {delta: 1, t: c.start},
    {delta: -1, t: c.end},
  ])
  // Ends before starts at the same instant: a host that ended as another began did not overlap it.
  events.sort((a, b) => a.t - b.t || a.delta - b.delta)
  let current = 0
  let max = 0
  for (const e of events) {
    current += e.delta
    max = Math.max(max, current)
  }

  return max
}
