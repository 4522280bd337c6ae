import {Args} from '@oclif/core'

import {GlixCommand} from '../base-command.js'
import {registryFlags, registrySpinner} from '../flags.js'
import {formatSearch} from '../formatters/search.js'
import type {SearchResult} from '../lib/registry/search.js'

export default class Search extends GlixCommand<typeof Search> {
  static override summary = 'Search the glixos registry for short names.'
  static override description =
    'Lists the registry entries whose name or description contains the query (ignoring case), names that start with it first; without a query, the whole registry. The registry is --registry-url, else $GLIX_REGISTRY_URL, else the host\'s registry_url; it is cached for 24 hours under $XDG_CACHE_HOME/glix/, and when it cannot be fetched an older cached copy is used with a warning.'

  static override examples = [
    '<%= config.bin %> search firefox',
    '<%= config.bin %> search --registry-url=https://example.org/glix/registry.json --refresh',
    '<%= config.bin %> search raspi --json',
  ]

  static override enableJsonFlag = true
  // The registry URL may come from a flag or the environment: no repo needed then.
  static override requiresRepo = false
  static override args = {
    query: Args.string({description: 'Text to look for in names and descriptions.', required: false}),
  }

  static override flags = {...registryFlags}

  async run(): Promise<SearchResult> {
    const {flags} = this
    const {searchPackages} = await import('../lib/registry/search.js')
    const {hostRegistryUrl} = await import('../lib/registry/url.js')
    const result = await searchPackages({
      allowFile: flags['allow-file-registry'],
      flag: flags['registry-url'],
      onFetch: registrySpinner(this.jsonEnabled()),
      query: this.args.query ?? '',
      refresh: flags.refresh,
      setting: async () => {
        let root: string
        try {
          root = this.root
        } catch (error) {
          // No repo: only the flag and the environment can name a registry (a bad --dir is still an error).
          if (flags.dir !== undefined) throw error
          return undefined
        }

        return hostRegistryUrl(root, this.host)
      },
      warn: (message) => this.notice(message),
    })
    if (!this.jsonEnabled()) {
      const {notice, table} = formatSearch(result)
      if (notice !== undefined) this.notice(notice)
      if (table !== undefined) this.log(table)
    }

    return result
  }
}
