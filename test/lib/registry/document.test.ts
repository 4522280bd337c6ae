import {expect} from 'chai'

import {checkRegistry, parseRegistry, RegistryError} from '../../../src/lib/registry/document.js'

function schemaError(document: unknown): string {
  try {
    checkRegistry(document)
  } catch (error) {
    expect(error).to.be.instanceOf(RegistryError)
    expect((error as RegistryError).code).to.equal('REGISTRY_SCHEMA')
    return (error as Error).message
  }

  return expect.fail('expected a schema error')
}

describe('registry document', () => {
  it('accepts schema 1, defaults a missing description to empty and ignores unknown keys', () => {
    const registry = parseRegistry(
      JSON.stringify({
        generated: '2026-01-01',
        packages: {
          firefox: {description: 'Web browser', flake: 'github:NixOS/nixpkgs#firefox', homepage: 'https://x'},
          hello: {flake: 'github:donnismoore/glixos?dir=examples/pkg-hello'},
        },
        schema: 1,
      }),
    )
    expect(registry).to.deep.equal({
      packages: {
        firefox: {description: 'Web browser', flake: 'github:NixOS/nixpkgs#firefox'},
        hello: {description: '', flake: 'github:donnismoore/glixos?dir=examples/pkg-hello'},
      },
      schema: 1,
    })
  })

  it('accepts an empty registry', () => {
    expect(checkRegistry({packages: {}, schema: 1}).packages).to.deep.equal({})
  })

  it('names what is wrong', () => {
    expect(schemaError([])).to.equal('not a glix registry: expected a JSON object, got an array')
    expect(schemaError(null)).to.equal('not a glix registry: expected a JSON object, got null')
    expect(schemaError({packages: {}})).to.equal('not a glix registry: no "schema" key (expected "schema": 1)')
    expect(schemaError({packages: {}, schema: '1'})).to.equal('not a glix registry: unsupported schema "1" (expected 1)')
    expect(schemaError({packages: {}, schema: 2})).to.equal('not a glix registry: unsupported schema 2 (expected 1)')
    expect(schemaError({schema: 1})).to.equal('not a glix registry: "packages" must be an object, got nothing')
    expect(schemaError({packages: {a: 'github:x/y'}, schema: 1})).to.equal('not a glix registry: packages."a" must be an object, got a string')
    expect(schemaError({packages: {a: {}}, schema: 1})).to.equal('not a glix registry: packages."a".flake must be a non-empty string')
    expect(schemaError({packages: {a: {flake: 7}}, schema: 1})).to.equal('not a glix registry: packages."a".flake must be a non-empty string')
    expect(schemaError({packages: {a: {description: 3, flake: 'github:x/y'}}, schema: 1})).to.equal(
      'not a glix registry: packages."a".description must be a string',
    )
  })

  it('refuses names glix cannot use and flakes that are not full references', () => {
    expect(schemaError({packages: {'../etc': {flake: 'github:x/y'}}, schema: 1})).to.match(/^not a glix registry: packages\."\.\.\/etc": the package name must start/)
    // The same rules as a flag or a manifest: Nix keywords, the fixed inputs, an empty #fragment, a leading '-'.
    expect(schemaError({packages: {let: {flake: 'github:x/y'}}, schema: 1})).to.equal('not a glix registry: packages."let": the package name is a Nix keyword')
    expect(schemaError({packages: {nixpkgs: {flake: 'github:x/y'}}, schema: 1})).to.match(/packages\."nixpkgs": the package name is reserved/)
    expect(schemaError({packages: {a: {flake: 'github:x/y#'}}, schema: 1})).to.match(/packages\."a"\.flake has an empty '#' fragment/)
    expect(schemaError({packages: {'9lives': {flake: 'github:x/y'}}, schema: 1})).to.match(/packages\."9lives"/)
    // A short name as a flake would send the resolver round in circles.
    expect(schemaError({packages: {a: {flake: 'b'}}, schema: 1})).to.equal('not a glix registry: packages."a".flake "b" is not a full flake reference')
    expect(schemaError({packages: {a: {flake: 'github:x/y z'}}, schema: 1})).to.equal(
      'not a glix registry: packages."a".flake must not contain spaces or control characters',
    )
  })

  it('reports invalid JSON in one line', () => {
    try {
      parseRegistry('{"schema": 1,\n')
      expect.fail('expected an error')
    } catch (error) {
      expect((error as RegistryError).code).to.equal('REGISTRY_JSON')
      expect((error as Error).message).to.match(/^not valid JSON \(.+\)$/)
      expect((error as Error).message).not.to.include('\n')
    }
  })
})
