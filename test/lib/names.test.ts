import {expect} from 'chai'
import fc from 'fast-check'

import {GlixError, UsageError} from '../../src/lib/errors.js'
import {
  NAME_PATTERN,
  type NameKind,
  RESERVED_PACKAGE_NAMES,
  assertName,
  compareNames,
  hasSpaceOrControl,
  isValidName,
  quoteForMessage,
} from '../../src/lib/names.js'

function thrown(fn: () => unknown): UsageError {
  try {
    fn()
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError)
    return error as UsageError
  }

  throw new Error('expected a UsageError')
}

const VALID = ['a', 'Z', 'firefox', 'pkg-hello', 'my_tool', 'A1', 'x86_64-linux', 'a--', 'a__', 'camelCase', 'a'.repeat(200)]

const INVALID = [
  '../etc',
  'a/b',
  '9x',
  '',
  'a b',
  ' a',
  'a ',
  'é',
  'café',
  '日本',
  '-x',
  '_x',
  '.hidden',
  'a.b',
  'a\\b',
  'a"b',
  "a'b",
  'a\nb',
  'a\n',
  '\na',
  'a\tb',
  'a\u0000',
  'a$b',
  'a${b}',
  'a#b',
  'a:b',
  '~',
  '.',
  '..',
  'ａ',
  'a\u200B',
]

describe('isValidName', () => {
  for (const name of VALID) {
    it(`accepts ${JSON.stringify(name.length > 20 ? `${name.slice(0, 10)}…` : name)}`, () => {
      expect(isValidName(name)).to.equal(true)
    })
  }

  for (const name of INVALID) {
    it(`refuses ${JSON.stringify(name)}`, () => {
      expect(isValidName(name)).to.equal(false)
    })
  }

  it('is anchored at both ends and not stateful (no /g flag)', () => {
    expect(NAME_PATTERN.flags).not.to.include('g')
    expect(NAME_PATTERN.flags).not.to.include('m')
    expect(isValidName('ok')).to.equal(true)
    expect(isValidName('ok')).to.equal(true)
    expect(isValidName('ok\nok')).to.equal(false)
  })

  it('accepts only names safe as a path segment, a bare TOML key and a Nix attribute (property)', () => {
    fc.assert(
      fc.property(fc.string({maxLength: 12, unit: 'binary'}), (value) => {
        if (isValidName(value)) {
          expect(value).to.match(/^[A-Za-z][A-Za-z0-9_-]*$/)
          expect(value).not.to.match(/[/.\s"'\\$#]/)
        }
      }),
      {numRuns: 500},
    )
  })
})

describe('assertName', () => {
  for (const kind of ['host', 'package', 'user'] as NameKind[]) {
    it(`returns a valid ${kind} name unchanged`, () => {
      expect(assertName(kind, 'laptop')).to.equal('laptop')
    })

    it(`refuses an invalid ${kind} name with a usage error naming the kind and the rule`, () => {
      const error = thrown(() => assertName(kind, '../etc'))
      expect(error.message).to.equal(
        `invalid ${kind} name "../etc": must start with a letter and contain only letters, digits, '-' and '_'`,
      )
      expect(error.exit).to.equal(2)
      expect(error.code).to.equal('INVALID_NAME')
      expect(error).to.be.instanceOf(GlixError)
    })
  }

  for (const name of INVALID) {
    it(`refuses ${JSON.stringify(name)} as a package name`, () => {
      expect(thrown(() => assertName('package', name)).code).to.equal('INVALID_NAME')
    })
  }

  it('shows control characters and quotes in the message escaped', () => {
    expect(thrown(() => assertName('host', 'a\nb')).message).to.include('"a\\nb"')
    expect(thrown(() => assertName('host', 'a"b')).message).to.include('"a\\"b"')
    expect(thrown(() => assertName('host', '')).message).to.include('invalid host name ""')
  })

  for (const name of ['nixpkgs', 'glixos-core', 'home-manager', 'self']) {
    it(`refuses the reserved package name ${name}, suggesting --name`, () => {
      const error = thrown(() => assertName('package', name))
      expect(error.message).to.equal(
        `package name "${name}" is reserved (it is a fixed flake input); choose another with --name`,
      )
      expect(error.code).to.equal('RESERVED_NAME')
      expect(error.exit).to.equal(2)
    })

    it(`allows ${name} as a host or user name`, () => {
      expect(assertName('host', name)).to.equal(name)
      expect(assertName('user', name)).to.equal(name)
    })
  }

  it('reserves exactly the fixed flake inputs', () => {
    expect([...RESERVED_PACKAGE_NAMES].sort()).to.deep.equal(['glixos-core', 'home-manager', 'nixpkgs', 'self'])
  })

  it('compares reserved names case-sensitively', () => {
    expect(assertName('package', 'Nixpkgs')).to.equal('Nixpkgs')
    expect(assertName('package', 'nixpkgs2')).to.equal('nixpkgs2')
  })
})

describe('quoteForMessage', () => {
  it('quotes like JSON, showing control characters', () => {
    expect(quoteForMessage('a')).to.equal('"a"')
    expect(quoteForMessage('a\tb\u0001')).to.equal('"a\\tb\\u0001"')
    expect(quoteForMessage('é')).to.equal('"é"')
  })
})

describe('hasSpaceOrControl', () => {
  for (const value of ['a b', ' ', 'a\tb', 'a\n', '\r', 'x\u0000', '\u001F', 'del\u007F', 'nbsp\u00A0', 'ls\u2028', 'em\u2003space', '\uFEFF']) {
    it(`is true for ${JSON.stringify(value)}`, () => {
      expect(hasSpaceOrControl(value)).to.equal(true)
    })
  }

  for (const value of ['', 'github:NixOS/nixpkgs#firefox', 'a"b\\c', 'é日本🎉', '${x}']) {
    it(`is false for ${JSON.stringify(value)}`, () => {
      expect(hasSpaceOrControl(value)).to.equal(false)
    })
  }
})

describe('compareNames', () => {
  it('orders byte-wise, upper case before lower case, whatever the locale', () => {
    expect(['b', 'a-b', 'Z', 'a_b', 'a', 'A'].sort(compareNames)).to.deep.equal(['A', 'Z', 'a', 'a-b', 'a_b', 'b'])
    expect(compareNames('x', 'x')).to.equal(0)
  })
})
