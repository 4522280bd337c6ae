#!/usr/bin/env -S node --import tsx
// Runs the TypeScript sources directly (no build step), for development.
import {execute} from '@oclif/core'

import {hoistGlobalFlags} from '../src/lib/argv.ts'

await execute({args: hoistGlobalFlags(process.argv.slice(2)), development: true, dir: import.meta.url})
