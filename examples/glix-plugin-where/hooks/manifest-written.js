// Listens to glix's `manifest:written` event: when GLIX_WHERE_LOG names a
// file, appends one line per mutation (the hosts whose manifests changed).
// Shows how a plugin reacts to glix mutations; a throw here fails (and rolls
// back) the mutation, so listeners should only throw on purpose.
import {appendFile} from 'node:fs/promises'

export default async function manifestWritten(options) {
  const log = process.env.GLIX_WHERE_LOG
  if (log) await appendFile(log, `${options.hosts.join(',')}\n`)
}
