import {expect} from 'chai'
import fc from 'fast-check'

import {UsageError} from '../../src/lib/errors.js'
import {NIX_KEYWORDS, RESERVED_PACKAGE_NAMES} from '../../src/lib/names.js'
import {
  assertField,
  assertSshDestination,
  checkField,
  type Field,
  isAbsoluteLocalPath,
  isLocalReference,
  isSshDestination,
  referenceScheme,
} from '../../src/lib/validate.js'

function refused(field: Field, value: string): string {
  try {
    assertField(field, value)
  } catch (error) {
    expect(error).to.be.instanceOf(UsageError)
    return (error as Error).message
  }

  throw new Error(`expected ${field} ${JSON.stringify(value)} to be refused`)
}

describe('validate: one rule per field', () => {
  it('refuses every Nix keyword as a host, user or package name, and the fixed inputs as package names', () => {
    for (const keyword of NIX_KEYWORDS) {
      for (const field of ['host', 'user', 'package'] as const) expect(refused(field, keyword)).to.include('Nix keyword')
    }

    for (const reserved of RESERVED_PACKAGE_NAMES) {
      expect(refused('package', reserved)).to.include('reserved')
      // Only package names are inputs: a host may be called "self".
      if (reserved !== 'glixos-core' && reserved !== 'home-manager') expect(checkField('host', reserved)).to.equal(undefined)
    }

    expect(checkField('package', 'iff')).to.equal(undefined)
    expect(checkField('package', 'letter')).to.equal(undefined)
  })

  it('accepts pins that are revisions or ref names and refuses URL syntax', () => {
    for (const pin of ['0123abcd', 'a'.repeat(40), 'v1.2.3', 'release/24.11', 'nixos-24.11', 'feature+x']) {
      expect(checkField('pin', pin), pin).to.equal(undefined)
    }

    for (const pin of ['', 'abc&host=evil.example', 'abc?x=1', 'abc#frag', 'rev=abc', 'a b', '-x', '/abs', 'a..b', 'a//b', 'a/', 'a.lock', 'a\nb', 'a'.repeat(256)]) {
      expect(checkField('pin', pin), JSON.stringify(pin)).to.be.a('string')
    }
  })

  it('accepts SSH destinations and never anything that ssh could read as an option', () => {
    for (const destination of ['pi', 'pi.local', 'root@pi.local', 'deploy@10.0.0.7', '[::1]', 'root@[fe80::1]', 'a_b.example.org', 'u.ser@host-1']) {
      expect(isSshDestination(destination), destination).to.equal(true)
    }

    for (const destination of [
      '-oProxyCommand=touch /tmp/x',
      '-F/etc/passwd',
      'root@-oProxyCommand=x',
      '-root@pi',
      'pi local',
      'pi;reboot',
      '$(id)',
      'pi\n',
      '::1',
      '[not-ipv6]',
      'user@',
      '@host',
      'a@b@c',
      'host:22',
      'ssh://pi',
      '',
      '-',
    ]) {
      expect(isSshDestination(destination), JSON.stringify(destination)).to.equal(false)
    }

    expect(() => assertSshDestination('-oProxyCommand=x', 'build_host')).to.throw(UsageError, /invalid build_host "-oProxyCommand=x": must not start with '-'/)
  })

  it('property: no accepted SSH destination, pin or flake reference starts with "-" or holds whitespace', () => {
    fc.assert(
      fc.property(fc.string({maxLength: 40}), (value) => {
        for (const field of ['target_host', 'build_host', 'pin', 'flake'] as const) {
          if (checkField(field, value) === undefined) {
            expect(value.startsWith('-')).to.equal(false)
            expect(/\s/.test(value)).to.equal(false)
          }
        }
      }),
      {numRuns: 2000},
    )
  })

  it('checks flake references: empty fragments, leading dashes and whitespace are refused', () => {
    for (const reference of ['github:NixOS/nixpkgs#firefox', 'nixpkgs#python3Packages.black', 'path:./pkgs/foo', 'github:o/r?dir=x']) {
      expect(checkField('flake', reference), reference).to.equal(undefined)
    }

    expect(refused('flake', 'github:a/b#')).to.include("empty '#' fragment")
    expect(refused('flake', 'nixpkgs#a..b')).to.include('invalid')
    expect(refused('flake', '--option')).to.include("'-'")
    expect(refused('flake', 'github:a/b c')).to.include('spaces')
  })

  it('checks systems and registry URLs', () => {
    expect(checkField('system', 'aarch64-linux')).to.equal(undefined)
    expect(checkField('system', 'x86_64-linux; rm')).to.be.a('string')
    expect(checkField('registry_url', 'https://example.org/registry.json')).to.equal(undefined)
    expect(checkField('registry_url', 'file:///srv/registry.json')).to.equal(undefined)
    for (const url of ['ftp://x/y', 'javascript:alert(1)', 'https://x/ y', 'not a url', 'https://x/\u001b]0;t\u0007']) {
      expect(checkField('registry_url', url), url).to.be.a('string')
    }
  })

  it('finds local references by their resolved scheme, hg+file and friends included', () => {
    expect(referenceScheme('hg+file:///srv/x')).to.equal('hg+file')
    expect(referenceScheme('nixpkgs#hello')).to.equal(undefined)
    for (const reference of ['/abs/x', 'path:/abs', 'file:///abs', 'git+file:///abs', 'hg+file:///abs', 'tarball+file:///abs.tar.gz', 'file+file:///abs', 'GIT+FILE:///abs']) {
      expect(isAbsoluteLocalPath(reference), reference).to.equal(true)
    }

    for (const reference of ['./x', 'path:./x', 'git+file:rel', '../x']) {
      expect(isLocalReference(reference), reference).to.equal(true)
      expect(isAbsoluteLocalPath(reference), reference).to.equal(false)
    }

    for (const reference of ['github:o/r', 'https://example.org/x.tar.gz', 'git+https://example.org/x', 'nixpkgs#hello']) {
      expect(isLocalReference(reference), reference).to.equal(false)
    }
  })
})
