/**
 * Flake references as `glix add` takes them (spec §6): which inputs are
 * full references, which are local paths, and the package name a
 * reference implies.
 *
 * Invariant: a reference accepted here contains no whitespace or control
 * character, so it can be written into TOML and Nix without surprises
 * (both are escaped anyway) and shown on one line.
 */
import {UsageError} from '../errors.js'
import {isValidName, quoteForMessage} from '../names.js'
import {assertField} from '../validate.js'
import {splitFragment} from '../flake/render.js'

const SCHEMES = [
  'github:',
  'gitlab:',
  'sourcehut:',
  'srht:',
  'git+',
  'tarball+',
  'file:',
  'path:',
  'http:',
  'https:',
  'flake:',
]

/** True when `input` is used as is rather than looked up as a short name. */
export function isFullReference(input: string): boolean {
  return (
    input.startsWith('/') ||
    input.startsWith('./') ||
    input.startsWith('../') ||
    input.includes('#') ||
    SCHEMES.some((scheme) => input.startsWith(scheme))
  )
}

/** True when `reference` points at an absolute path on this machine (by its resolved scheme). */
export {isAbsoluteLocalPath} from '../validate.js'

/** Throws unless `reference` is a valid flake reference (spec §1: the same rule at every entrance). */
export function assertReference(reference: string): string {
  return assertField('flake', reference)
}

const ARCHIVE = /\.(tar\.gz|tar\.xz|tar\.bz2|tar\.zst|tgz|tar|zip|git)$/

/**
 * Infers a package name from a full reference (spec §6): a `#attr`
 * fragment wins (its last dotted part); then `?dir=` (its last segment);
 * then the repo of `github:`/`gitlab:`/`sourcehut:` references; else the
 * last path segment, without `.git` or an archive extension.
 * Returns the raw candidate; the caller validates it.
 */
export function inferName(reference: string): string {
  const {fragment, url} = splitFragment(reference)
  if (fragment !== undefined && fragment !== '') {
    return fragment.split('.').filter((p) => p !== '').at(-1) ?? fragment
  }

  const queryAt = url.indexOf('?')
  const base = queryAt === -1 ? url : url.slice(0, queryAt)
  const query = new URLSearchParams(queryAt === -1 ? '' : url.slice(queryAt + 1))
  const dir = query.get('dir')
  if (dir) {
    const last = dir.split('/').filter((p) => p !== '').at(-1)
    if (last) return last
  }

  const forge = /^(github|gitlab|sourcehut|srht):([^/]+)\/([^/]+)/.exec(base)
  if (forge) return forge[3]

  const withoutScheme = base.replace(/^[a-z+]+:(\/\/[^/]*)?/, '')
  const last = withoutScheme.split('/').filter((p) => p !== '' && p !== '.' && p !== '..').at(-1) ?? withoutScheme
  return last.replace(ARCHIVE, '')
}

/** Infers the name and checks it is usable, or explains how to give one. */
export function inferValidName(reference: string): string {
  const name = inferName(reference)
  if (!isValidName(name)) {
    throw new UsageError(
      `cannot infer a package name from ${quoteForMessage(reference)} (got ${quoteForMessage(name)}); give one with --name`,
      {code: 'NO_NAME'},
    )
  }

  return name
}
