/**
 * `glix update [input…]`: refreshes flake.lock for all inputs or the named
 * ones, in one transaction; unknown input names are refused before Nix runs.
 */
import {UsageError} from '../errors.js'
import {collectInputs} from '../flake/render.js'
import {listHosts, readAllManifests} from '../manifest/hosts.js'
import {quoteForMessage} from '../names.js'
import {runTransaction} from '../repo/transaction.js'
import type {MutationDeps} from './context.js'

/** The inputs every user-packages flake has. */
export const FIXED_INPUTS = ['glixos-core', 'home-manager', 'nixpkgs']

/** What `glix update` did. */
export interface UpdateResult {
  /** The inputs asked for; empty means all. */
  inputs: string[]
  changed: boolean
  message: string
  commit?: string
}

/** Runs `glix update`. `update` is the Nix call (injectable for tests). */
export async function updateInputs(
  options: {root: string; inputs: string[]; host?: string},
  deps: MutationDeps,
  update: (root: string, inputs: string[]) => Promise<void>,
): Promise<UpdateResult> {
  const {root} = options
  const known = [...FIXED_INPUTS, ...collectInputs(await readAllManifests(root)).keys()]
  for (const input of options.inputs) {
    if (!known.includes(input)) {
      throw new UsageError(`unknown input ${quoteForMessage(input)}`, {suggestions: [`inputs: ${[...known].sort().join(', ')}`]})
    }
  }

  const inputs = [...new Set(options.inputs)]
  const host = options.host !== undefined && listHosts(root).includes(options.host) ? options.host : undefined
  // The Go glix's subject, host and Go's list notation included, so both tools' histories read alike.
  const message = `glix update${host ? ` ${host}` : ''}: ${inputs.length === 0 ? 'all inputs' : `[${inputs.join(' ')}]`}`
  const tx = await runTransaction(
    {
      afterWrite: async () => {},
      command: 'update',
      files: [],
      lockFlake: deps.lockFlake,
      notice: deps.notice,
      root,
    },
    async () => {
      await update(root, inputs)
      return {message}
    },
  )
  return {changed: tx.commit !== undefined, commit: tx.commit, inputs, message}
}
