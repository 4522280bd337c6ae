// `npm run demo`: glix's main job on a built-in demo repository.
//
// Builds a user-packages repo of three hosts like the seed page's (laptop,
// desktop, pi on aarch64-linux), adds packages, and prints `glix list
// --all-hosts` and `glix info`. With Nix on PATH, the repo uses the small
// local flakes of test/fixtures/nix (a stub nixpkgs, home-manager and core),
// so `nix flake lock` and `nix eval` run for real, offline. Without Nix it
// uses the seed's GitHub references and --no-lock.
import {execFileSync, spawnSync} from 'node:child_process'
import {cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const here = fileURLToPath(new URL('..', import.meta.url))
const glixBin = join(here, 'bin', 'run.js')
const root = mkdtempSync(join(tmpdir(), 'glix-demo-'))
const repo = join(root, 'glixos')
const env = {
  ...process.env,
  GIT_AUTHOR_EMAIL: 'alice@example.org',
  GIT_AUTHOR_NAME: 'Alice',
  GIT_COMMITTER_EMAIL: 'alice@example.org',
  GIT_COMMITTER_NAME: 'Alice',
  GLIX_HOST: 'laptop',
  NIX_CONFIG: 'experimental-features = nix-command flakes',
}
const hasNix = spawnSync('nix', ['--version'], {stdio: 'ignore'}).status === 0

function glix(...args) {
  console.log(`$ glix ${args.join(' ')}`)
  const cwd = existsSync(repo) ? repo : root
  const result = spawnSync(process.execPath, [glixBin, ...args], {cwd, env, stdio: 'inherit'})
  if (result.status !== 0) process.exit(result.status ?? 1)
}

/** Copies the demo flakes and fills in their absolute paths. */
function copyFlakes() {
  const flakes = join(root, 'flakes')
  cpSync(join(here, 'test', 'fixtures', 'nix'), flakes, {recursive: true})
  const refs = {}
  const placeholders = {}
  // test/fixtures/nix also holds files that are not flakes (repos/): only directories with a flake.nix.
  const dirs = readdirSync(flakes).filter((dir) => existsSync(join(flakes, dir, 'flake.nix')))
  for (const dir of dirs) {
    refs[dir] = `path:${join(flakes, dir)}`
    placeholders[`@${dir.toUpperCase().replaceAll('-', '_')}@`] = refs[dir]
  }

  for (const dir of dirs) {
    const file = join(flakes, dir, 'flake.nix')
    let text = readFileSync(file, 'utf8')
    for (const [placeholder, ref] of Object.entries(placeholders)) text = text.replaceAll(placeholder, ref)
    writeFileSync(file, text)
  }

  return refs
}

console.log(`demo repository: ${repo}`)
console.log(hasNix ? 'nix found: locking and evaluating for real (offline, local flakes)\n' : 'nix not found: using --no-lock\n')

const refs = hasNix ? copyFlakes() : undefined
const lock = hasNix ? [] : ['--no-lock']
const local = hasNix ? ['--allow-local-path'] : []
const inputs = hasNix
  ? ['--core', refs.core, '--nixpkgs', refs.nixpkgs, '--home-manager', refs['home-manager'], '--allow-local-core']
  : []
const firefox = hasNix ? `${refs.nixpkgs}#firefox` : 'github:NixOS/nixpkgs#firefox'
const greeting = hasNix ? refs['pkg-greeting'] : 'github:owner/pkg-greeting'
const firmware = hasNix ? refs['pkg-hello'] : 'github:owner/raspi-firmware'

glix('init', `--dir=${repo}`, '--host=laptop', '--user=alice', '--system=x86_64-linux', ...inputs, ...lock)
glix('init', `--dir=${repo}`, '--host=desktop', '--user=alice', '--system=x86_64-linux', ...lock)
glix('init', `--dir=${repo}`, '--host=pi', '--user=pi-user', '--system=aarch64-linux', ...lock)
glix('add', '--host=desktop', firefox, ...local, ...lock)
glix('add', '--host=laptop', firefox, ...local, ...lock)
glix('add', '--host=laptop', '--scope=home', '--name=greeting', greeting, ...local, ...lock)
glix('add', '--host=pi', '--scope=system', '--name=raspi-fw', firmware, ...local, ...lock)
console.log()
glix('list', '--all-hosts')
console.log()
glix('info')

if (hasNix) {
  console.log('\nwhat Nix builds for each host (nix eval):')
  for (const host of ['desktop', 'laptop', 'pi']) {
    const expr = `c: { system = map (p: p.pname) c.${host}.config.environment.systemPackages; home = builtins.mapAttrs (u: v: map (p: p.pname) v.home.packages) c.${host}.config.home-manager.users; }`
    const out = execFileSync('nix', ['eval', '--json', `${repo}#nixosConfigurations`, '--apply', expr], {cwd: repo, env})
    console.log(`  ${host}: ${out.toString().trim()}`)
  }
}

console.log(`\nexplore it: export GLIX_ROOT=${repo}; node ${glixBin} list --all-hosts`)
