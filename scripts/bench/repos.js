// Synthetic fleets for `npm run bench`, written two ways: by glix (its own
// writer, through the public API of dist/index.js) and exactly as the Go
// glix writes them.
//
// One deterministic specification (`fleetSpec`) says what every host holds;
// both layouts are rendered from it, so a difference in timing between them
// is a difference of layout only.
//
// The Go layout is not written by hundreds of Go processes (far too slow for
// 1,000 hosts): `calibrateGoLayout` has the real glix-go build a small repo
// covering every field the fleets use (pins, home scope with and without a
// user, config tables, disabled packages, fragments, git+https, two
// systems), takes its templates (flake.nix, default.nix, .gitignore), and
// checks that `writeGoRepo` reproduces that repo byte for byte from the same
// specification. Only then are the large Go-layout repos written, and each
// is read back by glix-go (`list --all-hosts --all`) before it is timed.
import {execFileSync} from 'node:child_process'
import {cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join, relative} from 'node:path'

const pad = (n, width) => String(n).padStart(width, '0')

/** A deterministic hex string: fake commit hashes and NAR hashes. */
export function hex(seed, length) {
  let out = ''
  let x = seed * 2_654_435_761
  while (out.length < length) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31
    out += x.toString(16).padStart(8, '0')
  }

  return out.slice(0, length)
}

/** Everything about a package that is the same on every host: its name, flake and pin. */
function packageIdentity(index) {
  const name = `pkg-${pad(index, 4)}`
  if (index % 5 === 0) return {flake: `github:NixOS/nixpkgs#${name}`, name}
  const flake = index % 11 === 0 ? `git+https://git.example.org/tools/${name}.git` : `github:org-${index % 17}/${name}`
  return {flake, name, pin: index % 4 === 0 && flake.startsWith('github:') ? hex(index, 40) : undefined}
}

/**
 * What a fleet of `hosts` × `packages` holds: per host its system and its
 * packages (sorted by name), each {name, flake, scope, enabled, user?, pin?,
 * config}. Every field value is one both writers accept.
 */
export function fleetSpec(hostCount, packages) {
  const poolSize = packages * 2
  const hosts = []
  for (let h = 0; h < hostCount; h++) {
    const entries = []
    for (let j = 0; j < packages; j++) {
      const index = (h * 13 + j) % poolSize
      const {flake, name, pin} = packageIdentity(index)
      const home = (index + h) % 6 === 0
      const entry = {config: {}, enabled: (index + h) % 9 !== 0, flake, name, scope: home ? 'home' : 'system'}
      if (pin) entry.pin = pin
      if (home && index % 2 === 0) entry.user = 'bob'
      if (index % 3 === 0) entry.config = {message: `hello from ${name}`, theme: 'dark'}
      entries.push(entry)
    }

    entries.sort((a, b) => (a.name < b.name ? -1 : 1))
    hosts.push({name: `host-${pad(h, String(hostCount - 1).length)}`, packages: entries, system: h % 3 === 0 ? 'aarch64-linux' : 'x86_64-linux', user: 'alice'})
  }

  return {hosts}
}

/** The specification the Go layout is calibrated on: small, but every field and case the fleets use. */
export function calibrationSpec() {
  const pin = (seed) => hex(seed, 40)
  return {
    hosts: [
      {
        name: 'h1',
        packages: [
          {config: {}, enabled: true, flake: 'github:NixOS/nixpkgs#hello', name: 'hello', scope: 'home'},
          {config: {message: 'hello from pkg-a', theme: 'dark'}, enabled: true, flake: 'github:org-1/pkg-a', name: 'pkg-a', scope: 'system'},
          {config: {}, enabled: false, flake: 'github:org-2/pkg-b', name: 'pkg-b', pin: pin(2), scope: 'system'},
          {config: {theme: 'dark'}, enabled: true, flake: 'github:org-3/pkg-c', name: 'pkg-c', pin: pin(3), scope: 'home', user: 'bob'},
          {config: {}, enabled: true, flake: 'git+https://git.example.org/tools/tool.git', name: 'tool', scope: 'system'},
        ],
        system: 'x86_64-linux',
        user: 'alice',
      },
      {
        name: 'h2',
        packages: [
          {config: {}, enabled: true, flake: 'github:org-1/pkg-a', name: 'pkg-a', scope: 'system'},
          {config: {}, enabled: false, flake: 'github:org-9/zed', name: 'zed', scope: 'home', user: 'bob'},
        ],
        system: 'aarch64-linux',
        user: 'alice',
      },
    ],
  }
}

// ---------------------------------------------------------------------------
// flake.lock (the same generator for both layouts: each gets a lock of its own inputs)

function lockNode(url, seed) {
  const github = /^github:([^/]+)\/([^/?#]+)/.exec(url)
  const locked = github
    ? {lastModified: 1_700_000_000 + seed, narHash: `sha256-${hex(seed + 7, 43)}=`, owner: github[1], repo: github[2], rev: hex(seed, 40), type: 'github'}
    : {lastModified: 1_700_000_000 + seed, narHash: `sha256-${hex(seed + 7, 43)}=`, rev: hex(seed, 40), type: 'git', url: url.replace(/^git\+/, '')}
  const original = github ? {owner: github[1], repo: github[2], type: 'github'} : {type: 'git', url: url.replace(/^git\+/, '')}
  return {inputs: {nixpkgs: ['nixpkgs']}, locked, original}
}

/** A flake.lock shaped like the one `nix flake lock` writes for the inputs of a flake.nix (read from its `url =` lines). */
function flakeLock(flakeText) {
  const nodes = {
    nixpkgs: {locked: lockNode('github:NixOS/nixpkgs', 3).locked, original: {owner: 'NixOS', ref: 'nixos-unstable', repo: 'nixpkgs', type: 'github'}},
    root: {inputs: {nixpkgs: 'nixpkgs'}},
  }
  const region = flakeText.slice(flakeText.indexOf('>>> glix-managed inputs >>>'), flakeText.indexOf('<<< glix-managed inputs <<<'))
  let seed = 10
  for (const [, name, url] of region.matchAll(/^\s*([A-Za-z][\w-]*)(?:\.url)? = (?:\{\s*url = )?"([^"]+)"/gm)) {
    nodes[name] = lockNode(url, seed++)
    nodes.root.inputs[name] = name
  }

  return JSON.stringify({nodes, root: 'root', version: 7}, null, 2) + '\n'
}

/** Commits everything as one commit, with automatic gc and maintenance off (no stray work during timing). */
function commitAll(root, env, message) {
  const git = (...args) => execFileSync('git', args, {cwd: root, env, stdio: ['ignore', 'pipe', 'pipe']})
  git('config', 'gc.auto', '0')
  git('config', 'maintenance.auto', 'false')
  git('add', '--all')
  git('commit', '--quiet', '-m', message)
}

// ---------------------------------------------------------------------------
// The glix layout: glix's own writer

/**
 * Writes `spec` as glix writes it: `glix init` (through `runGlix`) for the
 * first host's skeleton, copied for the others, each manifest rendered by
 * `renderManifest` and the regions of flake.nix by `regenerateFlake` (the
 * public API of dist/index.js, handed in as `api`), a flake.lock, one commit.
 */
export async function writeGlixRepo(root, spec, {api, env, runGlix}) {
  const [first] = spec.hosts
  runGlix(['init', '--dir', root, `--host=${first.name}`, `--user=${first.user}`, '--no-lock'])
  for (const host of spec.hosts) {
    const dir = join(root, 'hosts', host.name)
    if (host !== first) cpSync(join(root, 'hosts', first.name), dir, {recursive: true})
    const manifest = api.createManifest({primary_user: host.user, system: host.system})
    for (const {name, ...entry} of host.packages) manifest.packages[name] = {...entry, config: {...entry.config}, extra: {}}
    writeFileSync(join(dir, 'glix.toml'), api.renderManifest(manifest))
  }

  await api.regenerateFlake(root)
  writeFileSync(join(root, 'flake.lock'), flakeLock(readFileSync(join(root, 'flake.nix'), 'utf8')))
  commitAll(root, env, `bench: ${spec.hosts.length} hosts (glix layout)`)
}

// ---------------------------------------------------------------------------
// The Go layout: calibrated on the real glix-go, then replicated

const GO_REGISTRY_URL = 'https://raw.githubusercontent.com/glixos/registry/main/registry.json'

/** One manifest in the Go layout: aligned `[settings]` and package keys, a blank line after every table. */
export function renderGoManifest(host) {
  const lines = [
    '# glixos manifest. Managed by glix; hand edits preserved on best-effort.',
    'schema = 1',
    '',
    '[settings]',
    'default_scope = "system"',
    'auto_apply    = false',
    `system        = ${JSON.stringify(host.system)}`,
    `primary_user  = ${JSON.stringify(host.user)}`,
    `registry_url  = ${JSON.stringify(GO_REGISTRY_URL)}`,
    '',
  ]
  for (const entry of host.packages) {
    lines.push(`[packages.${entry.name}]`, `flake   = ${JSON.stringify(entry.flake)}`, `scope   = ${JSON.stringify(entry.scope)}`, `enabled = ${entry.enabled}`)
    if (entry.pin) lines.push(`pin     = ${JSON.stringify(entry.pin)}`)
    if (entry.user) lines.push(`user    = ${JSON.stringify(entry.user)}`)
    lines.push('')
    const keys = Object.keys(entry.config).sort()
    if (keys.length > 0) lines.push(`[packages.${entry.name}.config]`, ...keys.map((k) => `${k} = ${JSON.stringify(entry.config[k])}`), '')
  }

  return lines.join('\n') + '\n'
}

/** The managed regions of flake.nix in the Go layout: every package an input (disabled ones too, fragments kept), every host. */
function renderGoRegions(spec) {
  const inputs = new Map()
  for (const host of spec.hosts) for (const p of host.packages) inputs.set(p.name, p.pin ? `${p.flake}?rev=${p.pin}` : p.flake)
  const names = [...inputs.keys()].sort()
  const inputLines = names.map((name) => `    ${name} = {\n      url = ${JSON.stringify(inputs.get(name))};\n    };\n`).join('\n')
  const hosts = [...spec.hosts].sort((a, b) => (a.name < b.name ? -1 : 1))
  return {
    hosts: hosts.map((h) => `        ${h.name} = mkHost ${JSON.stringify(h.name)} ${JSON.stringify(h.system)};\n`).join(''),
    inputs: inputLines,
  }
}

function fillRegion(text, region, body) {
  const start = new RegExp(`^.*# >>> glix-managed ${region} >>>\\n`, 'm').exec(text)
  const end = new RegExp(`^.*# <<< glix-managed ${region} <<<$`, 'm').exec(text)
  if (!start || !end) throw new Error(`bench: no ${region} region in the Go flake.nix template`)
  return text.slice(0, start.index + start[0].length) + body + text.slice(end.index)
}

/**
 * Writes `spec` in the Go layout from `templates` (taken from a repo glix-go
 * wrote): manifests, default.nix per host, flake.nix with both regions,
 * .gitignore; then a flake.lock and one commit unless `commit` is false.
 */
export function writeGoRepo(root, spec, templates, {commit = true, env} = {}) {
  mkdirSync(root, {recursive: true})
  let flake = fillRegion(templates.flake, 'inputs', renderGoRegions(spec).inputs)
  flake = fillRegion(flake, 'hosts', renderGoRegions(spec).hosts)
  writeFileSync(join(root, 'flake.nix'), flake)
  writeFileSync(join(root, '.gitignore'), templates.gitignore)
  for (const host of spec.hosts) {
    mkdirSync(join(root, 'hosts', host.name), {recursive: true})
    writeFileSync(join(root, 'hosts', host.name, 'default.nix'), templates.defaultNix.replaceAll('@HOST@', host.name))
    writeFileSync(join(root, 'hosts', host.name, 'glix.toml'), renderGoManifest(host))
  }

  if (!commit) return
  execFileSync('git', ['init', '--quiet', '--initial-branch=main', root], {env})
  writeFileSync(join(root, 'flake.lock'), flakeLock(flake))
  commitAll(root, env, `bench: ${spec.hosts.length} hosts (Go layout)`)
}

/** Every file of a tree except .git, as {relative path: text}. */
function readTree(root, dir = root, out = {}) {
  for (const name of readdirSync(dir)) {
    if (name === '.git') continue
    const full = join(dir, name)
    if (statSync(full).isDirectory()) readTree(root, full, out)
    else out[relative(root, full)] = readFileSync(full, 'utf8')
  }

  return out
}

/**
 * Has glix-go build the calibration repo in `dir` (one command per edit,
 * flags before positionals, `nix` stubbed by `env`'s PATH), takes its
 * templates, and checks that {@link writeGoRepo} reproduces every file of
 * it from {@link calibrationSpec}. Returns the templates; throws with the
 * first differing file otherwise.
 */
export function calibrateGoLayout(goBin, dir, env) {
  const spec = calibrationSpec()
  const real = join(dir, 'go-written')
  const go = (...args) => execFileSync(goBin, args, {cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe']})
  for (const host of spec.hosts) {
    go('init', `--dir=${real}`, `--host=${host.name}`, `--user=${host.user}`, `--system=${host.system}`)
    for (const p of host.packages) {
      const flags = [`--dir=${real}`, `--host=${host.name}`, '--no-nix-registry', `--name=${p.name}`, `--scope=${p.scope}`]
      if (p.user) flags.push(`--user=${p.user}`)
      if (p.pin) flags.push(`--pin=${p.pin}`)
      go('add', ...flags, p.flake)
      // Reverse order on purpose: the check then shows whether glix-go sorts config keys.
      for (const key of Object.keys(p.config).reverse()) go('set', `--dir=${real}`, `--host=${host.name}`, p.name, `config.${key}=${p.config[key]}`)
      if (!p.enabled) go('disable', `--dir=${real}`, `--host=${host.name}`, p.name)
    }
  }

  const files = readTree(real)
  const [first] = spec.hosts
  const hostLine = `networking.hostName = ${JSON.stringify(first.name)};`
  const templates = {
    defaultNix: files[join('hosts', first.name, 'default.nix')].replace(hostLine, 'networking.hostName = "@HOST@";'),
    flake: files['flake.nix'],
    gitignore: files['.gitignore'],
  }
  const replica = join(dir, 'replica')
  writeGoRepo(replica, spec, templates, {commit: false})
  const copy = readTree(replica)
  for (const file of new Set([...Object.keys(files), ...Object.keys(copy)])) {
    if (files[file] !== copy[file]) {
      throw new Error(`bench: the replicated Go layout differs from what glix-go wrote in ${file}:\n--- glix-go\n${files[file]}\n--- replica\n${copy[file]}`)
    }
  }

  return templates
}
