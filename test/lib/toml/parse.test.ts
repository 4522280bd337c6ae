/**
 * glix's TOML 1.0 parser against a hand-written table of the language:
 * valid documents with the exact values they hold, and invalid documents
 * (the toml-test kind) with the line and column the error must name. The
 * document model, the nesting limit, size and UTF-8 decoding follow.
 */
import {expect} from 'chai'

import {MAX_NESTING, parseToml, parseTomlDocument} from '../../../src/lib/toml/parse.js'
import {decodeUtf8} from '../../../src/lib/toml/utf8.js'
import {TomlDate, type TomlDateKind, TomlError} from '../../../src/lib/toml/value.js'

const date = (kind: TomlDateKind, text: string): TomlDate => new TomlDate(kind, text)

/** Valid TOML 1.0: [what, document, expected value]. */
const VALID: Array<[string, string, Record<string, unknown>]> = [
  ['an empty document', '', {}],
  ['only comments and blank lines', '# a\n\n   # b\n\t\n', {}],
  ['comments after values and headers', 'a = 1 # one\n[t] # table\nb = "#" # not the string\n', {a: 1, t: {b: '#'}}],
  ['bare keys of letters, digits, - and _', 'key = 1\nbare_key = 2\nbare-key = 3\n1234 = 4\n-_- = 5\n', {'-_-': 5, '1234': 4, bare_key: 2, 'bare-key': 3, key: 1}],
  ['quoted keys', '"127.0.0.1" = 1\n"character encoding" = 2\n"ʎǝʞ" = 3\n\'key2\' = 4\n\'quoted "value"\' = 5\n', {
    '127.0.0.1': 1,
    'character encoding': 2,
    key2: 4,
    'quoted "value"': 5,
    ʎǝʞ: 3,
  }],
  ['an empty quoted key', '"" = "blank"\n', {'': 'blank'}],
  ['escapes in quoted keys', '"a\\tb\\u00e9" = 1\n', {'a\tbé': 1}],
  ['dotted keys', 'name = "Orange"\nphysical.color = "orange"\nphysical.shape = "round"\nsite."google.com" = true\n', {
    name: 'Orange',
    physical: {color: 'orange', shape: 'round'},
    site: {'google.com': true},
  }],
  ['whitespace around dots', 'fruit . color = "yellow"\nfruit\t.\tflavor = "banana"\n', {fruit: {color: 'yellow', flavor: 'banana'}}],
  ['dotted keys in any order', 'apple.type = "fruit"\norange.type = "fruit"\napple.skin = "thin"\n', {
    apple: {skin: 'thin', type: 'fruit'},
    orange: {type: 'fruit'},
  }],
  ['a float-like dotted key', '3.14159 = "pi"\n', {'3': {'14159': 'pi'}}],
  ['basic string escapes', String.raw`s = "\b\t\n\f\r\"\\\u00E9\U0001F600\u0000"` + '\n', {s: '\b\t\n\f\r"\\é😀\u0000'}],
  ['a raw tab and any Unicode in a basic string', 's = "a\tb é 日本 \u2028"\n', {s: 'a\tb é 日本 \u2028'}],
  ['a multi-line basic string, first newline trimmed', 's = """\nRoses are red\nViolets are blue"""\n', {s: 'Roses are red\nViolets are blue'}],
  ['line-ending backslashes', 's = """\nThe quick brown \\\n\n\n  fox jumps over \\\n    the lazy dog."""\n', {s: 'The quick brown fox jumps over the lazy dog.'}],
  ['a line-ending backslash followed by spaces', 's = """a \\   \n   b"""\n', {s: 'a b'}],
  ['quotes inside a multi-line basic string', 's = """Here are two quotation marks: "". Simple enough."""\n', {s: 'Here are two quotation marks: "". Simple enough.'}],
  ['quotes just inside the closing delimiter', 's = """"This," she said, "is just a pointless statement.""""\n', {s: '"This," she said, "is just a pointless statement."'}],
  ['five quotes at the end', 's = """x"""""\n', {s: 'x""'}],
  ['an empty multi-line string', 's = """"""\nt = \'\'\'\'\'\'\n', {s: '', t: ''}],
  ['escapes in a multi-line basic string', 's = """\\u0041\\t\\"\\"\\""""\n', {s: 'A\t"""'}],
  ['literal strings', "winpath = 'C:\\Users\\nodejs\\templates'\nquoted = 'Tom \"Dubs\" Preston-Werner'\nregex = '<\\i\\c*\\s*>'\n", {
    quoted: 'Tom "Dubs" Preston-Werner',
    regex: '<\\i\\c*\\s*>',
    winpath: 'C:\\Users\\nodejs\\templates',
  }],
  ['multi-line literal strings', "re = '''I [dw]on't need \\d{2} apples'''\nlines = '''\nThe first newline is\ntrimmed in raw strings.\n'''\n", {
    lines: 'The first newline is\ntrimmed in raw strings.\n',
    re: "I [dw]on't need \\d{2} apples",
  }],
  ['quotes at the end of a multi-line literal string', "s = ''''That,' she said, 'is still pointless.''''\n", {s: "'That,' she said, 'is still pointless.'"}],
  ['integers', 'a = +99\nb = 42\nc = 0\nd = -17\ne = 1_000\nf = 5_349_221\ng = 53_49_221\nh = 1_2_3_4_5\ni = -0\nj = +0\n', {
    a: 99,
    b: 42,
    c: 0,
    d: -17,
    e: 1000,
    f: 5_349_221,
    g: 5_349_221,
    h: 12_345,
    i: 0,
    j: 0,
  }],
  ['hexadecimal, octal and binary integers', 'a = 0xDEADBEEF\nb = 0xdeadbeef\nc = 0xdead_beef\nd = 0o01234567\ne = 0o755\nf = 0b11010110\ng = 0x0\n', {
    a: 0xde_ad_be_ef,
    b: 0xde_ad_be_ef,
    c: 0xde_ad_be_ef,
    d: 0o1234567,
    e: 0o755,
    f: 0b1101_0110,
    g: 0,
  }],
  ['64-bit integers beyond 2^53 as bigints', 'max = 9223372036854775807\nmin = -9223372036854775808\nhex = 0x7FFFFFFFFFFFFFFF\nsafe = 9007199254740991\n', {
    hex: 9_223_372_036_854_775_807n,
    max: 9_223_372_036_854_775_807n,
    min: -9_223_372_036_854_775_808n,
    safe: 9_007_199_254_740_991,
  }],
  ['floats', 'a = +1.0\nb = 3.1415\nc = -0.01\nd = 5e+22\ne = 1e06\nf = -2E-2\ng = 6.626e-34\nh = 224_617.445_991_228\ni = 0e0\nj = 1e1_0\n', {
    a: 1,
    b: 3.1415,
    c: -0.01,
    d: 5e22,
    e: 1e6,
    f: -0.02,
    g: 6.626e-34,
    h: 224_617.445_991_228,
    i: 0,
    j: 1e10,
  }],
  ['signed zero floats', 'a = -0.0\nb = +0.0\n', {a: -0, b: 0}],
  ['infinity and nan', 'a = inf\nb = +inf\nc = -inf\nd = nan\ne = +nan\nf = -nan\n', {
    a: Infinity,
    b: Infinity,
    c: -Infinity,
    d: Number.NaN,
    e: Number.NaN,
    f: Number.NaN,
  }],
  ['booleans', 'a = true\nb = false\n', {a: true, b: false}],
  ['offset date-times', 'a = 1979-05-27T07:32:00Z\nb = 1979-05-27T00:32:00-07:00\nc = 1979-05-27T00:32:00.999999+05:30\nd = 1979-05-27 07:32:00Z\ne = 1979-05-27t07:32:00z\n', {
    a: date('offset-date-time', '1979-05-27T07:32:00Z'),
    b: date('offset-date-time', '1979-05-27T00:32:00-07:00'),
    c: date('offset-date-time', '1979-05-27T00:32:00.999999+05:30'),
    d: date('offset-date-time', '1979-05-27 07:32:00Z'),
    e: date('offset-date-time', '1979-05-27t07:32:00z'),
  }],
  ['local date-times, dates and times', 'a = 1979-05-27T07:32:00\nb = 1979-05-27T00:32:00.999999\nc = 1979-05-27\nd = 07:32:00\ne = 00:32:00.999999\nf = 2000-02-29\ng = 1979-05-27 # a date, then a comment\n', {
    a: date('local-date-time', '1979-05-27T07:32:00'),
    b: date('local-date-time', '1979-05-27T00:32:00.999999'),
    c: date('local-date', '1979-05-27'),
    d: date('local-time', '07:32:00'),
    e: date('local-time', '00:32:00.999999'),
    f: date('local-date', '2000-02-29'),
    g: date('local-date', '1979-05-27'),
  }],
  ['a leap second', 'a = 1990-12-31T23:59:60Z\n', {a: date('offset-date-time', '1990-12-31T23:59:60Z')}],
  ['arrays', 'a = [ 1, 2, 3 ]\nb = [ "red", "yellow", "green" ]\nc = [ [ 1, 2 ], [3, 4, 5] ]\nd = []\n', {
    a: [1, 2, 3],
    b: ['red', 'yellow', 'green'],
    c: [
      [1, 2],
      [3, 4, 5],
    ],
    d: [],
  }],
  ['arrays of mixed types (TOML 1.0)', 'a = [ 0.1, 0.2, 0.5, 1, 2, 5 ]\nb = [ "all", \'strings\', """are the same""", \'\'\'type\'\'\' ]\nc = [ [ 1, 2 ], ["a", "b", "c"] ]\nd = [ 1, "x", { a = 1 }, [true] ]\n', {
    a: [0.1, 0.2, 0.5, 1, 2, 5],
    b: ['all', 'strings', 'are the same', 'type'],
    c: [
      [1, 2],
      ['a', 'b', 'c'],
    ],
    d: [1, 'x', {a: 1}, [true]],
  }],
  ['multi-line arrays with comments and a trailing comma', 'a = [\n  1, # one\n  # between\n  2,\n]\nb = [\r\n  "x"\r\n]\n', {a: [1, 2], b: ['x']}],
  ['arrays of inline tables', 'points = [ { x = 1, y = 2, z = 3 },\n           { x = 7, y = 8, z = 9 } ]\n', {
    points: [
      {x: 1, y: 2, z: 3},
      {x: 7, y: 8, z: 9},
    ],
  }],
  ['tables', '[table-1]\nkey1 = "some string"\nkey2 = 123\n\n[table-2]\nkey1 = "another string"\nkey2 = 456\n', {
    'table-1': {key1: 'some string', key2: 123},
    'table-2': {key1: 'another string', key2: 456},
  }],
  ['quoted and spaced table names', '[dog."tater.man"]\ntype.name = "pug"\n[ j . "ʞ" . \'l\' ]\n[ g .  h  . i ]\n', {
    dog: {'tater.man': {type: {name: 'pug'}}},
    g: {h: {i: {}}},
    j: {ʞ: {l: {}}},
  }],
  ['implicit super-tables, defined later', '[x.y.z.w]\n[x]\na = 1\n', {x: {a: 1, y: {z: {w: {}}}}}],
  ['sub-tables of tables defined by dotted keys', '[fruit]\napple.color = "red"\napple.taste.sweet = true\n\n[fruit.apple.texture]\nsmooth = true\n', {
    fruit: {apple: {color: 'red', taste: {sweet: true}, texture: {smooth: true}}},
  }],
  ['top-level keys before the first table', 'name = "Fido"\nbreed = "pug"\n[owner]\nname = "Regina Dogman"\n', {
    breed: 'pug',
    name: 'Fido',
    owner: {name: 'Regina Dogman'},
  }],
  ['inline tables', 'name = { first = "Tom", last = "Preston-Werner" }\npoint = { x = 1, y = 2 }\nanimal = { type.name = "pug" }\nempty = {}\nnested = { a = { b = { c = [1] } } }\n', {
    animal: {type: {name: 'pug'}},
    empty: {},
    name: {first: 'Tom', last: 'Preston-Werner'},
    nested: {a: {b: {c: [1]}}},
    point: {x: 1, y: 2},
  }],
  ['an inline table holding a multi-line array', 'a = { b = [\n1,\n2] }\n', {a: {b: [1, 2]}}],
  ['arrays of tables', '[[products]]\nname = "Hammer"\nsku = 738594937\n\n[[products]]  # empty table within the array\n\n[[products]]\nname = "Nail"\nsku = 284758393\ncolor = "gray"\n', {
    products: [{name: 'Hammer', sku: 738_594_937}, {}, {color: 'gray', name: 'Nail', sku: 284_758_393}],
  }],
  ['arrays of tables with sub-tables', '[[fruits]]\nname = "apple"\n\n[fruits.physical]\ncolor = "red"\n\n[[fruits.varieties]]\nname = "red delicious"\n\n[[fruits.varieties]]\nname = "granny smith"\n\n[[fruits]]\nname = "banana"\n\n[[fruits.varieties]]\nname = "plantain"\n', {
    fruits: [
      {name: 'apple', physical: {color: 'red'}, varieties: [{name: 'red delicious'}, {name: 'granny smith'}]},
      {name: 'banana', varieties: [{name: 'plantain'}]},
    ],
  }],
  ['CRLF line endings, and CRLF read as LF inside multi-line strings', 'a = 1\r\n# c\r\n[t]\r\nb = """\r\nx\r\ny"""\r\nc = \'\'\'p\r\nq\'\'\'\r\n', {a: 1, t: {b: 'x\ny', c: 'p\nq'}}],
  ['a leading byte-order mark', '\uFEFFa = 1\n', {a: 1}],
  ['no newline at the end', 'a = 1', {a: 1}],
  ['a comment at the end without a newline', 'a = 1 # end', {a: 1}],
  [
    'keys named like JavaScript built-ins',
    '__proto__ = 1\nconstructor = 2\n[toString]\nvalueOf = 3\n[hasOwnProperty.__proto__]\nx = 4\n[[isPrototypeOf]]\n',
    // JSON.parse makes `__proto__` an own key, as an object literal would not.
    JSON.parse('{"__proto__": 1, "constructor": 2, "toString": {"valueOf": 3}, "hasOwnProperty": {"__proto__": {"x": 4}}, "isPrototypeOf": [{}]}'),
  ],
  ['Unicode in comments and keys', '# é 日本 🎉\n"🎉" = "ok" # ✓\n', {'🎉': 'ok'}],
  ['tabs as whitespace', '\ta\t=\t1\t\n\t[t]\t\n', {a: 1, t: {}}],
]

/** Invalid TOML 1.0: [what, document, line, column, reason pattern]. */
const INVALID: Array<[string, string, number, number, RegExp]> = [
  ['a key without a value', 'key = # INVALID\n', 1, 7, /expected a value/],
  ['a value without a key', '= "no key name"\n', 1, 1, /expected a key/],
  ['two pairs on one line', 'first = "Tom" last = "Preston-Werner"\n', 1, 15, /end of the line/],
  ['a key without =', 'key\n', 1, 4, /expected "="/],
  ['a bare key with a space', 'key with space = 1\n', 1, 5, /expected "="/],
  ['a duplicate key', 'name = "Tom"\nname = "Pradyun"\n', 2, 1, /key name is already defined/],
  ['a duplicate key, once quoted', 'spelling = "favorite"\n"spelling" = "favourite"\n', 2, 1, /already defined/],
  ['a dotted key through a value', 'fruit.apple = 1\nfruit.apple.smooth = true\n', 2, 1, /fruit\.apple is already defined/],
  ['a table defined twice', '[fruit]\napple = "red"\n\n[fruit]\norange = "orange"\n', 4, 2, /table fruit is already defined/],
  ['a table over a key', '[fruit]\napple = "red"\n\n[fruit.apple]\ntexture = "smooth"\n', 4, 2, /key fruit\.apple is already defined/],
  ['a header over a table of dotted keys', '[fruit]\napple.color = "red"\napple.taste.sweet = true\n\n[fruit.apple.taste]\n', 5, 2, /already defined/],
  ['a header over a dotted table', '[fruit]\napple.color = "red"\n[fruit.apple]\n', 3, 2, /already defined/],
  ['dotted keys into a header-defined table', '[a.b.c]\nz = 9\n\n[a]\nb.c.t = "no"\n', 5, 1, /a\.b is already defined; a dotted key cannot add to it/],
  ['dotted keys into an implicit table', '[a.b.c.d]\nz = 9\n[a]\nb.c.d.k.t = "no"\n', 4, 1, /cannot add/],
  ['a table after an array of tables of that name', '[[fruit]]\n[fruit]\n', 2, 2, /already defined/],
  ['an array of tables after a table of that name', '[fruit]\n[[fruit]]\n', 2, 3, /not an array of tables/],
  ['an array of tables after a static array', 'fruits = []\n\n[[fruits]]\n', 3, 3, /not an array of tables/],
  ['a sub-table of a static array', 'a = [{ b = 1 }]\n[a.c]\n', 2, 2, /a is an array value/],
  ['a table after an array of tables at the same path', '[[fruits]]\nname = "apple"\n[[fruits.varieties]]\nname = "red delicious"\n[fruits.varieties]\nname = "granny smith"\n', 5, 2, /already defined/],
  ['an array of tables after a table at the same path', '[[fruits]]\n[fruits.physical]\ncolor = "red"\n[[fruits.physical]]\n', 4, 3, /not an array of tables/],
  ['a sub-table before its array of tables', '[fruit.physical]\ncolor = "red"\n[[fruit]]\n', 3, 3, /not an array of tables/],
  ['adding to an inline table with a dotted key', '[product]\ntype = { name = "Nail" }\ntype.edible = false\n', 3, 1, /type is already defined/],
  ['redefining a dotted table inline', '[product]\ntype.name = "Nail"\ntype = { edible = false }\n', 3, 1, /already defined/],
  ['a header inside an inline table', 'a = { b = 1 }\n[a.c]\n', 2, 2, /a is already a value/],
  ['a dotted key into an inline sub-table', 'a = { b = { c = 1 }, b.d = 2 }\n', 1, 22, /a dotted key cannot add/],
  ['a duplicate key in an inline table', 'a = { b = 1, b = 2 }\n', 1, 14, /already defined/],
  ['a newline in an inline table', 'a = { b = 1,\n c = 2 }\n', 1, 13, /on one line/],
  ['a newline after a value in an inline table', 'a = { b = 1\n}\n', 1, 12, /on one line/],
  ['a trailing comma in an inline table', 'a = { b = 1, }\n', 1, 14, /cannot end with a comma/],
  ['a lone comma in an inline table', 'a = { , }\n', 1, 7, /expected a key/],
  ['an unterminated inline table', 'a = { b = 1\n', 1, 12, /on one line/],
  ['an empty array element', 'a = [1,,2]\n', 1, 8, /expected a value/],
  ['a lone comma in an array', 'a = [,]\n', 1, 6, /expected a value/],
  ['array elements without a comma', 'a = [1 2]\n', 1, 8, /expected "," or "\]"/],
  ['an unterminated array', 'a = [1, 2\n', 1, 5, /unterminated array/],
  ['an invalid escape', 's = "\\q"\n', 1, 6, /invalid escape sequence \\q/],
  ['\\x escapes (TOML 1.1 only)', 's = "\\x41"\n', 1, 6, /invalid escape/],
  ['\\e escapes (TOML 1.1 only)', 's = "\\e"\n', 1, 6, /invalid escape/],
  ['a short \\u escape', 's = "\\u00"\n', 1, 6, /4 hexadecimal digits/],
  ['a short \\U escape', 's = "\\U0001F60"\n', 1, 6, /8 hexadecimal digits/],
  ['a surrogate escape', 's = "\\uD800"\n', 1, 6, /not a Unicode scalar value/],
  ['an escape beyond U+10FFFF', 's = "\\U00110000"\n', 1, 6, /not a Unicode scalar value/],
  ['an invalid escape in a multi-line string', 's = """\\ x"""\n', 1, 8, /invalid escape/],
  ['an unterminated basic string', 's = "abc\n', 1, 9, /unterminated string/],
  ['an unterminated basic string at the end', 's = "abc', 1, 9, /unterminated string/],
  ['a raw control character in a basic string', 's = "a\u0001b"\n', 1, 7, /U\+0001 in a string must be written as an escape/],
  ['a raw DEL in a basic string', 's = "a\u007Fb"\n', 1, 7, /U\+007F/],
  ['a raw control character in a multi-line string', 's = """a\u0008"""\n', 1, 9, /U\+0008/],
  ['a lone CR in a multi-line string', 's = """a\rb"""\n', 1, 9, /U\+000D/],
  ['too many quotes closing a multi-line string', 's = """x""""""\n', 1, 14, /too many quotes/],
  ['an unterminated multi-line string', 's = """abc\n', 1, 5, /unterminated multi-line string/],
  ['a newline in a literal string', "s = 'abc\n'\n", 1, 9, /unterminated string/],
  ['a control character in a literal string', "s = 'a\u0000'\n", 1, 7, /U\+0000 is not allowed/],
  ['too many quotes closing a multi-line literal string', "s = '''x''''''\n", 1, 14, /too many quotes/],
  ['a multi-line key', '"""key""" = 1\n', 1, 1, /multi-line/],
  ['a control character in a comment', '# a\u0001\n', 1, 4, /U\+0001 is not allowed in a comment/],
  ['a DEL in a comment', 'a = 1 # \u007F\n', 1, 9, /U\+007F/],
  ['a lone CR', 'a = 1\rb = 2\n', 1, 6, /end of the line/],
  ['a lone CR between lines', 'a = 1\n\r\nb = 2\n\r', 4, 1, /carriage return/],
  ['a leading zero', 'a = 01\n', 1, 5, /leading zeros/],
  ['a signed leading zero', 'a = +01\n', 1, 5, /leading zeros/],
  ['a float with a leading zero', 'a = 00.1\n', 1, 5, /leading zeros/],
  ['a double underscore', 'a = 1__2\n', 1, 6, /underscore/],
  ['a leading underscore', 'a = _1\n', 1, 5, /expected a value/],
  ['a trailing underscore', 'a = 1_\n', 1, 6, /underscore/],
  ['a float without fraction digits', 'a = 1.\n', 1, 6, /unexpected "\."/],
  ['a float without an integer part', 'a = .1\n', 1, 5, /expected a value/],
  ['a float with an exponent after a dot', 'a = 1.e5\n', 1, 6, /unexpected/],
  ['an exponent without digits', 'a = 1e\n', 1, 6, /unexpected "e"/],
  ['a signed hexadecimal integer', 'a = +0x1\n', 1, 7, /unexpected "x"/],
  ['a negative hexadecimal integer', 'a = -0x1\n', 1, 7, /unexpected "x"/],
  ['a hexadecimal integer without digits', 'a = 0x\n', 1, 5, /invalid integer/],
  ['a bad binary digit', 'a = 0b102\n', 1, 9, /unexpected "2"/],
  ['a bad octal digit', 'a = 0o8\n', 1, 5, /invalid integer/],
  ['an upper-case radix prefix', 'a = 0X1F\n', 1, 6, /unexpected "X"/],
  ['an integer above 64 bits', 'a = 9223372036854775808\n', 1, 5, /does not fit in 64 bits/],
  ['an integer below 64 bits', 'a = -9223372036854775809\n', 1, 5, /does not fit in 64 bits/],
  ['a hexadecimal integer above 64 bits', 'a = 0x8000000000000000\n', 1, 5, /does not fit in 64 bits/],
  ['two signs', 'a = +-1\n', 1, 5, /invalid value/],
  ['capitalised inf and nan', 'a = Inf\n', 1, 5, /expected a value/],
  ['infinity spelled out', 'a = infinity\n', 1, 8, /unexpected "i"/],
  ['capitalised booleans', 'a = True\n', 1, 5, /expected a value/],
  ['a boolean with trailing letters', 'a = truee\n', 1, 9, /unexpected "e"/],
  ['a truncated boolean', 'a = fals\n', 1, 5, /expected a value/],
  ['month 13', 'a = 1979-13-01\n', 1, 5, /invalid date/],
  ['February 29 of a common year', 'a = 1979-02-29\n', 1, 5, /invalid date/],
  ['February 30', 'a = 2000-02-30\n', 1, 5, /invalid date/],
  ['day 0', 'a = 1979-01-00\n', 1, 5, /invalid date/],
  ['hour 24', 'a = 1979-05-27T24:00:00\n', 1, 5, /invalid time/],
  ['minute 60', 'a = 07:60:00\n', 1, 5, /invalid time/],
  ['second 61', 'a = 07:00:61\n', 1, 5, /invalid time/],
  ['a time without seconds (TOML 1.1 only)', 'a = 07:32\n', 1, 5, /invalid time/],
  ['a date-time without seconds (TOML 1.1 only)', 'a = 1979-05-27T07:32Z\n', 1, 15, /unexpected "T"/],
  ['an offset hour of 24', 'a = 1979-05-27T07:32:00+24:00\n', 1, 5, /invalid time offset/],
  ['a one-digit month', 'a = 1979-5-27\n', 1, 5, /invalid date/],
  ['a fraction without digits', 'a = 07:32:00.\n', 1, 13, /unexpected "\."/],
  ['a key ending in a dot', 'a. = 1\n', 1, 4, /expected a key/],
  ['a key starting with a dot', '.a = 1\n', 1, 1, /expected a key/],
  ['a key with two dots', 'a..b = 1\n', 1, 3, /expected a key/],
  ['a table name ending in a dot', '[a.]\n', 1, 4, /expected a key/],
  ['an empty table name', '[]\n', 1, 2, /expected a key/],
  ['a pair after a header on its line', '[a] b = 1\n', 1, 5, /end of the line/],
  ['an unclosed header', '[a\nb = 1\n', 1, 3, /expected "\]"/],
  ['an unclosed array-of-tables header', '[[a]\n', 1, 4, /expected "\]\]"/],
  ['a space inside [[', '[ [a] ]\n', 1, 3, /expected a key/],
  ['two equals signs', 'a = 1 = 2\n', 1, 7, /end of the line/],
  ['a value on the next line', 'a =\n1\n', 1, 4, /expected a value/],
  ['a stray character', 'a = 1\n$\n', 2, 1, /expected a key, found "\$"/],
]

function parseError(text: string): TomlError {
  try {
    parseToml(text)
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(TomlError)
    return error as TomlError
  }

  throw new Error(`expected ${JSON.stringify(text)} to be refused`)
}

describe('parseToml', () => {
  describe('valid TOML 1.0', () => {
    for (const [what, text, expected] of VALID) {
      it(`reads ${what}`, () => {
        expect(parseToml(text)).to.deep.equal(expected)
      })
    }

    it('returns tables whose keys are own data properties and which inherit nothing', () => {
      const value = parseToml('__proto__ = { polluted = true }\n[constructor]\nprototype = 1\n')
      const prototype = Object.getPrototypeOf(value)
      expect(Object.getOwnPropertyNames(prototype)).to.deep.equal([])
      expect(Object.getPrototypeOf(prototype)).to.equal(null)
      expect(Object.isFrozen(prototype)).to.equal(true)
      expect(Object.getPrototypeOf(value.constructor)).to.equal(prototype)
      expect(Object.keys(value)).to.deep.equal(['__proto__', 'constructor'])
      expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).to.deep.equal({polluted: true})
      expect(({} as Record<string, unknown>).polluted).to.equal(undefined)
      expect(typeof Object.prototype.constructor).to.equal('function')
    })

    it('keeps keys in the order they were written', () => {
      expect(Object.keys(parseToml('z = 1\na = 2\nm.x = 3\n[b]\n'))).to.deep.equal(['z', 'a', 'm', 'b'])
    })
  })

  describe('invalid TOML 1.0', () => {
    for (const [what, text, line, column, reason] of INVALID) {
      it(`refuses ${what} at ${line}:${column}`, () => {
        const error = parseError(text)
        expect({column: error.column, line: error.line}, error.message).to.deep.equal({column, line})
        expect(error.reason).to.match(reason)
        expect(error.message).to.equal(`${line}:${column}: ${error.reason}`)
        expect(error.message).not.to.include('\n')
      })
    }

    it('refuses redefinitions the fast lane meets with the same error as the general code', () => {
      // parseToml takes simple lines through its fast lane; parseTomlDocument never does.
      for (const text of ['[a]\n[a]\n', 'a = "x"\na = "y"\n', '[a]\nb = true\n[a.b]\n', '[a.b]\n[a]\nb = 1\n', '[x]\n[y]\n[x]\n']) {
        expect(() => parseTomlDocument(text), text).to.throw(TomlError, parseError(text).message)
      }
    })

    it('counts columns in code points, not UTF-16 units', () => {
      const error = parseError('s = "🎉🎉\\q"\n')
      expect(error.column).to.equal(8)
    })
  })

  describe('nesting', () => {
    const deepArray = (n: number) => `x = ${'['.repeat(n)}${']'.repeat(n)}\n`
    const deepTable = (n: number) => `x = ${'{ a = '.repeat(n)}1${' }'.repeat(n)}\n`

    it(`accepts arrays and inline tables ${MAX_NESTING} levels deep`, () => {
      expect(() => parseToml(deepArray(MAX_NESTING))).not.to.throw()
      expect(() => parseToml(deepTable(MAX_NESTING))).not.to.throw()
      expect(() => parseToml(`x = ${'[{ a = '.repeat(MAX_NESTING / 2)}1${' }]'.repeat(MAX_NESTING / 2)}\n`)).not.to.throw()
    })

    for (const [what, text, column] of [
      ['a 50,000-deep array', deepArray(50_000), 5 + MAX_NESTING],
      ['a 50,000-deep inline table', deepTable(50_000), 5 + 6 * MAX_NESTING],
      ['one level too deep', deepArray(MAX_NESTING + 1), 5 + MAX_NESTING],
    ] as const) {
      it(`refuses ${what} with a clear error naming line and column, not a stack overflow`, () => {
        const error = parseError(`a = 1\n${text}`)
        expect(error.message).to.equal(`2:${column}: arrays and inline tables nest deeper than ${MAX_NESTING} levels`)
      })
    }
  })

  it('parses a 4.8 MB manifest in well under a second', () => {
    const packages: string[] = []
    for (let i = 0, size = 0; size < 4.8e6; i++) {
      const table =
        `\n[packages.pkg${i}]\nflake   = "github:owner${i}/repo${i}?dir=sub/pkg"\nscope   = "home"\nenabled = true\npin     = "0123456789abcdef0123456789abcdef01234567"\n` +
        `\n[packages.pkg${i}.config]\nmessage = "hello \\"world\\" ${i}"\nport = '8080'\n`
      packages.push(table)
      size += table.length
    }

    const text = `schema = 1\n\n[settings]\ndefault_scope = "system"\nauto_apply = false\n${packages.join('')}`
    expect(text.length).to.be.greaterThan(4.8e6)
    const started = performance.now()
    const value = parseToml(text) as {packages: Record<string, unknown>}
    const elapsed = performance.now() - started
    expect(Object.keys(value.packages)).to.have.lengthOf(packages.length)
    // The budget is generous for a loaded machine; bench/manifest-parse.js measures the real figure.
    expect(elapsed, `${elapsed.toFixed(0)} ms`).to.be.lessThan(1500)
  })
})

describe('parseTomlDocument', () => {
  it('reads every valid case of the table exactly as parseToml does (no fast lane there)', () => {
    for (const [what, text, expected] of VALID) expect(parseTomlDocument(text).value, what).to.deep.equal(expected)
  })

  it('refuses every invalid case of the table with the same error as parseToml', () => {
    for (const [what, text] of INVALID) expect(() => parseTomlDocument(text), what).to.throw(TomlError, parseError(text).message)
  })

  const text = [
    '# header',
    'schema = 1',
    'top.dotted = "x" # trailing',
    '',
    '# about settings',
    '[settings]',
    'a   = 1',
    'long = """',
    'two',
    'lines"""',
    '',
    '[[list]]',
    '  k = [',
    '    1, # in an array',
    '  ]',
    '[[list]]',
    'last = true',
  ].join('\n')
  const {document, value} = parseTomlDocument(text)
  const slice = (start: number, end: number) => text.slice(start, end)

  it('returns the same value as parseToml', () => {
    expect(value).to.deep.equal(parseToml(text))
  })

  it('lists every table in text order, the root first, each header occurrence of an array of tables apart', () => {
    expect(document.tables.map((t) => [t.key.join('.'), t.array])).to.deep.equal([
      ['', false],
      ['settings', false],
      ['list', true],
      ['list', true],
    ])
  })

  it('gives each table the span from its header line to the next header line', () => {
    const [root, settings, first, second] = document.tables
    expect(slice(root.start, root.end)).to.equal('# header\nschema = 1\ntop.dotted = "x" # trailing\n\n# about settings\n')
    expect(slice(settings.start, settings.headerEnd)).to.equal('[settings]\n')
    expect(slice(settings.start, settings.end)).to.equal('[settings]\na   = 1\nlong = """\ntwo\nlines"""\n\n')
    expect(slice(first.start, first.end)).to.equal('[[list]]\n  k = [\n    1, # in an array\n  ]\n')
    expect(slice(second.start, second.end)).to.equal('[[list]]\nlast = true')
    expect(second.end).to.equal(text.length)
  })

  it('gives each key/value its line, key and value spans, the line ending included', () => {
    const entries = document.tables.flatMap((t) => t.entries)
    expect(entries.map((e) => [e.key.join('.'), slice(e.start, e.end), slice(e.keyStart, e.keyEnd), slice(e.valueStart, e.valueEnd)])).to.deep.equal([
      ['schema', 'schema = 1\n', 'schema', '1'],
      ['top.dotted', 'top.dotted = "x" # trailing\n', 'top.dotted', '"x"'],
      ['a', 'a   = 1\n', 'a', '1'],
      ['long', 'long = """\ntwo\nlines"""\n', 'long', '"""\ntwo\nlines"""'],
      ['k', '  k = [\n    1, # in an array\n  ]\n', 'k', '[\n    1, # in an array\n  ]'],
      ['last', 'last = true', 'last', 'true'],
    ])
  })

  it('lists where every comment starts, strings excluded', () => {
    expect(document.comments.map((at) => text.slice(at, text.indexOf('\n', at)))).to.deep.equal([
      '# header',
      '# trailing',
      '# about settings',
      '# in an array',
    ])
  })

  it('uses offsets into the text as given, a byte-order mark included', () => {
    const withBom = '\uFEFFa = 1\n'
    const [root] = parseTomlDocument(withBom).document.tables
    expect(withBom.slice(root.entries[0].keyStart, root.entries[0].end)).to.equal('a = 1\n')
  })
})

describe('decodeUtf8', () => {
  it('decodes UTF-8 and keeps a byte-order mark in the text', () => {
    expect(decodeUtf8(Buffer.from('\uFEFFa = "é🎉"\n'))).to.equal('\uFEFFa = "é🎉"\n')
  })

  const cases: Array<[string, number[], number, number, string]> = [
    ['a stray continuation byte', [0x61, 0x0a, 0x62, 0x80], 2, 2, '0x80'],
    ['an invalid lead byte', [0xff], 1, 1, '0xff'],
    ['an overlong encoding', [0x61, 0xc0, 0xaf], 1, 2, '0xc0'],
    ['a truncated sequence at the end', [0x61, 0x3d, 0xe6, 0x97], 1, 3, '0xe6'],
    ['an encoded surrogate', [0xed, 0xa0, 0x80], 1, 1, '0xed'],
    ['a code point beyond U+10FFFF', [0xf4, 0x90, 0x80, 0x80], 1, 1, '0xf4'],
    ['an invalid byte after multi-byte characters on line 3', [0x0a, 0x0a, 0xc3, 0xa9, 0xf0, 0x9f, 0x8e, 0x89, 0xfe], 3, 3, '0xfe'],
  ]
  for (const [what, bytes, line, column, shown] of cases) {
    it(`refuses ${what}, naming line ${line} and column ${column}`, () => {
      let error: unknown
      try {
        decodeUtf8(Uint8Array.from(bytes))
      } catch (error_) {
        error = error_
      }

      expect(error).to.be.instanceOf(TomlError)
      expect((error as TomlError).message).to.equal(`${line}:${column}: invalid UTF-8 (byte ${shown})`)
    })
  }
})
