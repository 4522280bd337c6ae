/**
 * The file primitives of src/lib/repo/fs.ts on a real file system: no link
 * is followed under the root in any component, paths stay inside, modes
 * are kept, and a captured state (file with mode, link with target, or
 * absence) is restored exactly.
 */
import {expect} from 'chai'
import {lstatSync, readFileSync, readlinkSync, statSync} from 'node:fs'
import {chmod, mkdir, mkdtemp, readdir, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {GlixError} from '../../../src/lib/errors.js'
import {
  assertRelative,
  captureEntry,
  readInside,
  removeInside,
  resolveInside,
  restoreEntry,
  writeFileAtomic,
  writeInside,
} from '../../../src/lib/repo/fs.js'

describe('repo file primitives', () => {
  let tmp: string
  let root: string
  let outside: string

  beforeEach(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), 'glix-fs-'))
    root = path.join(tmp, 'root')
    outside = path.join(tmp, 'outside')
    await mkdir(path.join(root, 'hosts', 'h'), {recursive: true})
    await mkdir(outside)
    await writeFile(path.join(outside, 'target'), 'outside\n')
  })

  afterEach(async () => {
    await rm(tmp, {force: true, recursive: true})
  })

  const code = (fn: () => unknown) => {
    try {
      fn()
    } catch (error) {
      return (error as GlixError).code
    }

    return 'no error'
  }

  it('refuses paths that leave the root or are not plain', () => {
    for (const rel of ['', '/etc/passwd', '..', '../x', 'hosts/../../x', 'hosts//h', './flake.nix']) {
      expect(code(() => assertRelative(rel)), rel).to.equal('OUTSIDE_REPO')
    }

    expect(assertRelative('hosts/h/glix.toml')).to.equal('hosts/h/glix.toml')
  })

  it('refuses a link in any component, and names it', async () => {
    await symlink(outside, path.join(root, 'hosts', 'linked'))
    await symlink(path.join(outside, 'target'), path.join(root, 'flake.nix'))
    expect(code(() => resolveInside(root, 'hosts/linked/glix.toml'))).to.equal('SYMLINK')
    expect(() => resolveInside(root, 'hosts/linked/glix.toml')).to.throw(/^hosts\/linked is a symbolic link; glix never follows links/)
    expect(code(() => resolveInside(root, 'flake.nix'))).to.equal('SYMLINK')
    // A link as the last component may be deleted (never followed) when asked for.
    expect(resolveInside(root, 'flake.nix', {leaf: 'any'})).to.equal(path.join(root, 'flake.nix'))
    // Missing components are fine: glix creates them.
    expect(resolveInside(root, 'hosts/new/glix.toml')).to.equal(path.join(root, 'hosts/new/glix.toml'))
    await writeFile(path.join(root, 'file'), '')
    expect(code(() => resolveInside(root, 'file/x'))).to.equal('NOT_A_DIRECTORY')
  })

  it('never writes or reads through a link, and writes nothing outside', async () => {
    await symlink(path.join(outside, 'target'), path.join(root, 'flake.nix'))
    await symlink(outside, path.join(root, 'hosts', 'linked'))
    for (const attempt of [
      () => writeInside(root, 'flake.nix', 'x'),
      () => writeInside(root, 'hosts/linked/glix.toml', 'x'),
      () => writeFileAtomic(path.join(root, 'flake.nix'), 'x'),
      () => readInside(root, 'flake.nix'),
    ]) {
      const error = await attempt().catch((e: unknown) => e)
      expect((error as GlixError).code).to.equal('SYMLINK')
    }

    expect(readFileSync(path.join(outside, 'target'), 'utf8')).to.equal('outside\n')
    expect((await readdir(outside)).sort()).to.deep.equal(['target'])
    expect(lstatSync(path.join(root, 'flake.nix')).isSymbolicLink()).to.equal(true)
  })

  it('keeps the mode of a file it rewrites; creates parents one by one', async () => {
    await writeFile(path.join(root, 'hosts/h/glix.toml'), 'a')
    await chmod(path.join(root, 'hosts/h/glix.toml'), 0o750)
    await writeInside(root, 'hosts/h/glix.toml', 'b')
    expect(statSync(path.join(root, 'hosts/h/glix.toml')).mode & 0o777).to.equal(0o750)
    expect(readFileSync(path.join(root, 'hosts/h/glix.toml'), 'utf8')).to.equal('b')
    await writeInside(root, 'hosts/new/deeper/file', 'c')
    expect(readFileSync(path.join(root, 'hosts/new/deeper/file'), 'utf8')).to.equal('c')
    expect((await readdir(path.join(root, 'hosts/h'))).sort(), 'no temporary file left').to.deep.equal(['glix.toml'])
  })

  it('captures and restores a file with its mode, a link with its target, and absence', async () => {
    await writeFile(path.join(root, 'hosts/h/file'), 'bytes')
    await chmod(path.join(root, 'hosts/h/file'), 0o600)
    await symlink(path.join(outside, 'target'), path.join(root, 'hosts/h/link'))
    const file = await captureEntry(root, 'hosts/h/file')
    const link = await captureEntry(root, 'hosts/h/link')
    const absent = await captureEntry(root, 'hosts/h/absent')
    expect(file).to.deep.include({mode: 0o600, type: 'file'})
    expect(link).to.deep.equal({target: path.join(outside, 'target'), type: 'symlink'})
    expect(absent).to.equal(undefined)

    await removeInside(root, 'hosts/h/link')
    await writeInside(root, 'hosts/h/file', 'changed', 0o644)
    await writeInside(root, 'hosts/h/absent', 'new')
    expect(await restoreEntry(root, 'hosts/h/file', file)).to.equal(true)
    expect(await restoreEntry(root, 'hosts/h/link', link)).to.equal(true)
    expect(await restoreEntry(root, 'hosts/h/absent', absent)).to.equal(true)
    expect(await restoreEntry(root, 'hosts/h/file', file), 'already so').to.equal(false)

    expect(readFileSync(path.join(root, 'hosts/h/file'), 'utf8')).to.equal('bytes')
    expect(statSync(path.join(root, 'hosts/h/file')).mode & 0o777).to.equal(0o600)
    expect(readlinkSync(path.join(root, 'hosts/h/link'))).to.equal(path.join(outside, 'target'))
    expect(lstatSync(path.join(root, 'hosts/h/absent'), {throwIfNoEntry: false})).to.equal(undefined)
    expect(readFileSync(path.join(outside, 'target'), 'utf8'), 'the link target untouched').to.equal('outside\n')
  })
})
