/**
 * GlixCommand: the base class of every glix command (and of plugin commands).
 *
 * It owns the shared `--host`/`--dir` flags, repo discovery, recovery of an
 * interrupted transaction, drift detection, the mutation dependencies
 * (regeneration through the `manifest:written` hook, `nix flake lock`), and
 * `catch()`, which turns every error into one `glix <command>: <message>`
 * line on stderr (and a JSON document under `--json`).
 */
// oclif's entry module loads all of oclif (semver for its engine check, help, ux …); the
// subpaths load only what a command needs. Mutation machinery loads when used (docs/decisions.md, Performance).
import {Command} from '@oclif/core/command'
import {ExitError} from '@oclif/core/errors'
import * as Flags from '@oclif/core/flags'
import type {InferredArgs, InferredFlags} from '@oclif/core/interfaces'

import {formatError, formatNotice} from './formatters/errors.js'
import {ExitStatus, GlixError} from './lib/errors.js'
import {takeProblems} from './lib/manifest/problems.js'
import {assertName} from './lib/names.js'
import type {MutationDeps} from './lib/ops/context.js'
import type {EditPlanner} from './lib/ops/edit.js'
import type {MutationResult} from './lib/ops/mutation.js'
import {discoverRoot} from './lib/repo/discover.js'

/** The parsed flags of command `T`, base flags included. */
export type GlixFlags<T extends typeof Command> = InferredFlags<(typeof GlixCommand)['baseFlags'] & T['flags']>
/** The parsed args of command `T`. */
export type GlixArgs<T extends typeof Command> = InferredArgs<T['args']>

/** The base class of glix commands. */
export abstract class GlixCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    dir: Flags.string({
      helpGroup: 'GLOBAL',
      summary: 'Root of the user-packages repo (default: found from the current directory, $GLIX_ROOT or ~/.config/glixos).',
    }),
    host: Flags.string({
      env: 'GLIX_HOST',
      helpGroup: 'GLOBAL',
      summary: "Host to operate on (default: $GLIX_HOST, else this machine's hostname up to the first dot).",
    }),
  }

  /** False for commands that work without an existing repo (`init`, `version`). */
  static requiresRepo = true

  protected flags!: GlixFlags<T>
  protected args!: GlixArgs<T>
  /** Every positional argument, for commands with `strict = false` (key=value lists). */
  protected positionals!: string[]
  private repoRoot?: string
  /** Why flake.nix could not be regenerated; said after a command that succeeds anyway. */
  private repoProblem?: string

  /** The repo root; discovered in init() for commands that require a repo. */
  protected get root(): string {
    if (this.repoRoot === undefined) this.repoRoot = discoverRoot({dir: this.flags.dir})
    return this.repoRoot
  }

  /** The command as the user typed it (`host set`, not `host:set`). */
  protected get commandName(): string {
    return (this.id ?? 'glix').replaceAll(':', ' ')
  }

  /** The host this command operates on, validated before any path is built from it. */
  protected get host(): string {
    const host = this.flags.host
    if (!host) throw new GlixError('no host: pass --host or set $GLIX_HOST', {exit: 2})
    return assertName('host', host)
  }

  public override async init(): Promise<void> {
    await super.init()
    const ctor = this.ctor as typeof GlixCommand
    const {args, argv, flags} = await this.parse({
      args: ctor.args,
      baseFlags: (super.ctor as typeof GlixCommand).baseFlags,
      enableJsonFlag: ctor.enableJsonFlag,
      flags: ctor.flags,
      strict: ctor.strict,
    })
    this.flags = flags as GlixFlags<T>
    this.args = args as GlixArgs<T>
    this.positionals = argv as string[]
    if (flags.host !== undefined && flags.host !== process.env.GLIX_HOST) assertName('host', flags.host)
    takeProblems()
    if (ctor.requiresRepo) {
      const {refreshRepoState} = await import('./lib/repo/drift.js')
      const state = await refreshRepoState(this.root, (message) => this.notice(message))
      for (const message of state.notices) this.notice(message)
      this.repoProblem = state.problem
    }
  }

  /** Prints a one-line notice on stderr (through the output boundary: messages quote repo and registry text). */
  protected notice(message: string): void {
    this.logToStderr(formatNotice(message))
  }

  /** What the mutating operations of lib/ops need, wired to oclif. */
  protected mutationDeps(options: {noLock?: boolean} = {}): MutationDeps {
    return {
      afterWrite: async (root, hosts) => {
        const {failures} = await this.config.runHook('manifest:written', {hosts, root})
        // oclif collects hook errors instead of throwing them: a failed regeneration must fail the mutation.
        if (failures.length > 0) {
          const [first] = failures
          if (first.error instanceof GlixError) throw first.error
          throw new GlixError(`regenerating flake.nix failed: ${failures.map((f) => f.error.message).join('; ')}`)
        }
      },
      lockFlake: async (root) => {
        const {lockFlake} = await import('./lib/nix/nix.js')
        await lockFlake(root)
      },
      noLock: options.noLock,
      notice: (message) => this.notice(message),
    }
  }

  /**
   * Finishes every mutation the same way (commands and plugins): prints
   * its text (the JSON document is what `run()` returns), the `--no-lock`
   * notice exactly when locking was needed and skipped, then rebuilds the
   * touched hosts with `switch` — all of them with `--apply`, else those
   * whose `auto_apply` is set — or, for a command that takes `--apply`,
   * says how to. Returns the result with `applied` set.
   */
  protected async finishMutation<D extends object>(result: MutationResult<D>, options: {root?: string} = {}): Promise<MutationResult<D>> {
    const {formatApplied, formatApplyHint, formatMutation, LOCK_SKIPPED_NOTICE} = await import('./formatters/mutation.js')
    const json = this.jsonEnabled()
    const text = formatMutation(result)
    if (!json && text !== '') this.log(text)
    if (result.lock_skipped) this.notice(LOCK_SKIPPED_NOTICE)
    const takesApply = 'apply' in ((this.ctor as typeof GlixCommand).flags ?? {})
    const {hostsToApply} = await import('./lib/ops/mutation.js')
    const root = options.root ?? this.root
    const targets = await hostsToApply(root, result, (this.flags as {apply?: boolean}).apply === true)
    if (targets.length === 0) {
      if (!json && takesApply && result.commit && result.hosts.length > 0) this.log(formatApplyHint(result.hosts))
      return result
    }

    const {rebuildHost} = await import('./lib/nix/nix.js')
    for (const host of targets) {
      const status = await rebuildHost(root, host, 'switch')
      if (status !== 0) {
        throw new GlixError(`nixos-rebuild switch failed on host ${host} (exit ${status}); the change is committed: fix it and run \`glix rebuild --host=${host}\``, {
          code: 'APPLY_FAILED',
        })
      }
    }

    result.applied = true
    if (!json) this.log(formatApplied(targets))
    return result
  }

  /**
   * Runs one edit of a host's manifest as a glix mutation: lock, journal,
   * planning under the lock, regeneration through `manifest:written`,
   * `nix flake lock` when the inputs changed, one commit. `plan` returns the
   * new manifest and the commit subject, or undefined for "nothing to do".
   * Hand the result to {@link finishMutation} (or return it from `run()`
   * through it) so it is printed and applied like glix's own.
   */
  protected async editHostManifest(
    plan: EditPlanner,
    options: {command?: string; dryRun?: boolean; host?: string; noLock?: boolean} = {},
  ): Promise<MutationResult<Record<string, never>>> {
    const command = options.command ?? this.commandName
    const host = options.host ?? this.host
    const {editManifest} = await import('./lib/ops/edit.js')
    const {mutationResult} = await import('./lib/ops/mutation.js')
    const outcome = await editManifest({command, dryRun: options.dryRun, host, root: this.root}, this.mutationDeps({noLock: options.noLock}), plan)
    return mutationResult({command, details: {}, dryRun: options.dryRun, hosts: [host], subject: outcome.edit?.message, tx: outcome.tx})
  }

  protected override async finally(error: Error | undefined): Promise<void> {
    if (!error && this.repoProblem) this.notice(this.repoProblem)
    // Values that break a field rule: read commands show them and say so once; acting on them fails where it would happen.
    for (const problem of takeProblems()) if (!error) this.notice(problem)
    return super.finally(error)
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<void> {
    if (error instanceof ExitError) throw error
    const command = this.commandName
    if (error instanceof ExitStatus) {
      // The command reported its outcome itself; only the status (and its --json document) remain.
      if (error.message) this.logToStderr(formatError(command, error.message, []))
      if (this.jsonEnabled() && error.result !== undefined) this.logJson(error.result)
      this.exit(error.exit)
    }

    let exit = 1
    let message = error.message
    let code = 'ERROR'
    let suggestions: string[] = []
    if (error instanceof GlixError) {
      exit = error.exit
      code = error.code
      suggestions = error.suggestions
    } else if (error.oclif?.exit !== undefined) {
      // oclif's own parse errors (unknown flag, missing argument, bad option): usage errors.
      exit = error.oclif.exit === 1 ? 2 : error.oclif.exit
      code = 'USAGE'
      message = message
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('See more help'))
        .join(' ')
        .replace(/^Error:\s*/, '')
        .replace(/^The following errors? occurred:\s*/, '')
    } else if (process.env.DEBUG) {
      this.logToStderr(error.stack ?? '')
    }

    this.logToStderr(formatError(command, message, suggestions))
    if (this.jsonEnabled()) this.logJson({error: {code, exit, message, suggestions}})
    this.exit(exit)
  }
}
