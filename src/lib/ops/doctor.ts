/**
 * `glix doctor`: read-only health checks of the machine and the repo
 * (spec §5). Each check is OK, WARN or FAIL with one line of detail; it
 * never repairs anything (any other glix command recovers an interrupted
 * transaction and regenerates stale regions).
 */
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {describeError} from '../errors.js'
import {readRegion} from '../flake/patcher.js'
import {renderFlake} from '../flake/regenerate.js'
import {collectInputs, type HostManifest, inputUrl} from '../flake/render.js'
import {listHosts} from '../manifest/hosts.js'
import {readManifest} from '../manifest/read.js'
import {runProcess} from '../process.js'
import {isAbsoluteLocalPath} from '../resolver/reference.js'
import {discoverRoot, repoPaths} from '../repo/discover.js'
import {headSubject, statusLines} from '../repo/git.js'

/** The verdict of one check. */
export type CheckStatus = 'FAIL' | 'OK' | 'WARN'

/** One check of `glix doctor`. */
export interface Check {
  name: string
  status: CheckStatus
  message: string
}

/** The report of `glix doctor`. */
export interface DoctorReport {
  root?: string
  ok: boolean
  checks: Check[]
}

async function checkNix(): Promise<Check[]> {
  const version = await runProcess('nix', ['--version'], {allowFailure: true}).catch(() => undefined)
  if (!version || version.code !== 0) {
    return [{message: 'nix not found on PATH: glix can only edit (--no-lock); locking and rebuilding need Nix', name: 'nix', status: 'FAIL'}]
  }

  const checks: Check[] = [{message: version.stdout.trim(), name: 'nix', status: 'OK'}]
  const config = await runProcess('nix', ['show-config'], {allowFailure: true})
  const features = /^experimental-features = (.*)$/m.exec(config.stdout)?.[1] ?? ''
  const on = features.split(/\s+/).includes('flakes') && features.split(/\s+/).includes('nix-command')
  checks.push({
    message: on
      ? 'flakes and nix-command are on'
      : 'flakes or nix-command are off in nix.conf: glix switches them on per call, but nixos-rebuild and your own nix commands need `experimental-features = nix-command flakes`',
    name: 'flakes',
    status: on ? 'OK' : 'WARN',
  })
  return checks
}

async function checkRepo(root: string): Promise<Check[]> {
  const checks: Check[] = [{message: root, name: 'repo', status: 'OK'}]

  if (existsSync(join(root, '.git', 'glix', 'journal.json'))) {
    checks.push({message: 'an interrupted glix transaction left its journal: run any glix command (e.g. `glix list`) to restore the files', name: 'transaction', status: 'FAIL'})
  } else {
    checks.push({message: 'no interrupted transaction', name: 'transaction', status: 'OK'})
  }

  if (existsSync(join(root, '.git'))) {
    const [status, head] = await Promise.all([statusLines(root), headSubject(root)])
    checks.push({
      message: `${status.length === 0 ? 'clean' : `dirty (${status.length} path(s))`}, head: ${head ?? '(no commits)'}`,
      name: 'git',
      status: status.length === 0 ? 'OK' : 'WARN',
    })
  } else {
    checks.push({message: 'not a git repository: glix commits every change; run `git init`', name: 'git', status: 'FAIL'})
  }

  const manifests: HostManifest[] = []
  const hosts = listHosts(root)
  for (const host of hosts) {
    try {
      manifests.push({host, manifest: (await readManifest(repoPaths.manifest(root, host))).manifest})
    } catch (error) {
      checks.push({message: describeError(error), name: `manifest ${host}`, status: 'FAIL'})
    }
  }

  if (manifests.length === hosts.length) {
    checks.push({message: `${hosts.length} host(s): ${hosts.join(', ') || 'none'}`, name: 'manifests', status: hosts.length > 0 ? 'OK' : 'WARN'})
  }

  checks.push(checkConflicts(manifests), checkLocalPaths(manifests))
  checks.push(await checkFlake(root, manifests, manifests.length === hosts.length))
  checks.push(
    existsSync(repoPaths.lock(root))
      ? {message: 'present', name: 'flake.lock', status: 'OK'}
      : {message: 'missing: run `glix update` (or `nix flake lock`)', name: 'flake.lock', status: 'WARN'},
  )
  return checks
}

function checkConflicts(manifests: HostManifest[]): Check {
  // Disabled packages count too: enabling one later must not break the repo.
  const all = manifests.map(({host, manifest}) => ({
    host,
    manifest: {...manifest, packages: Object.fromEntries(Object.entries(manifest.packages).map(([n, e]) => [n, {...e, enabled: true}]))},
  }))
  try {
    collectInputs(all)
    return {message: 'every package name has one URL across hosts', name: 'conflicts', status: 'OK'}
  } catch (error) {
    return {message: describeError(error), name: 'conflicts', status: 'FAIL'}
  }
}

function checkLocalPaths(manifests: HostManifest[]): Check {
  const local: string[] = []
  for (const {host, manifest} of manifests) {
    for (const [name, entry] of Object.entries(manifest.packages)) {
      if (isAbsoluteLocalPath(inputUrl(entry.flake))) local.push(`${host}/${name}`)
    }
  }

  return local.length === 0
    ? {message: 'no absolute local-path inputs', name: 'portability', status: 'OK'}
    : {message: `absolute local paths build only on this machine: ${local.join(', ')}`, name: 'portability', status: 'WARN'}
}

async function checkFlake(root: string, manifests: HostManifest[], complete: boolean): Promise<Check> {
  let text: string
  try {
    text = await readFile(repoPaths.flake(root), 'utf8')
    readRegion(text, 'inputs')
    readRegion(text, 'hosts')
  } catch (error) {
    return {message: describeError(error), name: 'flake.nix', status: 'FAIL'}
  }

  if (!complete) return {message: 'markers intact; freshness not checked (a manifest is invalid)', name: 'flake.nix', status: 'WARN'}
  try {
    return renderFlake(text, manifests) === text
      ? {message: 'markers intact, managed regions fresh', name: 'flake.nix', status: 'OK'}
      : {message: 'managed regions are stale: run any glix command (e.g. `glix list`) to regenerate them', name: 'flake.nix', status: 'WARN'}
  } catch (error) {
    return {message: describeError(error), name: 'flake.nix', status: 'FAIL'}
  }
}

/** Runs every check. `dir` is `--dir`. */
export async function runDoctor(options: {dir?: string}): Promise<DoctorReport> {
  const checks = await checkNix()
  let root: string | undefined
  try {
    root = discoverRoot({dir: options.dir})
  } catch (error) {
    checks.push({message: describeError(error), name: 'repo', status: 'FAIL'})
  }

  if (root) checks.push(...(await checkRepo(root)))
  return {checks, ok: checks.every((c) => c.status !== 'FAIL'), root}
}
