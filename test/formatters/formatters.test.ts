/**
 * The formatters, one per result kind: the text they render, and that no
 * text from outside glix reaches the terminal unescaped, whichever field
 * it sits in.
 */
import {expect} from 'chai'

import {formatDoctor} from '../../src/formatters/doctor.js'
import {formatError, formatNotice} from '../../src/formatters/errors.js'
import {formatInfo} from '../../src/formatters/info.js'
import {formatPackageList} from '../../src/formatters/list.js'
import {formatApplied, formatApplyHint, formatHostRemovePrompt, formatMutation} from '../../src/formatters/mutation.js'
import {formatPlan} from '../../src/formatters/plan.js'
import {formatSearch} from '../../src/formatters/search.js'
import {formatPackage} from '../../src/formatters/show.js'
import {formatStatus} from '../../src/formatters/status.js'
import {type MutationResult, mutationResult} from '../../src/lib/ops/mutation.js'

const EVIL = '\u001B]0;pwned\u0007\u001Bc\u001B#8\u001B(0\u009B2J\u0007\u0008\r\nforged\u202E'
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000B-\u001F\u007F-\u009F\u2028\u2029\u202A-\u202E\u2066-\u2069]/

function expectSafe(text: string): void {
  expect(CONTROL.test(text), JSON.stringify(text)).to.equal(false)
  expect(text).to.include(String.raw`\x1b]0;pwned\x07`)
}

const SHA = '0123456789abcdef0123456789abcdef01234567'

function committed<D extends object>(command: string, details: D, subject = `glix ${command} h: x`): MutationResult<D> {
  // A committed transaction, as runTransaction reports it.
  return mutationResult({command, details, hosts: ['h'], subject, tx: {changed: [], commit: SHA, lockSkipped: false, locked: false}})
}

describe('formatters', () => {
  describe('mutation', () => {
    it('add: the spec first line, then the commit', () => {
      const result = committed('add', {flake: 'github:NixOS/nixpkgs#firefox', input: 'x', name: 'firefox', scope: 'system' as const, via: 'uri' as const}, 'glix add h: firefox (…)')
      expect(formatMutation(result)).to.equal('added firefox -> github:NixOS/nixpkgs#firefox (scope=system) to host h\ncommitted 0123456789ab: glix add h: firefox (…)')
    })

    it('a dry run says what it would do and would commit', () => {
      const result = mutationResult({command: 'remove', details: {name: 'x'}, dryRun: true, hosts: ['h'], subject: 'glix remove h: x'})
      expect(formatMutation(result)).to.equal('would remove x from host h\nwould commit: glix remove h: x')
    })

    it('a no-op is one line and no commit', () => {
      expect(formatMutation(mutationResult({command: 'enable', details: {name: 'x'}, hosts: ['h']}))).to.equal('x is already enabled on host h; nothing to do')
      expect(formatMutation(mutationResult({command: 'update', details: {inputs: []}, hosts: []}))).to.equal('flake.lock is already up to date')
      expect(formatMutation(mutationResult({command: 'plugin-thing', details: {}, hosts: ['h']}))).to.equal('nothing to do')
    })

    it("a plugin's mutation gets the commit line", () => {
      expect(formatMutation(committed('mark', {}, 'glix mark h: x'))).to.equal('committed 0123456789ab: glix mark h: x')
    })

    it('escapes names, paths and subjects', () => {
      expectSafe(formatMutation(committed('rollback', {files: [`hosts/h/${EVIL}.nix`], reverted: SHA, reverted_subject: EVIL}, `glix rollback: revert "${EVIL}"`)))
      expectSafe(formatMutation(committed('host remove', {removed: [`hosts/h/${EVIL}`]})))
      expectSafe(formatMutation(committed('init', {created_repo: true, root: `/tmp/${EVIL}`, system: EVIL, user: 'alice'})))
      expectSafe(formatMutation(committed('set', {name: 'x'}, `glix set h: x config.a=${EVIL}`)))
      expectSafe(formatHostRemovePrompt('h', [`hosts/h/${EVIL}`]))
      expect(formatApplyHint(['h'])).to.equal('run `glix rebuild --host=h` to apply')
      expect(formatApplied(['h'])).to.equal('applied: nixos-rebuild switch succeeded on host h')
    })
  })

  it('list: a table whose rows cannot be forged', () => {
    const text = formatPackageList([{flake: `github:a/b${EVIL}`, host: 'h', name: 'x', scope: 'system', state: 'enabled'}], true)
    expectSafe(text)
    expect(text.split('\n')).to.have.lengthOf(2)
  })

  it('show: flake, pin, config keys and values', () => {
    expectSafe(formatPackage({config: {[EVIL]: EVIL}, flake: EVIL, host: 'h', name: 'x', pin: EVIL, scope: 'home', state: 'enabled', user: 'bob'}))
  })

  it('info: root, HEAD subject, system, flake.lock sources and revisions', () => {
    const text = formatInfo({
      git: 'clean',
      head: EVIL,
      hosts: [{enabled: 1, host: 'h', primary_user: EVIL, system: EVIL, total: 1}],
      lock: [{input: EVIL, rev: EVIL, source: `github:${EVIL}`}],
      root: `/tmp/${EVIL}`,
    })
    expectSafe(text)
    expect(text.split('\n')).to.have.lengthOf(7)
  })

  it('doctor, search, status, plan, notices and errors', () => {
    expectSafe(formatDoctor({checks: [{message: `clean, head: ${EVIL}`, name: 'git', status: 'OK'}], ok: true}))
    expectSafe(formatSearch({packages: [{description: EVIL, flake: 'github:a/b', name: 'x'}], query: '', registry: 'u', source: 'network'}).table!)
    expectSafe(formatSearch({packages: [], query: '', registry: `http://x/${EVIL}`, source: 'network'}).notice!)
    expectSafe(formatStatus({hosts: [{host: EVIL, state: 'never deployed'}]}))
    expectSafe(
      formatPlan({
        hosts: [
          {
            changes: [
              {enabled: true, flake: EVIL, kind: 'added', package: 'x', pin: EVIL, scope: 'system'},
              {from: EVIL, key: EVIL, kind: 'changed', package: 'x', to: EVIL},
              {key: 'imports', kind: 'manifest', non_glix: true, to: JSON.stringify(EVIL)},
              {flake: EVIL, kind: 'removed', package: 'y'},
            ],
            host: 'h',
            other_files: [EVIL],
            state: 'never deployed',
            uncommitted: false,
          },
        ],
      }),
    )
    expectSafe(formatNotice(`registry ${EVIL} unavailable`))
    const line = formatError('show', `package ${EVIL} not found`, [EVIL])
    expectSafe(line)
    expect(line.split('\n')).to.have.lengthOf(1)
    expect(line.startsWith('glix show: package ')).to.equal(true)
  })
})
