/**
 * The hosts of a repo: every directory under `hosts/` with a valid name
 * that holds a `glix.toml`.
 */
import {readdirSync, statSync} from 'node:fs'

import {GlixError} from '../errors.js'
import {assertName, compareNames, isValidName} from '../names.js'
import {repoPaths} from '../repo/discover.js'
import {readManifest} from './read.js'
import type {HostManifest} from './types.js'

/** The names of the hosts of the repo at `root`, sorted. */
export function listHosts(root: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(repoPaths.hosts(root))
  } catch {
    return []
  }

  return entries
    .filter((name) => {
      if (!isValidName(name)) return false
      try {
        return statSync(repoPaths.manifest(root, name)).isFile()
      } catch {
        return false
      }
    })
    .sort(compareNames)
}

/** Reads every host's manifest. */
export async function readAllManifests(root: string): Promise<HostManifest[]> {
  const hosts = listHosts(root)
  return Promise.all(hosts.map(async (host) => ({host, manifest: (await readManifest(repoPaths.manifest(root, host))).manifest})))
}

/** Throws unless `host` is a valid name and a host of the repo. */
export function assertHost(root: string, host: string): void {
  assertName('host', host)
  const hosts = listHosts(root)
  if (!hosts.includes(host)) {
    throw new GlixError(`host "${host}" not found in ${root}` + (hosts.length > 0 ? ` (hosts: ${hosts.join(', ')})` : ''), {
      code: 'NO_HOST',
      suggestions: [`add it with \`glix init --host=${host}\`, or pick another with --host`],
    })
  }
}
