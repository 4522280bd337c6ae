/**
 * Names of hosts, users and packages.
 *
 * Invariant: every name that reaches a path, a TOML key or a Nix attribute
 * has passed {@link assertName}, so it matches NAME_PATTERN and can never
 * contain `/`, `.`, whitespace or quotes. Callers validate *before* any path
 * is built from the name.
 */
import {UsageError} from './errors.js'

/** Host, user and package names: safe as directory name, TOML bare key and Nix attribute. */
export const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/

/** Package names that are fixed inputs of every user-packages flake. */
export const RESERVED_PACKAGE_NAMES: readonly string[] = ['nixpkgs', 'glixos-core', 'home-manager', 'self']

/** Nix keywords: not valid as bare attribute names, so never valid as glix names. */
export const NIX_KEYWORDS: readonly string[] = ['if', 'then', 'else', 'let', 'in', 'with', 'rec', 'inherit', 'assert', 'or']

/** What a name names; used in error messages. */
export type NameKind = 'host' | 'package' | 'user'

// eslint-disable-next-line no-control-regex
const SPACE_OR_CONTROL = /[\s\u0000-\u001F\u007F]/

/** True when `value` contains whitespace or a control character (it would not fit on one line). */
export function hasSpaceOrControl(value: string): boolean {
  return SPACE_OR_CONTROL.test(value)
}

/** Returns true when `value` is a valid name: the pattern, and not a Nix keyword. */
export function isValidName(value: string): boolean {
  return NAME_PATTERN.test(value) && !NIX_KEYWORDS.includes(value)
}

/** Quotes a user-supplied value for an error message, showing control characters. */
export function quoteForMessage(value: string): string {
  return JSON.stringify(value)
}

/**
 * Throws a {@link UsageError} unless `value` is a valid name of `kind`.
 * Package names are also checked against the reserved input names.
 */
export function assertName(kind: NameKind, value: string): string {
  if (NAME_PATTERN.test(value) && NIX_KEYWORDS.includes(value)) {
    throw new UsageError(`invalid ${kind} name ${quoteForMessage(value)}: it is a Nix keyword, which cannot be a bare attribute name`, {
      code: 'INVALID_NAME',
    })
  }

  if (!isValidName(value)) {
    throw new UsageError(
      `invalid ${kind} name ${quoteForMessage(value)}: must start with a letter and contain only letters, digits, '-' and '_'`,
      {code: 'INVALID_NAME'},
    )
  }

  if (kind === 'package' && RESERVED_PACKAGE_NAMES.includes(value)) {
    throw new UsageError(`package name ${quoteForMessage(value)} is reserved (it is a fixed flake input); choose another with --name`, {
      code: 'RESERVED_NAME',
    })
  }

  if (kind === 'package' && value in Object.prototype) {
    // @iarna/toml resolves [packages.constructor] to Object's own property and loses the table.
    throw new UsageError(`package name ${quoteForMessage(value)} cannot be read back by glix's TOML parser; choose another with --name`, {
      code: 'RESERVED_NAME',
    })
  }

  return value
}
