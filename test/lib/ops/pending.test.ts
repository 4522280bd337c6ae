import {expect} from 'chai'

import {describeChange} from '../../../src/formatters/plan.js'
import {parseManifest} from '../../../src/lib/manifest/read.js'
import {diffManifests} from '../../../src/lib/ops/pending.js'

const manifest = (text: string) => parseManifest(`schema = 1\n${text}`, 'glix.toml').manifest

const BASE = `
[settings]
default_scope = "system"
auto_apply = false

[packages.tool]
flake = "github:owner/tool"
scope = "system"
enabled = true
`

describe('diffManifests: every difference, keys glix does not know included (issue 15, item 6)', () => {
  it('shows a top-level key a teammate added (`imports = [...]`), flagged as not a glix key', () => {
    const after = manifest(`imports = ["./evil.nix"]\n${BASE}`)
    const changes = diffManifests(manifest(BASE), after)
    expect(changes).to.deep.equal([{key: 'imports', kind: 'manifest', non_glix: true, to: '["./evil.nix"]'}])
    expect(changes.map((c) => describeChange(c))).to.deep.equal(['~ manifest  imports: (unset) -> ["./evil.nix"]  (not a glix key)'])
  })

  it('shows unknown keys in [settings] and in a package table, changed and removed', () => {
    const before = manifest(BASE.replace('auto_apply = false', 'auto_apply = false\nmirror = "a"').replace('enabled = true', 'enabled = true\npriority = 1'))
    const after = manifest(BASE.replace('enabled = true', 'enabled = true\npriority = 2\nhook = "./x.sh"'))
    expect(diffManifests(before, after).map((c) => describeChange(c))).to.deep.equal([
      '~ settings  mirror: "a" -> (unset)  (not a glix key)',
      '~ tool  hook: (unset) -> "./x.sh"  (not a glix key)',
      '~ tool  priority: 1 -> 2  (not a glix key)',
    ])
  })

  it('shows everything a newly added package brings: pin and user on its line, config and unknown keys after', () => {
    const after = manifest(`${BASE}
[packages.greet]
flake = "github:owner/greet"
scope = "home"
enabled = true
pin = "v1"
user = "bob"
extra = true

[packages.greet.config]
message = "hi"
`)
    expect(diffManifests(manifest(BASE), after).map((c) => describeChange(c))).to.deep.equal([
      '+ greet  github:owner/greet (home, user=bob, pin=v1)',
      '~ greet  config.message: (unset) -> "hi"',
      '~ greet  extra: (unset) -> true  (not a glix key)',
    ])
  })

  it('is empty when only comments and layout differ', () => {
    const relaid = manifest(`# a comment\n${BASE.replaceAll(' = ', '=')}`)
    expect(diffManifests(manifest(BASE), relaid)).to.deep.equal([])
  })
})
