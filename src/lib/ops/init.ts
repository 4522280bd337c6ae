/**
 * `glix init`: create the repo if needed and add one host (spec §5).
 *
 * Host-additive: an existing repo keeps its flake.nix and its other hosts;
 * only `hosts/<host>/` and the hosts region change. An existing host, or a
 * non-empty directory that is not a glix repo, is an error.
 */
import {existsSync, mkdirSync, readdirSync} from 'node:fs'
import {rm} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {userInfo} from 'node:os'

import {GlixError, UsageError} from '../errors.js'
import {regionState} from '../flake/patcher.js'
import {DEFAULT_CHOICES, GITIGNORE, renderFlakeTemplate, renderHostModule} from '../flake/template.js'
import {renderManifest} from '../manifest/write.js'
import {createManifest} from '../manifest/types.js'
import {assertName} from '../names.js'
import {assertReference, isAbsoluteLocalPath} from '../resolver/reference.js'
import {defaultInitRoot, isGlixRoot} from '../repo/discover.js'
import {assertNoLinks, pathExists, readInside, writeInside} from '../repo/fs.js'
import {initRepo} from '../repo/git.js'
import {assertOwnedRepo} from '../repo/ownership.js'
import {runTransaction} from '../repo/transaction.js'
import {assertField} from '../validate.js'
import {type MutationDeps, transactionOptions} from './context.js'
import {type MutationResult, mutationResult} from './mutation.js'

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

/** The details of `glix init` (see {@link MutationResult}). */
export interface InitDetails {
  root: string
  /** The primary user. */
  user: string
  system: string
  /** The repo (flake.nix, git) was created by this call. */
  created_repo: boolean
}

/** What `glix init` did. */
export type InitResult = MutationResult<InitDetails>

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

  // Absolute from here on: git runs with the root as its working directory.
  const root = resolve(options.dir ?? defaultInitRoot())
  const existed = existsSync(root)
  if (existed) assertOwnedRepo(root)
  const isRepo = existed && isGlixRoot(root)
  if (existed && !isRepo && readdirSync(root).length > 0) {
    throw new GlixError(`${root} is not empty and not a glix repository (no flake.nix and hosts/); choose another --dir`, {
      code: 'NOT_A_REPO',
    })
  }

  const hostDir = `hosts/${host}`
  const files = {flake: 'flake.nix', gitignore: '.gitignore', manifest: `${hostDir}/glix.toml`, module: `${hostDir}/default.nix`}
  // Nothing is written through a link: a linked flake.nix, .gitignore, hosts/ or host directory is refused first.
  assertNoLinks(root, [...Object.values(files), hostDir])
  if (pathExists(join(root, hostDir))) {
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
    const subject = `glix init: bootstrap host ${host}`
    const tx = await runTransaction(
      transactionOptions(deps, {command: 'init', dirs: ['hosts', hostDir], files: [files.gitignore, files.module, files.manifest], hosts: [host], root}),
      async () => {
        if (!pathExists(join(root, files.flake))) await writeInside(root, files.flake, renderFlakeTemplate(choices))
        if (!pathExists(join(root, files.gitignore))) await writeInside(root, files.gitignore, GITIGNORE)
        await writeInside(root, files.module, renderHostModule(host, user))
        await writeInside(root, files.manifest, renderManifest(createManifest({primary_user: user, system})))
        return {message: subject}
      },
    )
    const flake = (await readInside(root, files.flake))?.toString('utf8') ?? ''
    if (regionState(flake, 'hosts').state === 'absent') {
      // Upstream's hand-written layout: hosts are declared in flake.nix by hand, so this one must be too.
      deps.notice(
        `flake.nix declares its hosts by hand (it has no glix-managed hosts region): add \`nixosConfigurations.${host} = mkHost "${host}" "${system}";\` to it, or let \`glix doctor --fix\` add the region`,
      )
    }

    return mutationResult({command: 'init', details: {created_repo: !isRepo, root, system, user}, hosts: [host], subject, tx})
  } catch (error) {
    // A repo this call created is removed again, so a retry starts clean.
    if (!existed) await rm(root, {force: true, recursive: true})
    else if (createdGit) await rm(join(root, '.git'), {force: true, recursive: true})
    throw error
  }
}
