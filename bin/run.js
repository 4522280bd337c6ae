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
  // One CommonJS module (scripts/bundle.js): glix's commands and hooks and the oclif they load,
  // compiled with V8's code cache kept beside oclif's cache (bin/code-cache.js), unless
  // NODE_DISABLE_COMPILE_CACHE is set, the variable that turns off Node's own compile cache.
  const bundle = fileURLToPath(new URL('../dist/bundle/glix.cjs', import.meta.url))
  let glix
  if (process.env.NODE_DISABLE_COMPILE_CACHE) {
    const {createRequire} = await import('node:module')
    glix = createRequire(import.meta.url)(bundle)
  } else {
    const cacheDir = process.env.GLIX_CACHE_DIR || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'glix')
    const {requireWithCodeCache} = await import('./code-cache.js')
    glix = requireWithCodeCache(bundle, join(cacheDir, 'code'))
  }

  await glix.run(args)
}
