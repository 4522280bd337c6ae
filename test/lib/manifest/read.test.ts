import {expect} from 'chai'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {GlixError, ManifestError} from '../../../src/lib/errors.js'
import {MANIFEST_HEADER, countUserComments, parseManifest, readManifest} from '../../../src/lib/manifest/read.js'
import {renderManifest} from '../../../src/lib/manifest/write.js'

const FILE = 'hosts/laptop/glix.toml'

/** A manifest text with one package `pkg` whose table body is `body`. */
function withPackage(body: string): string {
  return `schema = 1\n\n[packages.pkg]\n${body}\n`
}

const VALID_PACKAGE = 'flake = "github:o/r"\nscope = "system"\nenabled = true'

/** Runs `parseManifest` on `text` and returns the ManifestError it throws. */
function parseError(text: string, file = FILE): ManifestError {
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
        userComments: 0,
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

    it('reads a canonical manifest with CRLF line endings (bug: @iarna/toml refuses CR after a comment)', () => {
      // TOML allows CRLF everywhere; glix's own header is a comment, so every
      // manifest converted to CRLF (an editor, git autocrlf) is refused today.
      const lf = renderManifest(parseManifest(withPackage(VALID_PACKAGE), FILE).manifest)
      const crlf = lf.replaceAll('\n', '\r\n')
      expect(parseManifest(crlf, FILE).manifest).to.deep.equal(parseManifest(lf, FILE).manifest)
      expect(parseManifest('schema = 1 # mine\r\n', FILE).userComments).to.equal(1)
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
      expect(Object.keys(manifest.packages.pkg.config)).to.deep.equal(['__proto__', 'constructor'])
      expect(Object.getPrototypeOf(manifest.packages.pkg.config)).to.equal(Object.prototype)
      expect(renderManifest(manifest)).to.include(`\n__proto__ = "v"\nconstructor = "c"\n`)
    })

    it('keeps unknown keys named __proto__ (bug: a table value would become the prototype)', () => {
      const text = '"__proto__" = "top"\nschema = 1\n[settings]\n"__proto__" = { polluted = true }\n'
      const {manifest} = parseManifest(text, FILE)
      expect(Object.keys(manifest.extra)).to.deep.equal(['__proto__'])
      expect(Object.keys(manifest.settings.extra)).to.deep.equal(['__proto__'])
      expect((manifest.settings.extra as Record<string, unknown>).polluted).to.equal(undefined)
    })

    it('returns the comment count of the text', () => {
      expect(parseManifest(`${MANIFEST_HEADER}\n# mine\nschema = 1 # also mine\n`, FILE).userComments).to.equal(2)
    })
  })

  describe('syntax errors', () => {
    it('names the file and the 1-based line and column', () => {
      const error = parseError('schema = 1\n\n[settings]\ndefault_scope = = "home"\n')
      expect(error.message).to.match(new RegExp(`^${FILE}:4:17: invalid TOML: `))
      expect(error.code).to.equal('BAD_MANIFEST')
      expect(error.exit).to.equal(1)
    })

    it('reports errors on line 1 as line 1', () => {
      // The column is the parser's: @iarna/toml sometimes points one past
      // the offending character (here 1:2 for the leading `=`).
      expect(parseError('= 1\n').message).to.match(new RegExp(`^${FILE}:1:[12]: invalid TOML: `))
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

    it('accepts schema = 1.0, which TOML readers give as the number 1', () => {
      // @iarna/toml has one number type; glix cannot tell 1.0 from 1.
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
        `${FILE}: settings.system must be a string, got {"a":1}`,
      )
      expect(parseError('schema = 1\n[settings]\nsystem = 2024-01-02T03:04:05Z\n').message).to.equal(
        `${FILE}: settings.system must be a string, got 2024-01-02T03:04:05.000Z`,
      )
    })

    it('refuses an invalid primary_user', () => {
      expect(parseError('schema = 1\n[settings]\nprimary_user = "../root"\n').message).to.equal(
        `${FILE}: settings.primary_user: invalid user name "../root"`,
      )
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
      it(`refuses the package name ${JSON.stringify(name)}, quoting it`, () => {
        const key = JSON.stringify(name)
        const text = `schema = 1\n[packages.${key}]\n${VALID_PACKAGE}\n`
        expect(parseError(text).message).to.equal(`${FILE}: invalid package name ${key} in [packages]`)
      })
    }

    for (const key of ['flake', 'scope', 'enabled']) {
      it(`refuses a package without ${key}`, () => {
        const body = VALID_PACKAGE.split('\n')
          .filter((line) => !line.startsWith(key))
          .join('\n')
        expect(parseError(withPackage(body)).message).to.equal(`${FILE}: packages.pkg.${key} is missing`)
      })
    }

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
        'got {"a":"b"}',
      ],
    ]
    for (const [body, what, got] of wrongTypes) {
      it(`refuses: ${what}, ${got}`, () => {
        expect(parseError(withPackage(body)).message).to.equal(`${FILE}: ${what}, ${got}`)
      })
    }

    it('refuses an invalid user name', () => {
      expect(parseError(withPackage('flake = "x"\nscope = "home"\nenabled = true\nuser = "a b"')).message).to.equal(
        `${FILE}: packages.pkg.user: invalid user name "a b"`,
      )
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
    await writeFile(file, `${MANIFEST_HEADER}\n# note\n${withPackage(VALID_PACKAGE)}`)
    const result = await readManifest(file)
    expect(result.manifest.packages.pkg.flake).to.equal('github:o/r')
    expect(result.userComments).to.equal(1)
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

describe('countUserComments', () => {
  const cases: Array<[string, string, number]> = [
    ['no comments', 'schema = 1\nx = "y"\n', 0],
    ['only the header', `${MANIFEST_HEADER}\nschema = 1\n`, 0],
    ['the header with CRLF', `${MANIFEST_HEADER}\r\nschema = 1\r\n`, 0],
    ['a variant of the header', `${MANIFEST_HEADER} \n# glixos manifest.\n`, 2],
    ['whole-line comments', '# one\n  # two\n\t#three\n#\n', 4],
    ['trailing comments', 'a = 1 # one\n[t] # two\nb = [1, # three\n 2]\n', 3],
    ['CRLF comments', '# one\r\na = 1 # two\r\n', 2],
    ['one per line, however many #', '# a # b ## c\n', 1],
    ['# in a basic string', 'a = "x # y"\n', 0],
    ['# in a basic string, then a comment', 'a = "x # y" # real\n', 1],
    ['escaped quote in a basic string', 'a = "x \\" # y"\n', 0],
    ['escaped backslash ending a basic string', 'a = "x \\\\" # real\n', 1],
    ['# in a literal string', "a = 'x # y'\n", 0],
    ['backslash ending a literal string', "a = 'C:\\' # real\n", 1],
    ["' inside a basic string", 'a = "it\'s # no"\n', 0],
    ['" inside a literal string', 'a = \'say "# no\'\n', 0],
    ['# in a quoted key', '"a#b" = 1\n\'c#d\' = 2\n', 0],
    ['# in a multi-line basic string', 'a = """\n# not a comment\nstill # not\n"""\n', 0],
    ['a comment after a multi-line basic string', 'a = """\nx\n""" # real\n', 1],
    ['escaped quotes in a multi-line basic string', 'a = """\n\\""" # not\n"""\n', 0],
    ['# in a multi-line literal string', "a = '''\n# not\n'''\n", 0],
    ['a comment after a multi-line literal string', "a = '''x\n# not''' # real\n", 1],
    ['""" inside a multi-line literal string', "a = '''\"\"\" # not\n'''\n", 0],
    ["''' inside a multi-line basic string", 'a = """\'\'\' # not\n"""\n', 0],
    ['a one-line multi-line string', 'a = """x # no""" # real\n', 1],
    ['empty strings', 'a = "" # real\nb = \'\' # real\n', 2],
    ['an empty multi-line string', 'a = """""" # real\n', 1],
  ]
  for (const [what, text, expected] of cases) {
    it(`counts ${expected} for ${what}`, () => {
      expect(countUserComments(text)).to.equal(expected)
    })
  }

  it('counts a comment after a multi-line string ending in quotes (bug: """a"""" ends early)', () => {
    // TOML 1.0 allows one or two quotes just inside the closing delimiter;
    // @iarna/toml reads `a = """x""""` as `x"`.
    expect(countUserComments('a = """x"""" # real\n')).to.equal(1)
    expect(countUserComments('a = """x""""" # real\n')).to.equal(1)
    expect(countUserComments("a = '''x'''' # real\n")).to.equal(1)
  })

  it('agrees with parseManifest', () => {
    const text = `${MANIFEST_HEADER}\n# mine\nschema = 1\n[settings] # here\nsystem = "a#b"\n`
    expect(parseManifest(text, FILE).userComments).to.equal(countUserComments(text))
    expect(countUserComments(text)).to.equal(2)
  })
})
