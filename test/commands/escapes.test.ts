/**
 * The output boundary, end to end: a repo and a registry full of terminal
 * escape sequences — an OSC window title (ESC ] 0 ; … BEL), a full reset
 * (ESC c), a screen alignment test (ESC # 8), a charset switch (ESC ( 0),
 * the C1 CSI (U+009B), BEL, BS, CR and LF — in flakes, pins, config keys
 * and values, the host system, file names, commit subjects, registry
 * descriptions, an HTTP reason phrase and URLs in errors. Every command
 * runs as a real process; not one byte of its stdout or stderr may be a
 * control character other than newline, and the hostile text must still
 * be there, escaped (`\x1b`), so nothing was silently dropped. `--json`
 * stays exact.
 */
import {expect} from 'chai'
import {execFile, spawn} from 'node:child_process'
import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import {
  BIN,
  createRepo,
  editManifest,
  git,
  glixOk,
  PACKAGE_ROOT,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'
import {type Loopback, json, startLoopback} from '../lib/registry/loopback.js'

/** Every terminal control the boundary must neutralise, in one string. */
const EVIL = '\u001B]0;pwned\u0007\u001Bc\u001B#8\u001B(0\u009B2J\u0007\u0008\r\nforged'
/** The same without LF and CR (a commit subject keeps one line). */
const EVIL_LINE = '\u001B]0;pwned\u0007\u001Bc\u001B#8\u001B(0\u009B2J\u0007\u0008'

/** EVIL as a TOML basic string body. */
function toml(value: string): string {
  return [...value].map((ch) => (ch.codePointAt(0)! < 0x20 || (ch.codePointAt(0)! >= 0x7f && ch.codePointAt(0)! <= 0x9f) ? `\\u${ch.codePointAt(0)!.toString(16).padStart(4, '0')}` : ch)).join('')
}

/** What one run wrote, as bytes. */
interface Bytes {
  code: number
  stdout: Buffer
  stderr: Buffer
}

function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Bytes> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], {cwd: PACKAGE_ROOT, encoding: 'buffer', env: {...process.env, NO_COLOR: '1', ...env}}, (error, stdout, stderr) => {
      resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stderr, stdout})
    })
  })
}

// C0 but LF, DEL, and C1 (as UTF-8 decodes them).
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/

/** Asserts that no stream of `r` holds a control byte, and returns stdout + stderr as text. */
function expectClean(label: string, r: Bytes): string {
  for (const [name, bytes] of [['stdout', r.stdout], ['stderr', r.stderr]] as const) {
    const raw = [...bytes].findIndex((b) => (b < 0x20 && b !== 0x0a) || b === 0x7f)
    expect(raw, `${label}: raw control byte in ${name}: ${JSON.stringify(bytes.toString('utf8'))}`).to.equal(-1)
    const text = bytes.toString('utf8')
    expect(CONTROL.test(text), `${label}: C1 control in ${name}: ${JSON.stringify(text)}`).to.equal(false)
  }

  return r.stdout.toString('utf8') + r.stderr.toString('utf8')
}

describe('terminal output of every command over hostile repo and registry text', function () {
  this.timeout(600_000)
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let root: string
  let server: Loopback
  let env: NodeJS.ProcessEnv

  before(async () => {
    const dir = await tempDir()
    env = {GLIX_NO_LOCK: '1', XDG_CACHE_HOME: path.join(dir, 'cache')}
    root = await createRepo(path.join(dir, 'repo'), [{host: 'desktop'}, {host: 'pi', system: 'aarch64-linux', user: 'pi-user'}])
    await glixOk(['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'desktop', '--no-lock'])
    // A teammate's commit: a disabled package (so flake.nix need not render it) whose flake and pin are
    // hostile, hostile config keys and values, a hostile unknown key, a file named with escapes, and a
    // subject that sets the window title — shaped like a glix commit, so rollback would revert it.
    await editManifest(root, 'desktop', (text) =>
      [
        text.trimEnd(),
        '',
        '[packages.firefox.config]',
        `"${toml(EVIL)}" = "${toml(EVIL)}"`,
        '',
        '[packages.evil]',
        `flake = "github:a/b?x=${toml(EVIL)}"`,
        'scope = "home"',
        'enabled = false',
        `pin = "${toml(EVIL)}"`,
        `note = "${toml(EVIL)}"`,
        '',
      ].join('\n'),
    )
    await writeFile(path.join(root, 'hosts', 'pi', `${EVIL_LINE}.nix`), '{ ... }: { }\n')
    git(root, 'add', '-A')
    git(root, 'commit', '-q', '--cleanup=verbatim', '-m', `glix add desktop: ${EVIL_LINE}`)

    server = await startLoopback()
    server.route('/registry.json', json({packages: {evil: {description: EVIL, flake: 'github:a/evil'}, tool: {description: 'a tool', flake: 'github:a/tool'}}, schema: 1}))
    server.route('/broken.json', (_req, res) => {
      // Node refuses C0 in a reason phrase; the UTF-8 bytes of U+009B (C2 9B) pass, and the client decodes them as C1 CSI.
      res.writeHead(500, 'Bad\u00C2\u009B2J\u00C2\u0085gateway', {'content-type': 'text/plain'})
      res.end('no')
    })
  })
  after(async () => server?.close())

  const glix = (...args: string[]) => run([...args, '--dir', root], env)
  const registry = () => server.url('/registry.json')

  // Each case: the command line, and text its output must contain (the hostile part, escaped).
  const cases: Array<{args: () => string[]; label: string; shows: RegExp}> = [
    {args: () => ['list', '--host=desktop', '--all'], label: 'list --all (flake)', shows: /\\x1b\]0;pwned\\x07/},
    {args: () => ['list', '--all-hosts', '--all'], label: 'list --all-hosts', shows: /\\x9b2J\\x07\\x08\\r\\nforged/},
    {args: () => ['show', '--host=desktop', 'evil'], label: 'show (flake, pin)', shows: /pin: +\\x1b\]0;pwned/},
    {args: () => ['show', '--host=desktop', 'firefox'], label: 'show (config key and value)', shows: /\\x1b\]0;pwned.* = ".*\\x9b2J/},
    {args: () => ['info'], label: 'info (HEAD subject, file names)', shows: /head: glix add desktop: \\x1b\]0;pwned\\x07\\x1bc\\x1b#8\\x1b\(0\\x9b2J/},
    {args: () => ['doctor'], label: 'doctor (HEAD subject)', shows: /head: glix add desktop: \\x1b/},
    {args: () => ['plan', '--all-hosts'], label: 'plan (flakes, keys, unknown keys)', shows: /note: \(unset\) -> ".*\\x9b2J.*\(not a glix key\)/},
    {args: () => ['search', '--host=desktop', `--registry-url=${registry()}`], label: 'search (descriptions)', shows: /evil +github:a\/evil +\\x1b\]0;pwned/},
    {args: () => ['search', '--host=desktop', `--registry-url=${registry()}`, `nothing${EVIL_LINE}`], label: 'search (the query in a notice)', shows: /matches "nothing\\u001b/},
    {args: () => ['search', '--host=desktop', `--registry-url=${server.url('/broken.json')}`, '--refresh'], label: 'search (HTTP reason phrase)', shows: /HTTP 500 Bad\\x9b2J\\x85gateway/},
    {args: () => ['search', '--host=desktop', `--registry-url=http://127.0.0.1:9/${EVIL_LINE}`], label: 'search (registry_url in an error)', shows: /\\u001b\]0;pwned|\\x1b\]0;pwned|%1B\]0;pwned/},
    {args: () => ['host', 'set', '--host=desktop', `registry_url=http://x/\u009B${EVIL_LINE}`], label: 'host set (registry_url in an error)', shows: /\\x9b/},
    {args: () => ['show', '--host=desktop', `no\u009Bpe`], label: 'show (a typed name in an error)', shows: /no\\x9bpe/},
    {args: () => ['add', '--host=desktop', `github:a/b\u009B2J`], label: 'add (a typed reference in an error)', shows: /\\x9b2J/},
    {args: () => ['set', '--host=desktop', 'firefox', `config.title=\u009B2J${EVIL_LINE}`], label: 'set (the subject)', shows: /committed [0-9a-f]{12}: glix set desktop: firefox \(config\.title=\\x9b2J\\x1b\]0;pwned/},
    {args: () => ['remove', '--host=desktop', 'evil'], label: 'remove', shows: /removed evil from host desktop/},
    {args: () => ['add', '--host=desktop', 'evil', `--registry-url=${registry()}`, '--no-nix-registry', '--dry-run'], label: 'add (a registry hit)', shows: /would add evil -> github:a\/evil/},
    {args: () => ['host', 'remove', '--host=pi', '--dry-run'], label: 'host remove --dry-run (file names)', shows: /hosts\/pi\/\\x1b\]0;pwned\\x07.*\.nix/},
    {args: () => ['status', '--all-hosts'], label: 'status', shows: /never deployed/},
    {args: () => ['nosuch\u009B2J'], label: 'a mistyped command', shows: /"nosuch\\x9b2J" is not a glix command/},
  ]

  it('help of a mistyped command: no raw control byte, the text shown escaped', async () => {
    const out = expectClean('help', await run(['help', 'nosuch\u009B2J'], env))
    expect(out).to.match(/"nosuch\\x9b2J" is not a glix command/)
  })

  for (const c of cases) {
    it(`${c.label}: no raw control byte, the text shown escaped`, async () => {
      const r = await glix(...c.args())
      const out = expectClean(c.label, r)
      expect(out, `${c.label} shows the hostile text, escaped`).to.match(c.shows)
    })
  }

  it('--json stays exact: the hostile bytes come back as they are in the manifest', async () => {
    const r = await run(['show', '--host=desktop', 'firefox', '--json', '--dir', root], env)
    const doc = JSON.parse(r.stdout.toString('utf8')) as {config: Record<string, string>}
    expect(doc.config[EVIL]).to.equal(EVIL)
  })

  it('rollback of a hostile commit: the subject it reverts, escaped', async () => {
    await writeFile(path.join(root, 'hosts', 'desktop', 'default.nix'), '{ ... }: { }\n')
    git(root, 'commit', '-q', '-a', '--cleanup=verbatim', '-m', `glix host set desktop: ${EVIL_LINE}`)
    const r = await glix('rollback')
    const out = expectClean('rollback', r)
    expect(out).to.match(/reverted "glix host set desktop: \\x1b\]0;pwned\\x07\\x1bc.*" \(hosts\/desktop\/default\.nix\)/)
    expect(out).to.match(/committed [0-9a-f]{12}: Revert "glix host set desktop: \\x1b\]0;pwned/)
  })

  it('host remove on a terminal: the question lists file names escaped', async () => {
    // A real pseudo-terminal (util-linux `script`), answered "n".
    const command = [process.execPath, BIN, 'host', 'remove', '--host=pi', '--dir', root].map((a) => `'${a.replaceAll("'", String.raw`'\''`)}'`).join(' ')
    const out = await new Promise<Buffer>((resolve, reject) => {
      const child = spawn('script', ['-qefc', command, '/dev/null'], {env: {...process.env, ...env, NO_COLOR: '1'}})
      const chunks: Buffer[] = []
      let answered = false
      child.stdout.on('data', (chunk: Buffer) => {
        chunks.push(chunk)
        if (!answered && Buffer.concat(chunks).includes('[y/N]')) {
          answered = true
          child.stdin.write('n\n')
        }
      })
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000)
      child.on('error', reject)
      child.on('close', () => {
        clearTimeout(timer)
        resolve(Buffer.concat(chunks))
      })
    })
    // The terminal turns each LF into CR LF (the echoed answer's into CR CR LF), and Node's readline moves the cursor with its own CSI
    // sequences (column, erase): take those out, nothing else.
    // eslint-disable-next-line no-control-regex
    const own = out.toString('utf8').replaceAll(/\r+\n/g, '\n').replaceAll(/\u001B\[\d*[GJK]/g, '')
    const text = expectClean('host remove prompt', {code: 0, stderr: Buffer.alloc(0), stdout: Buffer.from(own)})
    expect(text).to.match(/remove host pi and its 3 file\(s\) \(.*hosts\/pi\/\\x1b\]0;pwned\\x07.*\)\? \[y\/N\]/)
    expect(text).to.include('not confirmed; nothing removed')
  })

  it('a hostile system tuple: info shows it escaped, and no command lets it through raw', async () => {
    await editManifest(root, 'desktop', (text) => text.replace('system = "x86_64-linux"', `system = "x86_64-linux${toml(EVIL)}"`))
    for (const args of [['list', '--host=desktop'], ['add', '--host=desktop', 'github:a/c'], ['info']]) {
      const out = expectClean(args.join(' '), await glix(...args))
      if (args[0] === 'info') expect(out).to.match(/system=x86_64-linux\\x1b\]0;pwned\\x07\\x1bc/)
    }
  })
})
