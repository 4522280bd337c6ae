/**
 * Renderers of the two managed regions of `flake.nix` (spec §3).
 *
 * Pure functions from manifests to region lines. Invariants: entries are
 * sorted by name; every string literal goes through {@link nixString}, so
 * `nix eval` reads back exactly the manifest's string; an input URL never
 * carries a `#fragment` (Nix rejects it) and has the pin folded in where the
 * URL type supports `rev=`; disabled packages are not rendered; a package
 * name maps to one URL: when hosts disagree (a repo another writer made),
 * the input keeps the URL it has in flake.nix until the user resolves it.
 */
import {GlixError} from '../errors.js'
import {type HostManifest, hostSystem} from '../manifest/types.js'
import {compareNames} from '../names.js'
import {checkField, describeInvalid} from '../validate.js'

/** Escapes `value` as a Nix double-quoted string literal, quotes included. */
export function nixString(value: string): string {
  let out = '"'
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]
    if (ch === '\\') out += '\\\\'
    else if (ch === '"') out += '\\"'
    else if (ch === '\n') out += '\\n'
    else if (ch === '\r') out += '\\r'
    else if (ch === '\t') out += '\\t'
    else if (ch === '$' && value[i + 1] === '{') out += '\\$'
    else out += ch
  }

  return out + '"'
}

/** Splits a flake reference at its first `#` into URL and fragment. */
export function splitFragment(reference: string): {fragment?: string; url: string} {
  const hash = reference.indexOf('#')
  if (hash === -1) return {url: reference}
  return {fragment: reference.slice(hash + 1), url: reference.slice(0, hash)}
}

const PINNABLE = /^(github|gitlab|sourcehut|srht):/

/**
 * Folds `pin` into `url` as `rev=`: only for github/gitlab/sourcehut/srht
 * URLs that do not already carry a `rev=`; other URLs are returned as is.
 */
export function foldPin(url: string, pin?: string): string {
  if (!pin || !PINNABLE.test(url)) return url
  const query = url.indexOf('?')
  if (query !== -1 && /(^|&)rev=/.test(url.slice(query + 1))) return url
  return `${url}${query === -1 ? '?' : '&'}rev=${pin}`
}

/** The URL an input gets for a package: fragment dropped, pin folded. */
export function inputUrl(flake: string, pin?: string): string {
  return foldPin(splitFragment(flake).url, pin)
}

export type {HostManifest} from '../manifest/types.js'

/** Where a package name got its input URL. */
export interface InputSource {
  host: string
  url: string
}

/** One package name that means two or more flakes across hosts. */
export interface UrlConflict {
  name: string
  /** Every host that has the package, with the input URL it implies, sorted by host. */
  uses: InputSource[]
}

/**
 * The package names that mean more than one input URL across hosts
 * (enabled or not: a name must mean one flake on every host that has it).
 */
export function findConflicts(hosts: HostManifest[]): UrlConflict[] {
  const uses = new Map<string, InputSource[]>()
  for (const {host, manifest} of hosts) {
    for (const [name, entry] of Object.entries(manifest.packages)) {
      const list = uses.get(name) ?? []
      list.push({host, url: inputUrl(entry.flake, entry.pin)})
      uses.set(name, list)
    }
  }

  const conflicts: UrlConflict[] = []
  for (const [name, list] of uses) {
    if (new Set(list.map((u) => u.url)).size > 1) conflicts.push({name, uses: list.sort((a, b) => compareNames(a.host, b.host))})
  }

  return conflicts.sort((a, b) => compareNames(a.name, b.name))
}

/**
 * Collects the inputs of all hosts: one URL per enabled package name,
 * sorted by name. A name that already means two URLs on two hosts (a repo
 * the Go glix wrote) keeps the URL `current` gives it — the input as it
 * stands in flake.nix — when that is one of them, else the first host's;
 * resolving the conflict is the user's, with glix's commands.
 */
export function collectInputs(hosts: HostManifest[], current: Map<string, string | undefined> = new Map()): Map<string, string> {
  const urls = new Map<string, string[]>()
  for (const {host, manifest} of hosts) {
    for (const [name, entry] of Object.entries(manifest.packages)) {
      if (!entry.enabled) continue
      // Whatever reader produced the manifest, nothing invalid reaches flake.nix.
      for (const [field, value] of [['package', name], ['flake', entry.flake], ['pin', entry.pin]] as const) {
        const reason = value === undefined ? undefined : checkField(field, value)
        if (reason !== undefined) {
          throw new GlixError(`hosts/${host}/glix.toml: packages.${name}: ${describeInvalid(field, value as string, reason)}; fix the manifest before glix writes flake.nix`, {code: 'INVALID_VALUE'})
        }
      }

      const list = urls.get(name) ?? []
      list.push(inputUrl(entry.flake, entry.pin))
      urls.set(name, list)
    }
  }

  const chosen = [...urls.entries()].map(([name, list]): [string, string] => {
    const kept = current.get(name)
    return [name, kept !== undefined && list.includes(kept) ? kept : list[0]]
  })
  return new Map(chosen.sort(([a], [b]) => compareNames(a, b)))
}

/** The error for a mutation that would make one package name mean two URLs on two hosts. */
export function conflictError(name: string, a: InputSource, b: InputSource): GlixError {
  return new GlixError(
    `package "${name}" would mean two flakes: ${a.url} on host ${a.host} and ${b.url} on host ${b.host}; ` +
      'a package name must have one URL across all hosts',
    {code: 'URL_CONFLICT', suggestions: [`give one of them another name with --name (e.g. --name=${name}-${b.host})`]},
  )
}

/** Renders one input entry of the inputs region (without indentation). */
export function renderInput(name: string, url: string): string[] {
  return [`${name} = {`, `  url = ${nixString(url)};`, '};']
}

/** Renders the inputs region body (without indentation). */
export function renderInputs(inputs: Map<string, string>): string[] {
  return [...inputs].flatMap(([name, url]) => renderInput(name, url))
}

/** Renders one line of the hosts region (without indentation). */
export function renderHost(host: string, system: string): string[] {
  return [`${host} = mkHost ${nixString(host)} ${nixString(system)};`]
}

/** Renders the hosts region body (without indentation), sorted by host. */
export function renderHosts(hosts: HostManifest[]): string[] {
  return [...hostSystems(hosts)].flatMap(([host, system]) => renderHost(host, system))
}

/**
 * The hosts region's meaning: host → system, sorted by host. Throws when a
 * host name or system breaks its field rule, whatever reader produced the
 * manifest: nothing invalid reaches flake.nix.
 */
export function hostSystems(hosts: HostManifest[]): Map<string, string> {
  const systems = new Map<string, string>()
  for (const {host, manifest} of [...hosts].sort((a, b) => compareNames(a.host, b.host))) {
    for (const [field, value] of [['host', host], ['system', hostSystem(manifest)]] as const) {
      const reason = checkField(field, value)
      if (reason !== undefined) throw new GlixError(`hosts/${host}/glix.toml: ${describeInvalid(field, value, reason)}; fix it before glix writes flake.nix`, {code: 'INVALID_VALUE'})
    }

    systems.set(host, hostSystem(manifest))
  }

  return systems
}
