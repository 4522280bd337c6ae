// The Markdown report of `npm run bench`: the goals of issue 12 as measured
// in this run, then every measure, linearity, layout parity and memory.
// Every figure comes from the samples handed in (a run's `record`, which
// scripts/bench.js also saves as JSON); nothing is estimated.
import {median, pairedRatio, summarize} from './timing.js'

const ms = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1))
const ratio = (x) => `${x.toFixed(2)}×`
const spread = (s, fmt) => `${fmt(s.median)} (${fmt(s.p25)}–${fmt(s.p75)})`
const MIB = 1024
const METRIC_NAMES = {cpu: 'CPU', wall: 'wall'}

/** The samples of a slot, one per round, for one metric. */
const series = (slot, metric) => slot.samples.map((s) => s[metric])
const hasMetric = (slot, metric) => Boolean(slot) && slot.samples.every((s) => Number.isFinite(s[metric]))

/**
 * What `renderReport` needs of a run, as plain data: the slots (key, tool,
 * layout, measure {id, label}, size {id, label, hosts, packages}, samples
 * [{wall, cpu}] by round), the peak RSS runs, the sizes and the context.
 */
export function recordOf({counts, go, load, machine, minutes, options, rss, sizes, slots}) {
  const size = (s) => s && {hosts: s.hosts, id: s.id, label: s.label, packages: s.packages}
  return {
    counts,
    go,
    load,
    machine,
    minutes,
    options: {quick: options.quick, runs: options.runs, warmup: options.warmup},
    rss: rss.map((m) => ({layout: m.layout, runs: m.runs, size: size(m.size), tool: m.tool})),
    sizes: sizes.map(size),
    slots: slots.map((s) => ({key: s.key, layout: s.layout, measure: s.measure && {id: s.measure.id, label: s.measure.label}, samples: s.samples, size: size(s.size), tool: s.tool})),
  }
}

export function renderReport({counts, go, load, machine, minutes, options, rss, sizes, slots}) {
  const find = (id, size, layout, tool) => slots.find((s) => s.key === [id, size ?? '', layout ?? ''].join('|') && s.tool === tool)
  const floor = slots.find((s) => s.key === 'floor')
  const metrics = machine.perf ? ['wall', 'cpu'] : ['wall']
  const noGo = 'not measured: glix-go not found'
  const S = sizes[0].id

  /** Paired ratios of a slot's glix runs against Go's and against the floor, for one metric. */
  const ratios = (id, size, layout, metric) => {
    const g = find(id, size, layout, 'glix')
    const o = find(id, size, layout, 'go')
    if (!hasMetric(g, metric)) return undefined
    const withGo = hasMetric(o, metric)
    return {
      glix: summarize(series(g, metric)),
      go: withGo ? summarize(series(o, metric)) : undefined,
      goVsFloor: withGo ? pairedRatio(series(o, metric), series(floor, metric)) : undefined,
      vsFloor: pairedRatio(series(g, metric), series(floor, metric)),
      vsGo: withGo ? pairedRatio(series(g, metric), series(o, metric)) : undefined,
    }
  }

  const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(' / ')
  const lines = [
    `Measured ${machine.date} on ${machine.cpu} (${machine.memory}), Node ${machine.node}, glix ${machine.commit};`,
    `Go glix: ${machine.go ?? '**not found** — every Go column says so'}.`,
    `${options.runs} rounds after ${options.warmup} warm-up(s); each round runs every slot below once (${slots.length} slots with \`node -e 0\`) in a fresh shuffled order;`,
    `${machine.perf ? 'timing by `perf stat`: wall = duration_time from the exec of the command, CPU = task-clock of the process and its children (git, the stub `nix`)' : "timing by Node's clock around a synchronous spawn (wall only: `perf stat` unavailable)"}.`,
    `Load average (1 / 5 / 15 min): ${fmtLoad(load.start)} at the start, ${fmtLoad(load.end)} at the end; the run took ${minutes.toFixed(1)} min.`,
    Math.max(...load.start, ...load.end) > 2
      ? 'The machine was shared and loaded (load above its 2 cores): wall times are inflated and noisy, CPU times much less;'
      : 'The machine was quiet (load below its 2 cores) but is shared: wall times can still be noisy, CPU times much less;',
    'compare the paired ratios, taken within each round. Figures: median (interquartile range) over the rounds.',
    '',
  ]

  // --- Goals: judged on every metric measured; "met" only when all agree.
  const goals = [`| goal (issue 12) | ${metrics.map((m) => `${METRIC_NAMES[m]}: paired median (IQR)`).join(' | ')} | |`, `|---|${metrics.map(() => '---').join('|')}|---|`]
  const verdict = (checks) => {
    if (checks.length === 0) return '—'
    if (checks.every(Boolean)) return 'met'
    if (checks.some(Boolean)) return `**not met** (met on ${metrics.filter((_m, i) => checks[i]).map((m) => METRIC_NAMES[m]).join(', ')} only)`
    return '**not met**'
  }

  const ratioGoal = (label, pick, limit) => {
    const per = metrics.map((metric) => pick(metric))
    if (per.every((r) => r === undefined)) return
    const cells = per.map((r) => (r ? spread(r, ratio) : noGo))
    goals.push(`| ${label} | ${cells.join(' | ')} | ${per.some((r) => r === undefined) ? '—' : verdict(per.map((r) => r.median <= limit))} |`)
  }

  ratioGoal('`--version` ≤ 1.5× `node -e 0`', (m) => ratios('version-flag', undefined, undefined, m)?.vsFloor, 1.5)
  for (const layout of ['glix', 'go']) {
    ratioGoal(`\`list --host\` 50×100, ${layout} layout, ≤ 1.5× \`node -e 0\``, (m) => ratios('list-host', S, layout, m)?.vsFloor, 1.5)
    ratioGoal(`\`show\` 50×100, ${layout} layout, ≤ 1.5× \`node -e 0\``, (m) => ratios('show', S, layout, m)?.vsFloor, 1.5)
  }

  for (const layout of ['glix', 'go']) {
    for (const [size, limit] of [[S, 1], ['200x200', 0.5], ['1000x50', 0.5]]) {
      const label = sizes.find((s) => s.id === size)?.label
      ratioGoal(`\`list --all-hosts\` ${label}, ${layout} layout, ≤ ${limit}× Go`, (m) => ratios('list-all', size, layout, m)?.vsGo, limit)
    }
  }

  for (const layout of ['glix', 'go']) {
    for (const [id, label] of [['set', '`set config.k=v`'], ['disable', '`disable`'], ['enable', '`enable`'], ['add', '`add --no-lock`']]) {
      ratioGoal(`${label} 50×100, ${layout} layout, ≤ 1.5× Go`, (m) => ratios(id, S, layout, m)?.vsGo, 1.5)
    }
  }

  const linear = metrics.flatMap((metric) => linearity(sizes, find, metric))
  for (const layout of ['glix', 'go']) {
    const rows = metrics.map((metric) => linear.find((r) => r.tool === 'glix' && r.layout === layout && r.metric === metric))
    if (rows.some((r) => r?.factor === undefined)) continue
    goals.push(`| \`list --all-hosts\` linear, ${layout} layout: cost per package at 1000×50 ≤ 1.25× that at 200×200 | ${rows.map((r) => ratio(r.factor)).join(' | ')} | ${verdict(rows.map((r) => r.factor <= 1.25))} |`)
  }

  const parity = layoutParity(slots, find, metrics)
  if (parity.length > 0) {
    const worst = metrics.map((metric) => parity.reduce((w, p) => (!w || p[metric].median > w[metric].median ? p : w), undefined))
    goals.push(
      `| Go-written repos as fast as glix-written ones: glix on the Go layout / on the glix layout ≤ 1.05 for every command (worst shown) | ${worst.map((p, i) => `${p.label} ${p.size}: ${spread(p[metrics[i]], ratio)}`).join(' | ')} | ${verdict(worst.map((p, i) => p[metrics[i]].median <= 1.05))} |`,
    )
  }

  const memory = memoryRows(rss)
  for (const layout of ['glix', 'go']) {
    const small = memory.find((m) => m.tool === 'glix' && m.layout === layout && m.size.id === S)
    const big = memory.find((m) => m.tool === 'glix' && m.layout === layout && m.size.id === '200x200')
    if (!small || !big) continue
    const limit = 2 * small.kib + big.outKib
    const text = `${(big.kib / MIB).toFixed(1)} MiB; limit ${(limit / MIB).toFixed(1)} MiB = 2 × ${(small.kib / MIB).toFixed(1)} + ${(big.outKib / MIB).toFixed(1)}`
    goals.push(`| peak RSS of \`list --all-hosts\` 200×200 ≤ 2 × that of 50×100 + the output, ${layout} layout | ${text} |${metrics.length > 1 ? ' |' : ''} ${big.kib <= limit ? 'met' : '**not met**'} |`)
  }

  goals.push(...countGoals(counts, metrics.length))
  lines.push('### Goals', '', ...goals, '')

  // --- Every measure
  for (const metric of metrics) {
    lines.push(
      `### ${metric === 'wall' ? 'Wall time' : 'CPU time (process and children)'}, ms`,
      '',
      `\`node -e 0\`: ${spread(summarize(series(floor, metric)), ms)} ms.`,
      '',
      '| command | fleet | layout | glix | Go | glix / Go | glix / `node -e 0` | Go / `node -e 0` |',
      '|---|---|---|---:|---:|---:|---:|---:|',
    )
    const seen = new Set()
    for (const slot of slots) {
      if (slot.tool !== 'glix' || seen.has(slot.key)) continue
      seen.add(slot.key)
      const r = ratios(slot.measure.id, slot.size?.id, slot.layout, metric)
      const goCell = r.go ? spread(r.go, ms) : go ? '–' : noGo
      lines.push(
        `| ${slot.measure.label} | ${slot.size?.label ?? '–'} | ${slot.layout ?? '–'} | ${spread(r.glix, ms)} | ${goCell} | ${r.vsGo ? spread(r.vsGo, ratio) : '–'} | ${spread(r.vsFloor, ratio)} | ${r.goVsFloor ? spread(r.goVsFloor, ratio) : '–'} |`,
      )
    }

    lines.push('')
  }

  // --- Linearity
  lines.push(
    '### `list --all-hosts`: cost per package read',
    '',
    'Marginal cost = (median − median at 50×100) / (packages − 5,000). Linear: the cost per package stays flat from 200×200 (40,000 packages in 200 files) to 1000×50 (50,000 packages in 1,000 files).',
    '',
    '| tool | layout | metric | 50×100 | 200×200 | 1000×50 | µs per package to 200×200 | µs per package to 1000×50 | ratio |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|',
  )
  for (const row of linear) {
    const times = row.t.map((t) => (t === undefined ? '–' : `${ms(t)} ms`)).join(' | ')
    const perPackage = row.perPkg.map((x) => (x === undefined ? '–' : (x * 1000).toFixed(2))).join(' | ')
    lines.push(`| ${row.tool} | ${row.layout} | ${METRIC_NAMES[row.metric]} | ${times} | ${perPackage} | ${row.factor === undefined ? '–' : ratio(row.factor)} |`)
  }

  lines.push('')

  // --- Layout parity
  if (parity.length > 0) {
    lines.push(
      '### Go-written against glix-written repos: on the Go layout / on the glix layout, paired',
      '',
      `| command | fleet | ${metrics.map((m) => `glix, ${METRIC_NAMES[m]}`).join(' | ')} | ${metrics.map((m) => `Go, ${METRIC_NAMES[m]}`).join(' | ')} |`,
      `|---|---|${metrics.map(() => '---:').join('|')}|${metrics.map(() => '---:').join('|')}|`,
    )
    for (const p of parity) {
      const goCells = metrics.map((m) => (p.go[m] ? spread(p.go[m], ratio) : '–'))
      lines.push(`| ${p.label} | ${p.size} | ${metrics.map((m) => spread(p[m], ratio)).join(' | ')} | ${goCells.join(' | ')} |`)
    }

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

  lines.push(...countTable(counts, slots))
  return lines.join('\n').trimEnd()
}

function linearity(sizes, find, metric) {
  const rows = []
  for (const tool of ['glix', 'go']) {
    for (const layout of ['glix', 'go']) {
      const t = sizes.map((size) => {
        const slot = find('list-all', size.id, layout, tool)
        return hasMetric(slot, metric) ? median(series(slot, metric)) : undefined
      })
      if (t.every((x) => x === undefined)) continue
      const n = sizes.map((s) => s.hosts * s.packages)
      const perPkg = [1, 2].map((i) => (t[i] === undefined || t[0] === undefined ? undefined : (t[i] - t[0]) / (n[i] - n[0])))
      rows.push({factor: perPkg[0] && perPkg[1] !== undefined ? perPkg[1] / perPkg[0] : undefined, layout, metric, perPkg, t, tool})
    }
  }

  return rows
}

/** Per command on a fleet: the run on the Go layout over the run on the glix layout, paired by round, for glix and for Go. */
function layoutParity(slots, find, metrics) {
  const out = []
  for (const slot of slots) {
    if (slot.tool !== 'glix' || slot.layout !== 'glix') continue
    const other = find(slot.measure.id, slot.size.id, 'go', 'glix')
    if (!other) continue
    const goOnGlix = find(slot.measure.id, slot.size.id, 'glix', 'go')
    const goOnGo = find(slot.measure.id, slot.size.id, 'go', 'go')
    const row = {go: {}, label: slot.measure.label, size: slot.size.label}
    for (const metric of metrics) {
      row[metric] = pairedRatio(series(other, metric), series(slot, metric))
      if (hasMetric(goOnGlix, metric) && hasMetric(goOnGo, metric)) row.go[metric] = pairedRatio(series(goOnGo, metric), series(goOnGlix, metric))
    }

    out.push(row)
  }

  return out
}

function memoryRows(rss) {
  return rss
    .filter((m) => m.runs.every(Boolean))
    .map((m) => ({
      kib: median(m.runs.map((r) => r.kib)),
      layout: m.layout,
      outKib: median(m.runs.map((r) => r.stdoutBytes)) / 1024,
      size: m.size,
      tool: m.tool,
    }))
}

const MUTATIONS = new Set(['add', 'disable', 'enable', 'set'])

/** The busiest manifest's opens, or undefined when not counted. */
const busiest = (row) => (row.opens === undefined ? undefined : Math.max(0, ...Object.values(row.opens)))

/** The goal rows on counts: the worst glix command, measured by one untimed run of each (scripts/bench/counts.js). */
function countGoals(counts, columns) {
  const pad = columns > 1 ? ' |' : ''
  if (!counts) return [`| ≤ 1 read of each manifest per command, ≤ 4 git processes per mutation | not counted in this run |${pad} — |`]
  const glix = counts.rows.filter((r) => r.tool === 'glix')
  const rows = []
  if (counts.strace) {
    const worst = glix.reduce((w, r) => (!w || busiest(r) > busiest(w) ? r : w), undefined)
    rows.push(`| ≤ 1 open of each manifest per command (one untimed run of each command, strace) | at most ${busiest(worst)} (${worst.measure}, ${worst.layout ?? 'no'} layout) |${pad} ${busiest(worst) <= 1 ? 'met' : '**not met**'} |`)
  } else {
    rows.push(`| ≤ 1 open of each manifest per command | not counted: strace not found |${pad} — |`)
  }

  const mutations = glix.filter((r) => MUTATIONS.has(r.measure))
  const most = mutations.reduce((w, r) => (!w || r.git > w.git ? r : w), undefined)
  if (most) rows.push(`| ≤ 4 git processes per mutation (one untimed run of each, PATH shim) | at most ${most.git} (${most.measure}) |${pad} ${most.git <= 4 ? 'met' : '**not met**'} |`)
  return rows
}

/** Every counted command: git and nix processes, and manifest opens, per tool. */
function countTable(counts, slots) {
  if (!counts) return []
  const label = (id) => slots.find((s) => s.measure?.id === id)?.measure.label ?? id
  const lines = [
    '### Processes and manifest opens (one untimed run of each command on 50×100)',
    '',
    `Logging \`git\` and \`nix\` shims first on PATH${counts.strace ? ', and `strace -f` for read-only opens of `hosts/<h>/glix.toml` by the tool itself (not by the git it starts)' : '; strace not found, so opens are not counted'}.`,
    '',
    '| command | layout | tool | git | nix | opens of the busiest manifest | manifests opened |',
    '|---|---|---|---:|---:|---:|---:|',
  ]
  for (const r of counts.rows) {
    const opened = r.opens === undefined ? '–' : Object.keys(r.opens).length
    lines.push(`| ${label(r.measure)} | ${r.layout ?? '–'} | ${r.tool} | ${r.git} | ${r.nix} | ${busiest(r) ?? '–'} | ${opened} |`)
  }

  lines.push('')
  return lines
}
