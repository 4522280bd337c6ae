/**
 * The values a TOML 1.0 document holds, as glix's parser returns them.
 *
 * Invariants: a table is an object whose keys are own data properties and
 * whose prototype is one shared, frozen object with no members and a null
 * prototype, so `__proto__`, `constructor` or `toString` are ordinary keys
 * and `table[key] === undefined` means the key is absent (and, unlike an
 * `Object.create(null)` object, V8 keeps such tables in its fast mode); integers are numbers when they are safe JavaScript
 * integers and bigints otherwise (always within the 64-bit range TOML
 * allows); floats are numbers; the four date and time types are
 * {@link TomlDate} values that keep their kind and the text as written.
 */
import {GlixError} from '../errors.js'

/** A TOML table: keys are own properties of an object with a null prototype. */
export interface TomlTable {
  [key: string]: TomlValue
}

/** Any TOML value. */
export type TomlValue = bigint | boolean | number | string | TomlDate | TomlTable | TomlValue[]

/** The four date and time types of TOML. */
export type TomlDateKind = 'local-date' | 'local-date-time' | 'local-time' | 'offset-date-time'

/** A TOML date, time or date-time: its kind and its text as written (RFC 3339). */
export class TomlDate {
  constructor(
    readonly kind: TomlDateKind,
    readonly text: string,
  ) {}

  /** The text as written, so JSON output and messages show the TOML value. */
  toJSON(): string {
    return this.text
  }

  toString(): string {
    return this.text
  }
}

/** The prototype of every table: no members, so no key is inherited, and frozen, so none can be added. */
const TABLE_PROTOTYPE: object = Object.freeze(Object.create(null))

/** Returns a new, empty TOML table. */
export function createTomlTable(): TomlTable {
  return Object.create(TABLE_PROTOTYPE) as TomlTable
}

/**
 * Returns a new, empty record that inherits nothing, as a TOML table does:
 * `record[name]` is undefined for any name it does not hold, `constructor`
 * and `toString` included.
 */
export function createRecord<T>(): Record<string, T> {
  return Object.create(TABLE_PROTOTYPE) as Record<string, T>
}

/** True when `value` is a TOML table (not an array, not a date). */
export function isTomlTable(value: unknown): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof TomlDate)
}

/** A document that is not valid TOML 1.0: the 1-based line and column and a short reason. */
export class TomlError extends GlixError {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${line}:${column}: ${reason}`, {code: 'BAD_TOML'})
    this.name = 'TomlError'
  }
}
