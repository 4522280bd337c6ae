/**
 * Planning rebuilds: which `nixos-rebuild` command runs for each host.
 *
 * Pure functions only — no processes, no files — so every argv glix would
 * run can be checked in a unit test. Invariants: every argv comes from
 * command-line.ts (validated host name, `<root>#<host>`, SSH destinations
 * checked); `--target-host` and `--build-host` come from the flags when
 * given, else from the host's settings; passthrough arguments go last,
 * untouched; a plan that would activate another host's configuration on
 * this machine is refused before anything runs, unless forced.
 */
import os from 'node:os'

import {GlixError, UsageError} from '../errors.js'
import type {HostSettings} from '../manifest/types.js'
import {assertDestination, REBUILD_COMMAND, rebuildArgs} from './command-line.js'

/** The actions of `glix rebuild`, in the order help shows them. */
export const REBUILD_ACTIONS = ['switch', 'boot', 'test', 'build', 'dry-build', 'dry-activate'] as const

/** One `nixos-rebuild` action. */
export type RebuildAction = (typeof REBUILD_ACTIONS)[number]

/** Actions that touch the running system (or, for dry-activate, inspect it) where they activate. */
export const ACTIVATING_ACTIONS: ReadonlySet<RebuildAction> = new Set(['switch', 'boot', 'test', 'dry-activate'])

/** Actions after which the deployed commit is recorded in the ledger: they last beyond a reboot. */
export const LEDGER_ACTIONS: ReadonlySet<RebuildAction> = new Set(['switch', 'boot'])

/** The most hosts run at once by default when every host is remote. */
export const REMOTE_JOBS = 4

/** What `nixos-rebuild` runs for one host. */
export interface HostPlan {
  host: string
  action: RebuildAction
  /** The arguments after `nixos-rebuild`. */
  args: string[]
  /** `--target-host`, when the configuration is activated elsewhere. */
  targetHost?: string
  /** `--build-host`, when it is built elsewhere. */
  buildHost?: string
}

/** One host to plan: its name and the settings that matter for a rebuild. */
export interface PlanHost {
  host: string
  settings: Pick<HostSettings, 'build_host' | 'target_host'>
}

/** Options of {@link planRebuilds}. */
export interface PlanOptions {
  /** The repo root (absolute); the flake reference is `<root>#<host>`. */
  root: string
  action: RebuildAction
  hosts: PlanHost[]
  /** `--target-host`: overrides every host's `target_host`. One host only. */
  targetHost?: string
  /** `--build-host`: overrides every host's `build_host`. */
  buildHost?: string
  /** Arguments after `--`, passed to nixos-rebuild as they are. */
  extra?: string[]
  /** This machine's name ({@link localHostName}). */
  localHost: string
  /** Activate another host's configuration on this machine anyway. */
  force?: boolean
}

/** True when `value` is one of {@link REBUILD_ACTIONS}. */
export function isRebuildAction(value: string): value is RebuildAction {
  return (REBUILD_ACTIONS as readonly string[]).includes(value)
}

/** This machine's hostname up to the first dot (not `$GLIX_HOST`, which the user may point elsewhere). */
export function localHostName(): string {
  return os.hostname().split('.')[0]
}

/**
 * Plans one `nixos-rebuild` per host. Throws a {@link UsageError} for
 * `--target-host` with several hosts (one machine cannot be every host),
 * and a {@link GlixError} naming every host whose configuration would be
 * activated on this machine although it is another machine.
 */
export function planRebuilds(options: PlanOptions): HostPlan[] {
  const {action} = options
  if (options.targetHost !== undefined && options.hosts.length > 1) {
    throw new UsageError('--target-host names one machine and cannot be used with several hosts', {
      suggestions: ['give each host its own with `glix host set --host=<host> target_host=<user@machine>`'],
    })
  }

  if (options.targetHost) assertDestination(options.targetHost, 'target_host', '--target-host')
  if (options.buildHost) assertDestination(options.buildHost, 'build_host', '--build-host')
  const plans = options.hosts.map(({host, settings}): HostPlan => {
    const targetHost = nonEmpty(options.targetHost) ?? settings.target_host
    const buildHost = nonEmpty(options.buildHost) ?? settings.build_host
    const plan: HostPlan = {action, args: rebuildArgs(options.root, host, action, {buildHost, extra: options.extra, targetHost}), host}
    if (targetHost) plan.targetHost = targetHost
    if (buildHost) plan.buildHost = buildHost
    return plan
  })

  const foreign = plans.filter((plan) => activatesHere(plan) && plan.host.toLowerCase() !== options.localHost.toLowerCase())
  if (foreign.length > 0 && !options.force) {
    const names = foreign.map((p) => p.host)
    const one = names.length === 1
    throw new GlixError(
      `refusing to ${action} ${one ? 'host' : 'hosts'} ${names.join(', ')} on this machine (${options.localHost || 'unknown'}): ` +
        `${one ? 'it has' : 'they have'} no target host, so nixos-rebuild would activate ${one ? 'its' : 'their'} configuration here`,
      {
        code: 'FOREIGN_HOST',
        suggestions: [
          `set one with \`glix host set --host=${names[0]} target_host=root@${names[0]}\` or pass --target-host`,
          'use `build` or `dry-build` to only build',
          'pass --force if this machine really is that host',
        ],
      },
    )
  }

  return plans
}

/** True when `plan` activates (or dry-activates) on this machine. */
export function activatesHere(plan: HostPlan): boolean {
  return ACTIVATING_ACTIONS.has(plan.action) && !plan.targetHost
}

/**
 * The default number of hosts run at once: one when any host builds or
 * activates on this machine (local builds compete for the same CPUs and
 * Nix daemon), else up to {@link REMOTE_JOBS}.
 */
export function defaultJobs(plans: HostPlan[]): number {
  if (plans.length === 0 || plans.some((plan) => !plan.targetHost)) return 1
  return Math.min(plans.length, REMOTE_JOBS)
}

/** The command line of a plan as one string, for messages (arguments with spaces are quoted). */
export function describeCommand(plan: HostPlan): string {
  return [REBUILD_COMMAND, ...plan.args].map((arg) => (/^[\w@%+=:,./#-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ')
}

/** Where a plan runs, for a task title: `switch`, `switch on root@pi`, `switch on root@pi, built on builder`. */
export function describeTarget(plan: HostPlan): string {
  const where = plan.targetHost ? `${plan.action} on ${plan.targetHost}` : plan.action
  return plan.buildHost ? `${where}, built on ${plan.buildHost}` : where
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value
}
