// `npm run bench`: glix against the Go glix and against `node -e 0`, in
// paired, interleaved runs, on fleets written by glix and by the Go glix.
//
// What is timed (issue 12): `--version`, `list --host`, `show`, `info`,
// `list --all-hosts` at 50×100, 200×200 and 1000×50 hosts × packages, and
// the mutations `set <pkg> config.k=v`, `disable`, `enable` and
// `add … --no-lock` on 50×100 (the Go glix has no --no-lock: a stub `nix`
// that exits 0 is first on PATH for every command of both). Each command
// runs on a repo written by glix and on one written in the Go layout
// (scripts/bench/repos.js: calibrated byte for byte on the real glix-go).
// Mutations run on copies of their own per tool and layout, so each tool
// edits files in its own layout only, from identical starting bytes.
//
// Every round runs every (command, repo, tool) slot once, `node -e 0`
// included, in a fresh shuffled order, so load on this shared machine falls
// on all of them alike; ratios are taken per round (glix / Go, glix /
// `node -e 0` of the same round) and summarized by their median and
// interquartile range. See scripts/bench/timing.js for what a sample is.
// Peak RSS of `list --all-hosts` is measured after the rounds with GNU time,
// and git/nix processes and manifest opens by one more, untimed run of each
// command (scripts/bench/counts.js).
//
// The Go binary is looked for at $GLIX_GO, then `shared/anchor/glix-go` in
// the package's parent directories. Without it the Go columns say so; no
// figure is ever taken from anywhere but this run.
//
// Options: --quick (3 rounds, 1 warm-up: for development), --runs=N
// (default 15), --warmup=N (default 2), --only=<regexp on measure ids>,
// --no-write (print only), --keep (keep the temp repos), --bin=<path to
// another glix's bin/run.js>, --go=<path to glix-go>, --no-perf (Node's clock
// only); instead of the main run: --levers (the start-up levers, see
// scripts/bench/levers.js) or --profile (where the time goes, see
// scripts/bench/profile.js). Each mode writes its own section of bench/results.md.
// The main run also saves its samples to bench/tmp/last-run.json; --report=<that
// file> renders them again without running anything.
import {execFileSync} from 'node:child_process'
import {chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, totalmem, tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {makeCounter} from './bench/counts.js'
import {recordOf, renderReport} from './bench/report.js'
import {calibrateGoLayout, fleetSpec, writeGlixRepo, writeGoRepo} from './bench/repos.js'
import {peakRss, probePerf, probeTime, runTimed, shuffler} from './bench/timing.js'

const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url))
const RESULTS = join(PACKAGE_ROOT, 'bench', 'results.md')
const LAST_RUN = join(PACKAGE_ROOT, 'bench', 'tmp', 'last-run.json')
/** Where each mode's report goes in bench/results.md: between its two markers. */
const MARKERS = {levers: 'bench:levers', main: 'bench:results', profile: 'bench:profile'}

// ---------------------------------------------------------------------------
// Options

const options = {bin: join(PACKAGE_ROOT, 'bin', 'run.js'), go: undefined, keep: false, levers: false, only: undefined, perf: true, profile: false, quick: false, report: undefined, runs: 15, warmup: 2, write: true}
for (const arg of process.argv.slice(2)) {
  const [key, value] = arg.replace(/^--/, '').split(/=(.*)/s)
  if (key === 'runs' || key === 'warmup') options[key] = Number(value)
  else if (key === 'only') options.only = new RegExp(value)
  else if (key === 'bin' || key === 'go' || key === 'report') options[key] = resolve(value)
  else if (key === 'quick') Object.assign(options, {quick: true, runs: 3, warmup: 1})
  else if (key === 'no-write') options.write = false
  else if (key === 'no-perf') options.perf = false
  else if (key === 'keep' || key === 'levers' || key === 'profile') options[key] = true
  else {
    console.error(`bench: unknown option ${arg}`)
    process.exit(2)
  }
}

/** The Go glix: --go, $GLIX_GO, or shared/anchor/glix-go above the package. */
function findGo() {
  if (options.go) return existsSync(options.go) ? options.go : undefined
  if (process.env.GLIX_GO) return existsSync(process.env.GLIX_GO) ? resolve(process.env.GLIX_GO) : undefined
  for (let dir = PACKAGE_ROOT; dir !== dirname(dir); dir = dirname(dir)) {
    const candidate = join(dir, 'shared', 'anchor', 'glix-go')
    if (existsSync(candidate)) return candidate
  }

  return undefined
}

// ---------------------------------------------------------------------------
// The environment every command runs in

const base = mkdtempSync(join(tmpdir(), 'glix-bench-'))
const stubs = join(base, 'bin')
mkdirSync(stubs)
// `nix` for both tools: exits 0, so `nix flake lock` after an edit costs one process start and nothing else.
writeFileSync(join(stubs, 'nix'), '#!/bin/sh\nexit 0\n')
chmodSync(join(stubs, 'nix'), 0o755)

const ENV = {
  ...process.env,
  GIT_AUTHOR_EMAIL: 'bench@glix.invalid',
  GIT_AUTHOR_NAME: 'glix bench',
  GIT_COMMITTER_EMAIL: 'bench@glix.invalid',
  GIT_COMMITTER_NAME: 'glix bench',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GLIX_CACHE_DIR: join(base, 'cache'),
  GLIX_DATA_DIR: join(base, 'data'),
  HOME: join(base, 'home'),
  NO_COLOR: '1',
  PATH: `${stubs}:${process.env.PATH}`,
  XDG_CACHE_HOME: join(base, 'xdg-cache'),
  XDG_CONFIG_HOME: join(base, 'xdg-config'),
}
for (const name of ['GLIX_HOST', 'GLIX_ROOT', 'DEBUG', 'NODE_OPTIONS']) delete ENV[name]
mkdirSync(ENV.HOME)

const GO = findGo()
const PERF = options.perf && probePerf()
const TIME = probeTime()
const NODE = process.execPath

const log = (line) => console.error(line)

function runGlix(args, cwd = base) {
  return execFileSync(NODE, [options.bin, ...args], {cwd, encoding: 'utf8', env: ENV, maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'pipe']})
}

/** Data rows of a `list` table: glix prints a header line, the Go glix a header and a rule. */
function tableRows(stdout) {
  const lines = stdout.split('\n').filter((line) => line.trim() !== '')
  return lines.length - 1 - (lines[1]?.startsWith('----') ? 1 : 0)
}

const enabledCount = (hosts) => hosts.reduce((n, h) => n + h.packages.filter((p) => p.enabled).length, 0)

// ---------------------------------------------------------------------------
// Repos

const SIZES = [
  {hosts: 50, id: '50x100', label: '50×100', packages: 100},
  {hosts: 200, id: '200x200', label: '200×200', packages: 200},
  {hosts: 1000, id: '1000x50', label: '1000×50', packages: 50},
]
const LAYOUTS = ['glix', 'go']

async function makeRepos() {
  const api = await import(join(dirname(dirname(options.bin)), 'dist', 'index.js'))
  let templates
  if (GO) {
    log(`calibrating the Go layout on ${GO} …`)
    mkdirSync(join(base, 'calibration'))
    templates = calibrateGoLayout(GO, join(base, 'calibration'), ENV)
  }

  const repos = {}
  for (const size of SIZES) {
    const spec = fleetSpec(size.hosts, size.packages)
    log(`writing ${size.label} (glix layout${GO ? ' and Go layout' : ''}) …`)
    const glixRoot = join(base, `glix-${size.id}`)
    await writeGlixRepo(glixRoot, spec, {api, env: ENV, runGlix})
    repos[`glix/${size.id}`] = glixRoot
    if (templates) {
      const goRoot = join(base, `go-${size.id}`)
      writeGoRepo(goRoot, spec, templates, {env: ENV})
      // The Go glix must read every package of the replica.
      const rows = tableRows(execFileSync(GO, ['list', '--all-hosts', '--all'], {cwd: goRoot, encoding: 'utf8', env: ENV, maxBuffer: 1 << 30}))
      const total = spec.hosts.reduce((n, h) => n + h.packages.length, 0)
      if (rows !== total) throw new Error(`bench: glix-go listed ${rows} of the ${total} packages of ${goRoot}`)
      repos[`go/${size.id}`] = goRoot
    }

    size.spec = spec
  }

  return repos
}

// ---------------------------------------------------------------------------
// Measures

/**
 * What is timed. `sizes`: the fleets it runs on (none: no repo). `args(tool,
 * i, spec)`: the arguments of its i-th run (flags before positionals: the Go
 * glix's flag parser stops at the first positional; glix takes either).
 * `rows(spec)`: the table rows a `list` must print. `mutation`: runs on a
 * copy of its own per tool and layout.
 */
function measures() {
  const S = SIZES[0]
  const hostOf = (spec, i) => spec.hosts[i % spec.hosts.length]
  const middle = (spec) => spec.hosts[Math.floor(spec.hosts.length / 2)]
  const nth = (spec, i, enabled) => {
    const host = hostOf(spec, i)
    const candidates = host.packages.filter((p) => p.enabled === enabled)
    const pkg = candidates[Math.floor(i / spec.hosts.length) % candidates.length]
    return [host.name, pkg.name]
  }

  return [
    {args: () => ['--version'], id: 'version-flag', label: '`--version`'},
    {args: () => ['version'], id: 'version', label: '`version` (a command that does nothing)'},
    {args: (_t, _i, spec) => ['list', `--host=${middle(spec).name}`], id: 'list-host', label: '`list --host=<h>`', rows: (spec) => enabledCount([middle(spec)]), sizes: [S]},
    {args: (_t, _i, spec) => ['show', `--host=${middle(spec).name}`, middle(spec).packages[0].name], id: 'show', label: '`show <pkg>`', sizes: [S]},
    {args: () => ['list', '--all-hosts'], id: 'list-all', label: '`list --all-hosts`', rows: (spec) => enabledCount(spec.hosts), sizes: SIZES},
    {args: () => ['info'], id: 'info', label: '`info`', sizes: [S]},
    {
      args: (_t, i, spec) => ['set', `--host=${hostOf(spec, i).name}`, hostOf(spec, i).packages[0].name, `config.bench=v${i}`],
      id: 'set',
      label: '`set <pkg> config.k=v`',
      mutation: true,
      sizes: [S],
    },
    {args: (_t, i, spec) => ['disable', ...flagsThenName(nth(spec, i, true))], id: 'disable', label: '`disable <pkg>`', mutation: true, sizes: [S]},
    {args: (_t, i, spec) => ['enable', ...flagsThenName(nth(spec, i, false))], id: 'enable', label: '`enable <pkg>`', mutation: true, sizes: [S]},
    {
      args: (tool, i, spec) => ['add', `--host=${hostOf(spec, i).name}`, tool === 'go' ? '--no-nix-registry' : '--no-lock', `github:bench/extra-${i}`],
      id: 'add',
      label: '`add <flake> --no-lock`',
      mutation: true,
      sizes: [S],
    },
  ]
}

function flagsThenName([host, name]) {
  return [`--host=${host}`, name]
}

/** The slots of a round: one per (measure, size, layout, tool), plus the floor. */
function makeSlots(repos) {
  const tools = {glix: (args) => [NODE, options.bin, ...args]}
  if (GO) tools.go = (args) => [GO, ...args]
  const slots = [{argv: () => [NODE, '-e', '0'], cwd: base, key: 'floor', tool: 'node'}]
  for (const m of measures()) {
    if (options.only && !options.only.test(m.id)) continue
    for (const size of m.sizes ?? [undefined]) {
      for (const layout of size ? LAYOUTS : [undefined]) {
        const repo = size && repos[`${layout}/${size.id}`]
        if (size && !repo) continue
        for (const [tool, argv] of Object.entries(tools)) {
          let cwd = repo ?? base
          if (m.mutation) {
            cwd = `${repo}-${m.id}-by-${tool}`
            cpSync(repo, cwd, {recursive: true})
          }

          const expected = m.rows?.(size.spec)
          slots.push({
            argv: (i) => argv(m.args(tool, i, size?.spec)),
            check: expected === undefined ? undefined : (r) => tableRows(r.stdout) === expected || fail(`${m.id} on ${cwd} by ${tool} printed ${tableRows(r.stdout)} rows, not ${expected}`),
            cwd,
            key: [m.id, size?.id ?? '', layout ?? ''].join('|'),
            layout,
            measure: m,
            size,
            tool,
          })
        }
      }
    }
  }

  return slots
}

function fail(message) {
  throw new Error(message)
}

function runSlot(slot) {
  const r = runTimed(slot.argv(slot.count++), {cwd: slot.cwd, env: ENV, perf: PERF})
  slot.check?.(r)
  return r
}

// ---------------------------------------------------------------------------
// Main

function machine() {
  const cpu = cpus()
  const glixRoot = dirname(dirname(options.bin))
  const read = (fn, fallback) => {
    try {
      return fn()
    } catch {
      return fallback
    }
  }

  const commit = read(() => JSON.parse(readFileSync(join(glixRoot, 'dist', 'build-info.json'), 'utf8')).commit, 'unknown')
  const dirty = read(() => execFileSync('git', ['status', '--porcelain', '--', 'src', 'bin', 'scripts'], {cwd: glixRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim() !== '', false)
  const goVersion = GO ? read(() => execFileSync(GO, ['--version'], {encoding: 'utf8'}).trim(), 'unknown') : undefined
  return {
    commit: `${commit}${dirty ? ' with uncommitted changes' : ''}`,
    cpu: `${cpu[0]?.model.trim() ?? 'unknown CPU'} × ${cpu.length}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    go: GO ? `${GO} (${goVersion})` : undefined,
    memory: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    perf: PERF,
  }
}

const started = Date.now()
try {
  if (options.report) {
    const markdown = renderReport(JSON.parse(readFileSync(options.report, 'utf8')))
    process.stdout.write(markdown + '\n')
    if (options.write) writeResults(MARKERS.main, markdown)
  } else if (options.levers || options.profile) {
    const mode = options.levers ? 'levers' : 'profile'
    const {[mode === 'levers' ? 'runLevers' : 'runProfile']: runMode} = await import(`./bench/${mode}.js`)
    const load = loadavg()
    const markdown = await runMode({base, env: ENV, log, machine: {...machine(), load: () => `${fmtLoad(load)} → ${fmtLoad(loadavg())}`}, options, perf: PERF, root: PACKAGE_ROOT, runGlix})
    process.stdout.write(markdown + '\n')
    if (options.write) writeResults(MARKERS[mode], markdown)
  } else {
    log(`glix bench: ${options.bin}; Go: ${GO ?? 'not found'}; ${PERF ? 'perf stat (wall and CPU)' : "Node's clock (wall only)"}; ${options.runs} rounds after ${options.warmup} warm-up(s); in ${base}`)
    const loadStart = loadavg()
    const repos = await makeRepos()
    const slots = makeSlots(repos)
    for (const slot of slots) Object.assign(slot, {count: 0, samples: []})
    log(`${slots.length} slots per round; warming up …`)
    for (const slot of slots) for (let w = 0; w < options.warmup; w++) runSlot(slot)
    const shuffle = shuffler(12)
    for (let r = 0; r < options.runs; r++) {
      for (const slot of shuffle(slots)) {
        const {cpu, wall} = runSlot(slot)
        slot.samples.push({cpu, round: r, wall})
      }

      process.stderr.write(`\rround ${r + 1}/${options.runs}`)
    }

    process.stderr.write('\n')
    const rss = []
    if (TIME) {
      log('peak RSS …')
      for (const size of SIZES) {
        for (const layout of LAYOUTS) {
          const repo = repos[`${layout}/${size.id}`]
          if (!repo) continue
          for (const tool of GO ? ['glix', 'go'] : ['glix']) {
            const argv = tool === 'glix' ? [NODE, options.bin, 'list', '--all-hosts'] : [GO, 'list', '--all-hosts']
            const runs = Array.from({length: options.quick ? 2 : 5}, () => peakRss(argv, {cwd: repo, env: ENV, scratch: base}))
            rss.push({layout, runs, size, tool})
          }
        }
      }
    }

    log('counting processes and manifest opens …')
    const counter = makeCounter({base, env: ENV})
    const counts = []
    for (const slot of slots) {
      if (slot.tool === 'node' || (slot.size && slot.size.id !== SIZES[0].id)) continue
      counts.push({key: slot.key, layout: slot.layout, measure: slot.measure.id, tool: slot.tool, ...counter.count(slot.argv(slot.count++), slot.cwd)})
    }

    const record = recordOf({
      counts: {rows: counts, strace: counter.strace},
      go: Boolean(GO),
      load: {end: loadavg(), start: loadStart},
      machine: machine(),
      minutes: (Date.now() - started) / 60_000,
      options,
      rss,
      sizes: SIZES,
      slots,
    })
    mkdirSync(dirname(LAST_RUN), {recursive: true})
    writeFileSync(LAST_RUN, JSON.stringify(record))
    const markdown = renderReport(record)
    process.stdout.write(markdown + '\n')
    if (options.write) writeResults(MARKERS.main, markdown)
  }
} finally {
  if (options.keep) log(`kept ${base}`)
  else rmSync(base, {force: true, recursive: true})
}

function fmtLoad(load) {
  return load.map((x) => x.toFixed(2)).join(' / ')
}

/** Replaces what is between the `<marker>:start` and `<marker>:end` comments of bench/results.md (appends them if missing). */
function writeResults(marker, markdown) {
  const [START, END] = [`<!-- ${marker}:start -->`, `<!-- ${marker}:end -->`]
  const block = `${START}\n${markdown}\n${END}`
  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : '# Benchmark results\n'
  const start = text.indexOf(START)
  const end = text.indexOf(END)
  text = start !== -1 && end > start ? text.slice(0, start) + block + text.slice(end + END.length) : `${text.trimEnd()}\n\n${block}\n`
  writeFileSync(RESULTS, text)
  log(`wrote ${RESULTS}`)
}
