#!/usr/bin/env node
// The start-up path: keep it tiny. Everything here runs on every call, shell
// completion included; see "Performance" in docs/decisions.md.
import {homedir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

const args = process.argv.slice(2)

if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  // The same line as `glix version`, without loading oclif (two small file reads).
  const {versionLine} = await import('../dist/lib/build-info.js')
  process.stdout.write(versionLine() + '\n')
} else {
  // glix plugins are plain ESM or compiled: oclif's warning about not transpiling linked ESM plugins is noise.
  process.env.OCLIF_DISABLE_LINKED_ESM_WARNING ??= '1'
  // One CommonJS module (scripts/bundle.js): glix's commands and hooks and the oclif they load.
  const bundle = fileURLToPath(new URL('../dist/bundle/glix.cjs', import.meta.url))
  const module = await import('node:module')
  let glix
  if (module.enableCompileCache || process.env.NODE_DISABLE_COMPILE_CACHE) {
    // Node ≥ 22.1 caches compiled code itself; NODE_DISABLE_COMPILE_CACHE turns either cache off.
    module.enableCompileCache?.()
    glix = module.createRequire(import.meta.url)(bundle)
  } else {
    // Node 20: V8's code cache by hand, beside oclif's cache (bin/code-cache.js).
    const cacheDir = process.env.GLIX_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'glix')
    const {requireWithCodeCache} = await import('./code-cache.js')
    glix = requireWithCodeCache(bundle, join(cacheDir, 'code'))
  }

  await glix.run(args)
}
