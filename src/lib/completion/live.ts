/**
 * The live values of completion: what the shell reads from the repo on
 * each TAB rather than from the commands' metadata.
 *
 * oclif's manifest says which flags take a value and which values an
 * option list allows; it cannot say that `--host` names a directory under
 * hosts/ or that `show`'s argument is a package of the host's manifest.
 * This module is that knowledge, as plain data the generator hands to the
 * shell code: flag names and (command, argument) pairs mapped to a
 * {@link LiveKind}, and the keys `set`/`host set` accept with the values
 * each key allows.
 *
 * Invariants: every kind here is one the shell engines in completion/
 * implement; every command id and argument name here exists in glix's
 * commands (a test holds this table against oclif.manifest.json, so a
 * renamed argument fails a test instead of silently losing completion);
 * the key lists are the ones the operations accept (imported, not copied).
 */
import {SCOPES} from '../manifest/types.js'
import {HOST_KEYS} from '../ops/host.js'
import {PACKAGE_SETTING_KEYS} from '../ops/packages.js'

/**
 * What a live value is:
 * - `host`: a host of the repo (a `hosts/<name>/` directory holding a
 *   glix.toml); a comma list when typed with commas (`--host=laptop,pi`);
 * - `directory`: a directory (the shells' own directory completion);
 * - `package`: a package of the host's manifest (`[packages.<name>]`);
 * - `package-setting`, `host-setting`: `key=value` pairs ({@link SETTINGS});
 * - `command`: a command path (`help host set`).
 */
export type LiveKind = 'command' | 'directory' | 'host' | 'host-setting' | 'package' | 'package-setting'

/** Flags whose value is live, by flag name, in every command that has them. */
export const LIVE_FLAGS: Readonly<Record<string, LiveKind>> = {
  dir: 'directory',
  host: 'host',
  // rebuild's hidden landing flag for repeated/comma-separated --host.
  hosts: 'host',
}

/** Arguments whose value is live: command id → argument name → kind. */
export const LIVE_ARGS: Readonly<Record<string, Readonly<Record<string, LiveKind>>>> = {
  disable: {name: 'package'},
  enable: {name: 'package'},
  help: {command: 'command'},
  'host:set': {pairs: 'host-setting'},
  remove: {name: 'package'},
  set: {name: 'package', pairs: 'package-setting'},
  show: {name: 'package'},
}

/** The keys of a `key=value` kind, the values some keys allow, and the subtable whose keys are `<subtable>.<key>`. */
export interface SettingKeys {
  keys: readonly string[]
  values: Readonly<Record<string, readonly string[]>>
  /** For `package-setting`: `config`, whose keys the shell reads from `[packages.<name>.config]`. */
  subtable?: string
}

const BOOLEAN = ['true', 'false'] as const

/** The keys `set` and `host set` accept. */
export const SETTINGS: Readonly<Record<'host-setting' | 'package-setting', SettingKeys>> = {
  'host-setting': {keys: HOST_KEYS, values: {auto_apply: BOOLEAN, default_scope: SCOPES}},
  'package-setting': {keys: PACKAGE_SETTING_KEYS, subtable: 'config', values: {enabled: BOOLEAN, scope: SCOPES}},
}
