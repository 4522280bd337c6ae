/**
 * Transitional: the old home of `glix status` and `glix plan`. The data
 * lives in ./pending.ts and the text in src/formatters/{status,plan}.ts;
 * src/commands/{status,plan}.ts (owned by the fleet work while this was
 * split) still import from here. When they import those modules, delete
 * this file.
 */
export * from './pending.js'
export {changeSubject, describeChange} from '../../formatters/plan.js'
export {describeStatus} from '../../formatters/status.js'
