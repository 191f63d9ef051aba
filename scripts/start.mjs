// `npm start`: the demo. Builds if needed, creates a development signing key in .dev-keys/ (git-ignored)
// on first use, signs containers/demo.json for the local origin and serves the demo site under the
// strict CSP. Port: PORT or --port (default 8080); the container's :8080 URLs follow the chosen port.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

process.chdir(join(dirname(fileURLToPath(import.meta.url)), '..'));
if (!existsSync('dist/runtime/tagwarden.js') || !existsSync('dist/server/index.js')) {
  execFileSync('npm', ['run', 'build'], { stdio: 'inherit' });
}
const { startPreview } = await import('../dist/server/index.js');

const portArg = process.argv.indexOf('--port');
const port = Number(portArg > 0 ? process.argv[portArg + 1] : (process.env.PORT ?? 8080));
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`npm start: bad port "${port}"`);
  process.exit(2);
}
const preview = await startPreview({
  container: 'containers/demo.json',
  runtimeDir: 'dist/runtime',
  routes: { '/vendor/': 'demo/vendor', '/assets/': 'demo/assets' },
  pages: 'demo/pages',
  port,
  rewritePort: 8080,
});
console.log(`tagwarden demo: ${preview.origin}/`);
console.log(
  `container ${preview.containerId} v${preview.version}, signed with development key ${preview.keyid.slice(0, 16)}…`,
);
console.log('Ctrl-C stops it.');
