/**
 * Shell completion in real shells. A `glix` shim first on PATH runs
 * `bin/run.js`; a real bash (with bash-completion) and a real zsh (with
 * compinit) run inside a private tmux server, set up exactly as the README
 * says (`eval "$(glix autocomplete script …)"`), and the test types into
 * them and reads the screen with `tmux capture-pane`, polling with
 * generous deadlines (never sleeping a fixed time).
 *
 * The repo is written by hand: hosts laptop, desktop and pi with packages;
 * a host `evil` whose manifest hides hostile `[packages."$(touch …)"]`
 * headers inside multi-line strings and carries hostile quoted headers;
 * host directories named like command substitutions; a directory under
 * hosts/ that is not a host. A throwaway plugin, linked into a temporary
 * GLIX_DATA_DIR, gets a value flag and an option-list flag after a first
 * script was generated: both shells complete them with no other edit.
 *
 * Then the bash function is called directly (edge cases: --dir,
 * $GLIX_ROOT, the hostname fallback), and its latency per TAB is measured.
 *
 * Needs tmux, bash, bash-completion and zsh (`.ci/run` installs them): the
 * suite is skipped without them on a developer machine and fails in CI
 * (`CI=true`). Needs the built CLI: run `npm run build` first.
 */
import {expect} from 'chai'
import {execFile, execFileSync} from 'node:child_process'
import {accessSync, constants, existsSync, readFileSync} from 'node:fs'
import {chmod, mkdir, mkdtemp, readdir, realpath, rm, symlink, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

const execFileAsync = promisify(execFile)

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = path.join(PACKAGE_ROOT, 'bin', 'run.js')
const BASH_COMPLETION = ['/usr/share/bash-completion/bash_completion', '/etc/bash_completion'].find((file) => existsSync(file))
const PROMPT = 'glixtest>'
/** How long a shell may take to draw its first prompt (it runs glix once) and to answer a TAB, on a loaded machine. */
const FIRST_PROMPT_MS = 90_000
const SCREEN_MS = 30_000

const MANIFEST_HEAD = '# glixos manifest. Managed by glix; hand edits preserved on best-effort.\nschema = 1\n\n[settings]\ndefault_scope = "system"\nauto_apply = false\n'

function pkg(name: string, flake: string, enabled = true): string {
  return `\n[packages.${name}]\nflake   = "${flake}"\nscope   = "system"\nenabled = ${enabled}\n`
}

/** A marker path a hostile name tries to create; none may exist at the end. */
const marker = (tmp: string, n: number) => path.join(tmp, `pwned-${n}`)

/** The manifests of the test repo. pi's quoted header and config table are valid TOML glix may meet after a hand edit. */
function manifests(tmp: string): Record<string, string> {
  return {
    desktop: MANIFEST_HEAD + pkg('steam', 'github:NixOS/nixpkgs#steam'),
    // One real package; everything else is a header inside a string or not a valid name.
    evil:
      MANIFEST_HEAD +
      // Escaped quotes open no multi-line string: were they taken for one, `safe` would be hidden.
      'motto = "say \\"\\"\\" here"\n' +
      pkg('safe', 'github:NixOS/nixpkgs#hello') +
      `notes = """\n[packages."$(touch ${marker(tmp, 1)})"]\n[packages.ghost]\n[packages.\`touch ${marker(tmp, 2)}\`]\n"""\n` +
      `more = '''\n[packages.ghostly]\n'''\n` +
      `\n[packages."$(touch ${marker(tmp, 3)})"]\nflake = "github:a/b"\n` +
      `\n[packages."; touch ${marker(tmp, 4)}"]\nflake = "github:a/b"\n` +
      `\n[packages.'a b']\nflake = "github:a/b"\n` +
      // Valid TOML, not valid names: a Nix keyword and a reserved input name.
      '\n[packages.if]\nflake = "github:a/b"\n\n[packages.nixpkgs]\nflake = "github:a/b"\n' +
      '\n[packages.safe.config]\ncolour = "red"\nmotd = """\nshout = 1\n"""\n',
    laptop: MANIFEST_HEAD + pkg('firefox', 'github:NixOS/nixpkgs#firefox') + pkg('thunderbird', 'github:NixOS/nixpkgs#thunderbird'),
    pi:
      MANIFEST_HEAD +
      pkg('htop', 'github:NixOS/nixpkgs#htop') +
      '\n[packages.htop.config]\ncolor = "yes"\n' +
      pkg('raspi-fw', 'github:example/raspi-fw') +
      '\n[ packages . "zellij" ]\nflake   = "github:NixOS/nixpkgs#zellij"\nscope   = "system"\nenabled = false\n',
  }
}

/** Host directories (each holding a glix.toml) whose names must never run or be offered (`in` is a Nix keyword). */
const HOSTILE_HOST_DIRS = ['$(touch pwned-5)', '`touch pwned-6`', 'a;touch pwned-7', 'x y', '-rf', 'in']

/** The throwaway plugin's command; `extra` adds flags to it. */
function probeCommand(extra = ''): string {
  return `import {Args, Flags, GlixCommand} from 'glix'

export default class Probe extends GlixCommand {
  static summary = 'A throwaway command for the completion tests.'
  static requiresRepo = false
  static args = {target: Args.string({description: 'Where to probe.', options: ['north', 'south']})}
  static flags = {
    alpha: Flags.boolean({summary: 'Alpha.'}),${extra}
  }

  async run() {}
}
`
}

/** The flags the test adds to the plugin: a value flag and an option-list flag (whose summary holds a $). */
const ADDED_FLAGS = `
    colour: Flags.string({options: ['red', 'green', 'blue'], summary: 'Paint it (default: $GLIX_COLOUR).'}),
    depth: Flags.integer({summary: 'How deep.'}),`

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    if (!dir) return false
    try {
      accessSync(path.join(dir, program), constants.X_OK)
      return true
    } catch {
      return false
    }
  })
}

const missing = [...['tmux', 'bash', 'zsh'].filter((program) => !onPath(program)), ...(BASH_COMPLETION ? [] : ['bash-completion'])]

/** Splits a command line into COMP_WORDS as bash does with its default COMP_WORDBREAKS (no quoting in these tests). */
function compWords(line: string): string[] {
  const words = line
    .split(/\s+/)
    .filter((word) => word !== '')
    .flatMap((word) => word.split(/([=:])/).filter((part) => part !== ''))
  if (/\s$/.test(line)) words.push('')
  return words
}

function bashQuote(value: string): string {
  return `'${value.replaceAll("'", String.raw`'\''`)}'`
}

const sleep = (ms: number) =>
  new Promise((resolve) => {
    setTimeout(resolve, ms)
  })

;(missing.length === 0 || process.env.CI === 'true' ? describe : describe.skip)('shell completion in bash and zsh (integration)', function () {
  this.timeout(300_000)

  let tmp: string
  let repo: string
  let plugin: string
  let env: NodeJS.ProcessEnv
  /** The bash script generated before the plugin got its new flags. */
  let scriptBefore: string
  const server = `glixtest-${process.pid}`

  function tmux(...args: string[]): string {
    // A private server (-L) that reads no tmux.conf (-f): the screen is exactly what the shell drew.
    return execFileSync('tmux', ['-L', server, '-f', '/dev/null', ...args], {encoding: 'utf8', env})
  }

  const glixRun = (...args: string[]) => execFileAsync(process.execPath, [BIN, ...args], {cwd: repo, env})

  before(async function () {
    if (missing.length > 0) throw new Error(`the completion tests need ${missing.join(', ')} (.ci/run installs them)`)
    tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'glix-completion-')))
    const home = path.join(tmp, 'home')
    const bin = path.join(tmp, 'bin')
    repo = path.join(tmp, 'repo')
    plugin = path.join(tmp, 'glix-plugin-probe')
    await Promise.all([mkdir(home), mkdir(bin), mkdir(path.join(tmp, 'config')), mkdir(path.join(tmp, 'zdotdir')), mkdir(path.join(plugin, 'commands'), {recursive: true})])

    const inputrc = path.join(tmp, 'inputrc')
    env = {...process.env, HOME: home, INPUTRC: inputrc, NO_COLOR: '1', TERM: 'xterm-256color'}
    env.GLIX_CACHE_DIR = path.join(tmp, 'cache', 'glix')
    env.GLIX_DATA_DIR = path.join(tmp, 'data', 'glix')
    env.XDG_CACHE_HOME = path.join(tmp, 'cache')
    // No repo to fall back to: only the one on the line or around $PWD counts.
    env.XDG_CONFIG_HOME = path.join(tmp, 'config')
    env.PATH = `${bin}${path.delimiter}${process.env.PATH}`
    for (const name of ['GLIX_HOST', 'GLIX_ROOT', 'TMUX', 'TMUX_PANE', 'ZDOTDIR', 'BASH_ENV', 'ENV', 'EDITOR', 'VISUAL', 'PROMPT_COMMAND']) delete env[name]

    const shim = path.join(bin, 'glix')
    await writeFile(shim, `#!/bin/sh\nexec ${bashQuote(process.execPath)} ${bashQuote(BIN)} "$@"\n`)
    await chmod(shim, 0o755)
    await writeFile(inputrc, '')

    // The repo: four hosts, hostile host directories, and a directory that is not a host.
    await mkdir(path.join(repo, 'hosts', 'notes'), {recursive: true})
    await writeFile(path.join(repo, 'flake.nix'), '{ outputs = _: { }; }\n')
    for (const [host, manifest] of Object.entries(manifests(tmp))) {
      await mkdir(path.join(repo, 'hosts', host))
      await writeFile(path.join(repo, 'hosts', host, 'glix.toml'), manifest)
      await writeFile(path.join(repo, 'hosts', host, 'default.nix'), '{ ... }: { }\n')
    }

    for (const dir of HOSTILE_HOST_DIRS) {
      await mkdir(path.join(repo, 'hosts', dir))
      await writeFile(path.join(repo, 'hosts', dir, 'glix.toml'), MANIFEST_HEAD + pkg('bad', 'github:a/b'))
    }

    // The throwaway plugin, linked as plugin authors do (docs/plugins.md); it imports the glix under test.
    await writeFile(path.join(plugin, 'package.json'), JSON.stringify({name: 'glix-plugin-probe', oclif: {commands: './commands'}, type: 'module', version: '0.0.1'}))
    await writeFile(path.join(plugin, 'commands', 'probe.js'), probeCommand())
    await mkdir(path.join(plugin, 'node_modules'))
    await symlink(PACKAGE_ROOT, path.join(plugin, 'node_modules', 'glix'))
    await glixRun('plugins', 'link', '--no-install', plugin)
    scriptBefore = (await glixRun('autocomplete', 'script', 'bash')).stdout
    // The plugin's author adds two flags; nothing else changes.
    await writeFile(path.join(plugin, 'commands', 'probe.js'), probeCommand(ADDED_FLAGS))

    await writeFile(path.join(home, '.bashrc'), [`PS1=${bashQuote(`${PROMPT} `)}`, `source ${bashQuote(BASH_COMPLETION!)}`, 'eval "$(glix autocomplete script bash)"', ''].join('\n'))
    await writeFile(
      path.join(tmp, 'zdotdir', '.zshrc'),
      [`PS1=${bashQuote(`${PROMPT} `)}`, 'bindkey -e', 'autoload -Uz compinit && compinit -u', 'eval "$(glix autocomplete script zsh)"', ''].join('\n'),
    )
  })

  after(async () => {
    try {
      if (env) tmux('kill-server')
    } catch {
      // no server was started
    }

    if (tmp) await rm(tmp, {force: true, recursive: true})
  })

  /** Fails when any hostile name ran: no marker file anywhere under the temp dir. */
  async function expectNothingRan(): Promise<void> {
    const found = (await readdir(tmp, {recursive: true})).filter((file) => path.basename(String(file)).startsWith('pwned-'))
    expect(found, 'marker files a hostile name created').to.deep.equal([])
  }

  describe('glix autocomplete', () => {
    it('tells users to evaluate the generated script from their rc file', async () => {
      const {stdout} = await glixRun('autocomplete', 'bash')
      expect(stdout).to.include('Add this line to ~/.bashrc').and.include('  eval "$(glix autocomplete script bash)"')
      expect((await glixRun('autocomplete', 'zsh')).stdout).to.include('Add this line to ~/.zshrc').and.include('eval "$(glix autocomplete script zsh)"')
    })

    it('prints a self-contained script: the table of the installed commands, then the engine', async () => {
      const {stdout} = await glixRun('autocomplete', 'script', 'zsh')
      expect(stdout).to.match(/^# glix completion for zsh, generated by `glix autocomplete script zsh`\n# from glix \d+\.\d+\.\d+, glix-plugin-probe 0\.0\.1 \(link\)\./)
      expect(stdout).to.include("\n  'c/probe' '1'\n")
      expect(stdout).to.include(readFileSync(path.join(PACKAGE_ROOT, 'completion', 'glix.zsh'), 'utf8').trimEnd())
      expect(stdout, 'sources nothing').to.not.match(/^\s*(source|\.) /m)
    })

    it('keeps every command and flag name out of the engines: they come from the manifest', () => {
      const manifest = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'oclif.manifest.json'), 'utf8'))
      const names = new Set<string>()
      for (const command of Object.values<{flags: Record<string, {name: string}>}>(manifest.commands)) {
        for (const flag of Object.values(command.flags)) names.add(flag.name)
      }

      for (const file of ['glix.bash', 'glix.zsh']) {
        const code = readFileSync(path.join(PACKAGE_ROOT, 'completion', file), 'utf8')
          .split('\n')
          .filter((line) => !/^\s*#/.test(line))
          .map((line) => line.replace(/\s#\s.*$/, ''))
        for (const name of names) {
          expect(code.filter((line) => line.includes(`--${name}`)), `${file} names --${name}`).to.deep.equal([])
        }

        for (const command of ['show', 'remove', 'enable', 'disable', 'rebuild', 'set']) {
          expect(code.filter((line) => new RegExp(`\\b${command}\\b`).test(line)), `${file} names ${command}`).to.deep.equal([])
        }
      }
    })
  })

  /** A shell in its own tmux window of the private server. */
  function terminal(name: string, command: string) {
    const target = `${name}:0`
    tmux('new-session', '-d', '-s', name, '-x', '220', '-y', '50', '-c', repo, command)

    const screen = () => tmux('capture-pane', '-p', '-t', target)
    const screenLines = () =>
      screen()
        .split('\n')
        .map((line) => line.trimEnd())
        .filter((line) => line !== '')

    /** Polls the screen until `done` holds; fails with the screen after `ms`. */
    async function waitFor(what: string, done: (lines: string[]) => boolean, ms = SCREEN_MS): Promise<string[]> {
      const deadline = Date.now() + ms
      for (;;) {
        const lines = screenLines()
        if (done(lines)) return lines
        if (Date.now() > deadline) expect.fail(`${name}: timed out after ${ms} ms waiting for ${what}; the screen:\n${lines.join('\n')}`)
        await sleep(50)
      }
    }

    const listedWords = (lines: string[]) => lines.filter((line) => !line.startsWith(PROMPT)).flatMap((line) => line.trim().split(/\s+/))

    return {
      /** Clears the line and the screen, types `text` and the keys, and returns the screen once `done` holds. */
      async complete(text: string, keys: string[], what: string, done: (lines: string[], listed: string[]) => boolean): Promise<{lines: string[]; listed: string[]}> {
        tmux('send-keys', '-t', target, 'C-u')
        tmux('send-keys', '-t', target, 'C-l')
        await waitFor('an empty prompt', (lines) => lines.length === 1 && lines[0] === PROMPT)
        tmux('send-keys', '-t', target, '-l', text)
        await waitFor(`the typed line ${JSON.stringify(text)}`, (lines) => lines.at(-1) === `${PROMPT} ${text}`.trimEnd())
        tmux('send-keys', '-t', target, ...keys)
        const lines = await waitFor(what, (lines) => done(lines, listedWords(lines)))
        return {lines, listed: listedWords(lines)}
      },
      /** Types `text`, TAB, and waits until the line reads `expected` (a unique completion was inserted). */
      async inserts(text: string, expected: string): Promise<void> {
        await this.complete(text, ['Tab'], JSON.stringify(expected), (lines) => lines.at(-1) === `${PROMPT} ${expected}`)
      },
      /** Waits for the first prompt (the rc file has run, glix included). */
      ready: () => waitFor('the first prompt', (lines) => lines.at(-1) === PROMPT, FIRST_PROMPT_MS),
    }
  }

  const shells = [
    // bash: the first TAB inserts the common prefix (none here), the second lists.
    {list: ['Tab', 'Tab'], name: 'bash'},
    // zsh lists on the first TAB (AUTO_LIST); a second would start menu completion and insert a match.
    {list: ['Tab'], name: 'zsh'},
  ]

  for (const shell of shells) {
    describe(`${shell.name}, typing into a real terminal`, () => {
      let term: ReturnType<typeof terminal>

      before(async () => {
        const command =
          shell.name === 'bash'
            ? `bash --noprofile --rcfile ${bashQuote(path.join(tmp, 'home', '.bashrc'))} -i`
            : `env ZDOTDIR=${bashQuote(path.join(tmp, 'zdotdir'))} zsh -d -i`
        term = terminal(shell.name, command)
        await term.ready()
      })

      after(expectNothingRan)

      it('completes command names and subcommands', async () => {
        await term.inserts('glix li', 'glix list')
        await term.inserts('glix host s', 'glix host set')
      })

      it("glix show --host <TAB> lists the repo's hosts and no hostile directory", async () => {
        const {listed} = await term.complete('glix show --host ', shell.list, 'the hosts', (_, listed) => listed.includes('laptop'))
        expect(listed.sort()).to.deep.equal(['desktop', 'evil', 'laptop', 'pi'])
        await expectNothingRan()
      })

      it("glix show --host pi <TAB> lists pi's packages, not another host's", async () => {
        const {lines, listed} = await term.complete('glix show --host pi ', shell.list, "pi's packages", (_, listed) => listed.includes('htop'))
        expect(listed.sort()).to.deep.equal(['htop', 'raspi-fw', 'zellij'])
        expect(lines.filter((line) => line.startsWith(PROMPT)).at(-1), 'the line is left as typed').to.equal(`${PROMPT} glix show --host pi`)
      })

      it('inserts only the valid package of a hostile manifest, and runs nothing', async () => {
        // Headers inside multi-line strings and names that are not names are never offered: `safe` is the only candidate.
        await term.inserts('glix show --host evil ', 'glix show --host evil safe')
        await term.inserts('glix remove --host=evil s', 'glix remove --host=evil safe')
        await expectNothingRan()
      })

      it('completes --host=, flags after other flags, and flags before the command', async () => {
        const {listed} = await term.complete('glix show --host=', shell.list, 'the hosts', (_, listed) => listed.includes('laptop'))
        expect(listed.sort()).to.deep.equal(['desktop', 'evil', 'laptop', 'pi'])
        await term.inserts(`glix show --dir ${repo} --host pi --js`, `glix show --dir ${repo} --host pi --json`)
        await term.inserts(`glix disable --dir ${repo} --dry-run --host l`, `glix disable --dir ${repo} --dry-run --host laptop`)
        await term.inserts('glix enable --host=laptop --no-lock t', 'glix enable --host=laptop --no-lock thunderbird')
        await term.inserts('glix --host=pi show r', 'glix --host=pi show raspi-fw')
        await term.inserts('glix --host pi set z', 'glix --host pi set zellij')
      })

      it('completes comma lists of hosts, leaving out the hosts already listed', async () => {
        await term.inserts('glix rebuild --host=laptop,p', 'glix rebuild --host=laptop,pi')
        await term.inserts('glix rebuild --host=pi,laptop,d', 'glix rebuild --host=pi,laptop,desktop')
        const {listed} = await term.complete('glix rebuild --host=laptop,', shell.list, 'the other hosts', (_, listed) => listed.some((word) => word.endsWith('pi')))
        expect(listed.map((word) => word.replace(/^laptop,/, '')).sort()).to.deep.equal(['desktop', 'evil', 'pi'])
      })

      it('completes the values of option flags in both forms, and knows which flags take a value', async () => {
        await term.inserts('glix add --scope=h', 'glix add --scope=home')
        await term.inserts('glix add --scope s', 'glix add --scope system')
        // -j, --target-host and --build-host take a value: the word after them is not the action.
        await term.inserts('glix rebuild -j 2 dry-b', 'glix rebuild -j 2 dry-build')
        await term.inserts('glix rebuild --target-host root@pi --build-host big bo', 'glix rebuild --target-host root@pi --build-host big boot')
      })

      it('completes argument values: actions, shells, help topics, set and host set keys', async () => {
        await term.inserts('glix rebuild dry-a', 'glix rebuild dry-activate')
        await term.inserts('glix autocomplete z', 'glix autocomplete zsh')
        await term.inserts('glix help ho', 'glix help host')
        await term.inserts('glix help host r', 'glix help host remove')
        await term.inserts('glix host set --host pi default_', 'glix host set --host pi default_scope=')
        await term.inserts('glix host set --host pi auto_apply=t', 'glix host set --host pi auto_apply=true')
        await term.inserts('glix set --host pi htop scope=h', 'glix set --host pi htop scope=home')
        await term.inserts('glix set --host pi htop config.c', 'glix set --host pi htop config.color=')
        await term.inserts('glix set --host evil safe config.m', 'glix set --host evil safe config.motd=')
      })

      it('completes the flags a plugin added, with no other edit', async () => {
        await term.inserts('glix probe --co', 'glix probe --colour')
        await term.inserts('glix probe --colour=g', 'glix probe --colour=green')
        await term.inserts('glix probe --colour b', 'glix probe --colour blue')
        // --depth takes a value: `3` is not the argument, `n` completes it.
        await term.inserts('glix probe --depth 3 n', 'glix probe --depth 3 north')
      })

      if (shell.name === 'zsh') {
        it('shows descriptions as written: a $ in a summary is not expanded', async () => {
          const {lines} = await term.complete('glix show --', shell.list, 'the flags of show', (lines) => lines.some((line) => line.includes('--host')))
          expect(lines.join('\n')).to.include('(default: $GLIX_HOST, else')
          const probe = await term.complete('glix probe --', shell.list, 'the flags of probe', (lines) => lines.some((line) => line.includes('--colour')))
          expect(probe.lines.join('\n')).to.include('Paint it (default: $GLIX_COLOUR).')
        })
      }
    })
  }

  describe('the completion functions, called directly', () => {
    /** What `eval "$(glix autocomplete script bash)"` evaluates, computed once (each glix run costs a node start). */
    let setup: string

    before(async () => {
      setup = (await glixRun('autocomplete', 'script', 'bash')).stdout
    })

    /** Runs bash's `_glix_complete` for `line` (cursor at its end) in a fresh bash and returns COMPREPLY. */
    async function complete(line: string, options: {cwd?: string; env?: Record<string, string>; prelude?: string; script?: string} = {}): Promise<string[]> {
      const words = compWords(line)
      const script = [
        options.script ?? setup,
        options.prelude ?? '',
        `COMP_LINE=${bashQuote(line)}; COMP_POINT=\${#COMP_LINE}`,
        `COMP_WORDS=(${words.map((word) => bashQuote(word)).join(' ')}); COMP_CWORD=${words.length - 1}`,
        '_glix_complete',
        'printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n')
      const {stdout} = await execFileAsync('bash', ['--noprofile', '--norc', '-c', script], {cwd: options.cwd ?? repo, env: {...env, ...options.env}})
      return stdout.split('\n').filter((word) => word !== '')
    }

    it('finds the repo from a subdirectory, from --dir, from $GLIX_ROOT and from $XDG_CONFIG_HOME/glixos', async () => {
      const hosts = ['desktop', 'evil', 'laptop', 'pi']
      expect(await complete('glix list --host ', {cwd: path.join(repo, 'hosts', 'pi')})).to.have.members(hosts)
      expect(await complete(`glix list --dir ${repo} --host `, {cwd: tmp})).to.have.members(hosts)
      expect(await complete('glix list --host ', {cwd: tmp, env: {GLIX_ROOT: repo}})).to.have.members(hosts)
      expect(await complete('glix list --host ', {cwd: tmp})).to.deep.equal([])
      const config = path.join(tmp, 'xdg')
      await mkdir(config)
      await symlink(repo, path.join(config, 'glixos'))
      expect(await complete('glix list --host ', {cwd: tmp, env: {XDG_CONFIG_HOME: config}})).to.have.members(hosts)
    })

    it('takes the host from --host, --host=, $GLIX_HOST, else the hostname up to the first dot', async () => {
      expect(await complete('glix remove --host=laptop ')).to.deep.equal(['firefox', 'thunderbird'])
      expect(await complete('glix set --host=p')).to.deep.equal(['pi'])
      expect(await complete('glix enable ', {env: {GLIX_HOST: 'desktop'}})).to.deep.equal(['steam'])
      expect(await complete('glix disable ', {prelude: 'HOSTNAME=pi.example.org'})).to.deep.equal(['htop', 'raspi-fw', 'zellij'])
      expect(await complete('glix show r', {env: {GLIX_HOST: 'pi'}})).to.deep.equal(['raspi-fw'])
      expect(await complete('glix show --host nosuchhost ')).to.deep.equal([])
      // A hostile host value never becomes a path.
      expect(await complete('glix show --host ../pi ')).to.deep.equal([])
    })

    it('offers set keys after the package, and the config keys of that package', async () => {
      expect(await complete('glix set --host pi htop ')).to.have.members(['enabled=', 'flake=', 'pin=', 'scope=', 'user=', 'config.', 'config.color='])
      expect(await complete('glix set --host pi htop enabled=')).to.deep.equal(['true', 'false'])
      expect(await complete('glix host set ')).to.include.members(['system=', 'target_host=', 'build_host=', 'auto_apply='])
      // A key inside a multi-line string of the config table (shout) is text, not a key.
      expect(await complete('glix set --host evil safe config.')).to.deep.equal(['config.colour=', 'config.motd='])
      // Only the package named on the line has config keys to offer; a hostile name names none.
      expect(await complete('glix set --host evil ghost config.')).to.deep.equal([])
    })

    it('generates from what is installed: the script printed before the plugin changed does not know its new flags', async () => {
      expect(await complete('glix probe --', {script: scriptBefore})).to.have.members(['--alpha', '--dir', '--help', '--host'])
      expect(await complete('glix probe --')).to.have.members(['--alpha', '--colour', '--depth', '--dir', '--help', '--host'])
      expect(await complete('glix probe --depth 3 ', {script: scriptBefore}), 'the old script takes 3 for the argument').to.deep.equal([])
      expect(await complete('glix probe --depth 3 ')).to.deep.equal(['north', 'south'])
    })

    it('leaves existing completion alone when completion/glix.bash is sourced without a table (an older rc line)', async () => {
      const script = `complete -F _old glix; source ${bashQuote(path.join(PACKAGE_ROOT, 'completion', 'glix.bash'))}; complete -p glix; declare -F _glix_complete || echo none`
      const {stderr, stdout} = await execFileAsync('bash', ['--noprofile', '--norc', '-c', script], {env})
      expect(stdout).to.equal('complete -F _old glix\nnone\n')
      expect(stderr).to.equal('')
    })

    it('takes well under a process start per TAB, in bash and in zsh (measured)', async () => {
      const runs = 20
      const bash = [
        setup,
        "COMP_LINE='glix show --host pi '; COMP_POINT=${#COMP_LINE}",
        "COMP_WORDS=(glix show --host pi ''); COMP_CWORD=4",
        `start=\${EPOCHREALTIME/[.,]/}; for ((i = 0; i < ${runs}; i++)); do _glix_complete; done; end=\${EPOCHREALTIME/[.,]/}`,
        'echo "$((end - start)) ${COMPREPLY[*]}"',
      ].join('\n')
      // zsh's compadd only works inside a completion widget: stand-ins collect what would be offered.
      const zshSetup = (await glixRun('autocomplete', 'script', 'zsh')).stdout
      const zsh = [
        'compdef() { : }; _wanted() { shift 3; "$@" }; compadd() { shift; reply=(${(P)1}) }',
        zshSetup,
        "words=(glix show --host pi ''); CURRENT=5; PREFIX=''",
        'zmodload zsh/datetime',
        `start=$EPOCHREALTIME; for ((i = 0; i < ${runs}; i++)); do _glix_complete; done; end=$EPOCHREALTIME`,
        'echo "$(( (end - start) * 1e6 )) $reply"',
      ].join('\n')
      const perTab: Record<string, number> = {}
      for (const [shell, args] of [
        ['bash', ['--noprofile', '--norc', '-c', bash]],
        ['zsh', ['-f', '-c', zsh]],
      ] as const) {
        const {stdout} = await execFileAsync(shell, [...args], {cwd: repo, env})
        const [micros, ...reply] = stdout.trim().split(' ')
        expect(reply, shell).to.deep.equal(['htop', 'raspi-fw', 'zellij'])
        perTab[shell] = Number(micros) / runs / 1000
        expect(perTab[shell], shell).to.be.lessThan(200)
      }

      const started = process.hrtime.bigint()
      await glixRun('version')
      const nodeRun = Number(process.hrtime.bigint() - started) / 1e6
      console.log(
        `      \`glix show --host pi <TAB>\`: bash ${perTab.bash.toFixed(2)} ms, zsh ${perTab.zsh.toFixed(2)} ms per TAB (mean of ${runs}); one \`glix version\` run: ${nodeRun.toFixed(0)} ms`,
      )
    })
  })
})
