/**
 * The parts of `flake.nix` outside the managed regions that `glix doctor`
 * checks and `glix doctor --fix` may edit: the `mkHost` function and a
 * missing hosts region.
 *
 * `mkHost` is recognised only in the exact shapes glix knows: the current
 * template (template.ts), glix's template before the home wiring (it passed
 * the raw manifest as `manifest` and wired no homes), and the Go glix's
 * template (no fragment adapter; homes wired by its host files). Any
 * other text is the user's: it is inspected for the two features and
 * reported, never rewritten. A hosts region is added only where the hosts
 * are declared in a shape recognised line by line (`nixosConfigurations.<h>
 * = mkHost "<h>" "<system>";`, or `<h> = mkHost …;` lines inside
 * `nixosConfigurations = { … };`).
 *
 * Invariants: pure text functions; an edit replaces exactly the recognised
 * block (or lines) and keeps every other byte; the `defaultUser` literal of
 * the old text is carried over verbatim; the result of an upgrade is the
 * current template's `mkHost` text, so it is recognised as current.
 */
import {regionMarkers} from './patcher.js'
import {nixString} from './render.js'
import {renderFlakeHelpers, renderMkHost} from './template.js'

/** Which `mkHost` a flake.nix has. */
export type MkHostShape = 'current' | 'glix-legacy' | 'go' | 'unknown'

/** A feature `mkHost` needs (spec §3, §8). */
export type MkHostFeature = 'fragment adapter' | 'home wiring'

/** What {@link inspectMkHost} found. */
export interface MkHostInspection {
  shape: MkHostShape
  /** Features the flake.nix lacks (for `unknown`: as far as a text search can tell). */
  missing: MkHostFeature[]
}

const USER = '\u0000USER\u0000'

/** The `mkHost` of glix's template before it wired home-manager. */
function legacyGlixMkHost(defaultUserLiteral: string): string {
  return `      mkHost = hostName: system:
        let
          glix = glixos-core.lib.importManifest {
            manifestPath = ./hosts/\${hostName}/glix.toml;
            inputs = fragmentInputs hostName system;
            defaultUser = ${defaultUserLiteral};
          };
        in
        nixpkgs.lib.nixosSystem {
          inherit system;
          specialArgs = { inherit inputs; manifest = glix.manifest; };
          modules = [
            glixos-core.nixosModules.glixos
            home-manager.nixosModules.home-manager
            ./hosts/\${hostName}
          ] ++ glix.systemModules;
        };
`
}

/** The `mkHost` of the Go glix's template (0.1.0-m7). */
function goMkHost(defaultUserLiteral: string): string {
  return `      mkHost = hostName: system:
        let
          manifest = glixos-core.lib.importManifest {
            manifestPath = ./hosts/\${hostName}/glix.toml;
            inherit inputs;
            defaultUser = ${defaultUserLiteral};
          };
        in
        lib.nixosSystem {
          inherit system;
          specialArgs = { inherit inputs manifest; };
          modules = [
            glixos-core.nixosModules.glixos
            home-manager.nixosModules.home-manager
            ./hosts/\${hostName}
          ] ++ manifest.systemModules;
        };
`
}

const GO_LIB_BINDING = '      lib = nixpkgs.lib;\n\n'

/** A double-quoted Nix string literal (no nested quotes inside interpolations). */
const NIX_STRING = '"(?:[^"\\\\]|\\\\[\\s\\S])*"'

function escapeRegExp(text: string): string {
  return text.replaceAll(/[$()*+.?[\\\]^{|}]/g, '\\$&')
}

/** Where `block` (with a Nix string literal in place of the default user) occurs exactly once. */
function findBlock(text: string, render: (literal: string) => string): {index: number; length: number; literal: string} | undefined {
  const pattern = render(USER).split(USER).map((part) => escapeRegExp(part)).join(`(${NIX_STRING})`)
  const matches = [...text.matchAll(new RegExp(pattern, 'g'))]
  if (matches.length !== 1) return undefined
  const [match] = matches
  return {index: match.index, length: match[0].length, literal: match[1]}
}

function recognise(text: string): {block?: {index: number; length: number; literal: string}; shape: MkHostShape} {
  const helpers = text.includes(renderFlakeHelpers())
  const current = findBlock(text, renderMkHost)
  if (current && helpers) return {block: current, shape: 'current'}
  const legacy = findBlock(text, legacyGlixMkHost)
  if (legacy && helpers) return {block: legacy, shape: 'glix-legacy'}
  const go = findBlock(text, (literal) => GO_LIB_BINDING + goMkHost(literal))
  if (go && !text.includes('fragmentInputs')) {
    return {block: {...go, index: go.index + GO_LIB_BINDING.length, length: go.length - GO_LIB_BINDING.length}, shape: 'go'}
  }

  return {shape: 'unknown'}
}

/**
 * Tells which `mkHost` `text` has and what it lacks. `hostFiles` are the
 * texts of the hosts' `default.nix`: where flake.nix passes the
 * `importManifest` result as `manifest` but wires no homes (the Go glix's,
 * or one written by hand), home wiring counts as present when every host
 * file mentions the manifest's home modules. glix's older template passed
 * the raw manifest, so no host file can wire homes under it.
 */
export function inspectMkHost(text: string, hostFiles: string[] = []): MkHostInspection {
  const {shape} = recognise(text)
  const hostsWire = hostFiles.length > 0 && hostFiles.every((file) => /manifest\.homeModules/.test(file))
  const missing: MkHostFeature[] = []
  switch (shape) {
    case 'current': {
      break
    }

    case 'glix-legacy': {
      missing.push('home wiring')
      break
    }

    case 'go': {
      missing.push('fragment adapter')
      if (!hostsWire) missing.push('home wiring')
      break
    }

    default: {
      if (!text.includes('legacyPackages')) missing.push('fragment adapter')
      if (!/home-manager\.users/.test(text) && !hostsWire) missing.push('home wiring')
    }
  }

  return {missing, shape}
}

/**
 * `text` with its `mkHost` brought to the current template, or undefined
 * when it is current already or not a shape glix knows. The Go glix's
 * flake.nix also gets the helper bindings (`attrAt`, `fragmentInputs`),
 * right before `mkHost`.
 */
export function upgradeMkHost(text: string): string | undefined {
  const {block, shape} = recognise(text)
  if (!block || shape === 'current' || shape === 'unknown') return undefined
  const replacement = (shape === 'go' ? `${renderFlakeHelpers()}\n` : '') + renderMkHost(block.literal)
  return text.slice(0, block.index) + replacement + text.slice(block.index + block.length)
}

/** What has to be added by hand to an `mkHost` glix does not know. */
export function describeManualMkHost(missing: MkHostFeature[]): string[] {
  const advice: string[] = []
  if (missing.includes('fragment adapter')) {
    advice.push(
      'fragment adapter: hand importManifest `inputs = fragmentInputs hostName system;` instead of `inherit inputs;`, ' +
        'with the `attrAt` and `fragmentInputs` bindings of the template below, or `#attr` references (nixpkgs#firefox) fail to evaluate',
    )
  }

  if (missing.includes('home wiring')) {
    advice.push(
      'home wiring: pass the whole importManifest result as the `manifest` special argument and wire its ' +
        '`homeModulesByUser` into `home-manager.users` (in mkHost, as the template below does, or in each hosts/<host>/default.nix), ' +
        'or home-scope packages never reach home-manager',
    )
  }

  return advice
}

/** The bindings glix's template has in the `let` of `outputs`, for a user to copy. */
export function renderTemplateBindings(defaultUser = 'user'): string {
  return `${renderFlakeHelpers()}\n${renderMkHost(nixString(defaultUser))}`
}

/** A host declared by hand in flake.nix. */
interface DeclaredHost {
  line: number
  name: string
}

const DOTTED = /^(\s*)nixosConfigurations\.([A-Za-z][\w-]*) = mkHost "([A-Za-z][\w-]*)" "[^"\\]*";\s*$/
const IN_BLOCK = /^(\s*)([A-Za-z][\w-]*) = mkHost "([A-Za-z][\w-]*)" "[^"\\]*";\s*$/

function regionLines(indent: string): string[] {
  const {end, start} = regionMarkers('hosts')
  return [`${indent}${start}`, `${indent}${end}`]
}

/**
 * `text` with an empty hosts region added, or undefined when the hosts are
 * not declared in a shape glix recognises. Lines declaring one of `hosts`
 * by hand (`nixosConfigurations.<h> = mkHost "<h>" "<system>";`) are
 * replaced by `nixosConfigurations = { <region> };` where the first one
 * was; inside an existing `nixosConfigurations = { … };` block, the
 * `<h> = mkHost …;` lines of `hosts` (one contiguous run, or none) become
 * the region. Lines for other names stay. The caller fills the region.
 */
export function addHostsRegion(text: string, hosts: string[]): {moved: string[]; text: string} | undefined {
  const lines = text.split('\n')
  const known = new Set(hosts)
  const dotted: DeclaredHost[] = []
  for (const [i, line] of lines.entries()) {
    const match = DOTTED.exec(line)
    if (match && match[2] === match[3] && known.has(match[2])) dotted.push({line: i, name: match[2]})
  }

  const blockStart = lines.findIndex((line) => line.trim() === 'nixosConfigurations = {')
  if (dotted.length > 0 && blockStart === -1) {
    const indent = /^\s*/.exec(lines[dotted[0].line])![0]
    const block = [`${indent}nixosConfigurations = {`, ...regionLines(`${indent}  `), `${indent}};`]
    const drop = new Set(dotted.map((d) => d.line))
    const out = lines.flatMap((line, i) => (i === dotted[0].line ? block : drop.has(i) ? [] : [line]))
    return {moved: dotted.map((d) => d.name), text: out.join('\n')}
  }

  if (dotted.length > 0 || blockStart === -1) return undefined
  if (lines.findIndex((line, i) => i > blockStart && line.trim() === 'nixosConfigurations = {') !== -1) return undefined
  const outer = /^\s*/.exec(lines[blockStart])![0]
  const blockEnd = lines.findIndex((line, i) => i > blockStart && line === `${outer}};`)
  if (blockEnd === -1) return undefined

  const inside: DeclaredHost[] = []
  for (let i = blockStart + 1; i < blockEnd; i++) {
    const match = IN_BLOCK.exec(lines[i])
    if (match && match[2] === match[3] && known.has(match[2])) inside.push({line: i, name: match[2]})
  }

  if (inside.length === 0) {
    const out = [...lines.slice(0, blockStart + 1), ...regionLines(`${outer}  `), ...lines.slice(blockStart + 1)]
    return {moved: [], text: out.join('\n')}
  }

  const first = inside[0].line
  const last = inside.at(-1)!.line
  if (last - first + 1 !== inside.length) return undefined
  const indent = /^\s*/.exec(lines[first])![0]
  const out = [...lines.slice(0, first), ...regionLines(indent), ...lines.slice(last + 1)]
  return {moved: inside.map((d) => d.name), text: out.join('\n')}
}
