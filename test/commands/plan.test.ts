/**
 * `glix plan` against a repo with several commits and ledger refs
 * (test/helpers/ledger-repo.ts): what a rebuild would change in each
 * host's manifest since its deployed commit.
 */
import {expect} from 'chai'
import path from 'node:path'

import {createDeployedRepo, deploy, setOnDesktop} from '../helpers/ledger-repo.js'
import {editManifest, git, glixOk, headOf, lines, useHermeticGit, useTempDirs} from '../helpers/repo.js'

interface HostPending {
  host: string
  state: string
  deployed?: string
  changes: Array<Record<string, unknown>>
  other_files: string[]
  uncommitted: boolean
}

describe('glix plan', function () {
  this.timeout(120_000)
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let root: string
  let at: Record<string, string>

  before(async () => {
    root = path.join(await tempDir(), 'repo')
    at = await createDeployedRepo(root)
  })

  it('lists what a rebuild would change in each manifest since the deployed commit', async () => {
    const r = await glixOk(['plan', '--dir', root, '--all-hosts'])
    expect(lines(r.stdout)).to.deep.equal([
      `desktop: deployed ${at.desktop.slice(0, 12)}, 8 glix commits behind (+1 other)`,
      '  ~ settings  build_host: (unset) -> "builder"',
      '  ~ firefox   disabled',
      '  ~ greeting  user: (unset) -> "bob"',
      '  ~ greeting  config.theme: (unset) -> "dark"',
      '  + hello     path:./pkgs/hello (system)',
      '  - tool      github:owner/pkg-tool',
      '  other files changed: flake.nix, hosts/desktop/default.nix, shared.nix',
      '',
      'laptop: never deployed',
      '  ~ settings  system: (unset) -> "x86_64-linux"',
      '  ~ settings  primary_user: (unset) -> "alice"',
      '  + greeting  github:owner/pkg-greeting (home)',
      '',
      `pi: deployed ${headOf(root).slice(0, 12)}, up to date`,
      '  no changes',
      '',
      `tv: deployed ${at.experiment.slice(0, 12)}, deployed commit is not in HEAD's history`,
      '  other files changed: flake.nix, shared.nix',
    ])
  })

  it('shows pin, scope and config changes of a package that stays', async () => {
    deploy(root, 'desktop', at.desktop)
    const before = headOf(root)
    await setOnDesktop(root, 'firefox', 'pin=v2', 'scope=home', 'config.theme=light')
    try {
      const r = await glixOk(['plan', '--dir', root, '--host', 'desktop', '--json'])
      const [host] = (JSON.parse(r.stdout) as {hosts: HostPending[]}).hosts
      expect(host.changes.filter((c) => c.package === 'firefox')).to.deep.equal([
        {kind: 'disabled', package: 'firefox'},
        {from: 'system', key: 'scope', kind: 'changed', package: 'firefox', to: 'home'},
        {key: 'pin', kind: 'changed', package: 'firefox', to: 'v2'},
        {key: 'config.theme', kind: 'changed', package: 'firefox', to: 'light'},
      ])
      expect(host.uncommitted).to.equal(false)
    } finally {
      git(root, 'reset', '--quiet', '--hard', before)
    }
  })

  it('includes a hand edit not yet committed, and says so', async () => {
    await editManifest(root, 'pi', (text) => text.replace('system = "aarch64-linux"', 'system = "x86_64-linux"'))
    try {
      const r = await glixOk(['plan', '--dir', root, '--host', 'pi'])
      expect(lines(r.stdout)).to.deep.equal([
        `pi: deployed ${headOf(root).slice(0, 12)}, up to date (manifest has uncommitted changes)`,
        '  ~ settings  system: "aarch64-linux" -> "x86_64-linux"',
        '  other files changed: flake.nix',
      ])
    } finally {
      git(root, 'checkout', '--', 'hosts/pi/glix.toml', 'flake.nix')
      await glixOk(['status', '--dir', root, '--host', 'pi'])
    }
  })

  it('builds nothing and writes nothing', async () => {
    const head = headOf(root)
    const status = git(root, 'status', '--porcelain')
    await glixOk(['plan', '--dir', root, '--all-hosts', '--json'])
    expect(headOf(root)).to.equal(head)
    expect(git(root, 'status', '--porcelain')).to.equal(status)
  })
})
