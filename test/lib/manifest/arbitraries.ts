/**
 * fast-check generators of manifests for the property tests: strings that
 * stress TOML escaping, names and keys often named like Object.prototype
 * members, unknown keys at every level.
 */
import fc from 'fast-check'

import {type Extra, type HostSettings, type Manifest, OPTIONAL_SETTING_KEYS, type PackageEntry, type Scope} from '../../../src/lib/manifest/types.js'
import {isValidName} from '../../../src/lib/names.js'

/** Characters that stress TOML escaping, mixed into otherwise arbitrary code points. */
const TRICKY = ['"', '\\', "'", '#', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u001F', '\u007F', '\u0085', '\u2028', 'é', '日', '🎉', '${', '=', '.', '[', ']', ' ']

/** Any code point (no lone surrogates), often one of the tricky ones. */
export const char = fc.oneof(
  {arbitrary: fc.constantFrom(...TRICKY), weight: 1},
  {arbitrary: fc.string({maxLength: 1, minLength: 1, unit: 'binary'}), weight: 2},
  {arbitrary: fc.string({maxLength: 1, minLength: 1, unit: 'grapheme-ascii'}), weight: 2},
)
export const anyString = fc.string({maxLength: 16, unit: char})
export const nonEmptyString = fc.string({maxLength: 16, minLength: 1, unit: char})

/** Valid names, often named like Object.prototype members (which the old parser lost). */
export const name = fc.oneof(
  {arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,11}$/).filter((n) => isValidName(n)), weight: 5},
  {arbitrary: fc.constantFrom('constructor', 'toString', 'valueOf', 'hasOwnProperty'), weight: 1},
)
export const scope: fc.Arbitrary<Scope> = fc.constantFrom('system', 'home')

/** A record built with own data properties, so keys such as `constructor` stay keys. */
export function record<T>(entries: Array<[string, T]>): Record<string, T> {
  const out: Record<string, T> = {}
  for (const [key, value] of entries) Object.defineProperty(out, key, {configurable: true, enumerable: true, value, writable: true})
  return out
}

/** Keys, often named like Object.prototype members, `__proto__` included. */
export const mapKey = fc.oneof({arbitrary: anyString, weight: 5}, {arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString'), weight: 1})

export const config = fc.uniqueArray(fc.tuple(mapKey, anyString), {maxLength: 5, selector: ([k]) => k}).map((e) => record(e))

/** Unknown values glix must keep: strings, booleans, safe integers, arrays of strings, small tables. */
export const extraValue = fc.oneof(
  anyString,
  fc.boolean(),
  fc.integer({max: 1_000_000, min: -1_000_000}),
  fc.array(anyString, {maxLength: 3}),
  fc.uniqueArray(fc.tuple(mapKey, anyString), {maxLength: 3, selector: ([k]) => k}).map((e) => record(e)),
)

export function extraWithout(known: readonly string[]): fc.Arbitrary<Extra> {
  const key = mapKey.filter((k) => !known.includes(k))
  return fc.uniqueArray(fc.tuple(key, extraValue), {maxLength: 3, selector: ([k]) => k}).map((e) => record(e))
}

export const settings: fc.Arbitrary<HostSettings> = fc
  .record(
    {
      auto_apply: fc.boolean(),
      build_host: nonEmptyString,
      default_scope: scope,
      extra: extraWithout(['default_scope', 'auto_apply', ...OPTIONAL_SETTING_KEYS]),
      primary_user: name,
      registry_url: nonEmptyString,
      system: nonEmptyString,
      target_host: nonEmptyString,
    },
    {requiredKeys: ['auto_apply', 'default_scope', 'extra']},
  )
  .map((s) => s as HostSettings)

export const packageEntry: fc.Arbitrary<PackageEntry> = fc
  .record(
    {
      config,
      enabled: fc.boolean(),
      extra: extraWithout(['flake', 'scope', 'enabled', 'pin', 'user', 'config']),
      flake: nonEmptyString,
      pin: nonEmptyString,
      scope,
      user: name,
    },
    {requiredKeys: ['config', 'enabled', 'extra', 'flake', 'scope']},
  )
  .map((p) => p as PackageEntry)

export const manifest: fc.Arbitrary<Manifest> = fc.record({
  extra: extraWithout(['schema', 'settings', 'packages']),
  packages: fc.uniqueArray(fc.tuple(name, packageEntry), {maxLength: 4, selector: ([n]) => n}).map((e) => record(e)),
  schema: fc.constant(1 as const),
  settings,
})
