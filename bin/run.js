#!/usr/bin/env node
import {execute} from '@oclif/core'

import {hoistGlobalFlags} from '../dist/lib/argv.js'

// glix plugins are plain ESM or compiled: oclif's warning about not transpiling linked ESM plugins is noise.
process.env.OCLIF_DISABLE_LINKED_ESM_WARNING ??= '1'

const args = process.argv.slice(2)
// `glix --version` and `glix version` print the same line.
const argv = args.length === 1 && (args[0] === '--version' || args[0] === '-v') ? ['version'] : hoistGlobalFlags(args)
await execute({args: argv, dir: import.meta.url})
