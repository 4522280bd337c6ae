// The Markdown report of `npm run bench`: the goals of issue 12 as measured
// in this run, then every measure, linearity, layout parity and memory.
// Every figure comes from the samples handed in; nothing is estimated.
import {median, pairedRatio, summarize} from './timing.js'

const ms = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1))
const ratio = (x) => `${x.toFixed(2)}×`
const spread = (s, fmt) => `${fmt(s.median)} (${fmt(s.p25)}–${fmt(s.p75)})`
const MIB = 1024

/** Samples of a slot by round, for one metric; a missing slot gives undefined. */
function series(slot, metric) {
  return slot?.samples.map((s) => s[metric])
}

function hasMetric(slot, metric) {
  return slot?.samples.every((s) => Number.isFinite(s[metric]))
}

export function renderReport({go, load, machine, minutes, options, rss, sizes, slots}) {
  const find = (id, size, layout, tool) => slots.find((s) => s.key === [id, size ?? '', layout ?? ''].join('|') && s.tool === tool)
  const floor = slots.find((s) => s.key === 'floor')
  const metrics = machine.perf ? ['wall', 'cpu'] : ['wall']
  const noGo = 'not measured: glix-go not found'

  /** Paired ratios of glix against Go and against the floor for one slot key, per metric. */
  const ratios = (id, size, layout, metric) => {
    const g = find(id, size, layout, 'glix')
    const o = find(id, size, layout, 'go')
    if (!g || !hasMetric(g, metric)) return undefined
    return {
      glix: summarize(series(g, metric)),
      go: o && hasMetric(o, metric) ? summarize(series(o, metric)) : undefined,
      vsFloor: pairedRatio(series(g, metric), series(floor, metric)),
      vsGo: o && hasMetric(o, metric) ? pairedRatio(series(g, metric), series(o, metric)) : undefined,
    }
  }

  const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(' / ')
  const lines = [
    `Measured ${machine.date} on ${machine.cpu} (${machine.memory}), Node ${machine.node}, glix ${machine.commit};`,
    `Go glix: ${machine.go ?? '**not found** — every Go column says so'}.`,
    `${options.runs} rounds after ${options.warmup} warm-up(s); each round runs every slot below once (${slots.length} slots with \`node -e 0\`) in a fresh shuffled order;`,
    `${machine.perf ? 'timing by `perf stat`: wall = duration_time from the exec of the command, CPU = task-clock of the process and its children (git, the stub `nix`)' : "timing by Node's clock around a synchronous spawn (wall only: `perf stat` unavailable)"}.`,
    `Load average (1 / 5 / 15 min): ${fmtLoad(load.start)} at the start, ${fmtLoad(load.end)} at the end; the run took ${minutes.toFixed(1)} min.`,
    'The machine is shared (2 cores, other builds and test suites running): absolute times are inflated and noisy;',
    'compare the paired ratios, which are taken within each round. Figures: median (interquartile range) over the rounds.',
    '',
  ]

  // --- Goals
  const goal = (what, value, met) => `| ${what} | ${value} | ${met === undefined ? '—' : met ? 'met' : '**not met**'} |`
  const goals = ['| goal (issue 12) | measured: paired median (IQR) | |', '|---|---|---|']
  const S = sizes[0].id
  const floorGoal = (id, size, layout, label) => {
    const r = ratios(id, size, layout, 'wall')
    if (r) goals.push(goal(`${label} ≤ 1.5× \`node -e 0\``, `${spread(r.vsFloor, ratio)}`, r.vsFloor.median <= 1.5))
  }

  floorGoal('version-flag', undefined, undefined, '`--version`')
  for (const layout of ['glix', 'go']) {
    floorGoal('list-host', S, layout, `\`list --host\`, 50×100, ${layout} layout,`)
    floorGoal('show', S, layout, `\`show\`, 50×100, ${layout} layout,`)
  }

  const goGoal = (id, size, layout, label, limit) => {
    const r = ratios(id, size, layout, 'wall')
    if (!r) return
    if (!r.vsGo) goals.push(goal(`${label} ≤ ${limit}× Go`, noGo, undefined))
    else goals.push(goal(`${label} ≤ ${limit}× Go`, spread(r.vsGo, ratio), r.vsGo.median <= limit))
  }

  for (const layout of ['glix', 'go']) {
    goGoal('list-all', S, layout, `\`list --all-hosts\` 50×100, ${layout} layout,`, 1)
    goGoal('list-all', '200x200', layout, `\`list --all-hosts\` 200×200, ${layout} layout,`, 0.5)
    goGoal('list-all', '1000x50', layout, `\`list --all-hosts\` 1000×50, ${layout} layout,`, 0.5)
  }

  for (const layout of ['glix', 'go']) {
    for (const id of ['set', 'disable', 'enable', 'add']) {
      const label = {add: '`add --no-lock`', disable: '`disable`', enable: '`enable`', set: '`set config.k=v`'}[id]
      goGoal(id, S, layout, `${label} 50×100, ${layout} layout,`, 1.5)
    }
  }

  const linear = linearity(sizes, find)
  for (const row of linear.filter((r) => r.tool === 'glix' && r.factor !== undefined)) {
    goals.push(goal(`\`list --all-hosts\` linear in packages read, ${row.layout} layout (cost per package at 1000×50 ≤ 1.25× that at 200×200)`, `${ratio(row.factor)}`, row.factor <= 1.25))
  }

  const parity = layoutParity(slots, find)
  const worst = parity.reduce((w, p) => (!w || p.r.median > w.r.median ? p : w), undefined)
  if (worst) {
    goals.push(goal('Go-written repos as fast as glix-written ones (glix on Go layout / on glix layout ≤ 1.05 for every command)', `worst: ${worst.label}, ${spread(worst.r, ratio)}`, worst.r.median <= 1.05))
  }

  const memory = memoryRows(rss, sizes)
  for (const layout of ['glix', 'go']) {
    const small = memory.find((m) => m.tool === 'glix' && m.layout === layout && m.size.id === S)
    const big = memory.find((m) => m.tool === 'glix' && m.layout === layout && m.size.id === '200x200')
    if (small && big) {
      const limit = 2 * small.kib + big.outKib
      goals.push(goal(`peak RSS of \`list --all-hosts\` 200×200 ≤ 2 × that of 50×100 + the output, ${layout} layout`, `${(big.kib / MIB).toFixed(1)} MiB vs limit ${(limit / MIB).toFixed(1)} MiB (2 × ${(small.kib / MIB).toFixed(1)} + ${(big.outKib / MIB).toFixed(1)})`, big.kib <= limit))
    }
  }

  goals.push(goal('≤ 1 read of each manifest and ≤ 4 git processes per mutation', 'counted by test/integration/spawn-count.test.ts, not timed here', undefined))
  lines.push('### Goals', '', ...goals, '')

  // --- Every measure
  for (const metric of metrics) {
    const f = summarize(series(floor, metric))
    lines.push(
      `### ${metric === 'wall' ? 'Wall time' : 'CPU time (process and children)'}, ms`,
      '',
      `\`node -e 0\`: ${spread(f, ms)} ms.`,
      '',
      '| command | fleet | layout | glix | Go | glix / Go | glix / `node -e 0` | Go / `node -e 0` |',
      '|---|---|---|---:|---:|---:|---:|---:|',
    )
    const seen = new Set()
    for (const slot of slots) {
      if (slot.tool !== 'glix' || seen.has(slot.key)) continue
      seen.add(slot.key)
      const r = ratios(slot.measure.id, slot.size?.id, slot.layout, metric)
      const o = find(slot.measure.id, slot.size?.id, slot.layout, 'go')
      const goFloor = o && hasMetric(o, metric) ? pairedRatio(series(o, metric), series(floor, metric)) : undefined
      lines.push(
        `| ${slot.measure.label} | ${slot.size?.label ?? '–'} | ${slot.layout ?? '–'} | ${spread(r.glix, ms)} | ${r.go ? spread(r.go, ms) : go ? '–' : noGo} | ${r.vsGo ? spread(r.vsGo, ratio) : '–'} | ${spread(r.vsFloor, ratio)} | ${goFloor ? spread(goFloor, ratio) : '–'} |`,
      )
    }

    lines.push('')
  }

  // --- Linearity
  lines.push(
    '### `list --all-hosts`: cost per package read (wall)',
    '',
    'Marginal cost = (median − median at 50×100) / (packages − 5,000). Linear means the cost per package stays flat from 200×200 (40,000 packages, 200 files) to 1000×50 (50,000 packages, 1,000 files).',
    '',
    '| tool | layout | 50×100 | 200×200 | 1000×50 | µs per package, 50×100 → 200×200 | µs per package, 50×100 → 1000×50 | ratio |',
    '|---|---|---:|---:|---:|---:|---:|---:|',
  )
  for (const row of linear) {
    lines.push(`| ${row.tool} | ${row.layout} | ${row.t.map((t) => (t === undefined ? '–' : `${ms(t)} ms`)).join(' | ')} | ${row.perPkg.map((x) => (x === undefined ? '–' : (x * 1000).toFixed(2))).join(' | ')} | ${row.factor === undefined ? '–' : ratio(row.factor)} |`)
  }

  lines.push('')

  // --- Layout parity
  if (parity.length > 0) {
    lines.push('### Go-written against glix-written repos (glix, wall)', '', '| command | fleet | glix on Go layout / on glix layout |', '|---|---|---:|')
    for (const p of parity) lines.push(`| ${p.label} | ${p.size} | ${spread(p.r, ratio)} |`)
    lines.push('')
  }

  // --- Memory
  if (memory.length > 0) {
    lines.push('### Peak RSS of `list --all-hosts` (GNU time, median of the runs)', '', '| tool | layout | fleet | peak RSS | output |', '|---|---|---|---:|---:|')
    for (const m of memory) lines.push(`| ${m.tool} | ${m.layout} | ${m.size.label} | ${(m.kib / MIB).toFixed(1)} MiB | ${(m.outKib / MIB).toFixed(1)} MiB |`)
    lines.push('')
  } else {
    lines.push('Peak RSS: not measured (GNU time, /usr/bin/time, not found).', '')
  }

  return lines.join('\n').trimEnd()
}

function linearity(sizes, find) {
  const rows = []
  for (const tool of ['glix', 'go']) {
    for (const layout of ['glix', 'go']) {
      const t = sizes.map((size) => {
        const slot = find('list-all', size.id, layout, tool)
        return slot ? median(series(slot, 'wall')) : undefined
      })
      if (t.every((x) => x === undefined)) continue
      const n = sizes.map((s) => s.hosts * s.packages)
      const perPkg = [1, 2].map((i) => (t[i] === undefined || t[0] === undefined ? undefined : (t[i] - t[0]) / (n[i] - n[0])))
      rows.push({factor: perPkg[0] && perPkg[1] !== undefined ? perPkg[1] / perPkg[0] : undefined, layout, perPkg, t, tool})
    }
  }

  return rows
}

function layoutParity(slots, find) {
  const out = []
  const seen = new Set()
  for (const slot of slots) {
    if (slot.tool !== 'glix' || slot.layout !== 'glix' || seen.has(slot.key)) continue
    seen.add(slot.key)
    const other = find(slot.measure.id, slot.size.id, 'go', 'glix')
    if (other) out.push({label: slot.measure.label, r: pairedRatio(series(other, 'wall'), series(slot, 'wall')), size: slot.size.label})
  }

  return out
}

function memoryRows(rss, sizes) {
  return rss
    .filter((m) => m.runs.every(Boolean))
    .map((m) => ({
      kib: median(m.runs.map((r) => r.kib)),
      layout: m.layout,
      outKib: median(m.runs.map((r) => r.stdoutBytes)) / 1024,
      size: sizes.find((s) => s === m.size),
      tool: m.tool,
    }))
}
