// Every transcript of README.md and docs/*.md runs, in order, in a fresh
// temporary directory (the page's /tmp/tour), and prints what the page
// shows (see transcripts.ts for the format, the directives and what is
// normalised). docs/commands.md is generated from the commands and checked
// by test/docs/reference.test.ts instead.
//
// Blocks run without Nix on PATH unless marked `nix`, as the README says
// the tour does. With DOCS_UPDATE=1 the pages are rewritten with what the
// commands printed instead (review the diff): the way to fix drift.
import {expect} from 'chai'
import {spawn} from 'node:child_process'
import {accessSync, constants, existsSync, readdirSync} from 'node:fs'
import {chmod, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'

import {json, type Loopback, startLoopback} from '../lib/registry/loopback.js'
import {writeFakePrograms} from '../helpers/fake-rebuild.js'
import {copyNixFixtures, hasNix, nixEnv} from '../helpers/nix.js'
import {BIN, PACKAGE_ROOT} from '../helpers/repo.js'
import {type DocBlock, matchesTranscript, parseBlocks, rewriteTranscripts} from './transcripts.js'

/** The pages whose transcripts run. */
function documents(): string[] {
  const docs = readdirSync(path.join(PACKAGE_ROOT, 'docs'))
    .filter((name) => name.endsWith('.md') && name !== 'commands.md')
    .sort()
    .map((name) => path.join('docs', name))
  return ['README.md', ...docs]
}

/** What the page calls the runner's temporary directory and the loopback registry. */
const PAGE_TMP = '/tmp/tour'
const PAGE_REGISTRY = '127.0.0.1:8080'

/** The programs a page may use when Nix is hidden (everything else stays off PATH); glix itself needs flock (util-linux). */
const TOOLS = ['bash', 'sh', 'env', 'git', 'flock', 'npm', 'cat', 'ls', 'printf', 'echo', 'sed', 'grep', 'head', 'tail', 'mkdir', 'rm', 'cp', 'mv', 'tr', 'sort', 'wc', 'dirname', 'basename', 'uname', 'id', 'true', 'false', 'readlink', 'chmod', 'touch']

function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue
    const file = path.join(dir, name)
    try {
      accessSync(file, constants.X_OK)
      return file
    } catch {
      // not here
    }
  }

  return undefined
}

/** One page's run: a temp dir, a shell state carried from command to command, the registry. */
interface Session {
  tmp: string
  envFile: string
  cwdFile: string
  /** PATH without Nix, with Nix, with the stand-ins. */
  paths: {bare: string; nix: string; standIn: string}
  registry: Loopback
  registryPort: string
}

async function startSession(): Promise<Session> {
  const tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'glix-docs-')))
  const shims = path.join(tmp, '.shims')
  const bare = path.join(tmp, '.bare-bin')
  await mkdir(shims)
  await mkdir(bare)
  const glix = path.join(shims, 'glix')
  await writeFile(glix, `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`)
  await chmod(glix, 0o755)
  await symlink(process.execPath, path.join(bare, 'node'))
  for (const tool of TOOLS) {
    const found = which(tool)
    if (found && !existsSync(path.join(bare, tool))) await symlink(found, path.join(bare, tool))
  }

  const standIn = await writeFakePrograms(path.join(tmp, '.stand-in'))
  await copyNixFixtures(path.join(tmp, 'flakes'))
  const registry = await startLoopback()
  const registryPort = new URL(registry.url('/')).host

  // The environment of a fresh login with Nix's flakes on: nothing of the developer's own.
  const base = nixEnv()
  const env: Record<string, string> = {
    GIT_AUTHOR_EMAIL: 'alice@example.com',
    GIT_AUTHOR_NAME: 'Alice',
    GIT_COMMITTER_EMAIL: 'alice@example.com',
    GIT_COMMITTER_NAME: 'Alice',
    GIT_CONFIG_GLOBAL: path.join(tmp, '.gitconfig'),
    GIT_CONFIG_NOSYSTEM: '1',
    GLIX_DATA_DIR: path.join(tmp, '.glix-data'),
    HOME: path.join(tmp, 'home'),
    LANG: 'C.UTF-8',
    NIX_CONFIG: base.NIX_CONFIG ?? '',
    NO_COLOR: '1',
    TERM: 'dumb',
    USER: 'alice',
    XDG_CACHE_HOME: path.join(tmp, '.cache'),
    XDG_CONFIG_HOME: path.join(tmp, '.config'),
    XDG_DATA_HOME: path.join(tmp, '.local-share'),
  }
  await writeFile(env.GIT_CONFIG_GLOBAL, '')
  await mkdir(env.HOME)
  const envFile = path.join(tmp, '.env.sh')
  await writeFile(envFile, Object.entries(env).map(([k, v]) => `export ${k}='${v.replaceAll("'", String.raw`'\''`)}'\n`).join(''))
  const cwdFile = path.join(tmp, '.cwd')
  await writeFile(cwdFile, PACKAGE_ROOT)
  const processPath = process.env.PATH ?? ''
  return {
    cwdFile,
    envFile,
    paths: {bare: `${shims}:${bare}`, nix: `${shims}:${processPath}`, standIn: `${shims}:${standIn}:${processPath}`},
    registry,
    registryPort,
    tmp,
  }
}

/** The page's text of a command (`/tmp/tour`, port 8080) → what runs here. */
function toHere(session: Session, text: string): string {
  return text.replaceAll(PAGE_TMP, session.tmp).replaceAll(PAGE_REGISTRY, session.registryPort)
}

/** What ran here → the page's text. */
function toPage(session: Session, text: string): string {
  return text.replaceAll(session.tmp, PAGE_TMP).replaceAll(session.registryPort, PAGE_REGISTRY)
}

/**
 * Runs one command in bash with the state the page's earlier commands
 * left (exported variables, working directory), stdout and stderr as one
 * stream, stdin empty, and saves the state it leaves.
 */
function runCommand(session: Session, command: string, pathValue: string): Promise<string> {
  const script = [
    'exec 2>&1',
    '. "$GLIXDOC_ENV"',
    'export PATH="$GLIXDOC_PATH"',
    'cd "$(cat "$GLIXDOC_CWD")" || exit 99',
    command,
    '__glixdoc_rc=$?',
    'pwd > "$GLIXDOC_CWD"',
    "export -p | grep -v -e ' GLIXDOC_' -e ' PATH=' -e ' OLDPWD' -e ' PWD=' -e ' SHLVL=' > \"$GLIXDOC_ENV.next\"",
    'mv "$GLIXDOC_ENV.next" "$GLIXDOC_ENV"',
    'exit $__glixdoc_rc',
  ].join('\n')
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', ['--noprofile', '--norc', '-c', script], {
      env: {GLIXDOC_CWD: session.cwdFile, GLIXDOC_ENV: session.envFile, GLIXDOC_PATH: pathValue},
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      out += chunk
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000)
    child.on('error', reject)
    child.on('close', () => {
      clearTimeout(timer)
      resolve(out)
    })
  })
}

/** A command whose output differs from the page. */
interface Drift {
  file: string
  line: number
  command: string
  expected: string[]
  actual: string[]
}

/** What a run of one page found. */
interface PageRun {
  drift: Drift[]
  skipped: string[]
  commands: number
}

function pathFor(session: Session, block: DocBlock): string {
  if (block.directive === 'nix') return session.paths.nix
  if (block.directive === 'stand-in') return session.paths.standIn
  return session.paths.bare
}

async function runPage(file: string): Promise<PageRun> {
  const text = await readFile(path.join(PACKAGE_ROOT, file), 'utf8')
  const blocks = parseBlocks(text)
  const run: PageRun = {commands: 0, drift: [], skipped: []}
  if (!blocks.some((b) => b.commands.length > 0)) return run
  const session = await startSession()
  try {
    for (const block of blocks) {
      const directive = block.directive ?? ''
      if (directive.startsWith('serve ')) {
        session.registry.route(directive.slice('serve '.length).trim(), json(block.body.join('\n')))
        continue
      }

      if (directive === 'stop the registry') await session.registry.close()
      if (block.commands.length === 0) continue
      if (directive.startsWith('skip')) {
        const reason = directive.replace(/^skip:?\s*/, '')
        expect(reason, `${file}:${block.line}: a skipped block says why`).not.to.equal('')
        run.skipped.push(`${file}:${block.line}: ${reason}`)
        continue
      }

      if (directive === 'nix' && !hasNix()) {
        if (process.env.CI === 'true') expect.fail(`${file}:${block.line} needs nix, which is not on PATH`)
        run.skipped.push(`${file}:${block.line}: nix is not on PATH`)
        continue
      }

      for (const command of block.commands) {
        if (command.command.includes('<TAB>')) continue
        run.commands++
        const output = toPage(session, await runCommand(session, toHere(session, command.command), pathFor(session, block)))
        const actual = output.split('\n')
        if (actual.at(-1) === '') actual.pop()
        if (!matchesTranscript(command.expected, actual)) {
          run.drift.push({actual, command: command.command, expected: command.expected, file, line: command.line})
        }
      }
    }
  } finally {
    await session.registry.close().catch(() => {})
    await rm(session.tmp, {force: true, recursive: true})
  }

  if (process.env.DOCS_UPDATE === '1' && run.drift.length > 0) {
    await writeFile(path.join(PACKAGE_ROOT, file), rewriteTranscripts(text, new Map(run.drift.map((d) => [d.line, d.actual]))))
  }

  return run
}

function describeDrift(drift: Drift[]): string {
  return drift
    .map((d) => [`${d.file}:${d.line}: $ ${d.command}`, '  the page shows:', ...d.expected.map((l) => `    ${l}`), '  it printed:', ...d.actual.map((l) => `    ${l}`)].join('\n'))
    .join('\n\n')
}

describe('executable docs: every transcript runs and prints what the page shows', function () {
  this.timeout(30 * 60_000)

  for (const file of documents()) {
    it(file, async function () {
      const run = await runPage(file)
      for (const skipped of run.skipped) console.log(`      skipped ${skipped}`)
      if (run.drift.length > 0 && process.env.DOCS_UPDATE === '1') console.log(`      rewrote ${run.drift.length} transcript(s) in ${file}`)
      expect(run.drift, `${run.drift.length} of ${run.commands} command(s) differ (DOCS_UPDATE=1 rewrites the page)\n\n${describeDrift(run.drift)}`).to.deep.equal([])
    })
  }

  it('runs the README tour itself: at least 40 commands, glix and git among them', async () => {
    const commands = parseBlocks(await readFile(path.join(PACKAGE_ROOT, 'README.md'), 'utf8')).flatMap((b) => (b.directive?.startsWith('skip') ? [] : b.commands))
    expect(commands.length).to.be.at.least(40)
    expect(commands.filter((c) => c.command.startsWith('glix ')).length).to.be.at.least(35)
  })
})
