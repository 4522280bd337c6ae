/**
 * Hostile input, table-driven (complements bad-input.test.ts, which covers
 * `add`/`list`/`show --host` and `add --name` with bad names, `add`
 * references and a few flags): bad names through every other name-taking
 * argument and flag, hostile references and key=value pairs, malformed and
 * wrong-schema manifests (and flake.nix) under mutating commands, unknown
 * flags, and path traversal through every flag that becomes a path.
 *
 * Every case runs on a fresh copy of one repo, placed at
 * `<case>/outer/repo`, and must:
 * - exit non-zero: 2 for usage errors, 1 for everything else;
 * - print nothing on stdout and exactly one line on stderr, starting with
 *   `glix <command>: `, without a stack trace;
 * - leave every file of the repo byte-identical and HEAD where it was;
 * - leave everything outside the repo (`<case>/` minus the repo) as it
 *   was, so a traversal like `--host=../../x` cannot create `<case>/outer/x`.
 */
import {expect} from 'chai'
import {existsSync} from 'node:fs'
import {cp, lstat, mkdir, readdir, readFile, symlink, writeFile} from 'node:fs/promises'
import path from 'node:path'

import {
  addPackage,
  createRepo,
  editManifest,
  editText,
  expectOneLineError,
  expectUnchanged,
  git,
  glix,
  glixOk,
  headOf,
  readText,
  regionLines,
  snapshotTree,
  useEnv,
  useHermeticGit,
  useTempDirs,
} from '../helpers/repo.js'

/** Paths a case may use besides the repo. */
interface Where {
  /** The repo: `<case>/outer/repo`. */
  root: string
  /** `<case>/outer/notrepo`: a directory with one file that is not a glix repo. */
  notRepo: string
  /** `<case>`: everything under it except the repo must stay as it was. */
  caseDir: string
}

interface Case {
  title: string
  args: (where: Where) => string[]
  /** The command named in the error prefix (`host set`, not `host:set`). */
  command: string
  exit: 1 | 2
  /** Fragments the message must contain. */
  includes?: string[]
  /** Changes made before the snapshot (a bad manifest written by hand). */
  setup?: (where: Where) => Promise<void>
  /** Environment variables for the run. */
  env?: Record<string, string>
}

const FIREFOX = 'github:NixOS/nixpkgs#firefox'
const LAPTOP = (w: Where) => ['--dir', w.root, '--host', 'laptop']

/** Replaces the laptop manifest with `text`. */
const manifestIs =
  (text: string, host = 'laptop') =>
  async (w: Where): Promise<void> => {
    await writeFile(path.join(w.root, 'hosts', host, 'glix.toml'), text)
  }

/** Edits the laptop manifest. */
const manifestEdit =
  (edit: (text: string) => string, host = 'laptop') =>
  (w: Where): Promise<void> =>
    editManifest(w.root, host, edit)

const HEADER = '# glixos manifest. Managed by glix; hand edits preserved on best-effort.\n'
const GOOD_PACKAGE = '[packages.firefox]\nflake   = "github:NixOS/nixpkgs#firefox"\nscope   = "system"\nenabled = true\n'

// ---------------------------------------------------------------------------
// Names through every name-taking argument and flag.

const nameCases: Case[] = [
  // The package argument of show, remove, enable, disable and set.
  ...(
    [
      ['show', '../x'],
      ['show', 'a\nb'],
      ['show', ''],
      ['remove', '../x'],
      ['remove', 'x y'],
      ['remove', 'nixpkgs'],
      ['remove', 'constructor'],
      ['enable', 'a/b'],
      ['enable', '9x'],
      ['enable', ''],
      ['disable', 'a.b'],
      ['disable', 'é'],
      ['disable', 'home-manager'],
      ['set', '../x'],
      ['set', ''],
      ['set', '__proto__'],
      ['set', 'hasOwnProperty'],
      ['set', 'fire\tfox'],
    ] as const
  ).map(
    ([command, name]): Case => ({
      args: (w) =>
        command === 'set'
          ? [command, name, 'pin=abc', ...LAPTOP(w), '--no-lock']
          : command === 'show'
            ? [command, name, ...LAPTOP(w)]
            : [command, name, ...LAPTOP(w), '--no-lock'],
      command,
      exit: 2,
      includes: ['package name'],
      title: `${command} ${JSON.stringify(name)}`,
    }),
  ),
  // --name and --user of add, --user of init, user= of set, primary_user= of host set.
  ...['toString', 'a\tb', '_x'].map(
    (name): Case => ({
      args: (w) => ['add', 'github:owner/tool', `--name=${name}`, ...LAPTOP(w), '--no-lock'],
      command: 'add',
      exit: 2,
      includes: ['package name'],
      title: `add --name=${JSON.stringify(name)}`,
    }),
  ),
  ...['', 'a/b', 'é'].map(
    (user): Case => ({
      args: (w) => ['add', 'github:owner/tool', '--scope=home', `--user=${user}`, ...LAPTOP(w), '--no-lock'],
      command: 'add',
      exit: 2,
      includes: ['invalid user name'],
      title: `add --scope=home --user=${JSON.stringify(user)}`,
    }),
  ),
  ...['../x', '', 'root\n'].map(
    (user): Case => ({
      args: (w) => ['init', '--dir', w.root, '--host', 'newhost', `--user=${user}`, '--no-lock'],
      command: 'init',
      exit: 2,
      includes: ['invalid user name'],
      title: `init --user=${JSON.stringify(user)}`,
    }),
  ),
  ...['../x', 'a b', '1bob'].map(
    (user): Case => ({
      args: (w) => ['set', 'firefox', 'scope=home', `user=${user}`, ...LAPTOP(w), '--no-lock'],
      command: 'set',
      exit: 2,
      includes: ['invalid user name'],
      title: `set firefox user=${JSON.stringify(user)}`,
    }),
  ),
  ...['é', '9lives', 'a\nb', 'a/b'].map(
    (user): Case => ({
      args: (w) => ['host', 'set', `primary_user=${user}`, ...LAPTOP(w), '--no-lock'],
      command: 'host set',
      exit: 2,
      includes: ['invalid user name'],
      title: `host set primary_user=${JSON.stringify(user)}`,
    }),
  ),
  // --host on the commands bad-input.test.ts does not cover.
  ...(
    [
      [['remove', 'firefox', '--no-lock'], 'remove', 'a/b'],
      [['enable', 'firefox', '--no-lock'], 'enable', ''],
      [['disable', 'firefox', '--no-lock'], 'disable', '.'],
      [['set', 'firefox', 'pin=abc', '--no-lock'], 'set', 'a b'],
      [['host', 'set', 'auto_apply=true', '--no-lock'], 'host set', '..'],
      [['host', 'remove', '--yes', '--no-lock'], 'host remove', '*'],
      [['info'], 'info', '..'],
      [['update'], 'update', '../x'],
      [['rollback', '--no-lock'], 'rollback', 'a\nb'],
      [['doctor'], 'doctor', '../x'],
      [['list', '--all'], 'list', 'laptop/..'],
      [['show', 'firefox'], 'show', '~'],
    ] as const
  ).map(
    ([argv, command, host]): Case => ({
      args: (w) => [...argv, '--dir', w.root, `--host=${host}`],
      command,
      exit: 2,
      includes: ['invalid host name'],
      title: `${command} --host=${JSON.stringify(host)}`,
    }),
  ),
  {
    args: (w) => ['remove', 'firefox', '--dir', w.root, '--no-lock'],
    command: 'remove',
    env: {GLIX_HOST: '../../x'},
    exit: 2,
    includes: ['invalid host name'],
    title: 'remove with $GLIX_HOST=../../x',
  },
  // Names that are valid but name nothing.
  ...['constructor', 'toString'].map(
    (name): Case => ({
      args: (w) => ['show', name, ...LAPTOP(w)],
      command: 'show',
      exit: 1,
      includes: [`"${name}" not found on host laptop`],
      title: `show ${name} (an Object.prototype member, not a package)`,
    }),
  ),
  {
    args: (w) => ['show', 'chromium', ...LAPTOP(w)],
    command: 'show',
    exit: 1,
    includes: ['not found'],
    title: 'show of an unknown package',
  },
  {
    args: (w) => ['disable', 'chromium', ...LAPTOP(w), '--no-lock'],
    command: 'disable',
    exit: 1,
    includes: ['not found'],
    title: 'disable of an unknown package',
  },
  {
    args: (w) => ['host', 'remove', '--dir', w.root, '--host', 'nohost', '--yes', '--no-lock'],
    command: 'host remove',
    exit: 1,
    includes: ['not found'],
    title: 'host remove of an unknown host',
  },
]

// ---------------------------------------------------------------------------
// References.

const referenceCases: Case[] = [
  ...[
    ['a space', 'github:owner/tool x'],
    ['a newline', 'github:owner/tool\nx'],
    ['a carriage return', 'github:owner/tool\r'],
    ['${…} with a space', '${builtins.readFile /etc/passwd}'],
    ['a no-break space', 'github:owner/tool\u00A0x'],
    ['a line separator', 'github:owner/tool\u2028x'],
    ['a NUL', 'github:owner/tool\u0000'],
    ['only whitespace', ' '],
    ['nothing', ''],
  ].map(
    ([what, ref]): Case => ({
      args: (w) => ['set', 'firefox', `flake=${ref}`, ...LAPTOP(w), '--no-lock'],
      command: 'set',
      exit: 2,
      includes: [ref === '' ? 'invalid flake reference "": is empty' : 'flake reference'],
      title: `set firefox flake=<${what}>`,
    }),
  ),
  ...[
    ['${…} with a space', 'github:owner/${x y}'],
    ['non-ASCII whitespace', 'nixpkgs#fire\u3000fox'],
    ['a fragment with a space', 'nixpkgs#fire fox'],
    ['a vertical tab', 'github:owner/\u000Btool'],
  ].map(
    ([what, ref]): Case => ({
      args: (w) => ['add', ref, ...LAPTOP(w), '--no-lock'],
      command: 'add',
      exit: 2,
      includes: ['flake reference'],
      title: `add <${what}>`,
    }),
  ),
  {
    args: (w) => ['set', 'firefox', 'flake=path:/srv/tool', ...LAPTOP(w), '--no-lock'],
    command: 'set',
    exit: 2,
    includes: ['--allow-local-path'],
    title: 'set firefox flake=path:/srv/tool without --allow-local-path',
  },
]

// ---------------------------------------------------------------------------
// key=value pairs.

const pairCases: Case[] = [
  ...(
    [
      ['=x', 'expected key=value'],
      ['novalue', 'expected key=value'],
      ['config.=x', 'unknown package key "config."'],
      ['config.a b=x', 'unknown package key'],
      ['config.a\nb=x', 'unknown package key'],
      ['enabled=yes', 'enabled must be true or false'],
      ['enabled=', 'enabled must be true or false'],
      ['enabled=TRUE', 'enabled must be true or false'],
      ['scope=root', 'scope must be system or home'],
      ['scope=', 'scope must be system or home'],
      ['pin=a b', 'invalid pin'],
      ['pin=abc#def', 'invalid pin'],
      ['pin=abc&rev=x', 'invalid pin'],
      ['colour=red', 'unknown package key "colour"'],
      ['FLAKE=github:a/b', 'unknown package key "FLAKE"'],
      [' pin=abc', 'unknown package key'],
    ] as const
  ).map(
    ([pair, fragment]): Case => ({
      args: (w) => ['set', 'firefox', pair, ...LAPTOP(w), '--no-lock'],
      command: 'set',
      exit: 2,
      includes: [fragment],
      title: `set firefox ${JSON.stringify(pair)}`,
    }),
  ),
  {
    args: (w) => ['set', 'firefox', 'config.k=v', 'pin=abc', 'scope=root', ...LAPTOP(w), '--no-lock'],
    command: 'set',
    exit: 2,
    includes: ['scope'],
    title: 'set with two good pairs and one bad',
  },
  {
    args: (w) => ['set', 'firefox', ...LAPTOP(w), '--no-lock'],
    command: 'set',
    exit: 2,
    title: 'set without pairs',
  },
  ...(
    [
      ['system=../x', 'invalid system'],
      ['system=x86_64-linux/../../x', 'invalid system'],
      ['system=X86_64-Linux', 'invalid system'],
      ['auto_apply=1', 'auto_apply must be true or false'],
      ['auto_apply=', 'auto_apply must be true or false'],
      ['default_scope=', 'default_scope must be system or home'],
      ['default_scope=root', 'default_scope must be system or home'],
      ['target_host=root@pi x', 'invalid target_host "root@pi x": expected an SSH destination'],
      ['build_host=a\nb', 'invalid build_host'],
      ['registry_url=https://x/ y', 'invalid registry_url "https://x/ y"'],
      ['target_host=-oProxyCommand=touch /tmp/owned', "invalid target_host \"-oProxyCommand=touch /tmp/owned\": must not start with '-'"],
      ['build_host=-F/etc/passwd', "invalid build_host \"-F/etc/passwd\": must not start with '-'"],
      ['target_host=root@-oProxyCommand=x', 'invalid target_host'],
      ['hostname=pi', 'unknown host setting key "hostname"'],
      ['settings.system=aarch64-linux', 'unknown host setting key'],
      ['=aarch64-linux', 'expected key=value'],
      ['system', 'expected key=value'],
    ] as const
  ).map(
    ([pair, fragment]): Case => ({
      args: (w) => ['host', 'set', pair, ...LAPTOP(w), '--no-lock'],
      command: 'host set',
      exit: 2,
      includes: [fragment],
      title: `host set ${JSON.stringify(pair)}`,
    }),
  ),
  {
    args: (w) => ['host', 'set', ...LAPTOP(w), '--no-lock'],
    command: 'host set',
    exit: 2,
    title: 'host set without pairs',
  },
  ...(
    [
      [['chromium'], 'unknown input "chromium"'],
      [['../x'], 'unknown input "../x"'],
      [['nixpkgs\n'], 'unknown input'],
      [['self'], 'unknown input "self"'],
      [[''], 'unknown input ""'],
    ] as const
  ).map(
    ([inputs, fragment]): Case => ({
      args: (w) => ['update', ...inputs, '--dir', w.root],
      command: 'update',
      exit: 2,
      includes: [fragment, 'nixpkgs'],
      title: `update ${JSON.stringify(inputs[0])}`,
    }),
  ),
]

// ---------------------------------------------------------------------------
// Malformed and wrong-schema manifests, and a broken flake.nix, under mutating commands.

const manifestCases: Case[] = [
  {
    args: (w) => ['set', 'firefox', 'pin=abc', ...LAPTOP(w), '--no-lock'],
    command: 'set',
    exit: 1,
    includes: ['hosts/laptop/glix.toml:4:', 'invalid TOML'],
    setup: manifestIs(`${HEADER}schema = 1\n\n[settings\ndefault_scope = "system"\n`),
    title: 'a TOML syntax error (line and column named)',
  },
  {
    args: (w) => ['remove', 'firefox', ...LAPTOP(w), '--no-lock'],
    command: 'remove',
    exit: 1,
    includes: ['hosts/laptop/glix.toml', 'unsupported schema 2'],
    setup: manifestEdit((t) => t.replace('schema = 1', 'schema = 2')),
    title: 'schema = 2',
  },
  {
    args: (w) => ['disable', 'firefox', ...LAPTOP(w), '--no-lock'],
    command: 'disable',
    exit: 1,
    includes: ['missing schema'],
    setup: manifestEdit((t) => t.replace('schema = 1\n', '')),
    title: 'schema missing',
  },
  {
    args: (w) => ['enable', 'firefox', ...LAPTOP(w), '--no-lock'],
    command: 'enable',
    exit: 1,
    includes: ['unsupported schema "1"'],
    setup: manifestEdit((t) => t.replace('schema = 1', 'schema = "1"')),
    title: 'schema = "1" (a string)',
  },
  {
    args: (w) => ['enable', 'firefox', ...LAPTOP(w), '--no-lock'],
    command: 'enable',
    exit: 1,
    includes: ['packages.firefox.scope', '"root"'],
    setup: manifestEdit((t) => t.replace('scope   = "system"', 'scope   = "root"')),
    title: 'scope = "root"',
  },
  {
    args: (w) => ['host', 'set', 'auto_apply=true', ...LAPTOP(w), '--no-lock'],
    command: 'host set',
    exit: 1,
    includes: ['settings.default_scope', '3'],
    setup: manifestEdit((t) => t.replace('default_scope = "system"', 'default_scope = 3')),
    title: 'default_scope = 3',
  },
  {
    args: (w) => ['set', 'firefox', 'pin=abc', ...LAPTOP(w), '--no-lock'],
    command: 'set',
    exit: 1,
    includes: ['packages must be a table'],
    setup: manifestIs(`${HEADER}schema = 1\npackages = "x"\n\n[settings]\ndefault_scope = "system"\nauto_apply = false\n`),
    title: 'packages = "x"',
  },
  {
    args: (w) => ['set', 'firefox', 'pin=abc', ...LAPTOP(w), '--no-lock'],
    command: 'set',
    exit: 1,
    includes: ['settings must be a table'],
    setup: manifestEdit((t) => t.replace('schema = 1\n', 'schema = 1\nsettings = 5\n').replace(/\[settings\][^[]*/, '')),
    title: 'settings = 5',
  },
  {
    args: (w) => ['set', 'firefox', 'config.k=v', ...LAPTOP(w), '--no-lock'],
    command: 'set',
    exit: 1,
    includes: ['packages.firefox.config.level must be a string'],
    setup: manifestEdit((t) => `${t}\n[packages.firefox.config]\nlevel = 3\n`),
    title: 'a config value that is not a string',
  },
  {
    args: (w) => ['set', 'firefox', 'config.k=v', ...LAPTOP(w), '--no-lock'],
    command: 'set',
    exit: 1,
    includes: ['packages.firefox.config must be a table'],
    setup: manifestEdit((t) => t.replace('enabled = true', 'enabled = true\nconfig = "x"')),
    title: 'config = "x"',
  },
  {
    args: (w) => ['remove', 'firefox', ...LAPTOP(w), '--no-lock'],
    command: 'remove',
    exit: 1,
    includes: ['invalid package name "../x"'],
    setup: manifestEdit((t) => `${t}\n[packages."../x"]\nflake = "github:a/b"\nscope = "system"\nenabled = true\n`),
    title: '[packages."../x"]',
  },
  {
    args: (w) => ['remove', 'firefox', ...LAPTOP(w), '--no-lock'],
    command: 'remove',
    exit: 1,
    includes: ['hosts/laptop/glix.toml:', 'nest deeper than 128 levels'],
    setup: manifestEdit((t) => `${t}deep = ${'['.repeat(50_000)}${']'.repeat(50_000)}\n`),
    title: 'an array nested 50,000 deep',
  },
  {
    args: (w) => ['set', 'firefox', 'pin=abc', ...LAPTOP(w), '--no-lock'],
    command: 'set',
    exit: 1,
    includes: ['packages.firefox.flake is missing'],
    setup: manifestEdit((t) => t.replace('flake   = "github:NixOS/nixpkgs#firefox"\n', '')),
    title: 'flake missing',
  },
  {
    args: (w) => ['enable', 'firefox', ...LAPTOP(w), '--no-lock'],
    command: 'enable',
    exit: 1,
    includes: ['packages.firefox.enabled must be true or false', '"yes"'],
    setup: manifestEdit((t) => t.replace('enabled = true', 'enabled = "yes"')),
    title: 'enabled = "yes"',
  },
  {
    args: (w) => ['enable', 'firefox', ...LAPTOP(w), '--no-lock'],
    command: 'enable',
    exit: 1,
    includes: ['packages.firefox.flake is empty'],
    setup: manifestEdit((t) => t.replace('flake   = "github:NixOS/nixpkgs#firefox"', 'flake   = ""')),
    title: 'flake = ""',
  },
  {
    args: (w) => ['set', 'firefox', 'pin=abc', ...LAPTOP(w), '--no-lock'],
    command: 'set',
    exit: 1,
    includes: ['packages.firefox.user'],
    setup: manifestEdit((t) => t.replace('enabled = true', 'enabled = true\nuser = 5')),
    title: 'user = 5',
  },
  {
    args: (w) => ['host', 'set', 'system=aarch64-linux', ...LAPTOP(w), '--no-lock'],
    command: 'host set',
    exit: 1,
    includes: ['hosts/laptop/glix.toml:2:', 'invalid UTF-8 (byte 0xff)'],
    setup: async (w) => {
      const file = path.join(w.root, 'hosts', 'laptop', 'glix.toml')
      const text = await readFile(file)
      await writeFile(file, Buffer.concat([text.subarray(0, text.indexOf('\n') + 1), Buffer.from([0x23, 0xff, 0x0a]), text.subarray(text.indexOf('\n') + 1)]))
    },
    title: 'bytes that are not UTF-8',
  },
  {
    args: (w) => ['disable', 'firefox', ...LAPTOP(w), '--no-lock'],
    command: 'disable',
    exit: 1,
    includes: ['invalid TOML'],
    setup: manifestEdit((t) => `${t}\u0000`),
    title: 'a NUL byte',
  },
  {
    args: (w) => ['rollback', '--dir', w.root, '--no-lock'],
    command: 'rollback',
    exit: 1,
    // The hand edit is an uncommitted change: rollback refuses a dirty tree before it reads any manifest.
    includes: ['uncommitted changes'],
    setup: manifestEdit((t) => t.replace('auto_apply = false', 'auto_apply = false\nauto_apply = true')),
    title: 'a repeated key, under rollback',
  },
  {
    args: (w) => ['update', '--dir', w.root],
    command: 'update',
    exit: 1,
    includes: ['settings.auto_apply must be true or false'],
    setup: manifestEdit((t) => t.replace('auto_apply = false', 'auto_apply = "no"')),
    title: 'auto_apply = "no", under update (before Nix)',
  },
  {
    args: (w) => ['host', 'remove', '--dir', w.root, '--host', 'desktop', '--yes', '--no-lock'],
    command: 'host remove',
    exit: 1,
    // An invalid value glix would write into flake.nix (the hosts region) refuses the change; a value glix does not act on only warns.
    includes: ['invalid system', '"x86_64-linux\\"; rm"'],
    setup: manifestEdit((t) => t.replace('system = "x86_64-linux"', 'system = "x86_64-linux\\"; rm"')),
    title: 'system = "x86_64-linux\\"; rm" in another host, under host remove',
  },
  {
    args: (w) => ['set', 'firefox', 'config.k=v', ...LAPTOP(w), '--no-lock'],
    command: 'set',
    exit: 1,
    includes: ['hosts/desktop/glix.toml', 'unsupported schema 2'],
    setup: manifestEdit((t) => t.replace('schema = 1', 'schema = 2'), 'desktop'),
    title: "another host's broken manifest, under set",
  },
  {
    args: (w) => ['enable', 'firefox', ...LAPTOP(w), '--no-lock'],
    command: 'enable',
    exit: 1,
    includes: ['missing schema'],
    setup: manifestIs(''),
    title: 'an empty manifest file',
  },
  {
    args: (w) => ['set', 'firefox', 'pin=abc', ...LAPTOP(w), '--no-lock'],
    command: 'set',
    exit: 1,
    includes: ['invalid TOML'],
    setup: manifestIs(`${HEADER}schema = 1\n${GOOD_PACKAGE}flake = "github:other/x"\n`),
    title: 'a package table with a repeated flake',
  },
  {
    args: (w) => ['remove', 'firefox', ...LAPTOP(w), '--no-lock'],
    command: 'remove',
    exit: 1,
    includes: ['glix-managed'],
    setup: async (w) => {
      await editText(w.root, 'flake.nix', (t) => t.replace(/^(\s*# >>> glix-managed inputs >>>\n)/m, '$1$1'))
    },
    title: 'flake.nix with a repeated marker',
  },
  {
    args: (w) => ['host', 'set', 'system=aarch64-linux', ...LAPTOP(w), '--no-lock'],
    command: 'host set',
    exit: 1,
    includes: ['glix-managed'],
    setup: async (w) => {
      await editText(w.root, 'flake.nix', (t) => t.replace(/^\s*# <<< glix-managed hosts <<<\n/m, ''))
    },
    title: 'flake.nix without its hosts end marker',
  },
]

// ---------------------------------------------------------------------------
// Unknown flags.

const flagCases: Case[] = (
  [
    [['remove', 'firefox'], 'remove', '--force'],
    [['enable', 'firefox'], 'enable', '--all'],
    [['disable', 'firefox'], 'disable', '--yes'],
    [['set', 'firefox', 'pin=abc'], 'set', '--all'],
    [['host', 'set', 'auto_apply=true'], 'host set', '--yes'],
    [['host', 'remove', '--yes'], 'host remove', '--force'],
    [['rollback'], 'rollback', '--hard'],
    [['update'], 'update', '--all'],
    [['doctor'], 'doctor', '--repair'],
    [['info'], 'info', '--verbose'],
    [['show', 'firefox'], 'show', '--all'],
    [['remove', 'firefox'], 'remove', '-x'],
  ] as const
).map(
  ([argv, command, flag]): Case => ({
    args: (w) => [...argv, ...LAPTOP(w), flag],
    command,
    exit: 2,
    includes: [flag],
    title: `${command} ${flag}`,
  }),
)

// ---------------------------------------------------------------------------
// Path traversal through every flag that becomes a path.

const traversalCases: Case[] = [
  ...(
    [
      [['add', 'github:owner/tool', '--no-lock'], 'add'],
      [['set', 'firefox', 'pin=abc', '--no-lock'], 'set'],
      [['host', 'set', 'system=aarch64-linux', '--no-lock'], 'host set'],
      [['host', 'remove', '--yes', '--no-lock'], 'host remove'],
      [['init', '--user', 'alice', '--no-lock'], 'init'],
      [['list'], 'list'],
      [['show', 'firefox'], 'show'],
      [['remove', 'firefox', '--no-lock'], 'remove'],
    ] as const
  ).map(
    ([argv, command]): Case => ({
      args: (w) => [...argv, '--dir', w.root, '--host=../../x'],
      command,
      exit: 2,
      includes: ['invalid host name', '"../../x"'],
      title: `${command} --host=../../x`,
    }),
  ),
  {
    args: (w) => ['add', 'github:owner/tool', '--name=../x', ...LAPTOP(w), '--no-lock'],
    command: 'add',
    exit: 2,
    includes: ['invalid package name "../x"'],
    title: 'add --name=../x',
  },
  {
    args: (w) => ['add', 'github:owner/tool', '--name=../../outer/x', ...LAPTOP(w), '--no-lock'],
    command: 'add',
    exit: 2,
    includes: ['invalid package name'],
    title: 'add --name=../../outer/x',
  },
  ...(
    [
      [['remove', 'firefox', '--no-lock'], 'remove'],
      [['enable', 'firefox', '--no-lock'], 'enable'],
      [['set', 'firefox', 'pin=abc', '--no-lock'], 'set'],
      [['host', 'set', 'system=aarch64-linux', '--no-lock'], 'host set'],
      [['host', 'remove', '--yes', '--no-lock'], 'host remove'],
      [['rollback', '--no-lock'], 'rollback'],
      [['update'], 'update'],
    ] as const
  ).map(
    ([argv, command]): Case => ({
      args: (w) => [...argv, '--dir', w.notRepo, '--host', 'laptop'],
      command,
      exit: 1,
      includes: ['not a glix repository'],
      title: `${command} --dir=<a directory that is not a repo>`,
    }),
  ),
  {
    args: (w) => ['remove', 'firefox', '--dir', path.join(w.root, 'hosts', 'laptop'), '--host', 'laptop', '--no-lock'],
    command: 'remove',
    exit: 1,
    includes: ['not a glix repository'],
    title: 'remove --dir=<repo>/hosts/laptop',
  },
  {
    args: (w) => ['set', 'firefox', 'pin=abc', '--dir', path.join(w.root, 'flake.nix'), '--host', 'laptop', '--no-lock'],
    command: 'set',
    exit: 1,
    includes: ['not a glix repository'],
    title: 'set --dir=<a file>',
  },
  {
    args: (w) => ['disable', 'firefox', '--dir', path.join(w.caseDir, 'outer', 'missing'), '--host', 'laptop', '--no-lock'],
    command: 'disable',
    exit: 1,
    includes: ['not a glix repository'],
    title: 'disable --dir=<a directory that does not exist>',
  },
  {
    args: (w) => ['host', 'set', 'system=aarch64-linux', '--dir', `${w.root}/hosts/../..`, '--host', 'laptop', '--no-lock'],
    command: 'host set',
    exit: 1,
    includes: ['not a glix repository'],
    title: 'host set --dir=<repo>/hosts/../..',
  },
  {
    args: (w) => ['init', '--dir', w.notRepo, '--host', 'laptop', '--user', 'alice', '--no-lock'],
    command: 'init',
    exit: 1,
    includes: ['not empty'],
    title: 'init --dir=<a non-empty directory that is not a repo>',
  },
]

const CASES: Case[] = [...nameCases, ...referenceCases, ...pairCases, ...manifestCases, ...flagCases, ...traversalCases]

/** Bytes of every file and directory under `dir`, except the subtree `skip`. */
async function snapshotOutside(dir: string, skip: string): Promise<Map<string, Buffer | null>> {
  const out = new Map<string, Buffer | null>()
  async function walk(current: string): Promise<void> {
    for (const name of (await readdir(current)).sort()) {
      const full = path.join(current, name)
      if (full === skip) continue
      const rel = path.relative(dir, full)
      const stat = await lstat(full)
      if (stat.isDirectory()) {
        out.set(`${rel}/`, null)
        await walk(full)
      } else {
        out.set(rel, await readFile(full))
      }
    }
  }

  await walk(dir)
  return out
}

describe('hostile input', () => {
  useHermeticGit()
  const suiteDir = useTempDirs('suite')
  const tempDir = useTempDirs()
  const env = useEnv()
  let template: string

  before(async () => {
    template = await createRepo(path.join(await suiteDir(), 'repo'), [
      {host: 'laptop', user: 'alice'},
      {host: 'desktop', user: 'alice'},
    ])
    await addPackage(template, 'laptop', FIREFOX)
    await addPackage(template, 'desktop', 'github:owner/tool', '--scope=home')
  })

  it(`has at least 40 cases (${CASES.length})`, () => {
    expect(CASES.length).to.be.at.least(40)
    expect(new Set(CASES.map((c) => c.title)).size, 'unique titles').to.equal(CASES.length)
  })

  for (const c of CASES) {
    it(`${c.title} → exit ${c.exit}, one line, nothing changed inside or outside the repo`, async () => {
      const caseDir = await tempDir('glix-hostile-')
      const where: Where = {caseDir, notRepo: path.join(caseDir, 'outer', 'notrepo'), root: path.join(caseDir, 'outer', 'repo')}
      await cp(template, where.root, {recursive: true})
      await mkdir(where.notRepo)
      await writeFile(path.join(where.notRepo, 'keep.txt'), 'not a repo\n')
      await c.setup?.(where)
      for (const [name, value] of Object.entries(c.env ?? {})) env.set(name, value)

      const inside = await snapshotTree(where.root)
      const outside = await snapshotOutside(caseDir, where.root)
      const head = headOf(where.root)
      const r = await glix(c.args(where))
      const message = expectOneLineError(r, c.command, c.exit)
      for (const fragment of c.includes ?? []) expect(message).to.include(fragment)
      await expectUnchanged(where.root, inside, head)
      expect([...(await snapshotOutside(caseDir, where.root)).keys()], 'paths outside the repo').to.deep.equal([...outside.keys()])
      for (const [rel, bytes] of outside) {
        if (bytes !== null) expect((await readFile(path.join(caseDir, rel))).equals(bytes), `${rel} unchanged`).to.equal(true)
      }
    })
  }

  it('host remove with a symlink in the host directory: never walks or lists the link target, leaves a consistent tree', async () => {
    const caseDir = await tempDir('glix-hostile-')
    const root = path.join(caseDir, 'outer', 'repo')
    await cp(template, root, {recursive: true, verbatimSymlinks: true})
    const outside = path.join(caseDir, 'outside')
    await mkdir(outside)
    await writeFile(path.join(outside, 'secret.txt'), 'not glix data\n')
    await symlink(outside, path.join(root, 'hosts', 'desktop', 'shared'))
    git(root, 'add', 'hosts/desktop/shared')
    git(root, 'commit', '-q', '-m', 'link a shared module directory')
    const before = await snapshotTree(root)
    const head = headOf(root)

    const r = await glix(['host', 'remove', '--dir', root, '--host', 'desktop', '--yes', '--no-lock'])
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8'), 'the link target is untouched').to.equal('not glix data\n')
    expect(r.stdout + r.stderr, 'files behind the link are not glix files').not.to.include('secret.txt')
    if (r.exitCode === 0) {
      // Removed: the link goes with the directory, in the same commit.
      expect(existsSync(path.join(root, 'hosts', 'desktop'))).to.equal(false)
      expect(git(root, 'ls-files', 'hosts/desktop')).to.equal('')
      expect(git(root, 'status', '--porcelain'), 'a glix commit leaves a clean tree').to.equal('')
    } else {
      // Or refused: one line, nothing touched.
      expectOneLineError(r, 'host remove', 1)
      await expectUnchanged(root, before, head)
    }
  })

  it('a `${…}` reference without spaces is data: kept in the manifest, escaped in flake.nix', async () => {
    const root = path.join(await tempDir(), 'repo')
    await cp(template, root, {recursive: true})
    await glixOk(['set', 'firefox', 'flake=github:owner/repo?dir=${x}', '--dir', root, '--host', 'laptop', '--no-lock'])
    expect(readText(root, 'hosts/laptop/glix.toml')).to.include('flake   = "github:owner/repo?dir=${x}"')
    expect(regionLines(readText(root, 'flake.nix'), 'inputs')).to.include('      url = "github:owner/repo?dir=\\${x}";')
    expect(existsSync(path.join(root, 'x'))).to.equal(false)
  })
})
