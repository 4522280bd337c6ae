/**
 * The commit glix was built from: `dist/build-info.json`, written by
 * `npm run build`; "unknown" when glix runs from sources without it.
 */
import {readFileSync} from 'node:fs'

/** The short commit hash of the build, or "unknown". */
export function buildCommit(): string {
  try {
    const info = JSON.parse(readFileSync(new URL('../build-info.json', import.meta.url), 'utf8')) as {commit?: string}
    return info.commit || 'unknown'
  } catch {
    return 'unknown'
  }
}
