/**
 * The files `glix init` writes once: `flake.nix`, `hosts/<host>/default.nix`
 * and `.gitignore`. After that they belong to the user, except the two
 * managed regions of `flake.nix` (see patcher.ts).
 *
 * The flake keeps the contract of the glixos core flake (spec §3, §8):
 * `mkHost` calls `glixos-core.lib.importManifest` and builds
 * `nixpkgs.lib.nixosSystem` with the system-scope modules. Nix rejects
 * `#attr` fragments in input URLs, so `mkHost` also reads the host's
 * glix.toml with `builtins.fromTOML` and hands `importManifest` a view of
 * each fragment input whose `packages.<system>.default` is the input's
 * `packages.<system>.<attr>`, or else its `legacyPackages.<system>.<attr>`
 * — the way `nix build nixpkgs#firefox` resolves. Only builtins are used
 * there, so the adapter works with any nixpkgs.
 *
 * Home-scope modules: the core leaves wiring them to the consumer, and
 * host files written by the Go glix wire `manifest.homeModulesByUser`
 * themselves. So `mkHost` wires every user's modules into
 * `home-manager.users` (plus `home.stateVersion` at default priority) and
 * passes the whole `importManifest` result as `manifest`, with each home
 * module wrapped under a fixed module key (`glix-home:<user>:<index>`): a
 * host file that wires the same list again imports each module once,
 * because the module system deduplicates modules by key. The host file
 * glix writes wires `manifest.homeModulesByUser or { }` the same way, so it
 * also works under a flake.nix (the Go glix's) that wires nothing.
 * docs/decisions.md ("Home-manager wiring") has the reasoning.
 *
 * Invariant: the text of {@link renderMkHost} and {@link renderFlakeHelpers}
 * is what `glix doctor --fix` (upgrade.ts) writes into an older flake.nix,
 * so a repo fixed by doctor and a new repo have the same `mkHost`.
 */
import {nixString} from './render.js'

/** The flake inputs `glix init` can choose. */
export interface FlakeChoices {
  core: string
  homeManager: string
  nixpkgs: string
  /** Home-scope packages of a manifest without `primary_user` go to this user. */
  defaultUser: string
}

/** Defaults of `glix init`. */
export const DEFAULT_CHOICES: Omit<FlakeChoices, 'defaultUser'> = {
  core: 'github:donnismoore/glixos',
  homeManager: 'github:nix-community/home-manager',
  nixpkgs: 'github:NixOS/nixpkgs/nixos-unstable',
}

/** The `home.stateVersion` glix gives each home-manager user (at default priority). */
export const HOME_STATE_VERSION = '24.11'

/**
 * The helper bindings of the `let` in `outputs` (indented 6 spaces), each
 * line ending in a newline: `attrAt` and the fragment adapter
 * `fragmentInputs`.
 */
export function renderFlakeHelpers(): string {
  return `      # Walks an attribute path; null when any step is missing.
      attrAt = set: path:
        builtins.foldl'
          (s: key: if s != null && builtins.isAttrs s && builtins.hasAttr key s then builtins.getAttr key s else null)
          set path;

      # A package reference such as "github:NixOS/nixpkgs#firefox" names one
      # output of a flake. The input URL cannot carry the fragment, so each
      # such input is replaced by a view whose packages.<system>.default is
      # that output (packages first, then legacyPackages, like \`nix build\`).
      fragmentInputs = hostName: system:
        let
          manifest = builtins.fromTOML (builtins.readFile ./hosts/\${hostName}/glix.toml);
          packages = manifest.packages or { };
          fragmentOf = ref:
            let m = builtins.match "[^#]*#(.+)" ref;
            in if m == null then null else builtins.head m;
          withFragment = builtins.filter
            (name: builtins.hasAttr name inputs && fragmentOf (packages.\${name}.flake or "") != null)
            (builtins.attrNames packages);
          view = name:
            let
              input = inputs.\${name};
              path = builtins.filter builtins.isString (builtins.split "\\\\." (fragmentOf packages.\${name}.flake));
              fromPackages = attrAt input ([ "packages" system ] ++ path);
              picked = if fromPackages != null then fromPackages else attrAt input ([ "legacyPackages" system ] ++ path);
            in
            if picked == null then
              throw "glix: \${name}: flake \${packages.\${name}.flake} has no packages.\${system} or legacyPackages.\${system} output at that attribute"
            else
              input // {
                packages = (input.packages or { }) // {
                  \${system} = ((input.packages or { }).\${system} or { }) // { default = picked; };
                };
              };
        in
        inputs // builtins.listToAttrs (map (name: { inherit name; value = view name; }) withFragment);
`
}

/**
 * The `mkHost` binding of the `let` in `outputs` (indented 6 spaces, ending
 * in a newline). `defaultUserLiteral` is Nix source: a string literal.
 */
export function renderMkHost(defaultUserLiteral: string): string {
  return `      mkHost = hostName: system:
        let
          glix = glixos-core.lib.importManifest {
            manifestPath = ./hosts/\${hostName}/glix.toml;
            inputs = fragmentInputs hostName system;
            defaultUser = ${defaultUserLiteral};
          };
          # Each home module under a fixed key, so a host file that wires
          # manifest.homeModulesByUser (or homeModules) as well imports it once.
          homeModulesByUser = builtins.mapAttrs
            (user: modules: builtins.genList
              (i: { key = "glix-home:\${user}:\${toString i}"; imports = [ (builtins.elemAt modules i) ]; })
              (builtins.length modules))
            glix.homeModulesByUser;
          manifest = glix // {
            inherit homeModulesByUser;
            homeModules = builtins.concatLists (builtins.attrValues homeModulesByUser);
          };
        in
        nixpkgs.lib.nixosSystem {
          inherit system;
          specialArgs = { inherit inputs manifest; };
          modules = [
            glixos-core.nixosModules.glixos
            home-manager.nixosModules.home-manager
            ./hosts/\${hostName}
            {
              home-manager.users = builtins.mapAttrs
                (_: modules: { imports = modules ++ [ { home.stateVersion = nixpkgs.lib.mkDefault "${HOME_STATE_VERSION}"; } ]; })
                homeModulesByUser;
            }
          ] ++ glix.systemModules;
        };
`
}

/** Renders a new `flake.nix` with empty managed regions. */
export function renderFlakeTemplate(choices: FlakeChoices): string {
  return `{
  description = "glixos user packages: every host of this repository";

  inputs = {
    nixpkgs.url = ${nixString(choices.nixpkgs)};
    glixos-core = {
      url = ${nixString(choices.core)};
      inputs.nixpkgs.follows = "nixpkgs";
    };
    home-manager = {
      url = ${nixString(choices.homeManager)};
      inputs.nixpkgs.follows = "nixpkgs";
    };
    # >>> glix-managed inputs >>>
    # <<< glix-managed inputs <<<
  };

  outputs = { self, nixpkgs, glixos-core, home-manager, ... }@inputs:
    let
${renderFlakeHelpers()}
${renderMkHost(nixString(choices.defaultUser))}    in
    {
      nixosConfigurations = {
        # >>> glix-managed hosts >>>
        # <<< glix-managed hosts <<<
      };
    };
}
`
}

/**
 * Renders `hosts/<host>/default.nix`, the host's own NixOS module. It
 * wires the host's home-scope packages into home-manager itself, so it
 * works under any flake.nix that passes the `importManifest` result as
 * `manifest` (glix's, which wires them too under module keys, or the Go
 * glix's, which leaves it to the host file); under a flake.nix that passes
 * something else (glix's own template before the home wiring passed the
 * raw manifest) it wires nothing, and `glix doctor` reports that flake.nix.
 */
export function renderHostModule(host: string, user: string): string {
  return `# The NixOS configuration of ${host}. Written once by \`glix init\`; yours from now on.
# Packages come from glix.toml beside this file; put everything else here
# (hardware-configuration.nix, boot loader, users) or in shared modules.
{ lib, manifest, ... }:
{
  networking.hostName = ${nixString(host)};

  # The primary user. home-manager installs a user's packages only for a
  # user NixOS knows; declare any other user (glix add --user=…) here too.
  users.users.${nixString(user)}.isNormalUser = true;

  # Home-scope packages of glix.toml, per user. flake.nix wires them too;
  # the module system imports each of them once.
  home-manager.users = lib.mapAttrs
    (_: modules: { imports = modules ++ [ { home.stateVersion = lib.mkDefault "${HOME_STATE_VERSION}"; } ]; })
    (manifest.homeModulesByUser or { });
}
`
}

/** The `.gitignore` the first `glix init` writes when there is none. */
export const GITIGNORE = 'result\nresult-*\n'
