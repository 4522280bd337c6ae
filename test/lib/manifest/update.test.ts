/**
 * Golden before/after files of the in-place manifest update (spec §2,
 * "a mutation rewrites only the tables it changes").
 *
 * test/fixtures/golden/manifest-update/ holds three manifests as other
 * writers leave them:
 * - go-written.toml: written by the Go glix itself (`glix-go init`, `add`
 *   ×4, `set … config.*`, `disable`; aligned `[settings]`, a blank line
 *   after every table);
 * - hand-written.toml: comments everywhere, unsorted packages, keys out of
 *   order, no `enabled`, an indented key, a literal string, an inline
 *   config table, unknown keys, a package defined by a dotted inline key;
 * - crlf.toml: glix's layout with CRLF line endings and a comment inside a
 *   package table.
 * For each the edits glix's commands make (add, remove, enable, disable,
 * set config, set pin, host set) are applied to the manifest read from
 * the file, and the file written back must equal `<base>.<edit>.toml`
 * byte for byte, read back as the intended manifest, and report exactly
 * the comments it dropped.
 */
import {expect} from 'chai'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {readFileSync, readdirSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {parseManifest, parseManifestDocument, readManifestDocument} from '../../../src/lib/manifest/read.js'
import {createManifest, type Manifest, type PackageEntry} from '../../../src/lib/manifest/types.js'
import {droppedCommentsNotice, renderManifest, updateManifestText, writeManifestUpdate} from '../../../src/lib/manifest/write.js'

const DIR = fileURLToPath(new URL('../../fixtures/golden/manifest-update/', import.meta.url))
const read = (name: string) => readFileSync(join(DIR, name), 'utf8')

type Edit = (m: Manifest) => Manifest

const withPackage = (name: string, change: (e: PackageEntry) => PackageEntry | undefined): Edit => (m) => {
  const packages = {...m.packages}
  const next = change(m.packages[name])
  if (next) packages[name] = next
  else delete packages[name]
  return {...m, packages}
}

const entry = (flake: string, fields: Partial<PackageEntry> = {}): PackageEntry => ({config: {}, enabled: true, extra: {}, flake, scope: 'system', ...fields})
const add = (name: string, value: PackageEntry): Edit => withPackage(name, () => value)
const remove = (name: string): Edit => withPackage(name, () => undefined)
const enabled = (name: string, value: boolean): Edit => withPackage(name, (e) => ({...e, enabled: value}))
const setConfig = (name: string, config: Record<string, string>): Edit => withPackage(name, (e) => ({...e, config}))
const setPin = (name: string, pin: string | undefined): Edit =>
  withPackage(name, (e) => {
    const next = {...e, pin}
    if (pin === undefined) delete next.pin
    return next
  })
const hostSet = (settings: Partial<Manifest['settings']>): Edit => (m) => ({...m, settings: {...m.settings, ...settings}})

/** [base, edit name, edit, comments it drops]. */
const CASES: Array<[string, string, Edit, number]> = [
  ['go-written', 'add', add('alacritty', entry('github:alacritty/alacritty')), 0],
  ['go-written', 'add-last', add('zoxide', entry('github:ajeetdsouza/zoxide', {scope: 'home', user: 'bob'})), 0],
  ['go-written', 'remove', remove('greet'), 0],
  ['go-written', 'remove-last', remove('hello'), 0],
  ['go-written', 'enable', enabled('hello', true), 0],
  ['go-written', 'disable', enabled('greet', false), 0],
  ['go-written', 'set-config', setConfig('greet', {extra: 'new', message: 'hello there'}), 0],
  ['go-written', 'set-config-new-table', setConfig('hello', {greeting: 'hi'}), 0],
  ['go-written', 'set-pin', setPin('hello', '0123456789abcdef0123456789abcdef01234567'), 0],
  ['go-written', 'clear-pin', setPin('greet', undefined), 0],
  ['go-written', 'host-set', hostSet({auto_apply: true, build_host: 'builder.lan', target_host: 'root@laptop.lan'}), 0],
  ['hand-written', 'add', add('bat', entry('github:sharkdp/bat')), 0],
  ['hand-written', 'remove', remove('helix'), 3],
  ['hand-written', 'enable', enabled('firefox', false), 0],
  ['hand-written', 'disable', enabled('helix', false), 0],
  ['hand-written', 'set-config', setConfig('helix', {'a-key': 'x', 'font-size': '14', theme: 'light'}), 0],
  ['hand-written', 'set-config-inline', setConfig('ripgrep', {colors: 'never', pager: 'less'}), 0],
  ['hand-written', 'set-pin', setPin('firefox', 'nixos-24.05'), 0],
  ['hand-written', 'set-dotted', enabled('zoxide', false), 0],
  ['hand-written', 'host-set', hostSet({auto_apply: true, default_scope: 'system', target_host: 'alice@laptop'}), 0],
  ['crlf', 'add', add('curl', entry('github:curl/curl')), 0],
  ['crlf', 'remove', remove('neovim'), 1],
  ['crlf', 'set-config', setConfig('btop', {theme: 'nord'}), 0],
  ['crlf', 'clear-pin', setPin('neovim', undefined), 0],
  ['crlf', 'host-set', hostSet({primary_user: 'carol', registry_url: 'https://example.org/r.json'}), 0],
]

describe('updateManifestText (golden files)', () => {
  it('has a golden file for every case and a case for every golden file', () => {
    const goldens = readdirSync(DIR).filter((f) => /^[a-z-]+\.[a-z-]+\.toml$/.test(f))
    expect(goldens.sort()).to.deep.equal(CASES.map(([base, edit]) => `${base}.${edit}.toml`).sort())
  })

  it('reads the go-written base as the Go glix wrote it: aligned settings, a blank line after every table', () => {
    const text = read('go-written.toml')
    expect(text).to.include('\nauto_apply    = false\n')
    expect(text.endsWith('enabled = false\n\n')).to.equal(true)
    expect(text).not.to.equal(renderManifest(parseManifest(text, 'go').manifest))
  })

  for (const [base, name, edit, dropped] of CASES) {
    it(`${base}: ${name}`, () => {
      const before = read(`${base}.toml`)
      const current = parseManifestDocument(before, base)
      const intended = edit(current.manifest)
      const update = updateManifestText(before, current.manifest, intended, current.document)
      expect(update.text).to.equal(read(`${base}.${name}.toml`))
      expect(parseManifest(update.text, name).manifest).to.deep.equal(intended)
      expect(update.droppedComments).to.equal(dropped)
      if (base === 'crlf') expect(update.text.replaceAll('\r\n', '')).not.to.include('\n')
    })
  }

  it('changes nothing when nothing changed', () => {
    for (const base of ['go-written', 'hand-written', 'crlf']) {
      const text = read(`${base}.toml`)
      const {manifest} = parseManifest(text, base)
      expect(updateManifestText(text, manifest, structuredClone(manifest))).to.deep.equal({droppedComments: 0, text})
    }
  })

  it('applies several edits at once: each table edited as alone', () => {
    const text = read('go-written.toml')
    const {manifest} = parseManifest(text, 'go')
    const edits = [add('alacritty', entry('github:a/a')), remove('greet'), enabled('hello', true), hostSet({auto_apply: true})]
    const intended = edits.reduce((m, e) => e(m), manifest)
    const update = updateManifestText(text, manifest, intended)
    expect(parseManifest(update.text, 'go').manifest).to.deep.equal(intended)
    expect(update.text).to.include('[packages.Zed]\nflake   = "github:o/zed"\nscope   = "system"\nenabled = true\n\n[packages.Zed.config]\na = "1"\nb = "x\\"y"\n\n[packages.alacritty]')
    expect(update.text).not.to.include('greet')
    expect(update.text).to.include('\nauto_apply    = true\n')
  })

  it('rewrites the whole file canonically when unknown top-level keys change, counting every comment but the header', () => {
    const text = read('hand-written.toml')
    const {document, manifest} = parseManifestDocument(text, 'hand')
    const intended = {...manifest, extra: {owner: 'you'}}
    const update = updateManifestText(text, manifest, intended)
    expect(update.text).to.equal(renderManifest(intended))
    expect(update.droppedComments).to.equal(document.comments.length)
  })

  it('writes a new file in the canonical form (init is not an update)', () => {
    const m = createManifest({primary_user: 'alice', system: 'x86_64-linux'})
    expect(renderManifest(m)).to.equal(
      '# glixos manifest. Managed by glix; hand edits preserved on best-effort.\nschema = 1\n\n[settings]\ndefault_scope = "system"\nauto_apply = false\nsystem = "x86_64-linux"\nprimary_user = "alice"\n',
    )
  })
})

describe('writeManifestUpdate', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glix-update-'))
  })
  afterEach(async () => {
    await rm(dir, {force: true, recursive: true})
  })

  it('writes the updated text over the file it was read from and returns the comments dropped', async () => {
    const file = join(dir, 'glix.toml')
    await writeFile(file, read('hand-written.toml'))
    const current = await readManifestDocument(file)
    const dropped = await writeManifestUpdate(file, current, remove('helix')(current.manifest))
    expect(dropped).to.equal(3)
    expect(await readFile(file, 'utf8')).to.equal(read('hand-written.remove.toml'))
    expect(droppedCommentsNotice('hosts/a/glix.toml', dropped)).to.match(/^hosts\/a\/glix\.toml: the rewrite dropped 3 hand-written comment\(s\) inside the tables it changed/)
  })
})
