/**
 * The in-memory model of a host manifest (`hosts/<host>/glix.toml`, schema 1).
 *
 * Known keys are typed fields; every key glix does not know is kept in an
 * `extra` map at the level where it was found, so a read → write round trip
 * loses no data (spec §2, "Nothing is lost"). Unknown values are the TOML
 * parser's own (src/lib/toml/value.ts): tables with null prototypes,
 * bigints for integers beyond 2^53, TomlDate for dates and times.
 */

import {GlixError} from '../errors.js'
import type {TomlValue} from '../toml/value.js'

/** The first line of every manifest glix writes. */
export const MANIFEST_HEADER = '# glixos manifest. Managed by glix; hand edits preserved on best-effort.'

/** Where a package is installed. */
export type Scope = 'home' | 'system'

/** The scopes, in the order they are shown in help. */
export const SCOPES: readonly Scope[] = ['system', 'home']

/** Any TOML value glix does not interpret. */
export type {TomlValue} from '../toml/value.js'

/** Unknown keys, in the order they were read. */
export type Extra = Record<string, TomlValue>

/** `[settings]` of a host. Optional string fields are absent when empty. */
export interface HostSettings {
  default_scope: Scope
  auto_apply: boolean
  system?: string
  primary_user?: string
  registry_url?: string
  target_host?: string
  build_host?: string
  /** Where `status --probe` reads the host's running system (default /run/current-system). */
  current_system_path?: string
  extra: Extra
}

/** One `[packages.<name>]` table. */
export interface PackageEntry {
  flake: string
  scope: Scope
  enabled: boolean
  /** Revision folded into the input URL; absent when empty. */
  pin?: string
  /** Home scope only; absent means the host's primary user. */
  user?: string
  /** `[packages.<name>.config]`, handed to the package's module as `glixConfig`. */
  config: Record<string, string>
  extra: Extra
}

/** A whole manifest. */
export interface Manifest {
  schema: 1
  settings: HostSettings
  packages: Record<string, PackageEntry>
  /** Unknown top-level keys and tables. */
  extra: Extra
}

/** One host's manifest, as readers of several hosts (and the flake renderers) see it. */
export interface HostManifest {
  host: string
  manifest: Manifest
}

/** The `[settings]` string keys, in canonical order after the two fixed keys. */
export const OPTIONAL_SETTING_KEYS = ['system', 'primary_user', 'registry_url', 'target_host', 'build_host', 'current_system_path'] as const

/** The system tuple of a host whose manifest does not name one. */
export const DEFAULT_SYSTEM = 'x86_64-linux'

/** Returns a new, empty manifest. */
export function createManifest(settings: Partial<Omit<HostSettings, 'extra'>> = {}): Manifest {
  const base: HostSettings = {auto_apply: false, default_scope: 'system', extra: {}}
  for (const [key, value] of Object.entries(settings)) {
    if (value !== undefined && value !== '') (base as unknown as Record<string, unknown>)[key] = value
  }

  return {extra: {}, packages: {}, schema: 1, settings: base}
}

/** The system tuple of a host. */
export function hostSystem(manifest: Manifest): string {
  return manifest.settings.system ?? DEFAULT_SYSTEM
}

/** The user a home-scope package goes to: its own user, else the host's primary user. */
export function resolvedUser(manifest: Manifest, entry: PackageEntry): string | undefined {
  if (entry.scope !== 'home') return undefined
  return entry.user ?? manifest.settings.primary_user
}

/** Returns a host's package, or throws "not found" naming the host's packages. */
export function findPackage(manifest: Manifest, host: string, name: string): PackageEntry {
  const entry = Object.hasOwn(manifest.packages, name) ? manifest.packages[name] : undefined
  if (!entry) {
    const names = Object.keys(manifest.packages).sort()
    throw new GlixError(`package "${name}" not found on host ${host}`, {
      code: 'NO_PACKAGE',
      suggestions: names.length > 0 ? [`packages of ${host}: ${names.join(', ')}`] : [],
    })
  }

  return entry
}
