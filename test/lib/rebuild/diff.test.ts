import {expect} from 'chai'

import {parseManifest} from '../../../src/lib/manifest/read.js'
import {describeChange, describeStatus, diffManifests} from '../../../src/lib/ops/plan.js'

const manifest = (text: string) => parseManifest(`schema = 1\n${text}`, 'glix.toml').manifest

const BEFORE = manifest(`
[settings]
default_scope = "system"
auto_apply = false
system = "x86_64-linux"
primary_user = "alice"

[packages.firefox]
flake = "github:NixOS/nixpkgs#firefox"
scope = "system"
enabled = true

[packages.greeting]
flake = "github:owner/pkg-greeting"
scope = "home"
enabled = true

[packages.greeting.config]
message = "hi"
theme = "dark"

[packages.old]
flake = "github:owner/old-thing"
scope = "system"
enabled = true

[packages.tool]
flake = "github:owner/pkg-tool"
scope = "system"
enabled = false
pin = "abc"
`)

const AFTER = manifest(`
[settings]
default_scope = "home"
auto_apply = false
system = "aarch64-linux"
primary_user = "alice"
target_host = "root@pi.local"

[packages.firefox]
flake = "github:NixOS/nixpkgs/nixos-24.05#firefox"
scope = "system"
enabled = false

[packages.greeting]
flake = "github:owner/pkg-greeting"
scope = "home"
enabled = true
user = "bob"

[packages.greeting.config]
greeting = "hello"
theme = "light"

[packages.hello]
flake = "path:./pkgs/hello"
scope = "system"
enabled = true

[packages.muted]
flake = "github:owner/muted"
scope = "home"
enabled = false

[packages.tool]
flake = "github:owner/pkg-tool"
scope = "home"
enabled = true
`)

describe('diffManifests (glix plan)', () => {
  it('finds settings, added, removed, enabled/disabled, flake, pin, user, scope and config changes', () => {
    expect(diffManifests(BEFORE, AFTER).map((c) => describeChange(c))).to.deep.equal([
      '~ settings  default_scope: "system" -> "home"',
      '~ settings  system: "x86_64-linux" -> "aarch64-linux"',
      '~ settings  target_host: (unset) -> "root@pi.local"',
      '~ firefox  disabled',
      '~ firefox  flake: "github:NixOS/nixpkgs#firefox" -> "github:NixOS/nixpkgs/nixos-24.05#firefox"',
      '~ greeting  user: (unset) -> "bob"',
      '~ greeting  config.greeting: (unset) -> "hello"',
      '~ greeting  config.message: "hi" -> (unset)',
      '~ greeting  config.theme: "dark" -> "light"',
      '+ hello  path:./pkgs/hello (system)',
      '+ muted  github:owner/muted (home, disabled: not built)',
      '- old  github:owner/old-thing',
      '~ tool  enabled',
      '~ tool  scope: "system" -> "home"',
      '~ tool  pin: "abc" -> (unset)',
    ])
  })

  it('pads the subject to a width', () => {
    const [change] = diffManifests(BEFORE, AFTER).filter((c) => c.kind === 'disabled')
    expect(describeChange(change, 10)).to.equal('~ firefox     disabled')
  })

  it('is empty for identical manifests', () => {
    expect(diffManifests(AFTER, AFTER)).to.deep.equal([])
  })

  it('compares a never-deployed host with nothing: the settings it sets and every package', () => {
    expect(diffManifests(undefined, BEFORE).map((c) => describeChange(c))).to.deep.equal([
      '~ settings  system: (unset) -> "x86_64-linux"',
      '~ settings  primary_user: (unset) -> "alice"',
      '+ firefox  github:NixOS/nixpkgs#firefox (system)',
      '+ greeting  github:owner/pkg-greeting (home)',
      '~ greeting  config.message: (unset) -> "hi"',
      '~ greeting  config.theme: (unset) -> "dark"',
      '+ old  github:owner/old-thing (system)',
      '+ tool  github:owner/pkg-tool (system, pin=abc, disabled: not built)',
    ])
  })

  it('gives structured changes for --json', () => {
    expect(diffManifests(BEFORE, AFTER).slice(0, 4)).to.deep.equal([
      {from: 'system', key: 'default_scope', kind: 'setting', to: 'home'},
      {from: 'x86_64-linux', key: 'system', kind: 'setting', to: 'aarch64-linux'},
      {key: 'target_host', kind: 'setting', to: 'root@pi.local'},
      {kind: 'disabled', package: 'firefox'},
    ])
  })

  it('describes a status', () => {
    expect(describeStatus({host: 'a', state: 'never deployed'})).to.equal('never deployed')
    expect(describeStatus({behind: 0, behind_all: 0, host: 'a', state: 'up to date'})).to.equal('up to date')
    expect(describeStatus({behind: 1, behind_all: 1, host: 'a', state: 'behind'})).to.equal('1 glix commit behind')
    expect(describeStatus({behind: 2, behind_all: 5, host: 'a', state: 'behind'})).to.equal('2 glix commits behind (+3 other)')
    expect(describeStatus({behind: 0, host: 'a', state: 'diverged'})).to.equal("deployed commit is not in HEAD's history")
  })
})
