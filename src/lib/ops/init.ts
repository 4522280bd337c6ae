/**
 * `glix init`: create the repo if needed and add one host (spec §5).
 *
 * Host-additive: an existing repo keeps its flake.nix and its other hosts;
 * only `hosts/<host>/` and the hosts region change. An existing host, or a
 * non-empty directory that is not a glix repo, is an error.
 */
import {existsSync, mkdirSync, readdirSync} from 'node:fs'
import {readFile, rm, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {userInfo} from 'node:os'

import {GlixError, UsageError} from '../errors.js'
import {regionState} from '../flake/patcher.js'
import {DEFAULT_CHOICES, GITIGNORE, renderFlakeTemplate, renderHostModule} from '../flake/template.js'
import {writeManifest} from '../manifest/write.js'
import {createManifest} from '../manifest/types.js'
import {assertName} from '../names.js'
import {assertReference, isAbsoluteLocalPath} from '../resolver/reference.js'
import {defaultInitRoot, isGlixRoot, repoPaths} from '../repo/discover.js'
import {initRepo} from '../repo/git.js'
import {runTransaction} from '../repo/transaction.js'
import {assertField} from '../validate.js'
import {type MutationDeps, transactionOptions} from './context.js'

/** The options of `glix init`. */
export interface InitOptions {
  /** `--dir`; absent means $GLIX_ROOT, $XDG_CONFIG_HOME/glixos or ~/.config/glixos. */
  dir?: string
  host: string
  user?: string
  system?: string
  core?: string
  nixpkgs?: string
  homeManager?: string
  allowLocalCore?: boolean
}

/** What `glix init` did. */
export interface InitResult {
  root: string
  host: string
  user: string
  system: string
  /** The repo (flake.nix, git) was created by this call. */
  createdRepo: boolean
  commit?: string
}

/** Throws unless `system` looks like a Nix system tuple (`x86_64-linux`). */
export function assertSystem(system: string): string {
  return assertField('system', system)
}

function defaultUser(): string | undefined {
  if (process.env.USER) return process.env.USER
  try {
    return userInfo().username
  } catch {
    return undefined
  }
}

const isLocal = (ref: string) => isAbsoluteLocalPath(ref) || /^(\.\.?\/|path:)/.test(ref)

/** Runs `glix init`. */
export async function initHost(options: InitOptions, deps: MutationDeps): Promise<InitResult> {
  const host = assertName('host', options.host)
  const user = options.user ?? defaultUser()
  if (user === undefined || (options.user === undefined && user === '')) throw new UsageError('cannot tell the primary user: pass --user')
  assertName('user', user)
  const system = assertSystem(options.system ?? 'x86_64-linux')
  const choices = {
    core: assertReference(options.core ?? DEFAULT_CHOICES.core),
    defaultUser: user,
    homeManager: assertReference(options.homeManager ?? DEFAULT_CHOICES.homeManager),
    nixpkgs: assertReference(options.nixpkgs ?? DEFAULT_CHOICES.nixpkgs),
  }
  if (isLocal(choices.core) && !options.allowLocalCore) {
    throw new UsageError(`--core ${choices.core} is a local path, which makes the repo unbuildable elsewhere; pass --allow-local-core to use it anyway`)
  }

  const root = options.dir ?? defaultInitRoot()
  const existed = existsSync(root)
  const isRepo = existed && isGlixRoot(root)
  if (existed && !isRepo && readdirSync(root).length > 0) {
    throw new GlixError(`${root} is not empty and not a glix repository (no flake.nix and hosts/); choose another --dir`, {
      code: 'NOT_A_REPO',
    })
  }

  if (existsSync(repoPaths.hostDir(root, host))) {
    throw new GlixError(`host "${host}" already exists in ${root}`, {
      code: 'HOST_EXISTS',
      suggestions: ['change its settings with `glix host set`, or choose another --host'],
    })
  }

  if (isRepo && (options.core || options.nixpkgs || options.homeManager)) {
    deps.notice('flake.nix exists: --core, --nixpkgs and --home-manager are ignored (edit its inputs by hand)')
  }

  mkdirSync(root, {recursive: true})
  let createdGit = false
  try {
    createdGit = await initRepo(root)
    const result = await runTransaction(
      transactionOptions(deps, {command: 'init', dirs: ['hosts', `hosts/${host}`], files: ['.gitignore', `hosts/${host}/default.nix`, `hosts/${host}/glix.toml`], hosts: [host], root}),
      async () => {
        if (!existsSync(repoPaths.flake(root))) await writeFile(repoPaths.flake(root), renderFlakeTemplate(choices))
        if (!existsSync(join(root, '.gitignore'))) await writeFile(join(root, '.gitignore'), GITIGNORE)
        mkdirSync(repoPaths.hostDir(root, host), {recursive: true})
        await writeFile(join(repoPaths.hostDir(root, host), 'default.nix'), renderHostModule(host, user))
        await writeManifest(repoPaths.manifest(root, host), createManifest({primary_user: user, system}))
        return {message: `glix init: bootstrap host ${host}`}
      },
    )
    const flake = await readFile(repoPaths.flake(root), 'utf8')
    if (regionState(flake, 'hosts').state === 'absent') {
      // Upstream's hand-written layout: hosts are declared in flake.nix by hand, so this one must be too.
      deps.notice(
        `flake.nix declares its hosts by hand (it has no glix-managed hosts region): add \`nixosConfigurations.${host} = mkHost "${host}" "${system}";\` to it, or let \`glix doctor --fix\` add the region`,
      )
    }

    return {commit: result.commit, createdRepo: !isRepo, host, root, system, user}
  } catch (error) {
    // A repo this call created is removed again, so a retry starts clean.
    if (!existed) await rm(root, {force: true, recursive: true})
    else if (createdGit) await rm(join(root, '.git'), {force: true, recursive: true})
    throw error
  }
}
