/**
 * The resolver chain of `glix add <input>` (spec §6):
 *
 * 1. a full reference (a flake scheme, a path, or anything with `#`) is used
 *    as is — nothing else is consulted, so a broken registry can never get
 *    in the way of a URI;
 * 2. a short name found in the glixos registry;
 * 3. a short name found in `nix registry list` (skipped when no lister is
 *    given: `--no-nix-registry`);
 * 4. an error naming what was consulted, suggesting the closest names.
 *
 * Collaborators (the registry fetcher, the nix-registry lister) are
 * parameters, so tests hand in fakes. A collaborator that fails does not
 * end the chain: the next step runs, and the failure is reported — in the
 * error when nothing matched, as a warning when a later step did.
 */
import {GlixError} from '../errors.js'
import {type NixRegistryEntry, lookupNixRegistry, nixRegistryId} from '../nix/registry.js'
import {quoteForMessage} from '../names.js'
import type {Registry} from '../registry/document.js'
import {closestNames} from '../registry/suggest.js'
import {isFullReference} from './reference.js'

/** How an input was resolved; recorded in the commit subject (`via <how>`). */
export type ResolvedVia = 'nix-registry' | 'registry' | 'uri'

/** What an input resolved to. */
export interface Resolution {
  /** What the user typed. */
  input: string
  /** The flake reference to record. */
  flake: string
  via: ResolvedVia
  /** The package name implied by a registry or nix-registry hit: the short name itself. */
  name?: string
  /** The registry's description of a registry hit. */
  description?: string
  /** Problems that did not stop resolution (a registry that failed before nix-registry matched). */
  warnings: string[]
}

/** A registry and where it came from. */
export interface FetchedRegistry {
  url: string
  registry: Registry
}

/** The collaborators of {@link resolveReference}. */
export interface ResolverDeps {
  /** Loads the glixos registry; resolves undefined when none is configured; throws (one line) when it cannot be loaded. */
  fetchRegistry: () => Promise<FetchedRegistry | undefined>
  /** Lists Nix's registries; omitted to skip the step (`--no-nix-registry`). */
  listNixRegistry?: () => Promise<NixRegistryEntry[]>
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Resolves `input` through the chain, or throws a GlixError (code UNRESOLVED) with suggestions. */
export async function resolveReference(input: string, deps: ResolverDeps): Promise<Resolution> {
  if (isFullReference(input)) return {flake: input, input, via: 'uri', warnings: []}

  const warnings: string[] = []
  const consulted: string[] = ['not a flake reference']
  const candidates: string[] = []

  let fetched: FetchedRegistry | undefined
  try {
    fetched = await deps.fetchRegistry()
    consulted.push(
      fetched
        ? `not in the registry ${fetched.url}`
        : "no registry configured (--registry-url, $GLIX_REGISTRY_URL or the host's registry_url)",
    )
  } catch (error) {
    warnings.push(reasonOf(error))
    consulted.push(reasonOf(error))
  }

  if (fetched) {
    const {packages} = fetched.registry
    if (Object.hasOwn(packages, input)) {
      const entry = packages[input]
      return {description: entry.description || undefined, flake: entry.flake, input, name: input, via: 'registry', warnings}
    }

    candidates.push(...Object.keys(packages))
  }

  if (deps.listNixRegistry) {
    try {
      const entries = await deps.listNixRegistry()
      const hit = lookupNixRegistry(entries, input)
      if (hit) return {flake: hit.to, input, name: input, via: 'nix-registry', warnings}
      candidates.push(...entries.map((entry) => nixRegistryId(entry)).filter((id): id is string => id !== undefined))
      consulted.push('not in nix registry list')
    } catch (error) {
      consulted.push(reasonOf(error))
    }
  }

  const close = await closestNames(input, candidates)
  throw new GlixError(`cannot resolve ${quoteForMessage(input)}: ${consulted.join(', ')}`, {
    code: 'UNRESOLVED',
    suggestions: close.length > 0 ? [close.join(', ')] : [`nixpkgs#${input} for a package of nixpkgs, or a full flake reference`],
  })
}
