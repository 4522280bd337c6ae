/**
 * `glix doctor`: health checks of the machine and the repo (spec §5), and
 * `glix doctor --fix`, the one repair of flake.nix outside its managed
 * regions glix makes.
 *
 * Each check is OK, WARN or FAIL with one line of detail. The checks never
 * repair anything (any other glix command recovers an interrupted
 * transaction and regenerates stale regions). `--fix` proposes an edit of
 * flake.nix (upgrade.ts: the `mkHost` of an older glix or of the Go glix
 * brought to the current template; a hosts region for hand-declared
 * hosts) as a unified diff, and says what to change by hand where the text
 * is not a shape glix knows. Invariant: flake.nix is written only with
 * `--yes`, through the mutation transaction, as one commit
 * `glix doctor: <changes>`; nothing else is written.
 */
import {existsSync} from 'node:fs'
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'

import {describeError, GlixError} from '../errors.js'
import {patchRegions, readRegion, regionMarkers, regionState} from '../flake/patcher.js'
import {renderFlake} from '../flake/regenerate.js'
import {findConflicts, type HostManifest, inputUrl, renderHosts} from '../flake/render.js'
import {
  addHostsRegion,
  describeManualMkHost,
  inspectMkHost,
  type MkHostFeature,
  renderTemplateBindings,
  upgradeMkHost,
} from '../flake/upgrade.js'
import {listHosts} from '../manifest/hosts.js'
import {takeProblems} from '../manifest/problems.js'
import {readManifest} from '../manifest/read.js'
import {runProcess} from '../process.js'
import {isAbsoluteLocalPath} from '../resolver/reference.js'
import {discoverRoot, repoPaths} from '../repo/discover.js'
import {describeConflict} from '../repo/drift.js'
import {headSubject, statusLines} from '../repo/git.js'
import {assertNoLinkedRepoPaths} from '../repo/fingerprint.js'
import {describeInterrupted} from '../repo/journal.js'
import {runTransaction} from '../repo/transaction.js'
import {type MutationDeps, transactionOptions} from './context.js'

/** The verdict of one check. */
export type CheckStatus = 'FAIL' | 'OK' | 'WARN'

/** One check of `glix doctor`. */
export interface Check {
  name: string
  status: CheckStatus
  message: string
}

/** The flake.nix repair `glix doctor --fix` proposes (and with `--yes` applies). */
export interface DoctorFix {
  /** What the edit does, one phrase per change; empty when glix has nothing to edit. */
  changes: string[]
  /** The edit as a unified diff of flake.nix; empty when there is none. */
  diff: string
  /** What glix cannot edit and the user has to change by hand. */
  manual: string[]
  /** Whether the edit was committed (`--yes`). */
  applied: boolean
  /** The commit the edit made. */
  commit?: string
}

/** The report of `glix doctor`. */
export interface DoctorReport {
  root?: string
  ok: boolean
  checks: Check[]
  /** With `--fix`: the repair. */
  fix?: DoctorFix
}

async function checkNix(): Promise<Check[]> {
  const version = await runProcess('nix', ['--version'], {allowFailure: true}).catch(() => undefined)
  if (!version || version.code !== 0) {
    return [{message: 'nix not found on PATH: glix can only edit (--no-lock); locking and rebuilding need Nix', name: 'nix', status: 'FAIL'}]
  }

  const checks: Check[] = [{message: version.stdout.trim(), name: 'nix', status: 'OK'}]
  const config = await runProcess('nix', ['show-config'], {allowFailure: true})
  const features = /^experimental-features = (.*)$/m.exec(config.stdout)?.[1] ?? ''
  const on = features.split(/\s+/).includes('flakes') && features.split(/\s+/).includes('nix-command')
  checks.push({
    message: on
      ? 'flakes and nix-command are on'
      : 'flakes or nix-command are off in nix.conf: glix switches them on per call, but nixos-rebuild and your own nix commands need `experimental-features = nix-command flakes`',
    name: 'flakes',
    status: on ? 'OK' : 'WARN',
  })
  return checks
}

async function checkRepo(root: string): Promise<Check[]> {
  const checks: Check[] = [{message: root, name: 'repo', status: 'OK'}]

  // The same words as the commands that would recover it (journal, a stale index.lock of glix's own git).
  checks.push(...describeInterrupted(root))
  try {
    assertNoLinkedRepoPaths(root)
    checks.push({message: 'no symbolic link among flake.nix, flake.lock, hosts/ and the manifests', name: 'links', status: 'OK'})
  } catch (error) {
    checks.push({message: describeError(error), name: 'links', status: 'FAIL'})
  }

  if (existsSync(join(root, '.git'))) {
    const [status, head] = await Promise.all([statusLines(root), headSubject(root)])
    checks.push({
      message: `${status.length === 0 ? 'clean' : `dirty (${status.length} path(s))`}, head: ${head ?? '(no commits)'}`,
      name: 'git',
      status: status.length === 0 ? 'OK' : 'WARN',
    })
  } else {
    checks.push({message: 'not a git repository: glix commits every change; run `git init`', name: 'git', status: 'FAIL'})
  }

  const manifests: HostManifest[] = []
  const hosts = listHosts(root)
  for (const host of hosts) {
    try {
      manifests.push({host, manifest: (await readManifest(repoPaths.manifest(root, host))).manifest})
    } catch (error) {
      checks.push({message: describeError(error), name: `manifest ${host}`, status: 'FAIL'})
    }
  }

  if (manifests.length === hosts.length) {
    checks.push({message: `${hosts.length} host(s): ${hosts.join(', ') || 'none'}`, name: 'manifests', status: hosts.length > 0 ? 'OK' : 'WARN'})
  }

  // Values that break a field rule: read, but never acted on (taken here so they are said once, as checks).
  const problems = takeProblems()
  checks.push(
    problems.length === 0
      ? {message: 'every value follows its field rule', name: 'values', status: 'OK'}
      : {message: problems.join('; '), name: 'values', status: 'FAIL'},
  )
  checks.push(checkConflicts(manifests), checkLocalPaths(manifests))
  checks.push(await checkFlake(root, manifests, manifests.length === hosts.length))
  checks.push(await checkMkHost(root, manifests))
  checks.push(
    existsSync(repoPaths.lock(root))
      ? {message: 'present', name: 'flake.lock', status: 'OK'}
      : {message: 'missing: run `glix update` (or `nix flake lock`)', name: 'flake.lock', status: 'WARN'},
  )
  return checks
}

function checkConflicts(manifests: HostManifest[]): Check {
  // Disabled packages count too (findConflicts): enabling one later must not break the repo.
  const conflicts = findConflicts(manifests)
  if (conflicts.length === 0) return {message: 'every package name has one URL across hosts', name: 'conflicts', status: 'OK'}
  return {message: conflicts.map((conflict) => describeConflict(conflict)).join('; '), name: 'conflicts', status: 'FAIL'}
}

function checkLocalPaths(manifests: HostManifest[]): Check {
  const local: string[] = []
  for (const {host, manifest} of manifests) {
    for (const [name, entry] of Object.entries(manifest.packages)) {
      if (isAbsoluteLocalPath(inputUrl(entry.flake))) local.push(`${host}/${name}`)
    }
  }

  return local.length === 0
    ? {message: 'no absolute local-path inputs', name: 'portability', status: 'OK'}
    : {message: `absolute local paths build only on this machine: ${local.join(', ')}`, name: 'portability', status: 'WARN'}
}

async function checkFlake(root: string, manifests: HostManifest[], complete: boolean): Promise<Check> {
  let text: string
  let hostsRegion = true
  try {
    text = await readFile(repoPaths.flake(root), 'utf8')
    readRegion(text, 'inputs')
    hostsRegion = !lacksHostsRegion(text)
    if (hostsRegion) readRegion(text, 'hosts')
  } catch (error) {
    return {message: describeError(error), name: 'flake.nix', status: 'FAIL'}
  }

  if (!complete) return {message: 'markers intact; freshness not checked (a manifest is invalid)', name: 'flake.nix', status: 'WARN'}
  try {
    const fresh = renderFlake(text, manifests) === text
    if (!hostsRegion) {
      return {
        message:
          'no hosts region: hosts are declared by hand, so a new host must be added to flake.nix by hand ' +
          `(\`glix doctor --fix\` adds the region); inputs region ${fresh ? 'fresh' : 'stale: run any glix command (e.g. `glix list`) to regenerate it'}`,
        name: 'flake.nix',
        status: 'WARN',
      }
    }

    return fresh
      ? {message: 'markers intact, managed regions fresh', name: 'flake.nix', status: 'OK'}
      : {message: 'managed regions are stale: run any glix command (e.g. `glix list`) to regenerate them', name: 'flake.nix', status: 'WARN'}
  } catch (error) {
    return {message: describeError(error), name: 'flake.nix', status: 'FAIL'}
  }
}

/** True when flake.nix has no hosts marker at all (hosts declared by hand), as opposed to a broken region. */
function lacksHostsRegion(text: string): boolean {
  return regionState(text, 'hosts').state === 'absent'
}

async function readHostFiles(root: string, manifests: HostManifest[]): Promise<string[]> {
  const files = await Promise.all(
    manifests.map(({host}) => readFile(join(repoPaths.hostDir(root, host), 'default.nix'), 'utf8').catch(() => '')),
  )
  return files
}

/** Phrases for the features a flake.nix lacks. */
const FEATURE_EFFECT: Record<MkHostFeature, string> = {
  'fragment adapter': 'no fragment adapter, so `#attr` references (nixpkgs#firefox) fail to evaluate',
  'home wiring': 'no home-manager wiring, so home-scope packages never reach home-manager',
}

/** Packages of the manifests that a missing feature breaks now. */
function affectedBy(feature: MkHostFeature, manifests: HostManifest[]): string[] {
  const hit: string[] = []
  for (const {host, manifest} of manifests) {
    for (const [name, entry] of Object.entries(manifest.packages)) {
      if (!entry.enabled) continue
      const breaks = feature === 'home wiring' ? entry.scope === 'home' : entry.flake.includes('#')
      if (breaks) hit.push(`${host}/${name}`)
    }
  }

  return hit
}

async function checkMkHost(root: string, manifests: HostManifest[]): Promise<Check> {
  let text: string
  try {
    text = await readFile(repoPaths.flake(root), 'utf8')
  } catch (error) {
    return {message: describeError(error), name: 'mkHost', status: 'FAIL'}
  }

  const {missing, shape} = inspectMkHost(text, await readHostFiles(root, manifests))
  if (missing.length === 0) {
    return {
      message: shape === 'current' ? 'fragment adapter and home-manager wiring present' : 'written by hand; it looks complete (not verified)',
      name: 'mkHost',
      status: 'OK',
    }
  }

  const origin = {current: '', 'glix-legacy': 'made by an older glix', go: 'made by the Go glix', unknown: 'written by hand'}[shape]
  const affected = missing.flatMap((feature) => affectedBy(feature, manifests))
  const remedy = shape === 'unknown' ? 'see `glix doctor --fix` for what to add by hand' : 'run `glix doctor --fix` to see the edit'
  return {
    message:
      `${origin}: ${missing.map((feature) => FEATURE_EFFECT[feature]).join('; ')}` +
      (affected.length > 0 ? ` (affects ${affected.join(', ')})` : '') +
      `; ${remedy}`,
    name: 'mkHost',
    status: affected.length > 0 ? 'FAIL' : 'WARN',
  }
}

/** The flake.nix after the edits `--fix` makes, what they are, and what is left to do by hand. */
interface FixPlan {
  changes: string[]
  edit: (text: string) => string
  manual: string[]
}

/**
 * Plans the repair of `text`. The edit is a function of the text, so the
 * transaction can apply it to HEAD's flake.nix too; it throws when that
 * text is not the shape the plan was made for.
 */
function planFix(text: string, manifests: HostManifest[], hostFiles: string[]): FixPlan {
  const changes: string[] = []
  const manual: string[] = []
  const steps: Array<(text: string) => string | undefined> = []

  const {missing, shape} = inspectMkHost(text, hostFiles)
  if (shape === 'glix-legacy' || shape === 'go') {
    steps.push(upgradeMkHost)
    changes.push(shape === 'go' ? 'add the fragment adapter and home wiring to mkHost' : 'add home wiring to mkHost')
  } else if (shape === 'unknown' && missing.length > 0) {
    manual.push(
      ...describeManualMkHost(missing),
      `the template's bindings for the \`let\` of \`outputs\`:\n${renderTemplateBindings(manifests[0]?.manifest.settings.primary_user || 'user')}`,
    )
  }

  if (lacksHostsRegion(text)) {
    const hosts = manifests.map(({host}) => host)
    const added = addHostsRegion(text, hosts)
    if (added) {
      steps.push((current) => {
        const withRegion = addHostsRegion(current, hosts)
        return withRegion && patchRegions(withRegion.text, {hosts: renderHosts(manifests)})
      })
      changes.push(added.moved.length > 0 ? `add the hosts region (moving ${added.moved.join(', ')} into it)` : 'add the hosts region')
    } else {
      const {end, start} = regionMarkers('hosts')
      manual.push(
        `hosts region: glix does not recognise how this flake.nix declares its hosts; put the lines \`${start}\` and ` +
          `\`${end}\` inside \`nixosConfigurations = { … };\` (replacing the \`<host> = mkHost …;\` lines) and run \`glix list\``,
      )
    }
  }

  const edit = (input: string): string =>
    steps.reduce((current, step) => {
      const next = step(current)
      if (next === undefined) {
        throw new GlixError('flake.nix in HEAD is not the shape `glix doctor --fix` planned for: commit or revert your edits of flake.nix first', {
          code: 'FIX_STALE',
        })
      }

      return next
    }, input)
  return {changes, edit, manual}
}

function renderRegionsIfPossible(text: string, manifests: HostManifest[]): string {
  try {
    return renderFlake(text, manifests)
  } catch {
    return text
  }
}

/** Renders a unified diff of flake.nix. */
async function diffFlake(before: string, after: string): Promise<string> {
  if (before === after) return ''
  const {createTwoFilesPatch, FILE_HEADERS_ONLY} = await import('diff')
  return createTwoFilesPatch('a/flake.nix', 'b/flake.nix', before, after, undefined, undefined, {
    context: 3,
    headerOptions: FILE_HEADERS_ONLY,
  })
}

/** Plans (and with `yes` applies) the repair of `root`'s flake.nix. */
async function runFix(root: string, yes: boolean, deps: MutationDeps | undefined): Promise<DoctorFix> {
  const text = await readFile(repoPaths.flake(root), 'utf8')
  let manifests: HostManifest[]
  try {
    manifests = await Promise.all(
      listHosts(root).map(async (host) => ({host, manifest: (await readManifest(repoPaths.manifest(root, host))).manifest})),
    )
  } catch (error) {
    return {applied: false, changes: [], diff: '', manual: [`fix the manifests first: ${describeError(error)}`]}
  }

  const plan = planFix(text, manifests, await readHostFiles(root, manifests))
  // What the commit will hold: the edit, with the regions rendered as every mutation renders them.
  const after = plan.changes.length > 0 ? renderRegionsIfPossible(plan.edit(text), manifests) : text
  const fix: DoctorFix = {applied: false, changes: plan.changes, diff: await diffFlake(text, after), manual: plan.manual}
  if (!yes || plan.changes.length === 0) return fix
  if (!deps) throw new GlixError('doctor --fix --yes needs the mutation dependencies')

  const result = await runTransaction(
    {
      ...transactionOptions(deps, {command: 'doctor', files: [], hosts: manifests.map(({host}) => host), root}),
      editFlake: plan.edit,
    },
    async () => {
      const {writeFileAtomic} = await import('../repo/fs.js')
      await writeFileAtomic(repoPaths.flake(root), plan.edit(await readFile(repoPaths.flake(root), 'utf8')))
      return {message: `glix doctor: ${plan.changes.join('; ')}`}
    },
  )
  return {...fix, applied: result.commit !== undefined, commit: result.commit}
}

/**
 * Runs every check. `dir` is `--dir`. With `fix`, also plans the repair of
 * flake.nix; with `yes` too, applies it (one commit, through `deps`) and
 * reports the checks as they stand afterwards.
 */
export async function runDoctor(options: {deps?: MutationDeps; dir?: string; fix?: boolean; yes?: boolean}): Promise<DoctorReport> {
  let root: string | undefined
  let rootError: unknown
  try {
    root = discoverRoot({dir: options.dir})
  } catch (error) {
    rootError = error
  }

  const fix = root && options.fix ? await runFix(root, Boolean(options.yes), options.deps) : undefined
  const checks = await checkNix()
  if (root) checks.push(...(await checkRepo(root)))
  else checks.push({message: describeError(rootError), name: 'repo', status: 'FAIL'})
  return {checks, fix, ok: checks.every((c) => c.status !== 'FAIL'), root}
}
