import Enable from './enable.js'

export default class Disable extends Enable {
  static override summary = 'Disable a package of a host: it stays in the manifest but out of the build.'
  static override examples = ['<%= config.bin %> disable --host=laptop firefox']
  protected override readonly enabled: boolean = false
}
