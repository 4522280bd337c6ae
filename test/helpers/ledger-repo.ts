/**
 * Repos for the ledger tests. {@link createDeployedRepo}, for `status` and
 * `plan`: four hosts, a history of glix commits of every kind (and one of
 * the user's own), and ledger refs (refs/glix/deployed/<host>) pointing at
 * different points of it — one outside HEAD's history.
 * {@link createNixRepo}: hosts on the offline fixture flakes, locked by the
 * real `nix`, so their systems evaluate (`--changed`, the system records).
 * The commands read dist/: `npm run build` first.
 */
import {writeFile} from 'node:fs/promises'
import path from 'node:path'

import {copyNixFixtures, fixtureInitFlags, type NixFixtures} from './nix.js'
import {addPackage, createRepo, git, glixOk, headOf, type HostSpec} from './repo.js'

/**
 * Creates a repo at `root` whose flake uses copies of the fixture flakes
 * (made in `fixturesDir`) and is locked by the real nix; returns the
 * fixtures' references.
 */
export async function createNixRepo(root: string, fixturesDir: string, hosts: HostSpec[]): Promise<NixFixtures> {
  const fx = await copyNixFixtures(fixturesDir)
  for (const {host, system, user} of hosts) {
    const args = ['init', '--dir', root, '--host', host, '--user', user ?? 'alice', ...(system ? ['--system', system] : [])]
    await glixOk(host === hosts[0].host ? [...args, ...fixtureInitFlags(fx)] : args)
  }

  return fx
}

/** Records `commit` as deployed on `host`, as `glix rebuild switch` does. */
export function deploy(root: string, host: string, commit: string): void {
  git(root, 'update-ref', '--create-reflog', '-m', 'glix rebuild switch', `refs/glix/deployed/${host}`, commit)
}

/** `glix set <name> <pairs…>` on desktop. */
export function setOnDesktop(root: string, name: string, ...pairs: string[]) {
  return glixOk(['set', name, ...pairs, '--dir', root, '--host', 'desktop', '--no-lock'])
}

/**
 * Builds the repo at `root`; returns the commits by name: `init` (all
 * hosts created), `desktop` (desktop's deployed commit: firefox, greeting
 * and tool with a config key), `pi` (raspi-fw added), `experiment` (tv's
 * deployed commit, on a deleted branch). After desktop's deployment:
 * firefox disabled, greeting's user and config changed, tool changed and
 * then removed, hello added, desktop's build_host set, greeting added to
 * laptop, and a commit of the user's own (shared.nix and desktop's
 * default.nix). desktop, pi (at HEAD) and tv are in the ledger; laptop is not.
 */
export async function createDeployedRepo(root: string): Promise<Record<string, string>> {
  const at: Record<string, string> = {}
  const set = (name: string, ...pairs: string[]) => setOnDesktop(root, name, ...pairs)
  await createRepo(root, [
    {host: 'laptop', user: 'alice'},
    {host: 'desktop', user: 'alice'},
    {host: 'pi', system: 'aarch64-linux', user: 'pi-user'},
  ])
  await createRepo(root, [{host: 'tv', user: 'alice'}])
  at.init = headOf(root)
  await addPackage(root, 'desktop', 'github:NixOS/nixpkgs#firefox')
  await addPackage(root, 'desktop', 'github:owner/pkg-greeting', '--scope', 'home', '--name', 'greeting')
  await addPackage(root, 'desktop', 'github:owner/pkg-tool', '--name', 'tool')
  await set('tool', 'config.level=3')
  at.desktop = headOf(root)
  await addPackage(root, 'pi', 'github:owner/raspi-firmware', '--name', 'raspi-fw')
  at.pi = headOf(root)
  // Changes after desktop's deployment: one of each kind.
  await glixOk(['disable', 'firefox', '--dir', root, '--host', 'desktop', '--no-lock'])
  await set('greeting', 'user=bob', 'config.theme=dark')
  await set('tool', 'pin=abc123', 'config.level=', 'scope=home')
  await addPackage(root, 'desktop', 'path:./pkgs/hello', '--name', 'hello')
  await glixOk(['remove', 'tool', '--dir', root, '--host', 'desktop', '--no-lock'])
  await glixOk(['host', 'set', '--dir', root, '--host', 'desktop', 'build_host=builder', '--no-lock'])
  await addPackage(root, 'laptop', 'github:owner/pkg-greeting', '--scope', 'home', '--name', 'greeting')
  // A commit of the user's own, touching desktop's default.nix and a shared module.
  await writeFile(path.join(root, 'shared.nix'), '{ ... }: { }\n')
  git(root, 'add', 'shared.nix')
  await writeFile(path.join(root, 'hosts', 'desktop', 'default.nix'), '{ ... }: { imports = [ ../../shared.nix ]; }\n')
  git(root, 'commit', '--quiet', '-am', 'my own tweak')
  // A deployment from history that HEAD no longer contains.
  git(root, 'checkout', '--quiet', '-b', 'experiment', at.init)
  git(root, 'commit', '--quiet', '--allow-empty', '-m', 'glix add tv: experiment')
  at.experiment = headOf(root)
  git(root, 'checkout', '--quiet', 'main')
  git(root, 'branch', '--quiet', '-D', 'experiment')

  deploy(root, 'desktop', at.desktop)
  deploy(root, 'pi', headOf(root))
  deploy(root, 'tv', at.experiment)
  return at
}
