// Parse time of a fleet's manifests, glix-written against Go-written, in
// cold processes: what every command pays to read the hosts of a repo.
//
//   npm run build && node bench/manifest-parse.js [label=<dist dir>…] [--runs=N] [--write]
//
// With no label, the build in ./dist is measured as "now". Give several
// (e.g. `before=/tmp/old/dist now=dist`) to compare builds on the same
// files in the same run; the runs go round robin so every build sees the
// same machine load. Each run is a fresh `node` that imports the build's
// lib/manifest/hosts.js and reads every manifest of one fleet with
// readAllManifests(); it reports the import time and the read time, and
// the table shows medians (min–max) of the read time and the CPU time.
//
// Fleets: 50 hosts × 100 packages and 200 × 200, each written twice with
// the same content: by glix's renderManifest, and in the Go glix's layout
// (`[settings]` keys with aligned `=`, a blank line after every table).
// When ../shared/anchor/glix-go exists, the Go layout written here is
// first checked byte for byte against a manifest the real Go binary wrote.
// A single 4.8 MB manifest is measured too. --write stores the table in
// bench/manifest-parse.md.
import {execFileSync, spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {cpus, loadavg, tmpdir} from 'node:os'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const GO = resolve(ROOT, '../../shared/anchor/glix-go')

const options = {runs: 9, write: false}
const builds = []
for (const arg of process.argv.slice(2)) {
  if (arg.startsWith('--runs=')) options.runs = Number(arg.slice(7))
  else if (arg === '--write') options.write = true
  else if (/^[\w-]+=/.test(arg)) builds.push({dist: resolve(arg.slice(arg.indexOf('=') + 1)), label: arg.slice(0, arg.indexOf('='))})
  else {
    console.error(`manifest-parse: unknown argument ${arg}`)
    process.exit(2)
  }
}

if (builds.length === 0) builds.push({dist: join(ROOT, 'dist'), label: 'now'})
const {renderManifest} = await import(join(builds.at(-1).dist, 'lib/manifest/write.js'))
const {parseManifest} = await import(join(builds.at(-1).dist, 'lib/manifest/read.js'))

const pad = (n, width) => String(n).padStart(width, '0')
const hex = (seed, length) => {
  let out = ''
  for (let i = 0; out.length < length; i++) out += ((seed * 2_654_435_761 + i * 40_503) >>> 0).toString(16).padStart(8, '0')
  return out.slice(0, length)
}

/** One host's manifest: a realistic mix of system/home, pins, users, config and disabled packages. */
function hostManifest(hostIndex, packages) {
  const manifest = {
    extra: {},
    packages: {},
    schema: 1,
    settings: {
      auto_apply: false,
      default_scope: 'system',
      extra: {},
      primary_user: 'alice',
      registry_url: 'https://raw.githubusercontent.com/glixos/registry/main/registry.json',
      system: hostIndex % 3 === 0 ? 'aarch64-linux' : 'x86_64-linux',
    },
  }
  for (let j = 0; j < packages; j++) {
    const index = (hostIndex * 13 + j) % (packages * 2)
    const name = `pkg-${pad(index, 4)}`
    const home = (index + hostIndex) % 6 === 0
    const entry = {config: {}, enabled: (index + hostIndex) % 9 !== 0, extra: {}, flake: `github:owner-${index % 17}/${name}`, scope: home ? 'home' : 'system'}
    if (index % 4 === 0) entry.pin = hex(index, 40)
    if (home && index % 2 === 0) entry.user = 'bob'
    if (index % 3 === 0) entry.config = {message: `hello from ${name}`, theme: 'dark'}
    manifest.packages[name] = entry
  }

  return manifest
}

/** The Go glix's layout of the same manifest: `[settings]` keys aligned on `=`, a blank line after every table. */
function goLayout(canonical) {
  const lines = canonical.split('\n')
  const start = lines.indexOf('[settings]') + 1
  let end = start
  while (end < lines.length && lines[end] !== '') end++
  const width = Math.max(...lines.slice(start, end).map((l) => l.indexOf(' = ')))
  for (let i = start; i < end; i++) {
    const eq = lines[i].indexOf(' = ')
    lines[i] = lines[i].slice(0, eq).padEnd(width) + lines[i].slice(eq)
  }

  return lines.join('\n') + '\n'
}

/** Checks goLayout against a manifest the real Go glix wrote (init, add ×3, set config). */
function verifyGoLayout() {
  if (!existsSync(GO)) return 'not checked: ../shared/anchor/glix-go is missing'
  const dir = mkdtempSync(join(tmpdir(), 'glix-go-layout-'))
  try {
    mkdirSync(join(dir, 'bin'))
    writeFileSync(join(dir, 'bin', 'nix'), '#!/bin/sh\nexit 0\n')
    chmodSync(join(dir, 'bin', 'nix'), 0o755)
    const env = {...process.env, GIT_AUTHOR_EMAIL: 'b@b', GIT_AUTHOR_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@b', GIT_COMMITTER_NAME: 'b', PATH: `${join(dir, 'bin')}:${process.env.PATH}`}
    const repo = join(dir, 'repo')
    const go = (...args) => execFileSync(GO, args, {env, stdio: 'pipe'})
    go('init', `--dir=${repo}`, '--host=h', '--user=alice')
    go('add', `--dir=${repo}`, '--host=h', '--name=zeta', 'github:o/zeta')
    go('add', `--dir=${repo}`, '--host=h', '--name=alpha', '--scope=home', '--user=bob', `--pin=${hex(1, 40)}`, 'github:o/alpha')
    go('add', `--dir=${repo}`, '--host=h', '--name=mid', 'github:o/mid')
    go('set', `--dir=${repo}`, '--host=h', 'mid', 'config.theme=dark', 'config.message=hi there')
    const written = readFileSync(join(repo, 'hosts/h/glix.toml'), 'utf8')
    const ours = goLayout(renderManifest(parseManifest(written, 'go').manifest))
    if (ours !== written) throw new Error(`the Go layout written here differs from glix-go's:\n--- glix-go\n${written}\n--- here\n${ours}`)
    return 'checked byte for byte against a manifest glix-go wrote'
  } finally {
    rmSync(dir, {force: true, recursive: true})
  }
}

function writeFleet(base, hosts, packages, writer) {
  const root = join(base, `${hosts}x${packages}-${writer}`)
  for (let i = 0; i < hosts; i++) {
    const dir = join(root, 'hosts', `host-${pad(i, 4)}`)
    mkdirSync(dir, {recursive: true})
    const text = renderManifest(hostManifest(i, packages))
    writeFileSync(join(dir, 'glix.toml'), writer === 'go' ? goLayout(text) : text)
  }

  return root
}

const CHILD = `
const [dist, root, single] = process.argv.slice(1)
const t0 = performance.now()
const c0 = process.cpuUsage()
const mod = await import(dist + (single ? '/lib/manifest/read.js' : '/lib/manifest/hosts.js'))
const t1 = performance.now()
const c1 = process.cpuUsage()
const n = single ? ((await mod.readManifest(single)), 1) : (await mod.readAllManifests(root)).length
const t2 = performance.now()
const c2 = process.cpuUsage(c1)
console.log(JSON.stringify({cpu: (c2.user + c2.system) / 1000, load: t1 - t0, n, read: t2 - t1}))
`

function measure(build, root, single) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, build.dist, root, single ?? ''], {encoding: 'utf8'})
  if (r.status !== 0) throw new Error(`${build.label}: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
const show = (values) => `${median(values).toFixed(0)} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`

const base = mkdtempSync(join(tmpdir(), 'glix-manifest-parse-'))
try {
  const goCheck = verifyGoLayout()
  const cases = []
  for (const [hosts, packages] of [
    [50, 100],
    [200, 200],
  ]) {
    for (const writer of ['glix', 'go']) cases.push({label: `${hosts}×${packages}, ${writer}-written`, root: writeFleet(base, hosts, packages, writer)})
  }

  const big = join(base, 'big.toml')
  writeFileSync(big, renderManifest(hostManifest(0, 36_000)))
  cases.push({label: `one ${(readFileSync(big).length / 1e6).toFixed(1)} MB manifest`, root: base, single: big})

  const results = new Map()
  for (let run = 0; run < options.runs; run++) {
    for (const c of cases) {
      for (const build of builds) {
        const key = `${c.label}\0${build.label}`
        if (!results.has(key)) results.set(key, {cpu: [], read: []})
        const r = measure(build, c.root, c.single)
        results.get(key).read.push(r.read)
        results.get(key).cpu.push(r.cpu)
      }
    }
  }

  const header = ['| manifests |', ...builds.map((b) => ` ${b.label}: read ms | ${b.label}: CPU ms |`)].join('')
  const rule = ['|---|', ...builds.map(() => '---|---|')].join('')
  const rows = cases.map((c) => ['| ' + c.label + ' |', ...builds.map((b) => ` ${show(results.get(`${c.label}\0${b.label}`).read)} | ${show(results.get(`${c.label}\0${b.label}`).cpu)} |`)].join(''))
  const table = [
    `Medians (min–max) of ${options.runs} cold processes each, round robin; Node ${process.version}, ${cpus().length}× ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}.`,
    `Go layout: ${goCheck}.`,
    '',
    header,
    rule,
    ...rows,
  ].join('\n')
  console.log(table)
  if (options.write) {
    writeFileSync(
      join(ROOT, 'bench', 'manifest-parse.md'),
      `# Manifest parse time\n\nWritten by \`node bench/manifest-parse.js --write\` (see its header). Read time is\nreadAllManifests() over every host of the fleet, after the module is loaded.\n\n${table}\n`,
    )
  }
} finally {
  rmSync(base, {force: true, recursive: true})
}
