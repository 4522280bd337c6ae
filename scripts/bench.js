// `npm run bench`: whole-process wall time of glix commands on synthetic repos.
//
// Builds repos of 10×20, 50×100 and 200×200 hosts × packages (canonical
// manifests written by glix's own renderer, flake.nix regenerated from them,
// a realistic flake.lock, one git commit), then runs each command several
// times after a warm-up and reports the median and min–max of the wall time
// of the whole process, and each median as a ratio to `node -e 0` measured
// in the same run. Timing uses Node's own clock around a synchronous spawn,
// so the figures include process start-up, exactly what a user waits for.
//
// The table is printed and written into bench/results.md between the
// `bench:results` markers; the rest of that file (the notes on what was
// changed and why) is kept as it is.
//
// Options: --runs=N (default 15), --warmup=N (default 2),
// --sizes=10x20,50x100,200x200, --only=<regexp on the command label>,
// --no-write (print only), --keep (keep the temp repos and print where),
// --bin=<path to another glix's bin/run.js> (time another build, e.g. the
// one before a change, on the same repos).
//
// The runs go round robin over every command (and the floor, `node -e 0`)
// in a shuffled order each round, so the floor and the commands are sampled
// under the same conditions even on a machine with other work.
import {execFileSync, spawnSync} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath} from 'node:url'

import {regenerateFlake, saveFingerprint} from '../dist/lib/flake/regenerate.js'
import {createManifest} from '../dist/lib/manifest/types.js'
import {renderManifest} from '../dist/lib/manifest/write.js'

const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url))
let BIN = join(PACKAGE_ROOT, 'bin', 'run.js')
const RESULTS = join(PACKAGE_ROOT, 'bench', 'results.md')
const START = '<!-- bench:results:start -->'
const END = '<!-- bench:results:end -->'

// ---------------------------------------------------------------------------
// Options

const options = {keep: false, only: undefined, runs: 15, sizes: '10x20,50x100,200x200', warmup: 2, write: true}
for (const arg of process.argv.slice(2)) {
  const [key, value] = arg.replace(/^--/, '').split('=')
  if (key === 'runs' || key === 'warmup') options[key] = Number(value)
  else if (key === 'sizes' || key === 'only') options[key] = value
  else if (key === 'no-write') options.write = false
  else if (key === 'keep') options.keep = true
  else if (key === 'bin') BIN = resolve(value)
  else {
    console.error(`bench: unknown option ${arg}`)
    process.exit(2)
  }
}

const sizes = options.sizes.split(',').map((s) => {
  const [hosts, packages] = s.split('x').map(Number)
  return {hosts, label: `${hosts}×${packages}`, packages}
})
const only = options.only ? new RegExp(options.only) : undefined

// A hermetic environment: no user git config, a fixed identity, no colour.
const ENV = {
  ...process.env,
  GIT_AUTHOR_EMAIL: 'bench@glix.invalid',
  GIT_AUTHOR_NAME: 'glix bench',
  GIT_COMMITTER_EMAIL: 'bench@glix.invalid',
  GIT_COMMITTER_NAME: 'glix bench',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  NO_COLOR: '1',
}
delete ENV.GLIX_HOST
delete ENV.GLIX_ROOT
delete ENV.DEBUG

// ---------------------------------------------------------------------------
// Synthetic repos

const pad = (n, width) => String(n).padStart(width, '0')
const hex = (seed, length) => {
  let out = ''
  let x = seed * 2_654_435_761
  while (out.length < length) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31
    out += x.toString(16).padStart(8, '0')
  }

  return out.slice(0, length)
}

/** Everything about a package that must be the same on every host (its input URL). */
function packageIdentity(index) {
  const name = `pkg-${pad(index, 4)}`
  if (index % 5 === 0) return {flake: `github:NixOS/nixpkgs#${name}`, name}
  const flake = index % 11 === 0 ? `git+https://git.example.org/tools/${name}.git` : `github:org-${index % 17}/${name}`
  return {flake, name, pin: index % 4 === 0 && flake.startsWith('github:') ? hex(index, 40) : undefined}
}

function hostManifest(hostIndex, packages, poolSize) {
  const manifest = createManifest({primary_user: 'alice', system: hostIndex % 3 === 0 ? 'aarch64-linux' : 'x86_64-linux'})
  for (let j = 0; j < packages; j++) {
    const index = (hostIndex * 13 + j) % poolSize
    const {flake, name, pin} = packageIdentity(index)
    const home = (index + hostIndex) % 6 === 0
    const entry = {config: {}, enabled: (index + hostIndex) % 9 !== 0, extra: {}, flake, scope: home ? 'home' : 'system'}
    if (pin) entry.pin = pin
    if (home && index % 2 === 0) entry.user = 'bob'
    if (index % 3 === 0) entry.config = {message: `hello from ${name}`, theme: 'dark'}
    manifest.packages[name] = entry
  }

  return manifest
}

function lockNode(name, url, seed) {
  const github = /^github:([^/]+)\/([^/?#]+)/.exec(url)
  const locked = github
    ? {lastModified: 1_700_000_000 + seed, narHash: `sha256-${hex(seed + 7, 43)}=`, owner: github[1], repo: github[2], rev: hex(seed, 40), type: 'github'}
    : {lastModified: 1_700_000_000 + seed, narHash: `sha256-${hex(seed + 7, 43)}=`, rev: hex(seed, 40), type: 'git', url: url.replace(/^git\+/, '')}
  const original = github ? {owner: github[1], repo: github[2], type: 'github'} : {type: 'git', url: url.replace(/^git\+/, '')}
  return {inputs: {nixpkgs: ['nixpkgs']}, locked, original}
}

/** A flake.lock shaped like the one `nix flake lock` writes for these inputs. */
function flakeLock(inputs) {
  const nodes = {
    'glixos-core': lockNode('glixos-core', 'github:donnismoore/glixos', 1),
    'home-manager': lockNode('home-manager', 'github:nix-community/home-manager', 2),
    nixpkgs: {locked: lockNode('nixpkgs', 'github:NixOS/nixpkgs', 3).locked, original: {owner: 'NixOS', ref: 'nixos-unstable', repo: 'nixpkgs', type: 'github'}},
    root: {inputs: {'glixos-core': 'glixos-core', 'home-manager': 'home-manager', nixpkgs: 'nixpkgs'}},
  }
  let seed = 10
  for (const [name, url] of inputs) {
    nodes[name] = lockNode(name, url, seed++)
    nodes.root.inputs[name] = name
  }

  return JSON.stringify({nodes, root: 'root', version: 7}, null, 2) + '\n'
}

function run(args, cwd) {
  const r = spawnSync(process.execPath, [BIN, ...args], {cwd, encoding: 'utf8', env: ENV, maxBuffer: 1 << 28})
  if (r.status !== 0) throw new Error(`glix ${args.join(' ')} exited ${r.status}: ${r.stderr}`)
  return r
}

async function makeRepo(base, size) {
  const root = join(base, `repo-${size.hosts}x${size.packages}`)
  const hosts = Array.from({length: size.hosts}, (_, i) => `host-${pad(i, 3)}`)
  run(['init', '--dir', root, '--host', hosts[0], '--user', 'alice', '--no-lock'], base)
  const poolSize = size.packages * 2
  const inputs = new Map()
  for (const [i, host] of hosts.entries()) {
    const dir = join(root, 'hosts', host)
    if (i > 0) cpSync(join(root, 'hosts', hosts[0]), dir, {recursive: true})
    const manifest = hostManifest(i, size.packages, poolSize)
    writeFileSync(join(dir, 'glix.toml'), renderManifest(manifest))
  }

  const {hosts: manifests} = await regenerateFlake(root)
  for (const {manifest} of manifests) {
    for (const [name, entry] of Object.entries(manifest.packages)) if (entry.enabled) inputs.set(name, entry.flake.split('#')[0])
  }

  writeFileSync(join(root, 'flake.lock'), flakeLock([...inputs].sort(([a], [b]) => (a < b ? -1 : 1))))
  execFileSync('git', ['add', '--all'], {cwd: root, env: ENV})
  execFileSync('git', ['commit', '--quiet', '-m', `bench: ${size.label}`], {cwd: root, env: ENV})
  saveFingerprint(root)
  const host = hosts[Math.floor(hosts.length / 2)]
  const manifest = hostManifest(hosts.indexOf(host), size.packages, poolSize)
  const pkg = Object.keys(manifest.packages).sort()[0]
  const enabledRows = manifests.reduce((n, {manifest: m}) => n + Object.values(m.packages).filter((e) => e.enabled).length, 0)
  return {enabledRows, host, pkg, root}
}

// ---------------------------------------------------------------------------
// Timing

function time(argv, cwd, check) {
  const start = performance.now()
  const r = spawnSync(argv[0], argv.slice(1), {cwd, encoding: 'utf8', env: ENV, maxBuffer: 1 << 28})
  const ms = performance.now() - start
  if (r.status !== 0) throw new Error(`${argv.slice(1).join(' ')} exited ${r.status}: ${r.stderr}`)
  check?.(r)
  return ms
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const NODE_FLOOR = [process.execPath, '-e', '0']
const glixArgv = (...args) => [process.execPath, BIN, ...args]
const rows = []
let floor

/** A small deterministic generator, so every run shuffles the same way. */
function shuffler(seed) {
  let x = seed
  const next = () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31
    return x / 2 ** 31
  }

  return (items) => {
    const out = [...items]
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1))
      ;[out[i], out[j]] = [out[j], out[i]]
    }

    return out
  }
}

const base = mkdtempSync(join(tmpdir(), 'glix-bench-'))
try {
  console.error(`glix bench: ${BIN}, ${options.runs} runs after ${options.warmup} warm-up(s) each; repos in ${base}`)
  /** What is timed: label, repo size, argv for the i-th run, output check, working directory. */
  const jobs = [
    {cwd: base, label: 'node -e 0', make: () => NODE_FLOOR, repo: '–'},
    {cwd: base, label: 'glix --version', make: () => glixArgv('--version'), repo: '–'},
    // A command that does nothing: what oclif itself costs before any work.
    {cwd: base, label: 'glix version', make: () => glixArgv('version'), repo: '–'},
  ]
  for (const size of sizes) {
    console.error(`generating ${size.label} …`)
    const repo = await makeRepo(base, size)
    const {host, pkg, root} = repo
    const printed = (r) => r.stdout.split('\n').length - 2
    // Each `add` run adds one enabled package to the repo.
    const add = {label: 'glix add --no-lock', make: (i) => glixArgv('add', `github:bench/extra-${i}`, '--no-lock', `--host=${host}`)}
    const expectedRows = () => repo.enabledRows + (add.count ?? 0)
    jobs.push(
      {check: (r) => printed(r) > 0 || fail('list printed no rows'), label: 'glix list --host=<h>', make: () => glixArgv('list', `--host=${host}`)},
      {
        check: (r) => printed(r) === expectedRows() || fail(`list --all-hosts printed ${printed(r)} rows, expected ${expectedRows()}`),
        label: 'glix list --all-hosts',
        make: () => glixArgv('list', '--all-hosts'),
      },
      {label: 'glix info', make: () => glixArgv('info')},
      {label: 'glix show <pkg>', make: () => glixArgv('show', pkg, `--host=${host}`)},
      {label: 'glix set <pkg> config.k=v', make: (i) => glixArgv('set', pkg, `config.bench=v${i}`, `--host=${host}`)},
      add,
    )
    for (const job of jobs.slice(-6)) Object.assign(job, {cwd: root, repo: size.label})
  }

  const selected = jobs.filter((job) => job.label === 'node -e 0' || !only || only.test(job.label))
  for (const job of selected) {
    job.count = 0
    job.samples = []
    for (let w = 0; w < options.warmup; w++) time(job.make(job.count++), job.cwd, job.check)
  }

  // Round robin in a fresh order each round: a change in the machine's load over the run
  // (other processes, disk flushes after a commit) falls on every command alike, the floor included.
  const loadBefore = loadavg()[0]
  const shuffle = shuffler(42)
  for (let r = 0; r < options.runs; r++) {
    for (const job of shuffle(selected)) job.samples.push(time(job.make(job.count++), job.cwd, job.check))
    process.stderr.write(`\rround ${r + 1}/${options.runs}`)
  }

  process.stderr.write('\n')
  floor = median(selected[0].samples)
  for (const job of selected) {
    const row = {label: job.label, max: Math.max(...job.samples), median: median(job.samples), min: Math.min(...job.samples), repo: job.repo}
    rows.push(row)
    console.error(`  ${row.label.padEnd(34)} ${row.repo.padEnd(8)} ${row.median.toFixed(1).padStart(7)} ms  (${row.min.toFixed(1)}–${row.max.toFixed(1)}) ${(row.median / floor).toFixed(2)}×`)
  }

  const markdown = renderResults([loadBefore, loadavg()[0]])
  process.stdout.write(markdown + '\n')
  if (options.write) writeResults(markdown)
} finally {
  if (options.keep) console.error(`kept ${base}`)
  else rmSync(base, {force: true, recursive: true})
}

function fail(message) {
  throw new Error(message)
}

// ---------------------------------------------------------------------------
// Report

/**
 * The Go glix took about 180 ms for `list --all-hosts` on 50×100, dominated
 * by TOML parsing, which grows with the packages read: its time for another
 * size, scaled from that one figure.
 */
function goEstimate(hosts, packages) {
  return Math.round((180 * hosts * packages) / (50 * 100))
}

function renderResults(load) {
  const glixRoot = join(BIN, '..', '..')
  const commit = (() => {
    try {
      return JSON.parse(readFileSync(join(glixRoot, 'dist', 'build-info.json'), 'utf8')).commit
    } catch {
      return 'unknown'
    }
  })()
  // build-info records HEAD; say so when the build has uncommitted source changes on top of it.
  const dirty = (() => {
    try {
      return execFileSync('git', ['status', '--porcelain', '--', 'src', 'bin'], {cwd: glixRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim() !== ''
    } catch {
      return false
    }
  })()
  const cpu = cpus()
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${cpu[0]?.model.trim() ?? 'unknown CPU'} (${cpu.length} cores), Node ${process.version}, glix ${commit}${dirty ? ' with uncommitted changes' : ''};`,
    `${options.runs} runs of each command after ${options.warmup} warm-up(s), round robin in a shuffled order, wall time of the whole`,
    `process (Node's timer around a spawn of \`node bin/run.js …\`); 1-minute load average ${load.map((l) => l.toFixed(2)).join(' → ')} (start → end).`,
    '',
    '| command | hosts × packages | median | min–max | × `node -e 0` |',
    '|---|---|---:|---:|---:|',
  ]
  for (const row of rows) {
    lines.push(`| \`${row.label}\` | ${row.repo} | ${row.median.toFixed(1)} ms | ${row.min.toFixed(1)}–${row.max.toFixed(1)} ms | ${(row.median / floor).toFixed(2)}× |`)
  }

  const find = (label, repo) => rows.find((r) => r.label === label && r.repo === repo)
  const targets = []
  const version = find('glix --version', '–')
  if (version) targets.push(target('`glix --version` ≤ 2.5× `node -e 0`', version.median / floor <= 2.5, `${(version.median / floor).toFixed(2)}×`))
  const list = find('glix list --host=<h>', '50×100')
  if (list) targets.push(target('`glix list --host=<h>` on 50×100 ≤ 3× `node -e 0`', list.median / floor <= 3, `${(list.median / floor).toFixed(2)}×`))
  const all50 = find('glix list --all-hosts', '50×100')
  if (all50) targets.push(target('`glix list --all-hosts` on 50×100 ≤ 180 ms (the Go glix)', all50.median <= 180, `${all50.median.toFixed(0)} ms`))
  const all200 = find('glix list --all-hosts', '200×200')
  if (all200) {
    const go = goEstimate(200, 200)
    targets.push(
      target(
        `\`glix list --all-hosts\` on 200×200 well under the Go glix (about ${go} ms: its 180 ms at 50×100 scaled by the packages read; "well under" = under half)`,
        all200.median < go / 2,
        `${all200.median.toFixed(0)} ms`,
      ),
    )
  }
  if (targets.length > 0) lines.push('', 'Targets (from this run):', '', ...targets)
  return lines.join('\n')
}

function target(what, met, figure) {
  return `- ${met ? 'met' : '**not met**'}: ${what} — ${figure}`
}

function writeResults(markdown) {
  const block = `${START}\n${markdown}\n${END}`
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : `# Benchmark results\n\n${START}\n${END}\n`
  const start = text.indexOf(START)
  const end = text.indexOf(END)
  text = start !== -1 && end > start ? text.slice(0, start) + block + text.slice(end + END.length) : `${text.trimEnd()}\n\n${block}\n`
  mkdirSync(join(PACKAGE_ROOT, 'bench'), {recursive: true})
  writeFileSync(RESULTS, text)
  console.error(`wrote ${RESULTS}`)
}
