/**
 * A local preview of a container: signs it with a development key for the local origin and serves
 * the runtime, the signed container, a site's pages and the collectors under the strict CSP. Used by
 * `npm start` (the demo), `tagwarden serve` and `npm run bench`. Node only.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { signPayload } from '../container/sign';
import { validateContainer } from '../container/validate';
import { readSigningKey, writeKeyPair } from '../node/keyfiles';
import { runtimeIntegrity } from '../snippet/files';
import { renderSnippet } from '../snippet/render';
import { type App, createApp, listen } from './app';
import type { RouteHandler } from './route';

/** What to preview and where. */
export interface PreviewOptions {
  /** Path of the container JSON. */
  container: string;
  /** Private key file; default: a development key in `devKeyDir`, created on first use. */
  key?: string;
  devKeyDir?: string;
  /** dist/runtime of the build to serve. */
  runtimeDir: string;
  /** Pages and static folders: URL prefix → folder. */
  routes?: Record<string, string>;
  pages?: string;
  port?: number;
  handlers?: RouteHandler[];
  /** Written into the container's text before signing: `:8080` → the actual port. */
  rewritePort?: number;
}

/** A running preview. */
export interface Preview {
  app: App;
  origin: string;
  keyid: string;
  containerId: string;
  version: number;
  snippet: string;
  close(): Promise<void>;
}

/** Signs the container for the local origin and starts serving it. */
export async function startPreview(o: PreviewOptions): Promise<Preview> {
  let keyPath = o.key;
  if (!keyPath) {
    const dir = o.devKeyDir ?? '.dev-keys';
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    keyPath = join(dir, 'dev.key');
    if (!existsSync(keyPath)) await writeKeyPair(dir, 'dev');
  }
  const key = await readSigningKey(keyPath);

  let envelope = '';
  const serveContainer: RouteHandler = (_req, res, ctx) => {
    if (ctx.url.pathname !== '/container.json') return false;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
    res.end(envelope);
    return true;
  };
  const { integrity, chunks } = runtimeIntegrity(join(o.runtimeDir, 'tagwarden.js'));
  const snippet = renderSnippet({
    runtimeUrl: '/tagwarden/tagwarden.js',
    integrity,
    chunks,
    containerUrl: '/container.json',
    keys: [key.publicKey],
    nonce: '{{nonce}}',
  });
  const app = createApp({
    routes: { '/tagwarden/': o.runtimeDir, ...o.routes },
    // As a site should serve the runtime (docs/runtime.md#hosting-the-runtime).
    cached: ['/tagwarden/'],
    ...(o.pages !== undefined && { pages: o.pages }),
    handlers: [serveContainer, ...(o.handlers ?? [])],
    vars: { snippet },
  });
  // 127.0.0.1 is the site; the same listener answers as localhost, the demo's "third party".
  const origin = await listen(app, o.port ?? 8080, '127.0.0.1');
  const port = new URL(origin).port;

  let text = readFileSync(o.container, 'utf8');
  if (o.rewritePort !== undefined) text = text.replaceAll(`:${o.rewritePort}`, `:${port}`);
  const { container, problems } = validateContainer(JSON.parse(text));
  if (!container) {
    await app.close();
    throw new Error(
      `${o.container} is invalid: ${problems.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ')}`,
    );
  }
  if (!container.origins.includes(origin)) {
    // A preview runs on the local origin: add it, and sign what is served (never the marketer's file).
    const json = JSON.parse(text) as { origins: string[] };
    json.origins.push(origin);
    text = JSON.stringify(json, null, 2);
  }
  envelope = JSON.stringify(await signPayload(new TextEncoder().encode(text), [key]));
  return {
    app,
    origin,
    keyid: key.keyid,
    containerId: container.id,
    version: container.version,
    snippet,
    close: () => app.close(),
  };
}
