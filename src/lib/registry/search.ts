/**
 * `glix search`: registry entries whose name or description contains the
 * query (ignoring case). Names that start with the query come first; each
 * group is sorted by name. An empty query lists the whole registry.
 */
import {GlixError} from '../errors.js'
import type {Registry} from './document.js'
import {loadRegistry, type LoadOptions, type RegistrySource} from './load.js'
import {configuredRegistryUrl, NO_REGISTRY_HINT, type RegistryUrlSources} from './url.js'

/** One search hit, as `glix search` prints it. */
export interface RegistryMatch {
  name: string
  flake: string
  description: string
}

/** What `glix search` found (what `--json` prints). */
export interface SearchResult {
  /** The registry URL searched. */
  registry: string
  /** Where the copy searched came from. */
  source: RegistrySource
  query: string
  packages: RegistryMatch[]
}

/** Options of {@link searchPackages}: the query, where the URL comes from, how to load. */
export interface SearchOptions extends RegistryUrlSources, Omit<LoadOptions, 'url'> {
  query?: string
}

/** Returns the entries of `registry` matching `query`, prefix matches first. */
export function searchRegistry(registry: Registry, query = ''): RegistryMatch[] {
  const q = query.trim().toLowerCase()
  const matches: Array<RegistryMatch & {prefix: boolean}> = []
  for (const [name, entry] of Object.entries(registry.packages)) {
    const lower = name.toLowerCase()
    if (q !== '' && !lower.includes(q) && !entry.description.toLowerCase().includes(q)) continue
    matches.push({description: entry.description, flake: entry.flake, name, prefix: lower.startsWith(q)})
  }

  matches.sort((a, b) => Number(b.prefix) - Number(a.prefix) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return matches.map(({description, flake, name}) => ({description, flake, name}))
}

/** Runs `glix search`: finds the registry, loads it (cache or network) and searches it. */
export async function searchPackages(options: SearchOptions): Promise<SearchResult> {
  const {env, flag, query = '', setting, ...load} = options
  const url = await configuredRegistryUrl({env, flag, setting})
  if (url === undefined) throw new GlixError(`no registry configured: ${NO_REGISTRY_HINT}`, {code: 'NO_REGISTRY'})
  const loaded = await loadRegistry({...load, url})
  return {packages: searchRegistry(loaded.registry, query), query, registry: url, source: loaded.source}
}
