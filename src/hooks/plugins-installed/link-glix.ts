import type {Hook} from '@oclif/core'

import {linkRunningGlix} from '../../lib/plugins.js'

/**
 * After `glix plugins install|uninstall`: npm installed plugins into the
 * data dir without glix itself (glix is their optional peer dependency), so
 * `import 'glix'` from a plugin would fail. Point `<dataDir>/node_modules/glix`
 * at the running installation. Runs only around plugin installs, never at
 * start-up.
 */
const hook: Hook<'plugins:postinstall'> = async function () {
  await linkRunningGlix(this.config.dataDir, this.config.root)
}

export default hook
