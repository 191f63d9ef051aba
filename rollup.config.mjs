// Builds the browser runtime (ES modules, lazy chunks with content-hashed names), the Node API
// and the `tagwarden` CLI. Prints every output's size (min, gzip, brotli) and writes
// dist/sizes.json, which the size-budget test and `npm run bench` read.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import nodeResolve from '@rollup/plugin-node-resolve';
import terser from '@rollup/plugin-terser';
import esbuild from 'rollup-plugin-esbuild';

const sizes = {};
// Old content-hashed chunks would pile up beside the new ones: start from an empty output.
for (const dir of ['dist/runtime', 'dist/node', 'dist/types']) rmSync(dir, { recursive: true, force: true });

/** Records min/gzip/brotli of every emitted JS file; prints them once the build is written. */
function sizeReport(group) {
  return {
    name: 'size-report',
    generateBundle(_options, bundle) {
      for (const [file, out] of Object.entries(bundle)) {
        if (out.type !== 'chunk') continue;
        const buf = Buffer.from(out.code);
        sizes[`${group}/${file}`] = {
          group,
          file,
          name: out.name,
          isEntry: out.isEntry,
          imports: out.imports,
          dynamicImports: out.dynamicImports,
          min: buf.length,
          gzip: gzipSync(buf, { level: 9 }).length,
          brotli: brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
        };
      }
    },
    writeBundle() {
      mkdirSync('dist', { recursive: true });
      writeFileSync('dist/sizes.json', `${JSON.stringify(sizes, null, 2)}\n`);
      if (group !== 'runtime') return;
      const rows = Object.values(sizes).filter((s) => s.group === 'runtime');
      const pad = (v, n) => String(v).padStart(n);
      console.log(`\n${'runtime output'.padEnd(44)}${pad('min', 9)}${pad('gzip', 9)}${pad('brotli', 9)}`);
      for (const s of rows)
        console.log(`${s.file.padEnd(44)}${pad(s.min, 9)}${pad(s.gzip, 9)}${pad(s.brotli, 9)}`);
    },
  };
}

const onwarn = (warning, warn) => {
  // zod's sources carry annotations and cycles that rollup reports; both are harmless.
  if (warning.code === 'INVALID_ANNOTATION' || warning.code === 'CIRCULAR_DEPENDENCY') return;
  warn(warning);
};

/**
 * The identity of the browser's schema check, the program and the interpreter that runs it: a container stored
 * after one check is checked again when the runtime's check has changed since (src/runtime/container-loader.ts).
 */
const schemaHash = createHash('sha256');
for (const f of ['schema-program', 'interpret', 'check'])
  schemaHash.update(readFileSync(`src/container/${f}.ts`));
const SCHEMA_ID = schemaHash.digest('hex').slice(0, 12);

const runtime = {
  input: { tagwarden: 'src/runtime/index.ts' },
  onwarn,
  output: {
    dir: 'dist/runtime',
    format: 'es',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name]-[hash].js',
    sourcemap: false,
  },
  plugins: [
    nodeResolve({ browser: true }),
    esbuild({
      target: 'es2020',
      define: { __DEV__: 'false', __SCHEMA_ID__: JSON.stringify(SCHEMA_ID) },
      legalComments: 'none',
    }),
    terser({
      module: true,
      ecma: 2020,
      // hoist_funs: function declarations first (semantics-preserving; measured 52 B less brotli on the path).
      compress: { passes: 3, pure_getters: true, hoist_funs: true },
      // No property mangling: `_clear` is a public dataLayer key that a /^_/ rule would rename.
      format: { comments: false },
    }),
    sizeReport('runtime'),
  ],
};

const node = {
  input: {
    'cli/tagwarden': 'src/cli/bin.ts',
    'node/index': 'src/node/index.ts',
    'server/index': 'src/server/index.ts',
  },
  onwarn,
  external: (id) => id.startsWith('node:') || /^(zod|idb-keyval|@microsoft)(\/|$)/.test(id),
  output: {
    dir: 'dist',
    format: 'es',
    entryFileNames: '[name].js',
    chunkFileNames: 'node/[name]-[hash].js',
    banner: (chunk) => (chunk.name === 'cli/tagwarden' ? '#!/usr/bin/env node' : ''),
  },
  plugins: [nodeResolve(), esbuild({ target: 'node20', define: { __DEV__: 'false' } }), sizeReport('node')],
};

export default [runtime, node];
