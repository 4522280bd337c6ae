/**
 * A fast reader for manifests in glix's canonical form (what
 * `renderManifest` writes, spec §2).
 *
 * Reading every host of a large fleet is dominated by TOML parsing, and
 * nearly every manifest is one glix wrote itself, in one fixed layout. This
 * reader accepts exactly that layout, line by line, and gives up (returns
 * undefined) on anything else: other spacing or order, comments, CRLF,
 * escapes or control characters in strings, unknown keys, empty or invalid
 * values, duplicate tables or keys, names of JavaScript built-ins. The
 * general reader (@iarna/toml plus validation) then handles the text,
 * errors included.
 *
 * Invariant: whenever it returns a manifest, the general reader returns a
 * deep-equal one (same keys, same order) with no user comments for the same
 * text; `test/lib/manifest/canonical.test.ts` checks this on generated and
 * mutated manifests.
 */
import {isValidName} from '../names.js'
import {type HostSettings, type Manifest, OPTIONAL_SETTING_KEYS, type PackageEntry, type Scope} from './types.js'

/** The first line of every manifest glix writes. */
export const MANIFEST_HEADER = '# glixos manifest. Managed by glix; hand edits preserved on best-effort.'

const SETTINGS_HEAD = `${MANIFEST_HEADER}\nschema = 1\n\n[settings]\n`
const OPTIONAL_SETTING_PREFIXES = OPTIONAL_SETTING_KEYS.map((key) => [key, `${key} = `] as const)
/** A character of a TOML basic string that needs no escape: not a quote, backslash or control character. */
const PLAIN = String.raw`[^"\\\u0000-\u001F\u007F]`
/** The rest of a line holding a TOML basic string without escapes or control characters. */
const PLAIN_STRING_LINE = new RegExp(String.raw`"${PLAIN}*"\n`, 'y')
/**
 * One whole package table, optional config table included: groups name,
 * flake, scope, enabled, pin, user and the config lines. One match per
 * package keeps the work in the regular expression engine.
 */
const PACKAGE = new RegExp(
  String.raw`\n\[packages\.([A-Za-z][A-Za-z0-9_-]*)\]\n` +
    String.raw`flake   = "(${PLAIN}+)"\n` +
    String.raw`scope   = "(system|home)"\n` +
    String.raw`enabled = (true|false)\n` +
    String.raw`(?:pin     = "(${PLAIN}+)"\n)?` +
    String.raw`(?:user    = "([A-Za-z][A-Za-z0-9_-]*)"\n)?` +
    String.raw`(?:\n\[packages\.\1\.config\]\n((?:[A-Za-z0-9_-]+ = "${PLAIN}*"\n)*))?`,
  'y',
)
/** Keys @iarna/toml treats specially; texts holding them go the general way. */
const BUILTIN_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype))

/**
 * Reads `text` if it is a valid manifest in canonical form; returns
 * undefined (never throws) for any other text.
 *
 * A cursor over the text rather than a split into lines, and one match
 * of a sticky regular expression per package: on a fleet of hosts this
 * runs once per manifest in a cold process, where every JavaScript step
 * is interpreted, so the scanning is left to the regular expression engine
 * and only the values kept are allocated.
 */
export function readCanonicalManifest(text: string): Manifest | undefined {
  if (!text.startsWith(SETTINGS_HEAD) || text.includes('\r')) return undefined
  let pos = SETTINGS_HEAD.length

  /** Consumes `literal` at the cursor. */
  const take = (literal: string): boolean => {
    if (!text.startsWith(literal, pos)) return false
    pos += literal.length
    return true
  }

  /** Consumes `<prefix>"<plain string>"\n` and returns the string, or undefined (cursor unmoved). */
  const takeString = (prefix: string): string | undefined => {
    if (!text.startsWith(prefix, pos)) return undefined
    PLAIN_STRING_LINE.lastIndex = pos + prefix.length
    if (!PLAIN_STRING_LINE.test(text)) return undefined
    const value = text.slice(pos + prefix.length + 1, PLAIN_STRING_LINE.lastIndex - 2)
    pos = PLAIN_STRING_LINE.lastIndex
    return value
  }

  const defaultScope: Scope | undefined = take('default_scope = "system"\n') ? 'system' : take('default_scope = "home"\n') ? 'home' : undefined
  const autoApply = take('auto_apply = true\n') ? true : take('auto_apply = false\n') ? false : undefined
  if (defaultScope === undefined || autoApply === undefined) return undefined
  const settings: HostSettings = {auto_apply: autoApply, default_scope: defaultScope, extra: {}}
  for (const [key, prefix] of OPTIONAL_SETTING_PREFIXES) {
    if (!text.startsWith(prefix, pos)) continue
    const value = takeString(prefix)
    if (!value) return undefined
    settings[key] = value
  }

  if (settings.primary_user !== undefined && !isValidName(settings.primary_user)) return undefined

  const packages: Record<string, PackageEntry> = {}
  while (pos < text.length) {
    PACKAGE.lastIndex = pos
    const match = PACKAGE.exec(text)
    if (!match) return undefined
    pos = PACKAGE.lastIndex
    // Indexed, not destructured: this loop runs interpreted, where an iterator per package costs.
    const name = match[1]
    if (BUILTIN_KEYS.has(name) || Object.hasOwn(packages, name)) return undefined
    const entry: PackageEntry = {config: {}, enabled: match[4] === 'true', extra: {}, flake: match[2], scope: match[3] as Scope}
    if (match[5] !== undefined) entry.pin = match[5]
    if (match[6] !== undefined) entry.user = match[6]
    const config = match[7]
    if (config) {
      // Lines of `key = "value"`, each ending in a newline (the pattern checked them).
      for (let at = 0; at < config.length; ) {
        const eq = config.indexOf(' = ', at)
        const end = config.indexOf('\n', eq)
        const key = config.slice(at, eq)
        if (BUILTIN_KEYS.has(key) || Object.hasOwn(entry.config, key)) return undefined
        entry.config[key] = config.slice(eq + 4, end - 1)
        at = end + 1
      }
    }

    packages[name] = entry
  }

  return {extra: {}, packages, schema: 1, settings}
}
