/**
 * The fixture core (test/fixtures/nix/core) against the contract of
 * upstream's `core/lib/importManifest.nix` (spec §8), fact by fact. The
 * fixture stands in for github:donnismoore/glixos in every Nix test, so a
 * fixture that does more (or less) than upstream makes those tests prove
 * nothing about real users: each fact below fails here first.
 *
 * One real `nix eval` evaluates `importManifest` on a table of manifests
 * written to a temp dir. Package inputs are plain attrsets in the
 * expression; modules are applied by hand to the arguments the module
 * system would give them, so what each module defines (and which
 * `glixConfig` it saw) is plain JSON. A call that must throw is checked with
 * `builtins.tryEval` on the fully forced value; a case that throws where it
 * must not fails its own tests only.
 */
import {expect} from 'chai'
import {mkdir, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {copyNixFixtures, describeNix, makeSandbox, runNix} from '../helpers/nix.js'

/** The manifests of the table, by case name (no entry: the file does not exist). */
const MANIFESTS: Record<string, string> = {
  // Hand-written the upstream way: no `enabled`, no `scope`, unknown keys.
  defaults: `schema = 1
note = "kept"
[settings]
primary_user = "alice"
[packages.hello]
flake = "path:/x/hello"
[packages.off]
flake = "path:/x/off"
enabled = false
[packages.odd]
flake = "path:/x/odd"
scope = "user"
`,
  mixed: `schema = 1
[settings]
primary_user = "alice"
[packages.tool]
flake = "path:/x/tool"
scope = "system"
[packages.tool.config]
level = "loud"
[packages.hello]
flake = "path:/x/hello"
scope = "system"
[packages.greet]
flake = "path:/x/greet"
scope = "home"
[packages.greet.config]
message = "hi \\"there\\" \${x}"
[packages.bobs]
flake = "path:/x/hello"
scope = "home"
user = "bob"
[packages.zed]
flake = "path:/x/hello"
scope = "home"
[packages.attrs]
flake = "path:/x/attrs"
`,
  // Users: own `user`, an empty `user`, no primary_user.
  'no-primary': `schema = 1
[packages.a]
flake = "path:/x/hello"
scope = "home"
[packages.b]
flake = "path:/x/hello"
scope = "home"
user = ""
[packages.c]
flake = "path:/x/hello"
scope = "home"
user = "dave"
`,
  'empty-primary': `schema = 1
[settings]
primary_user = ""
[packages.a]
flake = "path:/x/hello"
scope = "home"
`,
  'missing-input': `schema = 1
[packages.ghost]
flake = "path:/x/ghost"
[packages.sleeping]
flake = "path:/x/sleeping"
enabled = false
[packages.hello]
flake = "path:/x/hello"
`,
  'disabled-without-input': `schema = 1
[packages.sleeping]
flake = "path:/x/sleeping"
enabled = false
[packages.hello]
flake = "path:/x/hello"
`,
  'missing-home-input': `schema = 1
[packages.ghost]
flake = "path:/x/ghost"
scope = "home"
`,
  'schema-2': 'schema = 2\n',
  'no-schema': '[settings]\n',
}

/** What the expression returns for one call. */
interface View {
  keys: string[]
  manifest: Record<string, unknown>
  system: unknown[]
  home: unknown[]
  byUser: Record<string, unknown[]>
  systemCount: number
  homeCount: number
}

interface Results {
  missing: View
  defaults: View
  mixed: View
  noPrimary: View
  noPrimaryDefaultUser: View
  emptyPrimary: View
  missingInput: {count: number; forced: boolean}
  disabledWithoutInput: {count: number; forced: boolean}
  missingHomeInput: {count: number; forced: boolean}
  schema2: {forced: boolean}
  noSchema: {forced: boolean}
  wrapperArgs: Record<string, boolean>
  attrsModuleKept: boolean
}

function expression(dir: string, core: string, nixpkgs: string): string {
  const file = (name: string) => path.join(dir, `${name}.toml`)
  return `
let
  core = builtins.getFlake ${JSON.stringify(core)};
  np = builtins.getFlake ${JSON.stringify(nixpkgs)};
  system = "x86_64-linux";
  pkgs = np.legacyPackages.\${system};
  im = core.lib.importManifest;

  # Package inputs, as a flake would hand them in.
  hello = { packages.\${system}.default = { pname = "hello"; }; };
  inputs = {
    inherit hello;
    a = hello;
    b = hello;
    c = hello;
    bobs = hello;
    zed = hello;
    tool = { nixosModules.default = { pkgs, glixConfig, ... }: { tool = { inherit glixConfig; on = pkgs.system; }; }; };
    greet = { homeModules.default = { glixConfig, ... }: { greet = glixConfig; }; };
    attrs = { nixosModules.default = { marker = "attrs module"; }; };
  };

  # A module applied to what the module system passes a function module.
  apply = m: plain (if builtins.isFunction m then m { config = { }; lib = np.lib; inherit pkgs; options = { }; } else m);
  # JSON has no functions: a function left in a module's result prints as "<function>".
  plain = v:
    if builtins.isFunction v then "<function>"
    else if builtins.isList v then map plain v
    else if builtins.isAttrs v then builtins.mapAttrs (_: plain) v
    else v;
  view = r: {
    keys = builtins.attrNames r;
    inherit (r) manifest;
    system = map apply r.systemModules;
    home = map apply r.homeModules;
    byUser = builtins.mapAttrs (_: map apply) r.homeModulesByUser;
    systemCount = builtins.length r.systemModules;
    homeCount = builtins.length r.homeModules;
  };
  forced = v: !(builtins.tryEval (builtins.deepSeq v true)).success;
  # A case that throws where it must not becomes { threw = true; }, so it fails its own tests only.
  guard = v: let t = builtins.tryEval (builtins.deepSeq v v); in if t.success then t.value else { threw = true; };
  at = name: /. + name;
  call = name: extra: im ({ manifestPath = at name; inherit inputs; } // extra);

  mixed = call ${JSON.stringify(file('mixed'))} { defaultUser = "carol"; };
  missingInput = call ${JSON.stringify(file('missing-input'))} { };
  missingHomeInput = call ${JSON.stringify(file('missing-home-input'))} { };
in
builtins.mapAttrs (_: guard) {
  missing = view (call ${JSON.stringify(file('missing'))} { });
  defaults = view (call ${JSON.stringify(file('defaults'))} { defaultUser = "carol"; });
  mixed = view mixed;
  noPrimary = view (call ${JSON.stringify(file('no-primary'))} { });
  noPrimaryDefaultUser = view (call ${JSON.stringify(file('no-primary'))} { defaultUser = "carol"; });
  emptyPrimary = view (call ${JSON.stringify(file('empty-primary'))} { defaultUser = "carol"; });
  missingInput = {
    count = builtins.length missingInput.systemModules;
    forced = forced (map apply missingInput.systemModules);
  };
  disabledWithoutInput = let r = call ${JSON.stringify(file('disabled-without-input'))} { }; in {
    count = builtins.length r.systemModules;
    forced = forced (map apply r.systemModules);
  };
  missingHomeInput = {
    count = builtins.length missingHomeInput.homeModules;
    forced = forced (map apply missingHomeInput.homeModules);
  };
  schema2 = { forced = forced (call ${JSON.stringify(file('schema-2'))} { }).manifest; };
  noSchema = { forced = forced (call ${JSON.stringify(file('no-schema'))} { }).systemModules; };
  wrapperArgs = builtins.functionArgs (builtins.head (builtins.filter builtins.isFunction mixed.systemModules));
  attrsModuleKept = builtins.elem inputs.attrs.nixosModules.default mixed.systemModules;
}
`
}

describeNix('the fixture core keeps the importManifest contract of spec §8 (real nix eval)', function () {
  this.timeout(120_000)

  let tmp: string
  let expr: string
  let batch: Results | undefined
  const single = new Map<string, unknown>()

  /**
   * One case of the table. All cases come from one `nix eval`; when that
   * fails (a case threw where it must not, or the core is broken), each case
   * is evaluated on its own, so only the facts that broke fail.
   */
  function result<K extends keyof Results>(name: K): Results[K] {
    if (batch) return batch[name]
    if (!single.has(name)) single.set(name, JSON.parse(runNix(['eval', '--impure', '--json', '--expr', expr, '--apply', `r: r.${name}`], tmp)))
    return single.get(name) as Results[K]
  }

  before(async function () {
    ;({tmp} = await makeSandbox('glix-core-contract-'))
    const fx = await copyNixFixtures(path.join(tmp, 'fixtures'))
    const dir = path.join(tmp, 'manifests')
    await mkdir(dir)
    for (const [name, text] of Object.entries(MANIFESTS)) await writeFile(path.join(dir, `${name}.toml`), text)
    // builtins.getFlake never writes a lock file: lock the core (its nixpkgs input) first.
    runNix(['flake', 'lock', fx.core], tmp)
    expr = expression(dir, fx.core, fx.nixpkgs)
    try {
      batch = JSON.parse(runNix(['eval', '--impure', '--json', '--expr', expr], tmp)) as Results
    } catch {
      batch = undefined
    }
  })

  after(async function () {
    if (tmp) await rm(tmp, {force: true, recursive: true})
  })

  it('returns exactly { manifest, systemModules, homeModules, homeModulesByUser }', function () {
    expect(result('mixed').keys).to.deep.equal(['homeModules', 'homeModulesByUser', 'manifest', 'systemModules'])
  })

  it('reads a missing manifest file as { schema = 1; packages = { }; settings = { }; }', function () {
    expect(result('missing').manifest).to.deep.equal({packages: {}, schema: 1, settings: {}})
    expect(result('missing').systemCount).to.equal(0)
    expect(result('missing').homeCount).to.equal(0)
    expect(result('missing').byUser).to.deep.equal({})
  })

  it('throws on schema 2 and on a manifest without schema', function () {
    expect(result('schema2').forced).to.equal(true)
    expect(result('noSchema').forced).to.equal(true)
  })

  it('returns the decoded manifest as it is, unknown keys included', function () {
    expect(result('defaults').manifest).to.include({note: 'kept', schema: 1})
    expect(Object.keys(result('defaults').manifest.packages as object).sort()).to.deep.equal(['hello', 'odd', 'off'])
  })

  it('treats a package without `enabled` as enabled, and `enabled = false` as left out', function () {
    // hello has neither `enabled` nor `scope`: it is an enabled system package.
    expect(result('defaults').system).to.deep.equal([{environment: {systemPackages: [{pname: 'hello'}]}}])
  })

  it('treats a package without `scope` as system scope; another scope is in neither list', function () {
    expect(result('defaults').systemCount).to.equal(1) // hello only; `odd` (scope "user") is dropped
    expect(result('defaults').homeCount).to.equal(0)
  })

  it('systemModules holds the system-scope modules only: no home-manager wiring', function () {
    expect(result('mixed').systemCount).to.equal(3) // attrs, hello, tool
    expect(result('mixed').homeCount).to.equal(3) // bobs, greet, zed
    const json = JSON.stringify(result('mixed').system)
    expect(json).not.to.include('home-manager')
    expect(json).not.to.include('home')
  })

  it("uses the input's module, else a module adding packages.<pkgs.system>.default, in name order", function () {
    expect(result('mixed').system).to.deep.equal([
      {marker: 'attrs module'},
      {environment: {systemPackages: [{pname: 'hello'}]}},
      {tool: {glixConfig: {level: 'loud'}, on: 'x86_64-linux'}},
    ])
    expect(result('mixed').home).to.deep.equal([
      {home: {packages: [{pname: 'hello'}]}},
      {greet: {message: 'hi "there" ${x}'}},
      {home: {packages: [{pname: 'hello'}]}},
    ])
  })

  it('hands each function module its own config table as glixConfig ({} without one)', function () {
    const [, , tool] = result('mixed').system as Array<{tool: {glixConfig: unknown}}>
    expect(tool.tool.glixConfig).to.deep.equal({level: 'loud'})
    expect((result('mixed').byUser.alice as Array<{greet?: unknown}>).find((m) => m.greet)?.greet).to.deep.equal({
      message: 'hi "there" ${x}',
    })
  })

  it('wraps a function module in a function asking for config, lib, pkgs and options only', function () {
    expect(result('wrapperArgs')).to.deep.equal({config: false, lib: false, options: false, pkgs: false})
  })

  it('uses an attrset module as it is (no wrapper, so no glixConfig)', function () {
    expect(result('attrsModuleKept')).to.equal(true)
  })

  it("groups home modules by the package's user, else primary_user", function () {
    expect(Object.keys(result('mixed').byUser).sort()).to.deep.equal(['alice', 'bob'])
    expect(result('mixed').byUser.bob).to.deep.equal([{home: {packages: [{pname: 'hello'}]}}])
    expect(result('mixed').byUser.alice).to.deep.equal([{greet: {message: 'hi "there" ${x}'}}, {home: {packages: [{pname: 'hello'}]}}])
  })

  it('falls back to defaultUser without primary_user, and to "user" without defaultUser', function () {
    expect(Object.keys(result('noPrimaryDefaultUser').byUser).sort()).to.deep.equal(['', 'carol', 'dave'])
    expect(Object.keys(result('noPrimary').byUser).sort()).to.deep.equal(['', 'dave', 'user'])
  })

  it('keeps an empty user as it is: `user = ""` and `primary_user = ""` do not fall back', function () {
    expect(result('noPrimary').byUser['']).to.have.length(1) // package b, user = ""
    expect(result('emptyPrimary').byUser).to.have.all.keys('')
    expect(result('emptyPrimary').byUser).not.to.have.property('carol')
  })

  it('throws for an enabled package without a flake input when its module is used; a disabled one needs none', function () {
    expect(result('missingInput').count).to.equal(2) // ghost and hello; sleeping is disabled
    expect(result('missingInput').forced).to.equal(true)
    expect(result('disabledWithoutInput')).to.deep.equal({count: 1, forced: false})
    expect(result('missingHomeInput').count).to.equal(1)
    expect(result('missingHomeInput').forced).to.equal(true)
  })
})
