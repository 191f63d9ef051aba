// `npm start`: the demo. Builds if needed, creates a development signing key in .dev-keys/ (git-ignored)
// once, signs containers/demo.json for the local origin and serves the demo site under the strict CSP.
// Port: PORT or --port (default 8080). The container's 8080 URLs are rewritten to the chosen port.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
if (!existsSync('dist/runtime/tagwarden.js') || !existsSync('dist/server/index.js')) {
  execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
}
const { readSigningKey, writeKeyPair, signPayload, validateContainer, renderSnippet } = await import(
  '../dist/node/index.js'
);
const { createApp, listen } = await import('../dist/server/index.js');

const portArg = process.argv.indexOf('--port');
const port = Number(portArg > 0 ? process.argv[portArg + 1] : (process.env.PORT ?? 8080));
if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`bad port ${port}`);

mkdirSync('.dev-keys', { recursive: true, mode: 0o700 });
if (!existsSync('.dev-keys/dev.key')) {
  const k = await writeKeyPair('.dev-keys', 'dev');
  console.log(`created development key ${k.keyid} in .dev-keys/ (never use it in production)`);
}
const key = await readSigningKey('.dev-keys/dev.key');
const publicKey = readFileSync('.dev-keys/dev.pub', 'utf8').replace(/-----[A-Z ]+-----|\s/g, '');

const app = createApp({
  routes: { '/tagwarden/': 'dist/runtime', '/vendor/': 'demo/vendor', '/assets/': 'demo/assets' },
  pages: 'demo/pages',
  handlers: [
    (_req, res, ctx) => {
      if (ctx.url.pathname !== '/container.json') return false;
      res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
      res.end(envelope);
      return true;
    },
  ],
  vars: {
    snippet: renderSnippet({
      runtimeUrl: '/tagwarden/tagwarden.js',
      integrity: `sha384-${createHash('sha384').update(readFileSync('dist/runtime/tagwarden.js')).digest('base64')}`,
      containerUrl: '/container.json',
      keys: [publicKey],
      nonce: '{{nonce}}',
    }),
  },
});
const origin = await listen(app, port, '127.0.0.1');
const actual = new URL(origin).port;
await listen(app, Number(actual), 'localhost').catch(() => undefined);

const text = readFileSync('containers/demo.json', 'utf8').replaceAll(':8080', `:${actual}`);
const { container, problems } = validateContainer(JSON.parse(text));
if (!container) throw new Error(`containers/demo.json is invalid: ${JSON.stringify(problems)}`);
const envelope = JSON.stringify(await signPayload(new TextEncoder().encode(text), [key]));

console.log(
  `tagwarden demo: ${origin}/  (container ${container.id} v${container.version}, signed by ${key.keyid.slice(0, 16)}…)`,
);
console.log('Ctrl-C stops it.');
