/**
 * Nix's own flake registries, as `nix registry list` prints them — the third
 * step of the resolver chain (spec §6).
 *
 * Nix 2.8 prints one entry per line, `<type> <from> <to>`, e.g.
 * `user   flake:foo path:/x` or
 * `global flake:nixpkgs github:NixOS/nixpkgs/nixpkgs-unstable`, in
 * precedence order (flags, user, system, global). Only entries whose `from`
 * is a bare `flake:<id>` name a short name; `flake:nixpkgs/nixos-22.05`
 * style entries redirect a branch and are skipped by {@link lookupNixRegistry}.
 */
import {GlixError} from '../errors.js'
import {lastLine, runProcess} from '../process.js'

const FEATURES = ['--extra-experimental-features', 'nix-command flakes']

/** One line of `nix registry list`. */
export interface NixRegistryEntry {
  /** `flags`, `user`, `system` or `global`. */
  type: string
  /** E.g. `flake:nixpkgs`. */
  from: string
  /** The reference it stands for, e.g. `github:NixOS/nixpkgs/nixpkgs-unstable`. */
  to: string
}

/** Parses the output of `nix registry list`; lines that are not three fields are skipped. */
export function parseNixRegistryList(text: string): NixRegistryEntry[] {
  const entries: NixRegistryEntry[] = []
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/)
    if (fields.length !== 3 || !fields[1].startsWith('flake:')) continue
    const [type, from, to] = fields
    entries.push({from, to, type})
  }

  return entries
}

/** The id of a `flake:<id>` entry without a ref, else undefined. */
export function nixRegistryId(entry: NixRegistryEntry): string | undefined {
  const match = /^flake:([^/?#]+)$/.exec(entry.from)
  return match ? match[1] : undefined
}

/** The reference the first entry for `flake:<name>` stands for, or undefined. */
export function lookupNixRegistry(entries: NixRegistryEntry[], name: string): NixRegistryEntry | undefined {
  return entries.find((entry) => nixRegistryId(entry) === name)
}

/** How long `nix registry list` may take (on a network that hangs rather than refuses, Nix waits for its own timeouts). */
export const NIX_REGISTRY_TIMEOUT_MS = 20_000

/**
 * Runs `nix registry list` and returns its entries. Throws a one-line
 * GlixError when nix is missing or fails (offline, Nix cannot download the
 * global registry and lists nothing at all).
 */
export async function listNixRegistry(options: {env?: NodeJS.ProcessEnv} = {}): Promise<NixRegistryEntry[]> {
  let result
  try {
    result = await runProcess('nix', [...FEATURES, 'registry', 'list'], {allowFailure: true, env: options.env, timeoutMs: NIX_REGISTRY_TIMEOUT_MS})
  } catch (error) {
    if (error instanceof GlixError && error.code === 'NOT_FOUND') throw new GlixError('nix is not on PATH', {code: 'NO_NIX'})
    if (error instanceof GlixError && error.code === 'TIMEOUT') {
      throw new GlixError(`nix registry list timed out after ${NIX_REGISTRY_TIMEOUT_MS / 1000} s`, {code: 'NIX_REGISTRY'})
    }

    throw error
  }

  if (result.code !== 0) {
    const why = lastLine(result.stderr).replace(/^error:\s*/, '') || `exit status ${result.code}`
    throw new GlixError(`nix registry list failed: ${why}`, {code: 'NIX_REGISTRY'})
  }

  return parseNixRegistryList(result.stdout)
}
