/**
 * The generated completion script, evaluated by real bash and zsh: a table
 * of hostile keys and values (quotes, `$(…)`, backticks, backslashes,
 * newlines, `%`) comes back byte for byte as data, and nothing in it runs.
 * Needs bash and zsh (`.ci/run` installs them); fails without them in CI.
 */
import {expect} from 'chai'
import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {mkdtemp, readdir, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'

import {renderCompletionScript, renderCompletionTable} from '../../src/lib/completion/script.js'

const execFileAsync = promisify(execFile)

const SHELLS = {
  bash: {args: ['--noprofile', '--norc', '-c'], dump: 'for k in "${!_glix_data[@]}"; do printf "%s\\0%s\\0" "$k" "${_glix_data[$k]}"; done'},
  zsh: {args: ['-f', '-c'], dump: 'for k v in "${(@kv)_glix_data}"; do printf "%s\\0%s\\0" "$k" "$v"; done'},
} as const

function available(shell: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir !== '' && existsSync(path.join(dir, shell)))
}

const missing = Object.keys(SHELLS).filter((shell) => !available(shell))

;(missing.length === 0 || process.env.CI === 'true' ? describe : describe.skip)('completion script in real shells', () => {
  let tmp: string

  before(async () => {
    if (missing.length > 0) throw new Error(`these tests need ${missing.join(', ')}`)
    tmp = await mkdtemp(path.join(os.tmpdir(), 'glix-completion-script-'))
  })

  after(async () => {
    if (tmp) await rm(tmp, {force: true, recursive: true})
  })

  const hostile = (tmp: string): Array<[string, string]> => [
    ['format', '1'],
    [`k/$(touch ${tmp}/pwned-1)`, `it's $(touch ${tmp}/pwned-2) \`touch ${tmp}/pwned-3\``],
    ['fd/probe', `--colour:Paint (default: $HOME, \${GLIX_HOST}, '\\x'; %s %%)\n--x:two\\nlines`],
    ["'", '"'],
    ['\\', ' lead and trail '],
  ]

  for (const [shell, {args, dump}] of Object.entries(SHELLS)) {
    it(`${shell}: the table comes back as written, and nothing in it runs`, async () => {
      const table = hostile(tmp)
      const script = `${renderCompletionTable(shell as 'bash' | 'zsh', table)}\n${dump}`
      const {stdout} = await execFileAsync(shell, [...args, script], {cwd: tmp})
      const parts = stdout.split('\0').slice(0, -1)
      const back = new Map<string, string>()
      for (let i = 0; i < parts.length; i += 2) back.set(parts[i], parts[i + 1])
      expect(back).to.deep.equal(new Map(table))
      expect(await readdir(tmp)).to.deep.equal([])
    })

    it(`${shell}: a whole script with an odd header evaluates cleanly`, async () => {
      const script = renderCompletionScript(shell as 'bash' | 'zsh', [['format', '1']], 'engine_loaded=yes', 'glix 1.0\n$(touch x), evil 0.1 (link)')
      expect(script.split('\n').slice(0, 3).every((line) => line.startsWith('#'))).to.equal(true)
      const {stderr, stdout} = await execFileAsync(shell, [...args, `${script}\necho "$engine_loaded \${_glix_data[format]}"`], {cwd: tmp})
      expect(stdout).to.equal('yes 1\n')
      expect(stderr).to.equal('')
      expect(await readdir(tmp)).to.deep.equal([])
    })
  }
})
