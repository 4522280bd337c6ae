/**
 * Which registry a command reads (spec §6): `--registry-url`, else
 * `$GLIX_REGISTRY_URL`, else the host's `registry_url` setting; empty
 * values are skipped. The host's manifest is read only when neither of the
 * first two is set.
 */
import {assertHost} from '../manifest/hosts.js'
import {readManifest} from '../manifest/read.js'
import {repoPaths} from '../repo/discover.js'

/** Where the registry URL comes from, highest precedence first. */
export interface RegistryUrlSources {
  /** `--registry-url`. */
  flag?: string
  /** The environment holding `$GLIX_REGISTRY_URL` (default: process.env). */
  env?: NodeJS.ProcessEnv
  /** The host's `registry_url`, read only when needed. */
  setting?: () => Promise<string | undefined>
}

/** The hint given wherever a registry is needed and none is configured. */
export const NO_REGISTRY_HINT = "pass --registry-url, set $GLIX_REGISTRY_URL, or set the host's registry_url (glix host set registry_url=URL)"

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim()
}

/** The registry URL to use, or undefined when none is configured. */
export async function configuredRegistryUrl(sources: RegistryUrlSources): Promise<string | undefined> {
  const env = sources.env ?? process.env
  return nonEmpty(sources.flag) ?? nonEmpty(env.GLIX_REGISTRY_URL) ?? nonEmpty(await sources.setting?.())
}

/** The `registry_url` setting of `host`; throws when the host or its manifest is bad. */
export async function hostRegistryUrl(root: string, host: string): Promise<string | undefined> {
  assertHost(root, host)
  const {manifest} = await readManifest(repoPaths.manifest(root, host))
  return manifest.settings.registry_url
}
