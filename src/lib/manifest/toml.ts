/**
 * @iarna/toml, loaded on first use. Manifests in canonical form never need
 * it (canonical.ts reads them), so most glix runs skip loading it; it is
 * CommonJS, so a synchronous require keeps the readers synchronous.
 */
import {createRequire} from 'node:module'

type Toml = typeof import('@iarna/toml')

let toml: Toml | undefined

/** The @iarna/toml module. */
export function loadToml(): Toml {
  toml ??= createRequire(import.meta.url)('@iarna/toml') as Toml
  return toml
}
