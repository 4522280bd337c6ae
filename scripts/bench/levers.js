// `npm run bench -- --levers`: what each start-up lever buys, in paired
// interleaved runs against `node -e 0`, on a 50×100 fleet written by glix.
//
// Each variant is a build of the same dist/ with one thing changed, and a
// two-line entry beside it in dist/lever-<variant>/ (the depth of
// dist/bundle/, so paths resolved from `import.meta.url` hold):
//   unbundled   oclif finds dist/commands and dist/hooks through package.json (no bundle)
//   esm-*       one ES module; cjs-*: one CommonJS module (plain require)
//   *-eager     every command and hook module evaluated at load; *-lazy: on first use
//   *+cache     loaded with V8's code cache (bin/code-cache.js): what bin/run.js does
//   *-min       minified (whitespace, syntax, local names)
// The `--version` fast path of bin/run.js loads none of them and is timed by the main bench.
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

import {bundleGlix} from '../bundle.js'
import {fleetSpec, writeGlixRepo} from './repos.js'
import {pairedRatio, runTimed, shuffler, summarize} from './timing.js'

const VARIANTS = [
  {name: 'unbundled'},
  {format: 'esm', lazy: false, minify: false, name: 'esm-eager'},
  {format: 'esm', lazy: true, minify: false, name: 'esm-lazy'},
  {format: 'cjs', lazy: false, minify: false, name: 'cjs-eager'},
  {format: 'cjs', lazy: true, minify: false, name: 'cjs-lazy'},
  {cache: true, format: 'cjs', lazy: false, minify: false, name: 'cjs-eager+cache'},
  {cache: true, format: 'cjs', lazy: true, minify: false, name: 'cjs-lazy+cache'},
  {cache: true, format: 'cjs', lazy: true, minify: true, name: 'cjs-lazy-min+cache (shipped)'},
]

export const slug = (variant) => variant.name.replaceAll(/\W+/g, '-')

/** Builds a variant and writes its entry; returns the entry's path. */
export async function buildVariant(root, variant) {
  const dir = join(root, 'dist', `lever-${slug(variant)}`)
  mkdirSync(dir, {recursive: true})
  const entry = join(dir, 'run.mjs')
  const args = 'process.argv.slice(2)'
  if (variant.name === 'unbundled') {
    writeFileSync(
      entry,
      [
        `import {execute} from '@oclif/core/execute'`,
        `import {hoistGlobalFlags} from '../lib/argv.js'`,
        `process.env.OCLIF_DISABLE_LINKED_ESM_WARNING ??= '1'`,
        `await execute({args: hoistGlobalFlags(${args}), dir: new URL('../../bin/run.js', import.meta.url).href})`,
      ].join('\n'),
    )
    return entry
  }

  const file = `glix.${variant.format === 'esm' ? 'js' : 'cjs'}`
  await bundleGlix({...variant, outfile: `dist/lever-${slug(variant)}/${file}`})
  let load = `await import('./${file}')`
  if (variant.format === 'cjs') {
    load = variant.cache
      ? `(await import('../../bin/code-cache.js')).requireWithCodeCache(new URL('./${file}', import.meta.url).pathname, process.env.GLIX_CACHE_DIR + '/code')`
      : `(await import('node:module')).createRequire(import.meta.url)('./${file}')`
  }

  writeFileSync(entry, `process.env.OCLIF_DISABLE_LINKED_ESM_WARNING ??= '1'\nconst {run} = ${load}\nawait run(${args})\n`)
  return entry
}

/** Builds the variants, times them, and returns the Markdown section. */
export async function runLevers({base, env, log, machine, options, perf, root, runGlix}) {
  const removeVariants = () => {
    for (const variant of VARIANTS) rmSync(join(root, 'dist', `lever-${slug(variant)}`), {force: true, recursive: true})
  }

  removeVariants()
  const api = await import(join(root, 'dist', 'index.js'))
  const spec = fleetSpec(50, 100)
  const repo = join(base, 'glix-50x100')
  await writeGlixRepo(repo, spec, {api, env, runGlix})
  const host = spec.hosts[25]
  const measures = [
    {args: ['version'], label: '`version`'},
    {args: ['list', `--host=${host.name}`], label: '`list --host=<h>`'},
    {args: ['show', `--host=${host.name}`, host.packages[0].name], label: '`show <pkg>`'},
    {args: ['list', '--all-hosts'], label: '`list --all-hosts`'},
  ]
  const slots = [{argv: [process.execPath, '-e', '0'], floor: true}]
  for (const variant of VARIANTS) {
    log(`building ${variant.name} …`)
    const entry = await buildVariant(root, variant)
    for (const m of measures) slots.push({argv: [process.execPath, entry, ...m.args], measure: m, variant})
  }

  for (const slot of slots) {
    slot.samples = []
    for (let w = 0; w < options.warmup; w++) runTimed(slot.argv, {cwd: repo, env, perf})
  }

  const shuffle = shuffler(7)
  for (let r = 0; r < options.runs; r++) {
    for (const slot of shuffle(slots)) slot.samples.push(runTimed(slot.argv, {cwd: repo, env, perf}))
    process.stderr.write(`\rround ${r + 1}/${options.runs}`)
  }

  process.stderr.write('\n')
  removeVariants()
  const metrics = perf ? ['wall', 'cpu'] : ['wall']
  const floor = slots[0]
  const fmt = (s, unit) => `${s.median.toFixed(unit ? 0 : 2)}${unit} (${s.p25.toFixed(unit ? 0 : 2)}–${s.p75.toFixed(unit ? 0 : 2)})`
  const lines = [
    `Levers measured ${machine.date} on ${machine.cpu}, Node ${machine.node}, glix ${machine.commit}; ${options.runs} rounds after ${options.warmup} warm-up(s), every slot once per round in shuffled order; ${perf ? 'perf stat' : "Node's clock"}.`,
    `Load average (1 / 5 / 15 min) ${machine.load()} (start → end); the machine is shared. Fleet: 50×100, glix layout. Figures: median (interquartile range); ratios paired per round.`,
    '',
  ]
  for (const metric of metrics) {
    const series = (slot) => slot.samples.map((s) => s[metric])
    lines.push(
      `${metric === 'wall' ? 'Wall' : 'CPU'} time: \`node -e 0\` ${fmt(summarize(series(floor)), ' ms')}.`,
      '',
      `| variant | ${measures.map((m) => `${m.label}: ms, × \`node -e 0\``).join(' | ')} |`,
      `|---|${measures.map(() => '---:').join('|')}|`,
    )
    for (const variant of VARIANTS) {
      const cells = measures.map((m) => {
        const slot = slots.find((s) => s.variant === variant && s.measure === m)
        return `${summarize(series(slot)).median.toFixed(0)}, ${fmt(pairedRatio(series(slot), series(floor)), '')}×`
      })
      lines.push(`| ${variant.name} | ${cells.join(' | ')} |`)
    }

    lines.push('')
  }

  return lines.join('\n').trimEnd()
}
