/**
 * Making installed plugins find glix.
 *
 * Plugins declare glix as an optional peer dependency and import its base
 * class with `import {GlixCommand} from 'glix'`. npm installs them into the
 * plugin data dir without glix, so glix links `<dataDir>/node_modules/glix`
 * to the running installation. Invariant: a real directory there (glix
 * installed on purpose) is never replaced; a stale link is.
 */
import {lstat, mkdir, readlink, rm, symlink} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'

/** Links `<dataDir>/node_modules/glix` to `glixRoot`; returns whether it changed anything. */
export async function linkRunningGlix(dataDir: string, glixRoot: string): Promise<boolean> {
  const link = join(dataDir, 'node_modules', 'glix')
  const stat = await lstat(link).catch(() => undefined)
  if (stat && !stat.isSymbolicLink()) return false
  if (stat && resolve(dirname(link), await readlink(link)) === resolve(glixRoot)) return false
  if (stat) await rm(link, {force: true})
  await mkdir(dirname(link), {recursive: true})
  await symlink(resolve(glixRoot), link, 'dir')
  return true
}
