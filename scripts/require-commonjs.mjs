// An esbuild plugin for the Node bundles: CommonJS packages (TensorFlow.js) are loaded with
// require() instead of an ESM import. Node answers `import` of a CommonJS package by lexing the
// source of every file it re-exports to find the export names (cjs-module-lexer: about a second
// for TensorFlow.js's packages, more than evaluating them); require() skips that. The bundle
// still sees the package's own exports object, so nothing else changes.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** Names that cannot be bound by `const` in a module. */
const RESERVED = new Set([
  'default',
  'eval',
  'arguments',
  'await',
  'yield',
  'let',
  'static',
  'implements',
  'interface',
  'package',
  'private',
  'protected',
  'public',
]);

/** `packages`: names of CommonJS packages imported from the bundled sources. */
export function requireCommonJs(packages) {
  const pattern = new RegExp(`^(${packages.map((p) => p.replace(/[/.@-]/g, (c) => `\\${c}`)).join('|')})$`);
  return {
    name: 'require-commonjs',
    setup(build) {
      build.onResolve({ filter: pattern }, (args) => ({ path: args.path, namespace: 'require-commonjs' }));
      build.onLoad({ filter: /.*/, namespace: 'require-commonjs' }, (args) => {
        // The export names are listed at build time (import * as tf sees each as a property).
        const names = Object.keys(require(args.path)).filter((n) => /^[A-Za-z_$][\w$]*$/.test(n) && !RESERVED.has(n));
        const contents = [
          "import { createRequire } from 'node:module';",
          `const m = createRequire(import.meta.url)(${JSON.stringify(args.path)});`,
          'export default m;',
          `export const { ${names.join(', ')} } = m;`,
        ].join('\n');
        return { contents, loader: 'js', resolveDir: process.cwd() };
      });
    },
  };
}
