/**
 * Shell completion in real shells. The built CLI's `glix autocomplete bash`
 * fills a temp cache; a `glix` shim first on PATH runs `bin/run.js`; a real
 * bash (with bash-completion) and a real zsh (with compinit) run inside a
 * private tmux server, set up exactly as the README says (`eval "$(glix
 * autocomplete:script …)"`), and the test types into them and reads the
 * screen with `tmux capture-pane`. The repo is written by hand: hosts
 * laptop, desktop and pi with packages, plus a directory under hosts/ that
 * is not a host.
 *
 * Then the bash function is called directly (edge cases: --dir, $GLIX_ROOT,
 * `--host=`, the hostname fallback, no oclif cache), and its latency per
 * TAB is measured and printed.
 *
 * Needs tmux, bash, bash-completion and zsh (`.ci/run` installs them): the
 * suite is skipped without them on a developer machine and fails in CI
 * (`CI=true`). Needs the built CLI: run `npm run build` first.
 */
import {expect} from 'chai'
import {execFile, execFileSync} from 'node:child_process'
import {accessSync, constants, existsSync, readFileSync} from 'node:fs'
import {chmod, mkdir, mkdtemp, realpath, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'

const execFileAsync = promisify(execFile)

const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url))
const BIN = path.join(PACKAGE_ROOT, 'bin', 'run.js')
const BASH_COMPLETION = ['/usr/share/bash-completion/bash_completion', '/etc/bash_completion'].find((file) => existsSync(file))
const PROMPT = 'glixtest>'

/** The commands whose first argument completes to a package name. */
const PACKAGE_COMMANDS = ['show', 'remove', 'enable', 'disable', 'set']

const MANIFEST_HEAD = '# glixos manifest. Managed by glix; hand edits preserved on best-effort.\nschema = 1\n\n[settings]\ndefault_scope = "system"\nauto_apply = false\n'

function pkg(name: string, flake: string, enabled = true): string {
  return `\n[packages.${name}]\nflake   = "${flake}"\nscope   = "system"\nenabled = ${enabled}\n`
}

/** The manifests of the test repo. pi's quoted header and config table are valid TOML glix may meet after a hand edit. */
const MANIFESTS: Record<string, string> = {
  desktop: MANIFEST_HEAD + pkg('steam', 'github:NixOS/nixpkgs#steam'),
  laptop: MANIFEST_HEAD + pkg('firefox', 'github:NixOS/nixpkgs#firefox') + pkg('thunderbird', 'github:NixOS/nixpkgs#thunderbird'),
  pi:
    MANIFEST_HEAD +
    pkg('htop', 'github:NixOS/nixpkgs#htop') +
    '\n[packages.htop.config]\ncolor = "yes"\n' +
    pkg('raspi-fw', 'github:example/raspi-fw') +
    '\n[ packages . "zellij" ]\nflake   = "github:NixOS/nixpkgs#zellij"\nscope   = "system"\nenabled = false\n',
}

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

/** Reads the value-flag list a completion file keeps. */
function valueFlags(file: string): string[] {
  const match = /^(?:typeset -g )?_glix_value_flags='([^']*)'/m.exec(readFileSync(path.join(PACKAGE_ROOT, 'completion', file), 'utf8'))
  if (!match) throw new Error(`no _glix_value_flags in completion/${file}`)
  return match[1].trim().split(/\s+/)
}

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
  this.timeout(120_000)

  let tmp: string
  let repo: string
  let env: NodeJS.ProcessEnv
  const server = `glixtest-${process.pid}`

  function tmux(...args: string[]): string {
    // A private server (-L) that reads no tmux.conf (-f): the screen is exactly what the shell drew.
    return execFileSync('tmux', ['-L', server, '-f', '/dev/null', ...args], {encoding: 'utf8', env})
  }

  before(async function () {
    if (missing.length > 0) throw new Error(`the completion tests need ${missing.join(', ')} (.ci/run installs them)`)
    tmp = await realpath(await mkdtemp(path.join(os.tmpdir(), 'glix-completion-')))
    const home = path.join(tmp, 'home')
    const bin = path.join(tmp, 'bin')
    repo = path.join(tmp, 'repo')
    await Promise.all([mkdir(home), mkdir(bin), mkdir(path.join(tmp, 'config')), mkdir(path.join(tmp, 'zdotdir'))])

    const inputrc = path.join(tmp, 'inputrc')
    env = {...process.env, HOME: home, INPUTRC: inputrc, NO_COLOR: '1', TERM: 'xterm-256color'}
    env.GLIX_CACHE_DIR = path.join(tmp, 'cache', 'glix')
    env.XDG_CACHE_HOME = path.join(tmp, 'cache')
    // No repo to fall back to: only the one on the line or around $PWD counts.
    env.XDG_CONFIG_HOME = path.join(tmp, 'config')
    env.PATH = `${bin}${path.delimiter}${process.env.PATH}`
    for (const name of ['GLIX_HOST', 'GLIX_ROOT', 'TMUX', 'TMUX_PANE', 'ZDOTDIR', 'BASH_ENV', 'ENV', 'EDITOR', 'VISUAL', 'PROMPT_COMMAND']) delete env[name]

    const shim = path.join(bin, 'glix')
    await writeFile(shim, `#!/bin/sh\nexec ${bashQuote(process.execPath)} ${bashQuote(BIN)} "$@"\n`)
    await chmod(shim, 0o755)
    await writeFile(inputrc, '')

    // The repo: three hosts and a directory that is not one.
    await mkdir(path.join(repo, 'hosts', 'notes'), {recursive: true})
    await writeFile(path.join(repo, 'flake.nix'), '{ outputs = _: { }; }\n')
    for (const [host, manifest] of Object.entries(MANIFESTS)) {
      await mkdir(path.join(repo, 'hosts', host))
      await writeFile(path.join(repo, 'hosts', host, 'glix.toml'), manifest)
      await writeFile(path.join(repo, 'hosts', host, 'default.nix'), '{ ... }: { }\n')
    }

    // What the user runs once: it builds oclif's cache (the plugin's create command).
    await execFileAsync(process.execPath, [BIN, 'autocomplete', 'bash'], {cwd: tmp, env})
    await writeFile(
      path.join(home, '.bashrc'),
      [`PS1=${bashQuote(`${PROMPT} `)}`, `source ${bashQuote(BASH_COMPLETION!)}`, 'eval "$(glix autocomplete:script bash)"', ''].join('\n'),
    )
    await writeFile(
      path.join(tmp, 'zdotdir', '.zshrc'),
      [`PS1=${bashQuote(`${PROMPT} `)}`, 'bindkey -e', 'autoload -Uz compinit && compinit -u', 'eval "$(glix autocomplete:script zsh)"', ''].join('\n'),
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

  describe('glix autocomplete script', () => {
    it('prints the plugin line, then sources the shipped dynamic layer (the line the instructions put in ~/.bashrc)', async () => {
      const {stdout} = await execFileAsync(process.execPath, [BIN, 'autocomplete', 'script', 'bash'], {env})
      const setup = path.join(env.GLIX_CACHE_DIR!, 'autocomplete', 'bash_setup')
      expect(stdout).to.equal(
        `\nGLIX_AC_BASH_SETUP_PATH=${setup} && test -f $GLIX_AC_BASH_SETUP_PATH && source $GLIX_AC_BASH_SETUP_PATH;` +
          ` GLIX_AC_BASH_DYNAMIC_PATH='${path.join(PACKAGE_ROOT, 'completion', 'glix.bash')}' && test -f "$GLIX_AC_BASH_DYNAMIC_PATH" && source "$GLIX_AC_BASH_DYNAMIC_PATH";` +
          ' # glix autocomplete setup\n\n',
      )
      const zsh = await execFileAsync(process.execPath, [BIN, 'autocomplete:script', 'zsh'], {env})
      expect(zsh.stdout).to.include(`source $GLIX_AC_ZSH_SETUP_PATH; GLIX_AC_ZSH_DYNAMIC_PATH='${path.join(PACKAGE_ROOT, 'completion', 'glix.zsh')}'`)
    })

    it("is what the plugin's instructions run: glix's command replaces the plugin's", async () => {
      const {stdout} = await execFileAsync(process.execPath, [BIN, 'autocomplete', 'zsh'], {env})
      expect(stdout).to.include('printf "$(glix autocomplete script zsh)" >> ~/.zshrc')
      const manifest = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'oclif.manifest.json'), 'utf8'))
      expect(manifest.commands['autocomplete:script']?.pluginName).to.equal('glix')
    })

    it('keeps the value-flag lists of both shells in step with the commands', () => {
      const manifest = JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'oclif.manifest.json'), 'utf8'))
      const commands = Object.entries<{flags: Record<string, {name: string; type: string}>}>(manifest.commands)
      for (const file of ['glix.bash', 'glix.zsh']) {
        const listed = valueFlags(file)
        // The word after a value flag is not the package argument: every value flag of those commands must be listed…
        for (const [id, command] of commands.filter(([id]) => PACKAGE_COMMANDS.includes(id))) {
          for (const flag of Object.values(command.flags).filter((f) => f.type === 'option')) {
            expect(listed, `${file}: --${flag.name} of ${id}`).to.include(`--${flag.name}`)
          }
        }

        // …and no boolean flag may be, or it would swallow the argument after it.
        for (const [id, command] of commands) {
          for (const flag of Object.values(command.flags).filter((f) => f.type === 'boolean')) {
            expect(listed, `${file}: --${flag.name} of ${id} is boolean`).to.not.include(`--${flag.name}`)
          }
        }
      }
    })
  })

  /** A shell in its own tmux window of the private server. */
  function terminal(name: string, command: string) {
    const target = `${name}:0`
    tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '50', '-c', repo, command)

    const screen = () => tmux('capture-pane', '-p', '-t', target)
    const screenLines = () =>
      screen()
        .split('\n')
        .map((line) => line.trimEnd())
        .filter((line) => line !== '')

    /**
     * Polls the screen (up to 30 s: a shell's first prompt on a loaded 2-core machine took longer
     * than 5 s once) until `done` holds; fails with the screen otherwise.
     */
    async function waitFor(what: string, done: (lines: string[]) => boolean): Promise<string[]> {
      const deadline = Date.now() + 30_000
      for (;;) {
        const lines = screenLines()
        if (done(lines)) return lines
        if (Date.now() > deadline) expect.fail(`${name}: timed out waiting for ${what}; the screen:\n${lines.join('\n')}`)
        await sleep(25)
      }
    }

    return {
      /** Clears the line and the screen, types `text` and the keys, and returns the screen once `done` holds. */
      async complete(text: string, keys: string[], what: string, done: (lines: string[], listed: string[]) => boolean): Promise<{lines: string[]; listed: string[]}> {
        tmux('send-keys', '-t', target, 'C-u')
        tmux('send-keys', '-t', target, 'C-l')
        await waitFor('an empty prompt', (lines) => lines.length === 1 && lines[0] === PROMPT)
        tmux('send-keys', '-t', target, '-l', text)
        await waitFor(`the typed line ${JSON.stringify(text)}`, (lines) => lines.at(-1) === `${PROMPT} ${text}`.trimEnd())
        tmux('send-keys', '-t', target, ...keys)
        const listedWords = (lines: string[]) => lines.filter((line) => !line.startsWith(PROMPT)).flatMap((line) => line.trim().split(/\s+/))
        const lines = await waitFor(what, (lines) => done(lines, listedWords(lines)))
        return {lines, listed: listedWords(lines)}
      },
      /** Waits for the first prompt (the rc file has run). */
      ready: () => waitFor('the first prompt', (lines) => lines.at(-1) === PROMPT),
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

      it('glix li<TAB> completes the command to list', async () => {
        await term.complete('glix li', ['Tab'], '`glix list`', (lines) => lines.at(-1) === `${PROMPT} glix list`)
      })

      it("glix show --host <TAB> lists the repo's hosts", async () => {
        const {listed} = await term.complete('glix show --host ', shell.list, 'the hosts', (_, listed) => listed.includes('laptop'))
        expect(listed.sort()).to.deep.equal(['desktop', 'laptop', 'pi'])
      })

      it("glix show --host pi <TAB> lists pi's packages, not another host's", async () => {
        const {lines, listed} = await term.complete('glix show --host pi ', shell.list, "pi's packages", (_, listed) => listed.includes('htop'))
        expect(listed.sort()).to.deep.equal(['htop', 'raspi-fw', 'zellij'])
        expect(lines.filter((line) => line.startsWith(PROMPT)).at(-1), 'the line is left as typed').to.equal(`${PROMPT} glix show --host pi`)
      })

      it('glix show --host=<TAB> and a flag after other flags complete too', async () => {
        const {listed} = await term.complete('glix show --host=', shell.list, 'the hosts', (_, listed) => listed.includes('laptop'))
        expect(listed.sort()).to.deep.equal(['desktop', 'laptop', 'pi'])
        const flag = `glix show --dir ${repo} --host pi --js`
        await term.complete(flag, ['Tab'], '--json', (lines) => lines.at(-1) === `${PROMPT} ${flag}on`)
        const host = `glix disable --dir ${repo} --dry-run --host l`
        await term.complete(host, ['Tab'], 'laptop', (lines) => lines.at(-1) === `${PROMPT} ${host}aptop`)
        await term.complete(`glix enable --host=laptop --no-lock t`, ['Tab'], 'thunderbird', (lines) => lines.at(-1) === `${PROMPT} glix enable --host=laptop --no-lock thunderbird`)
      })
    })
  }

  describe('the completion functions, called directly', () => {
    /** What `eval "$(glix autocomplete:script bash)"` evaluates, computed once (each glix run costs a node start). */
    let setup: string

    before(async () => {
      setup = (await execFileAsync(process.execPath, [BIN, 'autocomplete:script', 'bash'], {env})).stdout
    })

    /** Runs bash's `_glix_dynamic` for `line` (cursor at its end) in a fresh bash and returns COMPREPLY. */
    async function complete(line: string, options: {cwd?: string; env?: Record<string, string>; oclif?: boolean; prelude?: string} = {}): Promise<string[]> {
      const words = compWords(line)
      const script = [
        options.oclif === false ? `source ${bashQuote(path.join(PACKAGE_ROOT, 'completion', 'glix.bash'))}` : setup,
        options.prelude ?? '',
        `COMP_LINE=${bashQuote(line)}; COMP_POINT=\${#COMP_LINE}`,
        `COMP_WORDS=(${words.map((word) => bashQuote(word)).join(' ')}); COMP_CWORD=${words.length - 1}`,
        '_glix_dynamic',
        'printf "%s\\n" "${COMPREPLY[@]}"',
      ].join('\n')
      const {stdout} = await execFileAsync('bash', ['--noprofile', '--norc', '-c', script], {cwd: options.cwd ?? repo, env: {...env, ...options.env}})
      return stdout.split('\n').filter((word) => word !== '')
    }

    it('finds the repo from a subdirectory, from --dir, from $GLIX_ROOT and from $XDG_CONFIG_HOME/glixos', async () => {
      const hosts = ['desktop', 'laptop', 'pi']
      expect(await complete('glix list --host ', {cwd: path.join(repo, 'hosts', 'pi')})).to.deep.equal(hosts)
      expect(await complete(`glix list --dir ${repo} --host `, {cwd: tmp})).to.deep.equal(hosts)
      expect(await complete('glix list --host ', {cwd: tmp, env: {GLIX_ROOT: repo}})).to.deep.equal(hosts)
      expect(await complete('glix list --host ', {cwd: tmp})).to.deep.equal([])
      const config = path.join(tmp, 'xdg')
      await mkdir(config)
      await execFileAsync('ln', ['-s', repo, path.join(config, 'glixos')])
      expect(await complete('glix list --host ', {cwd: tmp, env: {XDG_CONFIG_HOME: config}})).to.deep.equal(hosts)
    })

    it('takes the host from --host, --host=, $GLIX_HOST, else the hostname up to the first dot', async () => {
      expect(await complete('glix remove --host=laptop ')).to.deep.equal(['firefox', 'thunderbird'])
      expect(await complete('glix set --host=p')).to.deep.equal(['pi'])
      expect(await complete('glix enable ', {env: {GLIX_HOST: 'desktop'}})).to.deep.equal(['steam'])
      expect(await complete('glix disable ', {prelude: 'HOSTNAME=pi.example.org'})).to.deep.equal(['htop', 'raspi-fw', 'zellij'])
      expect(await complete('glix show r', {env: {GLIX_HOST: 'pi'}})).to.deep.equal(['raspi-fw'])
      // Only the first argument is a package; `set`'s key=value pairs are not.
      expect(await complete('glix set --host pi htop ')).to.deep.equal([])
      expect(await complete('glix show --host nosuchhost ')).to.deep.equal([])
    })

    it('completes flags after flags, and commands and flags without oclif’s cache', async () => {
      expect(await complete('glix show --host pi --dir . --')).to.include.members(['--json', '--dir', '--host'])
      expect(await complete('glix host set --dry-run --no')).to.deep.equal(['--no-lock'])
      expect(await complete('glix add --scope ')).to.deep.equal(['system', 'home'])
      expect(await complete('glix li', {oclif: false})).to.deep.equal(['list'])
      expect(await complete('glix host ', {oclif: false})).to.have.members(['remove', 'set'])
      expect(await complete('glix show --host pi --h', {oclif: false})).to.have.members(['--host', '--help'])
      expect(await complete('glix show --host pi ', {oclif: false})).to.deep.equal(['htop', 'raspi-fw', 'zellij'])
    })

    it('takes well under a process start per TAB, in bash and in zsh (measured)', async () => {
      const runs = 20
      const bash = [
        setup,
        "COMP_LINE='glix show --host pi '; COMP_POINT=${#COMP_LINE}",
        "COMP_WORDS=(glix show --host pi ''); COMP_CWORD=4",
        `start=\${EPOCHREALTIME/[.,]/}; for ((i = 0; i < ${runs}; i++)); do _glix_dynamic; done; end=\${EPOCHREALTIME/[.,]/}`,
        'echo "$((end - start)) ${COMPREPLY[*]}"',
      ].join('\n')
      // zsh's compadd only works inside a completion widget: stand-ins collect what would be offered.
      const zsh = [
        'compdef() { : }; _wanted() { shift 3; "$@" }; compadd() { shift; reply=(${(P)1}) }',
        `source ${bashQuote(path.join(PACKAGE_ROOT, 'completion', 'glix.zsh'))}`,
        "words=(glix show --host pi ''); CURRENT=5",
        'zmodload zsh/datetime',
        `start=$EPOCHREALTIME; for ((i = 0; i < ${runs}; i++)); do _glix_dynamic; done; end=$EPOCHREALTIME`,
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
      await execFileAsync(process.execPath, [BIN, 'version'], {env})
      const nodeRun = Number(process.hrtime.bigint() - started) / 1e6
      console.log(
        `      \`glix show --host pi <TAB>\`: bash ${perTab.bash.toFixed(2)} ms, zsh ${perTab.zsh.toFixed(2)} ms per TAB (mean of ${runs}); one \`glix version\` run: ${nodeRun.toFixed(0)} ms`,
      )
    })
  })
})
