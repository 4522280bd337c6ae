/**
 * Bad input, table-driven: every case exits non-zero (2 for usage errors,
 * 1 for refused operations), prints exactly one `glix <command>: …` line on
 * stderr and nothing on stdout, shows no stack trace, and leaves every file
 * of the repo byte-identical with HEAD unchanged.
 */
import {expect} from 'chai'
import {existsSync} from 'node:fs'
import path from 'node:path'

import {
  addPackage,
  createRepo,
  expectOneLineError,
  expectUnchanged,
  glix,
  headOf,
  snapshotTree,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'

interface Case {
  title: string
  /** argv, given the repo root. */
  args: (root: string) => string[]
  /** The command named in the error prefix. */
  command: string
  exit: 1 | 2
  /** Fragments the message must contain. */
  includes?: string[]
}

const BAD_NAMES = ['../etc', 'a/b', '9x', '', 'a b', '-x', 'a.b', 'é']
const RESERVED = ['nixpkgs', 'self', 'home-manager', 'glixos-core']

const CASES: Case[] = [
  // Host names, on a reader, a writer and init.
  ...BAD_NAMES.flatMap((host): Case[] => [
    {args: (root) => ['list', '--dir', root, `--host=${host}`], command: 'list', exit: 2, title: `list --host=${JSON.stringify(host)}`},
    {
      args: (root) => ['add', 'github:owner/tool', '--dir', root, `--host=${host}`, '--no-lock'],
      command: 'add',
      exit: 2,
      title: `add --host=${JSON.stringify(host)}`,
    },
    {args: (root) => ['show', 'firefox', '--dir', root, `--host=${host}`], command: 'show', exit: 2, title: `show --host=${JSON.stringify(host)}`},
  ]),
  {
    args: (root) => ['init', '--dir', root, '--host=../../x', '--user', 'alice', '--no-lock'],
    command: 'init',
    exit: 2,
    includes: ['invalid host name', '"../../x"'],
    title: 'init --host=../../x',
  },
  {
    args: (root) => ['init', '--dir', root, '--host', 'a/b', '--user', 'alice', '--no-lock'],
    command: 'init',
    exit: 2,
    includes: ['invalid host name'],
    title: 'init --host a/b',
  },
  // Package names.
  ...BAD_NAMES.map(
    (name): Case => ({
      args: (root) => ['add', 'github:owner/tool', '--dir', root, '--host', 'laptop', `--name=${name}`, '--no-lock'],
      command: 'add',
      exit: 2,
      includes: ['invalid package name'],
      title: `add --name=${JSON.stringify(name)}`,
    }),
  ),
  ...RESERVED.map(
    (name): Case => ({
      args: (root) => ['add', 'github:owner/tool', '--dir', root, '--host', 'laptop', '--name', name, '--no-lock'],
      command: 'add',
      exit: 2,
      includes: ['reserved', name],
      title: `add --name ${name} (reserved)`,
    }),
  ),
  {
    args: (root) => ['add', 'github:NixOS/nixpkgs#self', '--dir', root, '--host', 'laptop', '--no-lock'],
    command: 'add',
    exit: 2,
    includes: ['reserved'],
    title: 'add of a reference whose inferred name is reserved',
  },
  // References.
  ...['github:owner/tool x', 'github:owner/tool\nx', 'github:owner/tool\tx', ' github:owner/tool', 'github:owner/tool\r', ''].map(
    (ref): Case => ({
      args: (root) => ['add', ref, '--dir', root, '--host', 'laptop', '--no-lock'],
      command: 'add',
      exit: 2,
      title: `add ${JSON.stringify(ref)}`,
    }),
  ),
  ...['/srv/pkgs/tool', 'path:/srv/pkgs/tool', 'git+file:///srv/pkgs/tool'].map(
    (ref): Case => ({
      args: (root) => ['add', ref, '--dir', root, '--host', 'laptop', '--no-lock'],
      command: 'add',
      exit: 2,
      includes: ['--allow-local-path'],
      title: `add ${ref} without --allow-local-path`,
    }),
  ),
  // Refused operations.
  {
    args: (root) => ['add', 'github:NixOS/nixpkgs#firefox', '--dir', root, '--host', 'laptop', '--no-lock'],
    command: 'add',
    exit: 1,
    includes: ['firefox', 'already exists'],
    title: 'duplicate add',
  },
  {
    args: (root) => ['add', 'github:someone/firefox', '--dir', root, '--host', 'laptop', '--no-lock'],
    command: 'add',
    exit: 1,
    includes: ['already exists'],
    title: 'duplicate name with another URL',
  },
  {
    args: (root) => ['add', 'github:owner/tool', '--dir', root, '--host', 'nohost', '--no-lock'],
    command: 'add',
    exit: 1,
    includes: ['nohost', 'not found'],
    title: 'add to an unknown host',
  },
  {
    args: (root) => ['list', '--dir', path.join(root, 'hosts'), '--host', 'laptop'],
    command: 'list',
    exit: 1,
    includes: ['not a glix repository'],
    title: '--dir that is no repo',
  },
  // Flag and argument errors.
  {
    args: (root) => ['add', 'github:owner/tool', '--dir', root, '--host', 'laptop', '--user', 'bob', '--no-lock'],
    command: 'add',
    exit: 2,
    includes: ['--user', 'home'],
    title: '--user without home scope',
  },
  {
    args: (root) => ['add', 'github:owner/tool', '--dir', root, '--host', 'laptop', '--scope=home', '--user', '../x', '--no-lock'],
    command: 'add',
    exit: 2,
    includes: ['invalid user name'],
    title: 'add --user ../x',
  },
  {
    args: (root) => ['add', 'github:owner/tool', '--dir', root, '--host', 'laptop', '--scope=bogus', '--no-lock'],
    command: 'add',
    exit: 2,
    includes: ['--scope', 'system', 'home'],
    title: '--scope=bogus',
  },
  {
    args: (root) => ['add', 'github:owner/tool', '--dir', root, '--host', 'laptop', '--pin', 'a b', '--no-lock'],
    command: 'add',
    exit: 2,
    includes: ['pin'],
    title: '--pin with a space',
  },
  {
    args: (root) => ['add', 'github:owner/tool', '--dir', root, '--host', 'laptop', '--bogus', '--no-lock'],
    command: 'add',
    exit: 2,
    includes: ['--bogus'],
    title: 'unknown flag on add',
  },
  {args: (root) => ['list', '--dir', root, '--host', 'laptop', '--bogus'], command: 'list', exit: 2, includes: ['--bogus'], title: 'unknown flag on list'},
  {
    args: (root) => ['add', '--dir', root, '--host', 'laptop', '--no-lock'],
    command: 'add',
    exit: 2,
    includes: ['Missing', 'ref'],
    title: 'add without its argument',
  },
  {args: (root) => ['show', '--dir', root, '--host', 'laptop'], command: 'show', exit: 2, includes: ['Missing', 'name'], title: 'show without its argument'},
  {
    args: (root) => ['add', 'github:owner/tool', 'github:owner/other', '--dir', root, '--host', 'laptop', '--no-lock'],
    command: 'add',
    exit: 2,
    includes: ['github:owner/other'],
    title: 'add with an extra argument',
  },
  {
    args: (root) => ['init', '--dir', root, '--host', 'desktop', '--user', 'alice', '--system', 'x86_64', '--no-lock'],
    command: 'init',
    exit: 2,
    includes: ['invalid system'],
    title: 'init --system x86_64',
  },
  {
    args: (root) => ['init', '--dir', root, '--host', 'desktop', '--user', 'a b', '--no-lock'],
    command: 'init',
    exit: 2,
    includes: ['invalid user name'],
    title: 'init --user "a b"',
  },
]

describe('bad input', () => {
  useHermeticGit()
  const tempDir = useTempDirs('suite')
  let root: string

  before(async () => {
    root = path.join(await tempDir(), 'repo')
    await createRepo(root, [
      {host: 'laptop', user: 'alice'},
      {host: 'desktop', user: 'alice'},
    ])
    await addPackage(root, 'laptop', 'github:NixOS/nixpkgs#firefox')
    // Settle the drift fingerprint so every case starts from a quiet repo.
    await glix(['list', '--dir', root, '--host', 'laptop'])
  })

  for (const c of CASES) {
    it(`${c.title} → exit ${c.exit}, one line, nothing changed`, async () => {
      const before = await snapshotTree(root)
      const head = headOf(root)
      const r = await glix(c.args(root))
      const message = expectOneLineError(r, c.command, c.exit)
      for (const fragment of c.includes ?? []) expect(message).to.include(fragment)
      await expectUnchanged(root, before, head)
    })
  }

  it('init --host=../../x into a new directory creates nothing there or beside it', async () => {
    const parent = await tempDir()
    const target = path.join(parent, 'new', 'repo')
    const r = await glix(['init', '--dir', target, '--host=../../x', '--user', 'alice', '--no-lock'])
    expectOneLineError(r, 'init', 2)
    expect(existsSync(path.join(parent, 'new'))).to.equal(false)
    expect(existsSync(path.join(parent, 'x'))).to.equal(false)
  })

  it('under --json a usage error is one JSON document on stdout', async () => {
    const before = await snapshotTree(root)
    const r = await glix(['list', '--dir', root, '--host', '../etc', '--json'])
    expect(r.exitCode).to.equal(2)
    const doc = JSON.parse(r.stdout) as {error: {exit: number; message: string}}
    expect(doc.error.exit).to.equal(2)
    expect(doc.error.message).to.include('invalid host name')
    await expectUnchanged(root, before)
  })
})
