import {expect} from 'chai'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {GlixError, ManifestError} from '../../../src/lib/errors.js'
import {takeProblems} from '../../../src/lib/manifest/problems.js'
import {parseManifest, parseManifestDocument, readManifest} from '../../../src/lib/manifest/read.js'
import {renderManifest} from '../../../src/lib/manifest/write.js'

const FILE = 'hosts/laptop/glix.toml'

/** A manifest text with one package `pkg` whose table body is `body`. */
function withPackage(body: string): string {
  return `schema = 1\n\n[packages.pkg]\n${body}\n`
}

const VALID_PACKAGE = 'flake = "github:o/r"\nscope = "system"\nenabled = true'

/** Parses `text` and returns the field-rule problems it reported (values that are read, but never acted on). */
function problemsOf(text: string, file = FILE): string[] {
  takeProblems()
  parseManifest(text, file)
  return takeProblems()
}

/** Runs `parseManifest` on `text` and returns the ManifestError it throws. */
function parseError(text: string | Uint8Array, file = FILE): ManifestError {
  try {
    parseManifest(text, file)
  } catch (error) {
    expect(error).to.be.instanceOf(ManifestError)
    return error as ManifestError
  }

  throw new Error(`expected ${JSON.stringify(text)} to be refused`)
}

describe('parseManifest', () => {
  describe('valid manifests', () => {
    it('fills in the defaults of a manifest holding only the schema', () => {
      expect(parseManifest('schema = 1\n', FILE)).to.deep.equal({
        manifest: {extra: {}, packages: {}, schema: 1, settings: {auto_apply: false, default_scope: 'system', extra: {}}},
      })
    })

    it('accepts an empty [settings] and an empty [packages]', () => {
      const {manifest} = parseManifest('schema = 1\n[settings]\n[packages]\n', FILE)
      expect(manifest.packages).to.deep.equal({})
      expect(manifest.settings).to.deep.equal({auto_apply: false, default_scope: 'system', extra: {}})
    })

    it('reads a package with only the required keys', () => {
      expect(parseManifest(withPackage(VALID_PACKAGE), FILE).manifest.packages).to.deep.equal({
        pkg: {config: {}, enabled: true, extra: {}, flake: 'github:o/r', scope: 'system'},
      })
    })

    it('reads a home package with user, pin and config', () => {
      const text = withPackage(
        'flake = "github:o/r"\nscope = "home"\nenabled = false\npin = "abc"\nuser = "bob"\nconfig = { theme = "dark", "a b" = "" }',
      )
      expect(parseManifest(text, FILE).manifest.packages.pkg).to.deep.equal({
        config: {'a b': '', theme: 'dark'},
        enabled: false,
        extra: {},
        flake: 'github:o/r',
        pin: 'abc',
        scope: 'home',
        user: 'bob',
      })
    })

    it('treats empty optional strings as absent', () => {
      const text =
        'schema = 1\n[settings]\nsystem = ""\nprimary_user = ""\nregistry_url = ""\ntarget_host = ""\nbuild_host = ""\n' +
        '[packages.pkg]\n' +
        VALID_PACKAGE +
        '\npin = ""\nuser = ""\n'
      const {manifest} = parseManifest(text, FILE)
      expect(manifest.settings).to.deep.equal({auto_apply: false, default_scope: 'system', extra: {}})
      expect(manifest.packages.pkg).not.to.have.any.keys('pin', 'user')
    })

    it('reads CRLF line endings without comments', () => {
      const text = withPackage(VALID_PACKAGE).replaceAll('\n', '\r\n')
      expect(parseManifest(text, FILE).manifest.packages.pkg.flake).to.equal('github:o/r')
    })

    it('reads a canonical manifest with CRLF line endings (the old parser refused CR after a comment)', () => {
      // TOML allows CRLF everywhere; glix's own header is a comment, so every
      // manifest converted to CRLF (an editor, git autocrlf) is refused today.
      const lf = renderManifest(parseManifest(withPackage(VALID_PACKAGE), FILE).manifest)
      const crlf = lf.replaceAll('\n', '\r\n')
      expect(parseManifest(crlf, FILE).manifest).to.deep.equal(parseManifest(lf, FILE).manifest)
      expect(parseManifest('schema = 1 # mine\r\n', FILE).manifest.schema).to.equal(1)
    })

    it('reads manifests the Go glix wrote: aligned [settings], a blank line after every table', () => {
      const text =
        '# glixos manifest. Managed by glix; hand edits preserved on best-effort.\nschema = 1\n\n[settings]\n' +
        'default_scope = "system"\nauto_apply    = false\nsystem        = "x86_64-linux"\nprimary_user  = "alice"\n\n' +
        '[packages.hello]\nflake   = "github:o/hello"\nscope   = "system"\nenabled = false\n\n' +
        '[packages.hello.config]\nmessage = "hi"\n\n'
      expect(parseManifest(text, FILE).manifest).to.deep.equal({
        extra: {},
        packages: {hello: {config: {message: 'hi'}, enabled: false, extra: {}, flake: 'github:o/hello', scope: 'system'}},
        schema: 1,
        settings: {auto_apply: false, default_scope: 'system', extra: {}, primary_user: 'alice', system: 'x86_64-linux'},
      })
    })

    it('reads a leading byte-order mark as absent, or refuses it on line 1', () => {
      // The spec is silent; either is clear to the user. Never garbled data.
      let outcome: string
      try {
        outcome = JSON.stringify(parseManifest('\uFEFFschema = 1\n', FILE).manifest.extra)
      } catch (error) {
        outcome = (error as Error).message
      }

      expect(outcome).to.match(new RegExp(`^(\\{\\}|${FILE}:1:\\d+: invalid TOML: .+)$`))
    })

    it('keeps unknown keys at every level, in the order they were read', () => {
      const text =
        'zeta = 1\nschema = 1\nalpha = "a"\n[settings]\nnew_one = [1, 2]\nauto_apply = true\n' +
        '[packages.pkg]\n' +
        VALID_PACKAGE +
        '\nfuture = { x = "y" }\nlater = false\n[other]\nk = "v"\n'
      const {manifest} = parseManifest(text, FILE)
      expect(Object.keys(manifest.extra)).to.deep.equal(['zeta', 'alpha', 'other'])
      expect(manifest.extra).to.deep.equal({alpha: 'a', other: {k: 'v'}, zeta: 1})
      expect(manifest.settings.extra).to.deep.equal({new_one: [1, 2]})
      expect(manifest.settings.auto_apply).to.equal(true)
      expect(manifest.packages.pkg.extra).to.deep.equal({future: {x: 'y'}, later: false})
    })

    it('keeps a config key named __proto__ (bug: plain-object assignment drops it)', () => {
      const text = withPackage(`${VALID_PACKAGE}\n[packages.pkg.config]\n"__proto__" = "v"\nconstructor = "c"`)
      const {manifest} = parseManifest(text, FILE)
      const {config} = manifest.packages.pkg
      expect(Object.keys(config)).to.deep.equal(['__proto__', 'constructor'])
      // It inherits nothing, so no key can be mistaken for a built-in.
      expect(Object.getOwnPropertyNames(Object.getPrototypeOf(config))).to.deep.equal([])
      expect(config.toString).to.equal(undefined)
      expect(renderManifest(manifest)).to.include(`\n__proto__ = "v"\nconstructor = "c"\n`)
    })

    it('returns packages that inherit nothing: a name the host lacks is absent, even constructor (bug: a lookup found Object)', () => {
      const {manifest} = parseManifest(withPackage(VALID_PACKAGE), FILE)
      for (const name of ['constructor', 'toString', 'hasOwnProperty']) expect(manifest.packages[name as string], name).to.equal(undefined)
    })

    it('reads packages and tables named like JavaScript built-ins (the old parser lost them)', () => {
      const text = `schema = 1\n[packages.constructor]\n${VALID_PACKAGE}\n[packages.toString.config]\nvalueOf = "x"\n[packages.toString]\n${VALID_PACKAGE}\n`
      const {manifest} = parseManifest(text, FILE)
      expect(Object.keys(manifest.packages)).to.deep.equal(['constructor', 'toString'])
      expect(manifest.packages['toString' as string].config).to.deep.equal({valueOf: 'x'})
      expect(typeof Object.prototype.constructor).to.equal('function')
    })

    it('keeps unknown keys named __proto__ (bug: a table value would become the prototype)', () => {
      const text = '"__proto__" = "top"\nschema = 1\n[settings]\n"__proto__" = { polluted = true }\n'
      const {manifest} = parseManifest(text, FILE)
      expect(Object.keys(manifest.extra)).to.deep.equal(['__proto__'])
      expect(Object.keys(manifest.settings.extra)).to.deep.equal(['__proto__'])
      expect((manifest.settings.extra as Record<string, unknown>).polluted).to.equal(undefined)
    })

    it('returns the text and its document model when asked', () => {
      const text = `${withPackage(VALID_PACKAGE)}# mine\n`
      const read = parseManifestDocument(text, FILE)
      expect(read.text).to.equal(text)
      expect(read.manifest).to.deep.equal(parseManifest(text, FILE).manifest)
      expect(read.document.tables.map((t) => t.key.join('.'))).to.deep.equal(['', 'packages.pkg'])
      expect(read.document.comments).to.deep.equal([text.indexOf('# mine')])
    })
  })

  describe('syntax errors', () => {
    it('names the file and the 1-based line and column', () => {
      const error = parseError('schema = 1\n\n[settings]\ndefault_scope = = "home"\n')
      expect(error.message).to.match(new RegExp(`^${FILE}:4:17: invalid TOML: `))
      expect(error.code).to.equal('BAD_MANIFEST')
      expect(error.exit).to.equal(1)
    })

    it('reports errors on line 1 as line 1, at the offending character', () => {
      expect(parseError('= 1\n').message).to.equal(`${FILE}:1:1: invalid TOML: expected a key, found "="`)
    })

    it('refuses bytes that are not UTF-8, naming line and column, rather than reading U+FFFD', () => {
      const bytes = Buffer.concat([Buffer.from('schema = 1\nx = "ab'), Buffer.from([0xff]), Buffer.from('"\n')])
      expect(parseError(bytes).message).to.equal(`${FILE}:2:8: invalid TOML: invalid UTF-8 (byte 0xff)`)
    })

    it('counts CRLF lines like LF lines', () => {
      expect(parseError('schema = 1\r\n\r\n[settings]\r\nauto_apply = tru\r\n').message).to.match(
        new RegExp(`^${FILE}:4:\\d+: invalid TOML: `),
      )
    })

    it('reports an unterminated string at its line', () => {
      expect(parseError(withPackage('flake = "github:o/r\nscope = "system"')).message).to.match(
        new RegExp(`^${FILE}:4:\\d+: invalid TOML: \\S`),
      )
    })

    it('reports a duplicated key', () => {
      expect(parseError('schema = 1\nschema = 1\n').message).to.match(new RegExp(`^${FILE}:2:\\d+: invalid TOML: `))
    })

    it('reports a raw control character in a string', () => {
      expect(parseError('schema = 1\nx = "a\u0001b"\n').message).to.match(new RegExp(`^${FILE}:2:\\d+: invalid TOML: `))
    })

    it('gives a one-line message without the parser\'s excerpt', () => {
      const {message} = parseError('schema = 1\n[settings\n')
      expect(message).not.to.include('\n')
      expect(message).not.to.match(/at row \d+/)
    })
  })

  describe('schema', () => {
    it('refuses a missing schema, naming the file', () => {
      expect(parseError('[settings]\nauto_apply = true\n').message).to.equal(`${FILE}: missing schema (expected schema = 1)`)
    })

    it('refuses an empty file', () => {
      expect(parseError('').message).to.equal(`${FILE}: missing schema (expected schema = 1)`)
    })

    for (const [literal, shown] of [
      ['2', '2'],
      ['0', '0'],
      ['"1"', '"1"'],
      ['1.5', '1.5'],
      ['true', 'true'],
    ]) {
      it(`refuses schema = ${literal}, naming the file and the value`, () => {
        const {code, message} = parseError(`schema = ${literal}\n`)
        expect(message).to.equal(`${FILE}: unsupported schema ${shown} (expected 1)`)
        expect(code).to.equal('BAD_MANIFEST')
      })
    }

    it('accepts schema = 1.0, as Nix (schema != 1 is false for 1.0) does', () => {
      expect(parseManifest('schema = 1.0\n', FILE).manifest.schema).to.equal(1)
    })
  })

  describe('settings', () => {
    it('refuses an invalid default_scope, naming key and value', () => {
      expect(parseError('schema = 1\n[settings]\ndefault_scope = "user"\n').message).to.equal(
        `${FILE}: settings.default_scope must be "system" or "home", got "user"`,
      )
    })

    it('refuses a default_scope of the wrong type', () => {
      expect(parseError('schema = 1\n[settings]\ndefault_scope = 1\n').message).to.equal(
        `${FILE}: settings.default_scope must be "system" or "home", got 1`,
      )
    })

    it('refuses a case variant of a scope', () => {
      expect(parseError('schema = 1\n[settings]\ndefault_scope = "System"\n').message).to.include('got "System"')
    })

    it('refuses a non-boolean auto_apply', () => {
      expect(parseError('schema = 1\n[settings]\nauto_apply = "yes"\n').message).to.equal(
        `${FILE}: settings.auto_apply must be true or false, got "yes"`,
      )
    })

    for (const key of ['system', 'primary_user', 'registry_url', 'target_host', 'build_host']) {
      it(`refuses a non-string ${key}`, () => {
        expect(parseError(`schema = 1\n[settings]\n${key} = 42\n`).message).to.equal(
          `${FILE}: settings.${key} must be a string, got 42`,
        )
      })
    }

    it('shows arrays, tables and dates in messages', () => {
      expect(parseError('schema = 1\n[settings]\nsystem = ["a"]\n').message).to.equal(
        `${FILE}: settings.system must be a string, got ["a"]`,
      )
      expect(parseError('schema = 1\n[settings]\nsystem = { a = 1 }\n').message).to.equal(
        `${FILE}: settings.system must be a string, got { a = 1 }`,
      )
      expect(parseError('schema = 1\n[settings]\nsystem = 2024-01-02T03:04:05Z\n').message).to.equal(
        `${FILE}: settings.system must be a string, got 2024-01-02T03:04:05Z`,
      )
      expect(parseError('schema = 1\n[settings]\nsystem = 9223372036854775807\n').message).to.equal(
        `${FILE}: settings.system must be a string, got 9223372036854775807`,
      )
    })

    it('reads an invalid primary_user and reports it, naming file and key', () => {
      expect(problemsOf('schema = 1\n[settings]\nprimary_user = "../root"\n')).to.deep.equal([
        `${FILE}: settings.primary_user: invalid user name "../root": must start with a letter and contain only letters, digits, '-' and '_'; glix shows it but will not act on it`,
      ])
    })

    it('reports a target_host that ssh would read as an option, and a pin with URL syntax', () => {
      const text = 'schema = 1\n[settings]\ntarget_host = "-oProxyCommand=touch /tmp/x"\n[packages.p]\nflake = "github:o/r"\npin = "abc&host=evil.example"\n'
      const problems = problemsOf(text)
      expect(problems).to.have.lengthOf(2)
      expect(problems.some((p) => p.includes("settings.target_host: invalid target_host \"-oProxyCommand=touch /tmp/x\": must not start with '-'"))).to.equal(true)
      expect(problems.some((p) => p.includes('packages.p.pin: invalid pin "abc&host=evil.example"'))).to.equal(true)
    })

    it('refuses settings that is not a table', () => {
      expect(parseError('schema = 1\nsettings = "x"\n').message).to.equal(`${FILE}: settings must be a table, got "x"`)
    })
  })

  describe('packages', () => {
    it('refuses packages that is not a table', () => {
      expect(parseError('schema = 1\npackages = 3\n').message).to.equal(`${FILE}: packages must be a table, got 3`)
    })

    it('refuses [[packages]] (an array of tables)', () => {
      expect(parseError('schema = 1\n[[packages]]\nflake = "x"\n').message).to.match(
        new RegExp(`^${FILE}: packages must be a table, got `),
      )
    })

    it('refuses a package that is not a table', () => {
      expect(parseError('schema = 1\n[packages]\nfoo = "github:o/r"\n').message).to.equal(
        `${FILE}: packages.foo must be a table, got "github:o/r"`,
      )
    })

    for (const name of ['../etc', 'a/b', '9x', '', 'a b', 'é', '-x', 'a.b', 'x"y']) {
      it(`reads the package name ${JSON.stringify(name)} and reports it, quoting it`, () => {
        const key = JSON.stringify(name)
        const text = `schema = 1\n[packages.${key}]\n${VALID_PACKAGE}\n`
        const problems = problemsOf(text)
        expect(problems).to.have.lengthOf(1)
        expect(problems[0]).to.match(new RegExp(`^${FILE}: \\[packages\\..*\\]: invalid package name ${key.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&')}: `))
        expect(Object.keys(parseManifest(text, FILE).manifest.packages)).to.deep.equal([name])
      })
    }

    it('refuses a package without flake', () => {
      expect(parseError(withPackage('scope = "system"\nenabled = true')).message).to.equal(`${FILE}: packages.pkg.flake is missing`)
    })

    it('reads a missing scope as system and a missing enabled as true, as the core does', () => {
      expect(parseManifest(withPackage('flake = "github:o/r"'), FILE).manifest.packages.pkg).to.deep.equal({
        config: {},
        enabled: true,
        extra: {},
        flake: 'github:o/r',
        scope: 'system',
      })
    })

    it('refuses an empty flake', () => {
      expect(parseError(withPackage('flake = ""\nscope = "system"\nenabled = true')).message).to.equal(
        `${FILE}: packages.pkg.flake is empty`,
      )
    })

    it('refuses an invalid scope, naming key and value', () => {
      expect(parseError(withPackage('flake = "x"\nscope = "global"\nenabled = true')).message).to.equal(
        `${FILE}: packages.pkg.scope must be "system" or "home", got "global"`,
      )
    })

    it('shows control characters in a bad value escaped', () => {
      expect(parseError(withPackage('flake = "x"\nscope = "home\\n"\nenabled = true')).message).to.equal(
        `${FILE}: packages.pkg.scope must be "system" or "home", got "home\\n"`,
      )
    })

    const wrongTypes: Array<[string, string, string]> = [
      ['flake = 3\nscope = "system"\nenabled = true', 'packages.pkg.flake must be a string', 'got 3'],
      ['flake = "x"\nscope = "system"\nenabled = "true"', 'packages.pkg.enabled must be true or false', 'got "true"'],
      ['flake = "x"\nscope = "system"\nenabled = 1', 'packages.pkg.enabled must be true or false', 'got 1'],
      ['flake = "x"\nscope = "system"\nenabled = true\npin = 5', 'packages.pkg.pin must be a string', 'got 5'],
      ['flake = "x"\nscope = "home"\nenabled = true\nuser = true', 'packages.pkg.user must be a string', 'got true'],
      ['flake = "x"\nscope = "system"\nenabled = true\nconfig = "k=v"', 'packages.pkg.config must be a table', 'got "k=v"'],
      [
        'flake = "x"\nscope = "system"\nenabled = true\nconfig = { port = 8080 }',
        'packages.pkg.config.port must be a string',
        'got 8080',
      ],
      [
        'flake = "x"\nscope = "system"\nenabled = true\nconfig = { nested = { a = "b" } }',
        'packages.pkg.config.nested must be a string',
        'got { a = "b" }',
      ],
    ]
    for (const [body, what, got] of wrongTypes) {
      it(`refuses: ${what}, ${got}`, () => {
        expect(parseError(withPackage(body)).message).to.equal(`${FILE}: ${what}, ${got}`)
      })
    }

    it('reads an invalid user name and reports it', () => {
      expect(problemsOf(withPackage('flake = "github:o/r"\nscope = "home"\nenabled = true\nuser = "a b"'))).to.deep.equal([
        `${FILE}: packages.pkg.user: invalid user name "a b": must start with a letter and contain only letters, digits, '-' and '_'; glix shows it but will not act on it`,
      ])
    })

    it('checks every package, not just the first', () => {
      const text = `schema = 1\n[packages.a]\n${VALID_PACKAGE}\n[packages.b]\nflake = "x"\nscope = "nowhere"\nenabled = true\n`
      expect(parseError(text).message).to.include('packages.b.scope')
    })
  })

  it('names whatever file it is given in every error', () => {
    for (const text of ['schema = ', 'schema = 2', withPackage('flake = 1')]) {
      expect(parseError(text, '/abs/path/with space/glix.toml').message).to.match(/^\/abs\/path\/with space\/glix\.toml:/)
    }
  })

  it('throws ManifestError, a GlixError', () => {
    expect(parseError('schema = 2\n')).to.be.instanceOf(GlixError)
  })
})

describe('readManifest', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'glix-read-'))
  })
  afterEach(async () => {
    await rm(dir, {force: true, recursive: true})
  })

  it('reads and validates a file', async () => {
    const file = join(dir, 'glix.toml')
    await writeFile(file, `# note\n${withPackage(VALID_PACKAGE)}`)
    const result = await readManifest(file)
    expect(result.manifest.packages.pkg.flake).to.equal('github:o/r')
  })

  it('reports a missing file as NO_MANIFEST, naming it', async () => {
    const file = join(dir, 'nope', 'glix.toml')
    let error: unknown
    try {
      await readManifest(file)
    } catch (error_) {
      error = error_
    }

    expect(error).to.be.instanceOf(ManifestError)
    expect((error as ManifestError).message).to.equal(`${file}: no such manifest`)
    expect((error as ManifestError).code).to.equal('NO_MANIFEST')
  })

  it('reports an unreadable path as BAD_MANIFEST, naming it', async () => {
    const file = join(dir, 'glix.toml')
    await mkdir(file)
    let error: unknown
    try {
      await readManifest(file)
    } catch (error_) {
      error = error_
    }

    expect(error).to.be.instanceOf(ManifestError)
    expect((error as ManifestError).message).to.match(new RegExp(`^${file}: cannot read: `))
    expect((error as ManifestError).code).to.equal('BAD_MANIFEST')
  })

  it('names the real path in syntax errors', async () => {
    const file = join(dir, 'glix.toml')
    await writeFile(file, 'schema = 1\n[settings\n')
    let error: unknown
    try {
      await readManifest(file)
    } catch (error_) {
      error = error_
    }

    expect((error as Error).message).to.match(new RegExp(`^${file}:2:\\d+: invalid TOML: `))
  })
})
