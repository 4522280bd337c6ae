// `npm run bench -- --profile`: where the time of a glix command goes.
//
// Runs each profiled command several times under `node --cpu-prof`, loaded
// as bin/run.js loads it (a lazy CommonJS bundle with the code cache warm)
// but not minified, so that esbuild's `// <path>` comments in the bundle
// name the package of every line; and attributes every sample's self
// time to a bucket: Node's own start-up and module machinery, compiling the
// bundle, garbage collection, waiting (idle: I/O and child processes), and
// the bundled code by package — @oclif/core and each of its dependencies,
// glix's own modules — from esbuild's `// <path>` comments in the bundle.
// Also runs each command with oclif's performance markers on (oclif's own
// phases: config load, hooks, command load and run).
import {mkdirSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {join} from 'node:path'

import {buildVariant, slug} from './levers.js'
import {fleetSpec, writeGlixRepo} from './repos.js'
import {median, runTimed} from './timing.js'

/** Owner of each line of the bundle: the package (or glix's dist/ area) esbuild's comment names. */
function lineOwners(bundleText) {
  const owners = []
  let owner = 'esbuild runtime (module wrappers)'
  const lines = bundleText.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const m = /^\/\/ ((node_modules|dist)\/\S+)$/.exec(lines[i])
    if (m) {
      owner = m[1].startsWith('dist/')
        ? `glix ${m[1].split('/').slice(0, m[1].split('/').length > 3 ? 3 : 2).join('/')}`
        : m[1].replace(/^node_modules\/((@[^/]+\/)?[^/]+).*/, '$1').replace(/^(.*\/node_modules\/)?/, '')
    }

    owners[i] = owner
  }

  return owners
}

const FS_NATIVES = /^(close|fstat|internalModule\w+|lstat|mkdir|open|openFileHandle|read|readdir|readFileUtf8|realpath|rename|rmdir|stat|unlink|writeBuffer|writeFileUtf8|writeString|writeUtf8String)$/

function bucketOf(callFrame, bundleFile, owners) {
  const {functionName, lineNumber, url} = callFrame
  if (!url) {
    if (functionName === '(garbage collector)') return 'garbage collection'
    if (functionName === '(idle)') return 'idle (waiting: I/O, child processes)'
    if (FS_NATIVES.test(functionName)) return 'file system calls (native)'
    if (functionName.startsWith('RegExp:')) return 'regular expressions (native)'
    return functionName === '(program)' ? 'V8 (program)' : 'other native code'
  }

  if (url === bundleFile || url.endsWith(bundleFile)) return owners[lineNumber] ?? 'bundle'
  if (/^node:(internal\/)?child_process/.test(url)) return 'child processes: spawning (and waiting on synchronous ones)'
  if (url.startsWith('node:internal/modules') || url === 'node:vm') return 'Node: module loading and compiling (the bundle, bin/)'
  if (/^node:internal\/(bootstrap|main|process)/.test(url)) return 'Node: bootstrap'
  if (/^node:(internal\/)?fs/.test(url)) return 'Node: fs (JavaScript side)'
  if (url.startsWith('node:')) return `Node: ${url.replace(/^node:(internal\/)?/, '').split('/')[0]}`
  if (url.includes('/bin/') || url.endsWith('/run.mjs')) return 'the entry and bin/code-cache.js'
  return url.replace(/.*node_modules\/((@[^/]+\/)?[^/]+).*/, '$1 (outside the bundle)')
}

/** Mean self time per bucket (ms) over the profiles in `dir`. */
function summarizeProfiles(dir, bundleFile, owners) {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))
  const buckets = {}
  let total = 0
  for (const file of files) {
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'))
    const self = new Map()
    for (let i = 0; i < profile.samples.length; i++) self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + profile.timeDeltas[i] / 1000)
    total += (profile.endTime - profile.startTime) / 1000
    for (const node of profile.nodes) {
      const t = self.get(node.id) ?? 0
      if (t === 0) continue
      const bucket = bucketOf(node.callFrame, bundleFile, owners)
      buckets[bucket] = (buckets[bucket] ?? 0) + t
    }
  }

  for (const key of Object.keys(buckets)) buckets[key] /= files.length
  return {buckets, runs: files.length, total: total / files.length}
}

const OCLIF_PHASES = ['Process Uptime', 'Oclif Time', 'Init Time', 'Config Load Time', 'Core Plugin Load Time', 'Command Load Time', 'Command Run Time']

/** oclif's own phases (its `DEBUG=oclif:perf` report), median over `runs`. */
function oclifPhases(argv, {cwd, env, runs}) {
  const seen = Object.fromEntries(OCLIF_PHASES.map((p) => [p, []]))
  for (let i = 0; i < runs; i++) {
    const r = runTimed(argv, {cwd, env: {...env, DEBUG: 'oclif:perf', NODE_OPTIONS: '--import=data:text/javascript,globalThis.oclif={performanceEnabled:true}'}, perf: false})
    for (const phase of OCLIF_PHASES) {
      const m = new RegExp(`${phase}: ([\\d.]+)ms`).exec(r.stderr)
      if (m) seen[phase].push(Number(m[1]))
    }
  }

  return Object.fromEntries(Object.entries(seen).filter(([, xs]) => xs.length > 0).map(([p, xs]) => [p, median(xs)]))
}

/** Profiles the commands and returns the Markdown section. */
export async function runProfile({base, env, log, machine, options, root, runGlix}) {
  const variant = {cache: true, format: 'cjs', lazy: true, minify: false, name: 'profile'}
  const bin = await buildVariant(root, variant)
  const bundleFile = join(root, 'dist', `lever-${slug(variant)}`, 'glix.cjs')
  const owners = lineOwners(readFileSync(bundleFile, 'utf8'))
  const api = await import(join(root, 'dist', 'index.js'))
  const spec = fleetSpec(50, 100)
  const repo = join(base, 'glix-50x100')
  await writeGlixRepo(repo, spec, {api, env, runGlix})
  const host = spec.hosts[25]
  const runs = options.quick ? 3 : 10
  const commands = [
    {args: ['version'], label: '`version` (oclif doing nothing)'},
    {args: ['list', `--host=${host.name}`], label: '`list --host=<h>`, 50×100'},
    {args: ['list', '--all-hosts'], label: '`list --all-hosts`, 50×100'},
    {args: ['set', `--host=${host.name}`, host.packages[0].name, 'config.k=v'], label: '`set <pkg> config.k=v`, 50×100', mutation: true},
  ]
  const lines = [
    `Profiled ${machine.date} on ${machine.cpu}, Node ${machine.node}, glix ${machine.commit}: ${runs} runs of each command under \`node --cpu-prof --cpu-prof-interval 100\` (the bundle as bin/run.js loads it, code cache warm, but not minified, so that every line has a known package), self time by bucket, mean per run; the machine is shared (load average ${machine.load()}), so read the shares more than the milliseconds. Floor: \`node -e 0\` profiled the same way.`,
    '',
  ]
  const floorDir = join(base, 'prof-floor')
  mkdirSync(floorDir)
  for (let i = 0; i < runs; i++) runTimed([process.execPath, '--cpu-prof', '--cpu-prof-interval', '100', `--cpu-prof-dir=${floorDir}`, '-e', '0'], {cwd: repo, env, perf: false})
  const floor = summarizeProfiles(floorDir, bundleFile, owners)
  for (const command of commands) {
    log(`profiling ${command.args.join(' ')} …`)
    const argv = [process.execPath, bin, ...command.args]
    runTimed(argv, {cwd: repo, env, perf: false}) // warm the code cache and the drift fingerprint
    const dir = join(base, `prof-${command.args[0]}-${commands.indexOf(command)}`)
    mkdirSync(dir)
    for (let i = 0; i < runs; i++) {
      const args = command.mutation ? [...command.args.slice(0, -1), `config.k=v${i}`] : command.args
      runTimed([process.execPath, '--cpu-prof', '--cpu-prof-interval', '100', `--cpu-prof-dir=${dir}`, bin, ...args], {cwd: repo, env, perf: false})
    }

    const {buckets, total} = summarizeProfiles(dir, bundleFile, owners)
    const phases = oclifPhases(argv, {cwd: repo, env, runs: Math.min(runs, 5)})
    rmSync(dir, {force: true, recursive: true})
    const rows = Object.entries(buckets).sort((a, b) => b[1] - a[1])
    const shown = rows.filter(([, t], i) => i < 14 && t >= total / 100)
    const rest = rows.slice(shown.length).reduce((n, [, t]) => n + t, 0)
    lines.push(
      `#### ${command.label}: ${total.toFixed(0)} ms profiled (\`node -e 0\`: ${floor.total.toFixed(0)} ms)`,
      '',
      `oclif's phases (median): ${Object.entries(phases).map(([p, t]) => `${p.toLowerCase()} ${t.toFixed(1)} ms`).join(', ')}.`,
      '',
      '| where | ms | share |',
      '|---|---:|---:|',
      ...shown.map(([bucket, t]) => `| ${bucket} | ${t.toFixed(1)} | ${((100 * t) / total).toFixed(0)} % |`),
      `| everything else | ${rest.toFixed(1)} | ${((100 * rest) / total).toFixed(0)} % |`,
      '',
    )
  }

  rmSync(join(root, 'dist', `lever-${slug(variant)}`), {force: true, recursive: true})
  return lines.join('\n').trimEnd()
}
