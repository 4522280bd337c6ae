/**
 * The public API of glix for plugins: the base command class (with its
 * mutation path: `editHostManifest`, `finishMutation`, `mutationFlags`,
 * `MutationResult`), the manifest API, the transaction, and the hook event
 * types. See docs/plugins.md.
 */
export {Args, Flags} from '@oclif/core'
export {GlixCommand, type GlixArgs, type GlixFlags} from './base-command.js'
export {mutationFlags} from './flags.js'
export {type CommitRef, type MutationResult} from './lib/ops/mutation.js'
export {type GlixHooks, HOOK_EVENTS, type ManifestWrittenOptions} from './hook-types.js'
export {ExitStatus, GlixError, InterruptedError, ManifestError, UsageError} from './lib/errors.js'
export {assertName, isValidName, NAME_PATTERN, RESERVED_PACKAGE_NAMES} from './lib/names.js'
export {assertHost, listHosts, readAllManifests} from './lib/manifest/hosts.js'
export {parseManifest, readManifest} from './lib/manifest/read.js'
export {renderManifest, writeManifest} from './lib/manifest/write.js'
export * from './lib/manifest/types.js'
export {regenerateFlake} from './lib/flake/regenerate.js'
export {discoverRoot, repoPaths} from './lib/repo/discover.js'
export {runTransaction, type MutationOutcome, type TransactionOptions, type TransactionResult} from './lib/repo/transaction.js'
export type {MutationDeps} from './lib/ops/context.js'
export {renderTable} from './lib/ui/table.js'
export {listPackages, showPackage, type PackageDetails, type PackageRow} from './lib/ops/read.js'
export {type EditOutcome, type EditPlanner, type EditState, type ManifestEdit, assertOneUrlPerName} from './lib/ops/edit.js'
