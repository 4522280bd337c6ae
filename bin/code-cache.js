// Loading glix's CommonJS bundle with V8's code cache: what Node ≥ 22.1's
// module.enableCompileCache does for every module, for the one module that
// matters, on Node 20, which has no such API. See "One file to load" in
// docs/decisions.md for what it buys.
//
// After a run that compiled the bundle from source, the code V8 compiled
// (functions compiled while the command ran included) is written to one
// cache file per bundle path and Node version; later runs hand it to V8 with
// the source, and V8 skips parsing and compiling what it holds.
// Invariants: a cache is used only for the very bundle file it was made
// from — its first line records the bundle's size, mtime and inode, and V8
// itself refuses a cache from another V8, other flags or a source of another
// length (the cache is then rewritten); a cache is replaced by rename, never
// seen half-written; a cache that cannot be read or written costs the
// speed-up and nothing else.
import {Buffer} from 'node:buffer'
import {mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import Module, {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import vm from 'node:vm'

/** Reads the cache of `stamp`'s bundle from `cacheFile`, or undefined. */
function readCache(cacheFile, stamp) {
  try {
    const data = readFileSync(cacheFile)
    const newline = data.indexOf(10)
    return newline > 0 && data.toString('utf8', 0, newline) === stamp ? data.subarray(newline + 1) : undefined
  } catch {
    return undefined
  }
}

function writeCache(cacheFile, stamp, data) {
  try {
    mkdirSync(dirname(cacheFile), {recursive: true})
    const temp = `${cacheFile}.${process.pid}`
    writeFileSync(temp, Buffer.concat([Buffer.from(`${stamp}\n`), data]))
    renameSync(temp, cacheFile)
  } catch {
    // A read-only or full cache directory: the next run compiles again.
  }
}

/**
 * Requires the CommonJS module `file` (the bundle: see scripts/bundle.js),
 * compiled with the code cache kept under `cacheDir`, and returns its exports.
 */
export function requireWithCodeCache(file, cacheDir) {
  const stat = statSync(file)
  const stamp = JSON.stringify({ino: stat.ino, mtime: stat.mtimeMs, size: stat.size})
  const cacheFile = join(cacheDir, `${process.version}-${process.arch}-${file.replaceAll(/[^\w.-]/g, '_')}.v8`)
  const cachedData = readCache(cacheFile, stamp)
  // Module.wrap's parameters plus one: Node 20 loses the `import()` callback of code compiled from a
  // cache, so the bundle sends its dynamic imports through __glixHostImport (see scripts/bundle.js).
  const wrapper = `(function (exports, require, module, __filename, __dirname, __glixHostImport) { ${readFileSync(file, 'utf8')}\n})`
  const script = new vm.Script(wrapper, {cachedData, filename: file})
  const mod = new Module(file)
  mod.filename = file
  mod.paths = Module._nodeModulePaths(dirname(file))
  // oclif require()s the bundle again to find commands and hooks: it must get this very module.
  Module._cache[file] = mod
  const hostImport = (specifier) => import(specifier)
  script.runInThisContext().call(mod.exports, mod.exports, createRequire(file), mod, file, dirname(file), hostImport)
  mod.loaded = true
  if (!cachedData || script.cachedDataRejected) process.once('exit', () => writeCache(cacheFile, stamp, script.createCachedData()))
  return mod.exports
}
