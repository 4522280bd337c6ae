#!/usr/bin/env node
// The start-up path: keep it tiny. Everything here runs on every call, shell
// completion included; see "Performance" in docs/decisions.md.
import module from 'node:module'

import {hoistGlobalFlags} from '../dist/lib/argv.js'

const args = process.argv.slice(2)

if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
  // The same line as `glix version`, without loading oclif (two small file reads).
  const {versionLine} = await import('../dist/lib/build-info.js')
  process.stdout.write(versionLine() + '\n')
} else {
  // Node ≥ 22.1 caches compiled code on disk (oclif and its dependencies are most of start-up);
  // it must be on before they load, hence the dynamic import below.
  module.enableCompileCache?.()
  // glix plugins are plain ESM or compiled: oclif's warning about not transpiling linked ESM plugins is noise.
  process.env.OCLIF_DISABLE_LINKED_ESM_WARNING ??= '1'
  const {execute} = await import('@oclif/core/execute')
  await execute({args: hoistGlobalFlags(args), dir: import.meta.url})
}
