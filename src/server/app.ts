/**
 * The tagwarden HTTP server used by the browser tests, the demo (`npm start`) and `tagwarden serve`.
 * Owns: creating the app, routing order (extra handlers, `/__records`, collectors, static mounts,
 * pages, 404), listening on one or more origins that share one record store, and closing.
 * Does not own any single route (see the other files of this folder).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { type CollectorOptions, collectorsRoute } from './collectors.js';
import type { CspMode } from './csp.js';
import { personalizerCollector } from './personalizer.js';
import { RecordStore, recordsRoute } from './records.js';
import type { RequestContext, RouteHandler, TemplateVars } from './route.js';
import { sendEmpty, sendText } from './send.js';
import { resolveFolder, serveFile } from './static-files.js';
import { trackCollector } from './track.js';

/** Options of `createApp`. */
export interface AppOptions {
  /** Static mounts: URL prefix → directory, e.g. `{ '/tagwarden/': 'dist/runtime' }` (relative to the cwd). */
  routes?: Record<string, string>;
  /**
   * URL prefixes of `routes` served for caching, as a site should serve the runtime: files with a content
   * hash in their name (`-<8 characters>.js`) `public, max-age=31536000, immutable`, every other file
   * `no-cache` with an `ETag` (a request with a matching `If-None-Match` gets 304). Default none: `no-store`.
   */
  cached?: string[];
  /** A directory served at `/`: `.html` files get a nonce and the CSP, other files are static. */
  pages?: string;
  /** CSP of HTML responses (default `'strict'`); `?csp=none` on a page URL drops it for that response. */
  csp?: CspMode;
  /** Extra handlers, tried in order before every built-in route. */
  handlers?: RouteHandler[];
  /** Collector options, or false to leave `/collect/*` out (default: collectors on, 1 MiB bodies). */
  collectors?: CollectorOptions | false;
  /** Extra `{{name}}` template values for HTML (besides `nonce` and `origin`). */
  vars?: TemplateVars;
  /** The record store to use (default: a new one). */
  records?: RecordStore;
}

/** A created app; `listen` it once per origin it should be reachable on. */
export interface App {
  /** The first listener's server (the one `listen` binds first). */
  readonly server: Server;
  /** What the collectors received, across every origin of this app. */
  readonly records: RecordStore;
  /** Origins listened on so far, in `listen` order, e.g. `['http://127.0.0.1:41234']`. */
  readonly origins: readonly string[];
  /** Absolute URL of `path` on the first origin; throws before the first `listen`. */
  url(path: string): string;
  /** Stops every listener of the app and drops open connections. */
  close(): Promise<void>;
}

interface Listeners {
  readonly handle: (req: IncomingMessage, res: ServerResponse, origin: string) => void;
  readonly servers: Server[];
  readonly origins: string[];
}

const listeners = new WeakMap<App, Listeners>();

function normalizePrefix(prefix: string): string {
  let p = prefix.startsWith('/') ? prefix : `/${prefix}`;
  if (!p.endsWith('/')) p = `${p}/`;
  return p;
}

function originOf(server: Server, label?: string): string {
  const address = server.address() as AddressInfo | null;
  if (address === null) return 'http://127.0.0.1';
  const host = label ?? address.address;
  return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
}

/** Creates the app (not yet listening). */
export function createApp(options: AppOptions = {}): App {
  const records = options.records ?? new RecordStore();
  const csp = options.csp ?? 'strict';
  const vars = options.vars ?? {};
  const cached = new Set((options.cached ?? []).map(normalizePrefix));
  const mounts = Object.entries(options.routes ?? {})
    .map(([prefix, dir]) => ({ prefix: normalizePrefix(prefix), dir: resolve(dir) }))
    .map((m) => ({ ...m, cached: cached.has(m.prefix) }))
    .sort((a, b) => b.prefix.length - a.prefix.length);
  const pages = options.pages === undefined ? undefined : resolve(options.pages);
  const handlers: RouteHandler[] = [...(options.handlers ?? []), recordsRoute];
  if (options.collectors !== false) {
    handlers.push(collectorsRoute(options.collectors ?? {}), trackCollector(), personalizerCollector());
  }

  const route = async (req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> => {
    for (const handler of handlers) {
      if (await handler(req, res, ctx)) return;
    }
    const path = ctx.url.pathname;
    const mount = mounts.find((m) => path.startsWith(m.prefix));
    if (mount !== undefined) {
      if (!(await serveFile(req, res, ctx, mount.dir, path.slice(mount.prefix.length), mount.cached))) {
        sendText(req, res, 404, '404 Not Found');
      }
      return;
    }
    if (pages !== undefined) {
      const rel = path.endsWith('/') ? `${path}index.html` : path;
      if (await serveFile(req, res, ctx, pages, rel, false, false)) return;
      if (!/\.[^/]*$/.test(rel) && (await serveFile(req, res, ctx, pages, `${rel}.html`, false, false)))
        return;
      // A folder named without its slash: its index page's relative links need the slash.
      if (!path.endsWith('/') && resolveFolder(pages, path)) {
        sendEmpty(res, 301, { Location: `${path}/${ctx.url.search}` });
        return;
      }
    }
    sendText(req, res, 404, '404 Not Found');
  };

  const handle = (req: IncomingMessage, res: ServerResponse, listener: string): void => {
    // One loopback listener answers as both 127.0.0.1 and localhost (two origins, two sites): the
    // Host header says which one the browser used. Any other Host is refused: a name an attacker's DNS
    // points at this machine (DNS rebinding) would otherwise make the server that website's own origin.
    // A listener on every interface (0.0.0.0, ::) has no name of its own to check against.
    const { host, hostname, port } = new URL(listener);
    const alias = hostname === '127.0.0.1' && req.headers.host === `localhost${port && `:${port}`}`;
    if (req.headers.host !== host && !alias && hostname !== '0.0.0.0' && hostname !== '[::]') {
      sendText(req, res, 421, '421 Misdirected Request: this server answers only its own host names');
      return;
    }
    const origin = alias ? `http://localhost:${port}` : listener;
    let url: URL;
    try {
      url = new URL(req.url ?? '/', origin);
    } catch {
      sendText(req, res, 400, '400 Bad Request');
      return;
    }
    const ctx: RequestContext = { url, origin, records, csp, vars };
    route(req, res, ctx).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendText(
        req,
        res,
        500,
        `500 Internal Server Error: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
  };

  const own: Listeners = { handle, servers: [], origins: [] };
  const server: Server = createServer((req, res) => {
    const index = own.servers.indexOf(server);
    handle(req, res, index >= 0 ? (own.origins[index] as string) : originOf(server));
  });
  const app: App = {
    server,
    records,
    get origins() {
      return [...own.origins];
    },
    url(path) {
      const first = own.origins[0];
      if (first === undefined) throw new Error('The app is not listening yet: call listen(app) first.');
      return new URL(path, first).href;
    },
    async close() {
      const all = own.servers.includes(server) ? own.servers : [server, ...own.servers];
      await Promise.all(
        all.map(
          (s) =>
            new Promise<void>((done) => {
              if (!s.listening) {
                done();
                return;
              }
              s.close(() => done());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
  listeners.set(app, own);
  return app;
}

/**
 * Makes `app` reachable on `http://{host}:{port}` (port 0 picks a free one) and resolves with that
 * origin. The first call binds `app.server`; each further call adds a listener on another origin
 * with the same routes and records (e.g. `localhost` next to `127.0.0.1` for a cross-site
 * "third party": both are secure contexts in Chromium). `localhost` is bound on 127.0.0.1.
 */
export async function listen(app: App, port = 0, host = '127.0.0.1'): Promise<string> {
  const own = listeners.get(app);
  if (own === undefined) throw new Error('listen() needs an app made by createApp().');
  const first = own.servers.length === 0 && !app.server.listening;
  const server = first
    ? app.server
    : createServer((req, res) => own.handle(req, res, own.origins[own.servers.indexOf(server)] ?? ''));
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(port, host === 'localhost' ? '127.0.0.1' : host, () => {
      server.off('error', fail);
      done();
    });
  });
  const origin = originOf(server, host);
  own.servers.push(server);
  own.origins.push(origin);
  return origin;
}
