/**
 * What `glix version` prints: the package version and the commit glix was
 * built from (`dist/build-info.json`, written by `npm run build`; "unknown"
 * when glix runs from sources without it).
 *
 * Dependency-free and synchronous: `bin/run.js` answers `glix --version`
 * with {@link versionLine} without loading oclif, so both spellings must go
 * through {@link formatVersion}.
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

/** The line `glix version` prints: `glix <version> (<commit>)`. */
export function formatVersion(version: string, commit: string): string {
  return `glix ${version} (${commit})`
}

/**
 * The version line from package.json and the build info, for `glix --version`
 * answered before oclif loads. oclif's `config.version` is package.json's
 * `version` (or `0.0.0` without one), so this is what `glix version` prints.
 */
export function versionLine(): string {
  const pjson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {version?: string}
  return formatVersion(pjson.version || '0.0.0', buildCommit())
}
