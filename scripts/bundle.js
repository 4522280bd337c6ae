// `npm run build` (last step): bundles glix's compiled commands and hooks,
// and the oclif modules they load, into one module, dist/bundle/glix.js,
// which is what bin/run.js loads. See "One file to load" in docs/decisions.md.
//
// - The entry is generated here, not kept by hand: every command file under
//   dist/commands (with the id oclif's default `pattern` discovery gives it,
//   so the ids match oclif.manifest.json) and every hook package.json
//   declares. It exports COMMANDS (id → class, for oclif's `explicit`
//   discovery), one export per hook, and `run(argv)`, which runs oclif with
//   package.json's `oclif` section pointed at those exports.
// - package.json itself keeps naming dist/commands and dist/hooks, so the
//   unbundled dist/ stays what development (bin/dev.js), `oclif manifest`
//   and the in-process tests load; only the bundle's `run` rewrites the section.
// - Command and hook modules are evaluated on first use (`lazy`): a command
//   class is built when oclif asks for that command, a hook when its event fires.
// - The bundle sits at dist/bundle/, the depth of dist/lib/, so the paths
//   modules resolve from `import.meta.url` (dist/build-info.json,
//   package.json) stay right.
// - Minified (class and function names kept): V8's code cache of a smaller
//   program loads faster (bench/results.md, "Start-up levers"). Stack traces
//   point into the minified file; develop with bin/dev.js.
// - Modules loaded under a computed name stay outside: oclif's loader for
//   plugins and their commands, `createRequire(...)(name)`. A `require` made
//   for the bundle's location lets esbuild's shim resolve them from
//   node_modules as before. The core plugins (help, plugins, autocomplete)
//   and installed plugins load from node_modules, with their own
//   @oclif/core, only when one of their commands runs.
//
// `node scripts/bundle.js` builds the bundle bin/run.js loads;
// `bundleGlix(options)` builds variants for scripts/bench/levers.js.
import {build} from 'esbuild'
import {readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import {join, relative, sep} from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const DIST = join(ROOT, 'dist')

/** Every compiled command file under dist/commands, with the id oclif's pattern discovery gives it. */
function listCommands(dir = join(DIST, 'commands')) {
  const out = []
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) out.push(...listCommands(full))
    else if (name.endsWith('.js')) {
      const parts = relative(join(DIST, 'commands'), full).slice(0, -'.js'.length).split(sep)
      if (parts.at(-1) === 'index') parts.pop()
      out.push({file: full, id: parts.join(':')})
    }
  }

  return out
}

const importPath = (file) => JSON.stringify('./' + relative(ROOT, file).split(sep).join('/'))

/** The generated entry module (see the header). `target` is the bundle's path from the package root. */
function entrySource({lazy, target}) {
  const pjson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'))
  const commands = listCommands()
  const hooks = Object.entries(pjson.oclif.hooks ?? {}).flatMap(([event, targets]) =>
    [targets].flat().map((hook, i) => ({event, file: join(ROOT, hook.endsWith('.js') ? hook : `${hook}.js`), identifier: `HOOK_${event.replaceAll(/\W/g, '_')}_${i}`})),
  )
  const bundled = {commands: {identifier: 'COMMANDS', strategy: 'explicit', target}, hooks: {}}
  for (const {event, identifier} of hooks) (bundled.hooks[event] ??= []).push({identifier, target})
  const lines = []
  if (lazy) {
    // esbuild turns `require` of a bundled ES module into a call that evaluates it once, on first use.
    lines.push(
      `export const COMMANDS = {${commands.map(({file, id}) => `get ${JSON.stringify(id)}() { return require(${importPath(file)}).default }`).join(', ')}}`,
      ...hooks.map(({file, identifier}) => `export function ${identifier}(options) { return require(${importPath(file)}).default.call(this, options) }`),
    )
  } else {
    lines.push(
      ...commands.map(({file}, i) => `import C${i} from ${importPath(file)}`),
      `export const COMMANDS = {${commands.map(({id}, i) => `${JSON.stringify(id)}: C${i}`).join(', ')}}`,
      ...hooks.map(({file, identifier}) => `export {default as ${identifier}} from ${importPath(file)}`),
    )
  }

  lines.push(
    `import {readFileSync} from 'node:fs'`,
    `import {fileURLToPath} from 'node:url'`,
    `import {flush} from '@oclif/core/flush'`,
    `import {handle} from '@oclif/core/handle'`,
    `import {run as runOclif} from '@oclif/core/run'`,
    `import {hoistGlobalFlags} from './dist/lib/argv.js'`,
    `const BUNDLED = ${JSON.stringify(bundled)}`,
    `/** Runs glix with argv: package.json's oclif section, with commands and hooks found in this bundle. What oclif's execute() does, but for one thing (below). */`,
    `export async function run(argv) {`,
    `  const root = fileURLToPath(new URL('../../', import.meta.url))`,
    `  const pjson = JSON.parse(readFileSync(root + 'package.json', 'utf8'))`,
    `  pjson.oclif = {...pjson.oclif, ...BUNDLED}`,
    `  return runOclif(hoistGlobalFlags(argv), {pjson, root}).then((result) => { flush(); return result }, (error) => {`,
    // Plugins import glix's unbundled dist/ (and so another copy of @oclif/core): their this.exit() throws an
    // ExitError this copy's handle() does not recognise, and would print. Mark it the way handle() skips.
    `    if (error && error.code === 'EEXIT' && typeof error.oclif?.exit === 'number') error.skipOclifErrorHandling = true`,
    `    return handle(error)`,
    `  })`,
    `}`,
  )
  return lines.join('\n')
}

/**
 * Builds one bundle. `outfile`: where, relative to the package root (two
 * levels below it). `format`: 'esm' (an ES module) or 'cjs' (a CommonJS
 * module, which V8's code cache can serve: see bin/run.js). `lazy`: evaluate
 * command and hook modules on first use. `minify`: whitespace, syntax and
 * local names (class and function names are kept: oclif and glix's errors read them).
 */
export async function bundleGlix({format = 'cjs', lazy = true, minify = true, outfile = 'dist/bundle/glix.cjs'} = {}) {
  const target = `./${outfile}`
  const esm = format === 'esm'
  await build({
    banner: {
      // esbuild's shim for `require(<computed name>)` needs a real `require` in an ES module;
      // a CommonJS bundle needs `import.meta.url` (defined below) for the modules that read files beside them.
      js: esm
        ? "import {createRequire as __glixCreateRequire} from 'node:module'\nconst require = __glixCreateRequire(import.meta.url)"
        : "const __glixModuleUrl = require('node:url').pathToFileURL(__filename).href",
    },
    bundle: true,
    define: esm ? {} : {'import.meta.url': '__glixModuleUrl'},
    // oclif reads tsconfig.json with TypeScript only in development (bin/dev.js); at run time it is never reached.
    external: ['typescript'],
    format,
    keepNames: minify,
    legalComments: 'none',
    logLevel: 'warning',
    logOverride: {'require-resolve-not-external': 'silent'},
    minify,
    outfile: join(ROOT, outfile),
    platform: 'node',
    stdin: {contents: entrySource({lazy, target}), loader: 'js', resolveDir: ROOT, sourcefile: 'glix-bundle-entry.js'},
    target: 'node20',
  })
  if (!esm) routeDynamicImports(join(ROOT, outfile))
  return outfile
}

/**
 * `import(` as an expression, not inside a string or a name. In code
 * compiled from V8's code cache, Node 20 has lost the callback that
 * serves `import()` (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING), and oclif
 * loads ES-module plugins and their commands with `import()`.
 */
const DYNAMIC_IMPORT = /(?<![\w$."'`])import\(/g

/**
 * Sends the bundle's remaining `import()` calls (the ones esbuild could
 * not resolve at build time: oclif's plugin loader, node: built-ins)
 * through `__glixImport`, which bin/code-cache.js hands in from outside the
 * cached code. Only the generated file is changed.
 */
function routeDynamicImports(file) {
  const text = readFileSync(file, 'utf8').replaceAll(DYNAMIC_IMPORT, '__glixImport(')
  // Added after the replacement, which must not touch its own import(): a plain require() of the
  // bundle (no code cache) passes no __glixHostImport, and then the bundle imports by itself.
  const own = "const __glixImport = typeof __glixHostImport === 'function' ? __glixHostImport : (specifier) => import(specifier)\n"
  writeFileSync(file, own + text)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = await bundleGlix()
  console.error(`bundled glix into ${out}`)
}
