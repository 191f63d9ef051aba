// @vitest-environment node
// The server app over real sockets: HTML pages with a fresh nonce and the strict CSP, static
// files with their types and CORS, traversal refused, routing order, and a second origin.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  type App,
  contentTypeOf,
  createApp,
  listen,
  resolveInside,
  STRICT_CSP,
  sendText,
} from '../../../src/server/index.js';
import { rawRequest } from './raw-request.js';

let dir: string;
let app: App;
let origin: string;

const nonceOf = (csp: string | string[] | undefined): string | undefined =>
  /'nonce-([^']+)'/.exec(String(csp ?? ''))?.[1];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tagwarden-server-'));
  mkdirSync(join(dir, 'pages/sub'), { recursive: true });
  mkdirSync(join(dir, 'runtime/chunks'), { recursive: true });
  writeFileSync(join(dir, 'secret.txt'), 'top secret');
  writeFileSync(
    join(dir, 'pages/index.html'),
    '<script nonce="{{nonce}}">1</script><script nonce="{{nonce}}">2</script><p>{{origin}} {{other}} {{unknown}}</p>',
  );
  writeFileSync(join(dir, 'pages/sub/page.html'), '<p>sub</p>');
  writeFileSync(join(dir, 'pages/style.css'), 'p{}');
  mkdirSync(join(dir, 'pages/.dev-keys'));
  writeFileSync(join(dir, 'pages/.dev-keys/dev.key'), 'PRIVATE KEY');
  writeFileSync(join(dir, 'pages/.env'), 'SECRET=1');
  writeFileSync(join(dir, 'pages/old.htm'), '<p>old</p>');
  writeFileSync(
    join(dir, 'pages/logo.svg'),
    '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
  );
  writeFileSync(join(dir, 'runtime/tagwarden.js'), 'export {};');
  writeFileSync(join(dir, 'runtime/chunks/a.json'), '{}');
  symlinkSync(join(dir, 'secret.txt'), join(dir, 'runtime/escape.js'));
  app = createApp({
    routes: { '/tagwarden/': join(dir, 'runtime') },
    pages: join(dir, 'pages'),
    vars: { other: (ctx) => `other-of-${ctx.url.pathname}` },
    handlers: [
      (req, res, ctx) => {
        if (ctx.url.pathname !== '/custom') return false;
        sendText(req, res, 200, 'custom');
        return true;
      },
    ],
  });
  origin = await listen(app);
});

afterAll(async () => {
  await app.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('HTML pages', () => {
  test('every response gets a fresh nonce that matches its strict CSP header', async () => {
    const first = await rawRequest(origin, '/');
    const second = await rawRequest(origin, '/');
    const [a, b] = [
      nonceOf(first.headers['content-security-policy']),
      nonceOf(second.headers['content-security-policy']),
    ];
    expect(a).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(a).not.toBe(b);
    expect(first.headers['content-security-policy']).toBe(STRICT_CSP.replace('{{nonce}}', a!));
    expect(first.headers['content-security-policy']).toBe(
      `script-src 'nonce-${a}' 'strict-dynamic'; object-src 'none'; base-uri 'none'; ` +
        "require-trusted-types-for 'script'; trusted-types tagwarden default",
    );
    expect(first.text).toContain(`<script nonce="${a}">1</script><script nonce="${a}">2</script>`);
    expect(second.text).toContain(`nonce="${b}"`);
    expect(first.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(first.headers['cache-control']).toBe('no-store');
  });

  test('{{origin}} and extra values are filled in and unknown names are left alone', async () => {
    const page = await rawRequest(origin, '/index.html');
    expect(page.text).toContain(`<p>${origin} other-of-/index.html {{unknown}}</p>`);
    expect(page.text).not.toContain('{{nonce}}');
  });

  test('?csp=none drops the CSP header for that response only', async () => {
    const page = await rawRequest(origin, '/?csp=none');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toBeUndefined();
    expect((await rawRequest(origin, '/')).headers['content-security-policy']).toBeDefined();
  });

  test('pages are found with and without the .html extension', async () => {
    expect((await rawRequest(origin, '/sub/page.html')).text).toBe('<p>sub</p>');
    expect((await rawRequest(origin, '/sub/page')).text).toBe('<p>sub</p>');
    expect((await rawRequest(origin, '/sub/missing')).status).toBe(404);
  });

  test("csp 'none' sends no header and a custom policy gets its nonce filled in", async () => {
    const none = createApp({ pages: join(dir, 'pages'), csp: 'none', collectors: false });
    const custom = createApp({ pages: join(dir, 'pages'), csp: "script-src 'nonce-{{nonce}}'" });
    try {
      const plain = await rawRequest(await listen(none), '/');
      expect(plain.headers['content-security-policy']).toBeUndefined();
      const own = await rawRequest(await listen(custom), '/');
      const nonce = nonceOf(own.headers['content-security-policy']);
      expect(own.headers['content-security-policy']).toBe(`script-src 'nonce-${nonce}'`);
      expect(own.text).toContain(`nonce="${nonce}"`);
    } finally {
      await Promise.all([none.close(), custom.close()]);
    }
  });
});

describe('static files', () => {
  test('scripts are served as text/javascript, uncached, readable from any origin', async () => {
    const js = await rawRequest(origin, '/tagwarden/tagwarden.js');
    expect(js.status).toBe(200);
    expect(js.text).toBe('export {};');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('no-store');
    expect(js.headers['access-control-allow-origin']).toBe('*');
    expect((await rawRequest(origin, '/tagwarden/chunks/a.json')).headers['content-type']).toBe(
      'application/json; charset=utf-8',
    );
    expect((await rawRequest(origin, '/style.css')).headers['content-type']).toBe('text/css; charset=utf-8');
  });

  test('a cached mount serves hashed chunks as immutable and the entry for revalidation by ETag', async () => {
    const root = join(dir, 'cached');
    mkdirSync(join(root, 'chunks'), { recursive: true });
    writeFileSync(join(root, 'tagwarden.js'), 'export const v = 1;');
    writeFileSync(join(root, 'chunks/queue-AbCd_12-.js'), 'export {};');
    const cachedApp = createApp({
      routes: { '/tagwarden/': root, '/plain/': root },
      cached: ['/tagwarden/'],
    });
    const at = await listen(cachedApp);
    try {
      const chunk = await rawRequest(at, '/tagwarden/chunks/queue-AbCd_12-.js');
      expect(chunk.status).toBe(200);
      expect(chunk.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(chunk.headers['access-control-allow-origin']).toBe('*');

      const entry = await rawRequest(at, '/tagwarden/tagwarden.js');
      expect(entry.headers['cache-control']).toBe('no-cache');
      const etag = String(entry.headers.etag);
      expect(etag).toMatch(/^"[\w-]{27}"$/);
      const again = await rawRequest(at, '/tagwarden/tagwarden.js', { headers: { 'if-none-match': etag } });
      expect(again.status).toBe(304);
      expect(again.body.length).toBe(0);
      expect(again.headers.etag).toBe(etag);
      // A new release of the entry (the snippet pins its SRI): the old validator no longer matches.
      writeFileSync(join(root, 'tagwarden.js'), 'export const v = 2;');
      const changed = await rawRequest(at, '/tagwarden/tagwarden.js', { headers: { 'if-none-match': etag } });
      expect(changed.status).toBe(200);
      expect(changed.text).toBe('export const v = 2;');
      expect(changed.headers.etag).not.toBe(etag);
      // The same files under a mount that is not cached: no-store, no validator.
      const plain = await rawRequest(at, '/plain/chunks/queue-AbCd_12-.js');
      expect(plain.headers['cache-control']).toBe('no-store');
      expect(plain.headers.etag).toBeUndefined();
    } finally {
      await cachedApp.close();
    }
  });

  test('HEAD answers headers without a body and other methods get 405', async () => {
    const head = await rawRequest(origin, '/tagwarden/tagwarden.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
    expect(head.headers['content-length']).toBe('10');
    const post = await rawRequest(origin, '/tagwarden/tagwarden.js', { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  test('missing files and directories are 404', async () => {
    expect((await rawRequest(origin, '/tagwarden/nope.js')).status).toBe(404);
    expect((await rawRequest(origin, '/tagwarden/chunks')).status).toBe(404);
    expect((await rawRequest(origin, '/tagwarden/')).status).toBe(404);
    expect((await rawRequest(origin, '/nowhere/at/all.js')).status).toBe(404);
  });

  test.each([
    '/tagwarden/../secret.txt',
    '/tagwarden/..%2fsecret.txt',
    '/tagwarden/%2e%2e%2fsecret.txt',
    '/tagwarden/chunks/..%2f..%2fsecret.txt',
    '/tagwarden/..%5csecret.txt',
    '/sub/..%2f..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/tagwarden/%00.js',
  ])('path traversal %s is refused', async (path) => {
    const res = await rawRequest(origin, path);
    expect([403, 404]).toContain(res.status);
    expect(res.text).not.toContain('top secret');
  });

  test('encoded traversal under a mount is answered 403', async () => {
    expect((await rawRequest(origin, '/tagwarden/..%2fsecret.txt')).status).toBe(403);
  });

  test('a symlink pointing out of the served directory is refused', async () => {
    const res = await rawRequest(origin, '/tagwarden/escape.js');
    expect(res.status).toBe(403);
    expect(res.text).not.toContain('top secret');
  });

  test('hidden files and folders (a segment starting with a dot) are never served', async () => {
    for (const path of ['/.dev-keys/dev.key', '/.env', '/%2eenv', '/sub/../.env']) {
      const res = await rawRequest(origin, path);
      expect(res.status, path).toBe(403);
      expect(res.text).not.toMatch(/PRIVATE KEY|SECRET/);
    }
    expect(resolveInside('/srv/root', '.git/config')).toBe('traversal');
  });

  test("a site's page files are not readable from another origin; a mount's files are", async () => {
    const css = await rawRequest(origin, '/style.css', { headers: { origin: 'https://evil.example' } });
    expect(css.status).toBe(200);
    expect(css.headers['access-control-allow-origin']).toBeUndefined();
    expect((await rawRequest(origin, '/tagwarden/tagwarden.js')).headers['access-control-allow-origin']).toBe(
      '*',
    );
  });

  test('.htm is a page, image and font types are named, and an SVG runs no script when opened', async () => {
    const htm = await rawRequest(origin, '/old.htm');
    expect(htm.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(htm.headers['content-security-policy']).toContain("'strict-dynamic'");
    const svg = await rawRequest(origin, '/logo.svg');
    expect(svg.headers['content-type']).toBe('image/svg+xml');
    expect(svg.headers['content-security-policy']).toBe("script-src 'none'");
    expect(['a.jpg', 'a.jpeg', 'a.webp', 'a.avif', 'a.woff2'].map(contentTypeOf)).toEqual([
      'image/jpeg',
      'image/jpeg',
      'image/webp',
      'image/avif',
      'font/woff2',
    ]);
  });

  test('a folder named without its trailing slash is redirected to it', async () => {
    const res = await rawRequest(origin, '/sub?x=1');
    expect(res.status).toBe(301);
    expect(res.headers.location).toBe('/sub/?x=1');
    expect((await rawRequest(origin, '/.dev-keys')).status).toBe(403);
  });

  test('malformed percent-encoding is a 400', async () => {
    expect((await rawRequest(origin, '/tagwarden/%E0%A4%A.js')).status).toBe(400);
  });

  test('resolveInside keeps paths inside the root and names the failure otherwise', () => {
    expect(resolveInside('/srv/root', 'a/b.js')).toBe('/srv/root/a/b.js');
    expect(resolveInside('/srv/root', '/a.js')).toBe('/srv/root/a.js');
    expect(resolveInside('/srv/root', '..%2fx')).toBe('traversal');
    expect(resolveInside('/srv/root', 'a%00b')).toBe('traversal');
    expect(resolveInside('/srv/root', '%E0%A4%A')).toBe('bad-encoding');
  });
});

describe('routing and origins', () => {
  test('extra handlers answer before the built-in routes', async () => {
    expect((await rawRequest(origin, '/custom')).text).toBe('custom\n');
  });

  test('a second listen serves the same app on another origin with the same records', async () => {
    const second = await listen(app, 0, 'localhost');
    expect(second).toMatch(/^http:\/\/localhost:\d+$/);
    expect(app.origins).toEqual([origin, second]);
    const page = await rawRequest(second, '/');
    expect(page.text).toContain(`<p>${second} `);
    app.records.clear();
    await rawRequest(second, '/collect/pixel?from=second');
    expect(app.records.list('pixel')).toMatchObject([{ query: { from: 'second' }, server: second }]);
  });

  test('a request for any other host name (DNS rebinding) is refused with 421', async () => {
    const port = new URL(origin).port;
    for (const host of [`rebind.evil.example:${port}`, '127.0.0.1', `127.0.0.2:${port}`]) {
      const res = await rawRequest(origin, '/style.css', { headers: { host } });
      expect(res.status, host).toBe(421);
    }
    expect((await rawRequest(origin, '/style.css', { headers: { host: `localhost:${port}` } })).status).toBe(
      200,
    );
  });

  test('a listener on every interface answers any host name (it has none of its own to check)', async () => {
    const wide = createApp({ pages: join(dir, 'pages'), collectors: false });
    try {
      const at = await listen(wide, 0, '0.0.0.0');
      const res = await rawRequest(`http://127.0.0.1:${new URL(at).port}`, '/style.css', {
        headers: { host: 'my-laptop:80' },
      });
      expect(res.status).toBe(200);
    } finally {
      await wide.close();
    }
  });

  test('url() resolves paths against the first origin and throws before listen', () => {
    expect(app.url('/a?b=1')).toBe(`${origin}/a?b=1`);
    expect(() => createApp().url('/')).toThrow(/not listening/);
  });

  test('close() resolves while a keep-alive connection is still open', async () => {
    const other = createApp({ pages: join(dir, 'pages') });
    const otherOrigin = await listen(other);
    const res = await fetch(`${otherOrigin}/`, { headers: { connection: 'keep-alive' } });
    await res.text();
    await other.close();
    await expect(fetch(`${otherOrigin}/`)).rejects.toThrow();
  });

  test('a throwing handler gets a 500 answer', async () => {
    const broken = createApp({
      handlers: [
        () => {
          throw new Error('boom');
        },
      ],
    });
    try {
      const res = await rawRequest(await listen(broken), '/');
      expect(res.status).toBe(500);
      expect(res.text).toContain('boom');
    } finally {
      await broken.close();
    }
  });
});
