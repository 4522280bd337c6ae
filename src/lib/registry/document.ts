/**
 * The glixos registry document (spec §6):
 * `{"schema": 1, "packages": {"<name>": {"flake": "…", "description": "…"}}}`.
 *
 * Invariant: a {@link Registry} returned by {@link parseRegistry} has passed
 * the schema check — schema 1, every name a valid package name, every flake
 * a full flake reference on one line — so the resolver can hand a hit to
 * `glix add` as is, and a registry can never map a name to another short
 * name (no lookup loops). Keys the schema does not know are ignored, so a
 * newer registry with extra fields still loads.
 */
import {GlixError} from '../errors.js'
import {quoteForMessage} from '../names.js'
import {checkField} from '../validate.js'
import {isFullReference} from '../resolver/reference.js'

/** The one schema version glix reads. */
export const REGISTRY_SCHEMA = 1

/** One package of the registry. */
export interface RegistryEntry {
  flake: string
  /** Empty when the registry gives none. */
  description: string
}

/** A checked registry document. */
export interface Registry {
  schema: typeof REGISTRY_SCHEMA
  packages: Record<string, RegistryEntry>
}

/** A registry that cannot be fetched, read or trusted. The message is one line, fit for the user. */
export class RegistryError extends GlixError {
  constructor(message: string, options: {code?: string; cause?: unknown} = {}) {
    super(message, {cause: options.cause, code: options.code ?? 'REGISTRY'})
    this.name = 'RegistryError'
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return `a ${typeof value}`
}

/**
 * Checks an already-parsed document and returns it as a {@link Registry}.
 * Throws a {@link RegistryError} naming the first offending key.
 */
export function checkRegistry(document: unknown): Registry {
  const bad = (what: string) => new RegistryError(`not a glix registry: ${what}`, {code: 'REGISTRY_SCHEMA'})
  if (!isObject(document)) throw bad(`expected a JSON object, got ${kindOf(document)}`)
  if (document.schema !== REGISTRY_SCHEMA) {
    throw bad(
      document.schema === undefined
        ? 'no "schema" key (expected "schema": 1)'
        : `unsupported schema ${JSON.stringify(document.schema)} (expected 1)`,
    )
  }

  if (!isObject(document.packages)) throw bad(`"packages" must be an object, got ${kindOf(document.packages)}`)
  const packages: Record<string, RegistryEntry> = {}
  for (const [name, value] of Object.entries(document.packages)) {
    const where = `packages.${quoteForMessage(name)}`
    const nameReason = checkField('package', name)
    if (nameReason !== undefined) throw bad(`${where}: the package name ${nameReason}`)
    if (!isObject(value)) throw bad(`${where} must be an object, got ${kindOf(value)}`)
    const {description, flake} = value
    if (typeof flake !== 'string' || flake === '') throw bad(`${where}.flake must be a non-empty string`)
    const flakeReason = checkField('flake', flake)
    if (flakeReason !== undefined) throw bad(`${where}.flake ${flakeReason}`)
    if (!isFullReference(flake)) throw bad(`${where}.flake ${quoteForMessage(flake)} is not a full flake reference`)
    if (description !== undefined && typeof description !== 'string') throw bad(`${where}.description must be a string`)
    packages[name] = {description: description ?? '', flake}
  }

  return {packages, schema: REGISTRY_SCHEMA}
}

/** Parses and checks registry JSON text. */
export function parseRegistry(text: string): Registry {
  let document: unknown
  try {
    document = JSON.parse(text)
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : String(error)
    throw new RegistryError(`not valid JSON (${why})`, {code: 'REGISTRY_JSON'})
  }

  return checkRegistry(document)
}
