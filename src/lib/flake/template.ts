/**
 * The files `glix init` writes once: `flake.nix`, `hosts/<host>/default.nix`
 * and `.gitignore`. After that they belong to the user, except the two
 * managed regions of `flake.nix` (see patcher.ts).
 *
 * The flake keeps the contract of the glixos core flake (spec §3, §8):
 * `mkHost` calls `glixos-core.lib.importManifest` and builds
 * `nixpkgs.lib.nixosSystem`. Nix rejects `#attr` fragments in input URLs,
 * so `mkHost` also reads the host's glix.toml with `builtins.fromTOML` and
 * hands `importManifest` a view of each fragment input whose
 * `packages.<system>.default` is the input's `packages.<system>.<attr>`, or
 * else its `legacyPackages.<system>.<attr>` — the way `nix build
 * nixpkgs#firefox` resolves. Only builtins are used there, so the adapter
 * works with any nixpkgs.
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
      # Walks an attribute path; null when any step is missing.
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

      mkHost = hostName: system:
        let
          glix = glixos-core.lib.importManifest {
            manifestPath = ./hosts/\${hostName}/glix.toml;
            inputs = fragmentInputs hostName system;
            defaultUser = ${nixString(choices.defaultUser)};
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
    in
    {
      nixosConfigurations = {
        # >>> glix-managed hosts >>>
        # <<< glix-managed hosts <<<
      };
    };
}
`
}

/** Renders `hosts/<host>/default.nix`, the host's own NixOS module. */
export function renderHostModule(host: string): string {
  return `# The NixOS configuration of ${host}. Written once by \`glix init\`; yours from now on.
# Packages come from glix.toml beside this file; put everything else here
# (hardware-configuration.nix, boot loader, users) or in shared modules.
{ ... }:
{
  networking.hostName = ${nixString(host)};
}
`
}

/** The `.gitignore` the first `glix init` writes when there is none. */
export const GITIGNORE = 'result\nresult-*\n'
