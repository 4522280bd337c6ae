// The completion table built from oclif's manifests: every command, flag,
// value flag and option list of glix (and of oclif's help plugin) is in it,
// the live-value table names arguments that exist, and hostile metadata
// is left out or made inert.
import {expect} from 'chai'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {LIVE_ARGS, LIVE_FLAGS} from '../../../src/lib/completion/live.js'
import {buildCompletionTable, type CompletionSource, SAFE_TOKEN, type SourceCommand} from '../../../src/lib/completion/model.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

interface Manifest {
  commands: Record<string, SourceCommand>
}

function readManifest(file: string): Manifest {
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest
}

const GLIX = readManifest(path.join(ROOT, 'oclif.manifest.json'))
const HELP = readManifest(path.join(ROOT, 'node_modules', '@oclif', 'plugin-help', 'oclif.manifest.json'))

const SOURCE: CompletionSource = {
  bin: 'glix',
  commands: [...Object.values(GLIX.commands), ...Object.values(HELP.commands)],
  rootPlugin: 'glix',
  topics: [{description: 'Change or remove the settings of one host', name: 'host'}],
}

function tableOf(source: CompletionSource, descriptions = true): Map<string, string> {
  const entries = buildCompletionTable(source, {descriptions})
  const table = new Map(entries)
  expect(table.size, 'no key twice').to.equal(entries.length)
  return table
}

const words = (value: string | undefined) => (value ?? '').split(' ').filter((word) => word !== '')

describe('completion table (lib/completion/model)', () => {
  const table = tableOf(SOURCE)

  it('lists every visible command under its topic, and knows hidden ones without listing them', () => {
    for (const command of SOURCE.commands) {
      const parts = command.id.split(':')
      const level = words(table.get(`k/${parts.slice(0, -1).join(':')}`))
      expect(table.get(`c/${command.id}`), command.id).to.equal('1')
      if (command.hidden) expect(level, command.id).to.not.include(parts.at(-1))
      else expect(level, command.id).to.include(parts.at(-1))
    }

    expect(words(table.get('k/host'))).to.deep.equal(['remove', 'set'])
    expect(table.get('t/host')).to.equal('1')
    expect(table.get('kd/')).to.include('\nhost:Change or remove the settings of one host\n')
  })

  it('has every flag of every command, which of them take a value, and their option lists', () => {
    for (const command of SOURCE.commands) {
      const listed = words(table.get(`f/${command.id}`))
      const valued = words(table.get(`v/${command.id}`))
      expect(listed, command.id).to.include('--help')
      for (const flag of Object.values(command.flags)) {
        const forms = [`--${flag.name}`, ...(flag.char ? [`-${flag.char}`] : [])]
        for (const form of forms) {
          if (flag.hidden) expect(listed, `${command.id} ${form}`).to.not.include(form)
          else expect(listed, `${command.id} ${form}`).to.include(form)
          if (flag.type === 'option') expect(valued, `${command.id} ${form}`).to.include(form)
          else expect(valued, `${command.id} ${form}`).to.not.include(form)
          expect(table.get(`o/${command.id}/${form}`), `${command.id} ${form}`).to.equal(flag.options?.join(' '))
        }
      }
    }

    // The flags issue 13 found missing, straight from the manifest.
    expect(words(table.get('v/rebuild'))).to.include.members(['--target-host', '--build-host', '--jobs', '-j', '--hosts'])
    expect(words(table.get('gv'))).to.include.members(['--host', '--dir', '-j'])
    expect(words(table.get('g'))).to.have.members(['--dir', '--host', '--json', '--help', '--version'])
  })

  it('has the option lists of arguments, and which arguments repeat', () => {
    expect(words(table.get('a/rebuild/1'))).to.deep.equal(['switch', 'boot', 'test', 'build', 'dry-build', 'dry-activate'])
    expect(table.get('ar/set')).to.equal('2')
    expect(table.get('ar/host:set')).to.equal('1')
    expect(table.get('ar/show')).to.equal(undefined)
  })

  it('names in the live table only commands and arguments that exist', () => {
    const commands = new Map(SOURCE.commands.map((command) => [command.id, command]))
    for (const [id, args] of Object.entries(LIVE_ARGS)) {
      const command = commands.get(id)
      expect(command, id).to.not.equal(undefined)
      const names = Object.keys(command!.args)
      for (const [name, kind] of Object.entries(args)) {
        expect(names, `${id} ${name}`).to.include(name)
        expect(table.get(`al/${id}/${names.indexOf(name) + 1}`)).to.equal(kind)
      }
    }

    const flags = new Set(SOURCE.commands.flatMap((command) => Object.keys(command.flags)))
    for (const name of Object.keys(LIVE_FLAGS)) expect([...flags], name).to.include(name)
  })

  it('leaves descriptions out for bash', () => {
    const bash = tableOf(SOURCE, false)
    expect([...bash.keys()].filter((key) => /^(kd\/|fd\/|gd$)/.test(key))).to.deep.equal([])
  })

  it('leaves out what is not a plain token, and makes descriptions one inert line', () => {
    const hostile: SourceCommand = {
      aliases: ['probe', 'x;y', 'other', 'other'],
      args: {target: {name: 'target', options: ['north', '$(touch x)', 'a b', '*']}},
      description: 'first line\nsecond line',
      flags: {
        'bad name': {name: 'bad name', type: 'boolean'},
        colour: {name: 'colour', options: ['red', '`id`', "it's"], summary: "Paint\u001B[31m it\u0007 (default: $HOME, 'x')", type: 'option'},
        quiet: {allowNo: true, char: '?', name: 'quiet', type: 'boolean'},
      },
      id: 'probe',
    }
    const probe = tableOf({...SOURCE, commands: [hostile, {args: {}, flags: {}, id: 'bad;id'}]})
    expect(probe.get('c/bad;id')).to.equal(undefined)
    expect(probe.get('c/x;y')).to.equal(undefined)
    expect(probe.get('c/other')).to.equal('1')
    expect(words(probe.get('f/probe'))).to.deep.equal(['--colour', '--quiet', '--no-quiet', '--help'])
    expect(probe.get('o/probe/--colour')).to.equal('red')
    expect(probe.get('a/probe/1')).to.equal('north')
    expect(probe.get('fd/probe')).to.include("--colour:Paint [31m it (default: $HOME, 'x')\n")
    expect(probe.get('kd/')).to.equal('other:first line\nprobe:first line')
    for (const [key, value] of probe) {
      expect(key, key).to.not.match(/[\s;`$]/)
      // eslint-disable-next-line no-control-regex
      expect(value, key).to.not.match(/[\u0000-\u0009\u000B-\u001F\u007F]/)
      if (!/^(kd\/|fd\/|gd$|name$)/.test(key)) for (const word of words(value)) expect(word, key).to.match(SAFE_TOKEN)
    }
  })
})
