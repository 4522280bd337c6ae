/**
 * Transitional: bin/run.js imports the hoisting of global flags from here
 * while it is reworked for bundling. The code is src/lib/global-flags.ts;
 * point bin/run.js at `../dist/lib/global-flags.js` and delete this file.
 */
export {hoistGlobalFlags} from './global-flags.js'
