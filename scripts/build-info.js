// Records the commit glix is built from in dist/build-info.json (read by `glix version`).
import {execFileSync} from 'node:child_process'
import {writeFileSync} from 'node:fs'

let commit = 'unknown'
try {
  commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {stdio: ['ignore', 'pipe', 'ignore']}).toString().trim()
} catch {
  // Not a git checkout (e.g. an npm tarball): keep "unknown".
}

writeFileSync(new URL('../dist/build-info.json', import.meta.url), JSON.stringify({commit}) + '\n')
