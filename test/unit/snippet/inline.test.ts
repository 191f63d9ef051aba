// The inline bootstrap a site pastes into <head>, run in a jsdom page as the page would run it: it
// makes window.dataLayer an array, keeps one the page already has, and stays within its size budget;
// and the import map that pins the lazy chunks.
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, test } from 'vitest';
import { INLINE_SNIPPET } from '../../../src/snippet/inline.js';
import { chunkUrl, renderImportMap, renderSnippet } from '../../../src/snippet/render.js';

/** A page window as the snippet sees it. */
type Page = {
  dataLayer?: unknown;
  eval(code: string): unknown;
  document: Document;
  HTMLDivElement: typeof HTMLDivElement;
};

/**
 * A fresh page in an iframe holding `html`. The test environment's own global is not a real page
 * window (no named access such as window.dataLayer for <div id="dataLayer">); an iframe's window is.
 */
function page(html = ''): Page {
  const frame = document.createElement('iframe');
  document.body.append(frame);
  const doc = frame.contentDocument!;
  doc.open();
  doc.write(`<!doctype html><html><head></head><body>${html}</body></html>`);
  doc.close();
  return frame.contentWindow as unknown as Page;
}

/** Runs the snippet source in the page's global scope (tests only: the product never evaluates strings). */
const runSnippet = (w: Page) => w.eval(INLINE_SNIPPET);

/** The snippet's HTML as a site pastes it; the module element stays inert in jsdom (no module scripts). */
const rendered = (nonce?: string) =>
  renderSnippet({
    runtimeUrl: 'https://cdn.example.se/tagwarden/tagwarden.js',
    integrity: `sha384-${'A'.repeat(64)}`,
    containerUrl: '/containers/www.signed.json',
    keys: ['MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE'],
    ...(nonce !== undefined && { nonce }),
  });

afterEach(() => {
  document.body.innerHTML = '';
});

describe('INLINE_SNIPPET', () => {
  test('creates window.dataLayer with the start event when the page has none', () => {
    const w = page();
    expect(w.dataLayer).toBeUndefined();
    const before = Date.now();
    runSnippet(w);
    const items = w.dataLayer as Record<string, unknown>[];
    expect(w.eval('Array.isArray(window.dataLayer)')).toBe(true);
    expect(items).toHaveLength(1);
    expect(items[0]).toEqual({ event: 'tagwarden.init', 'tagwarden.start': expect.any(Number) });
    expect(items[0]!['tagwarden.start']).toBeGreaterThanOrEqual(before);
    expect(items[0]!['tagwarden.start']).toBeLessThanOrEqual(Date.now());
  });

  test('reuses an existing dataLayer array, keeping earlier pushes first', () => {
    const w = page();
    const existing = w.eval("window.dataLayer = [{event: 'gtm.js'}, {page: {type: 'home'}}]") as unknown[];
    runSnippet(w);
    expect(w.dataLayer).toBe(existing);
    expect(existing).toHaveLength(3);
    expect(existing.slice(0, 2)).toEqual([{ event: 'gtm.js' }, { page: { type: 'home' } }]);
    expect(existing[2]).toMatchObject({ event: 'tagwarden.init' });
  });

  test('replaces a clobbering <div id="dataLayer"> with a real array and leaves the element alone', () => {
    const w = page('<div id="dataLayer"></div>');
    const div = w.document.getElementById('dataLayer');
    expect(w.dataLayer).toBe(div); // named access: without the snippet the element is the global
    runSnippet(w);
    expect(w.eval('Array.isArray(window.dataLayer)')).toBe(true);
    expect(w.dataLayer).toEqual([expect.objectContaining({ event: 'tagwarden.init' })]);
    expect(w.document.getElementById('dataLayer')).toBe(div);
    expect(div).toBeInstanceOf(w.HTMLDivElement);
  });

  test('replaces a non-array value such as a plain object with push', () => {
    const w = page();
    w.eval('window.dataLayer = {push: function () { return 0; }}');
    runSnippet(w);
    expect(w.eval('Array.isArray(window.dataLayer)')).toBe(true);
    expect(w.dataLayer).toHaveLength(1);
  });

  test('run twice, it keeps one array and records two starts', () => {
    const w = page();
    runSnippet(w);
    const first = w.dataLayer;
    runSnippet(w);
    expect(w.dataLayer).toBe(first);
    expect(w.dataLayer).toHaveLength(2);
  });

  test('as rendered into a page, runs there and keeps what an earlier script pushed', () => {
    const w = page(`<script>window.dataLayer = [{event: 'early'}];</script>${rendered('n0nce')}`);
    expect(w.dataLayer).toEqual([{ event: 'early' }, expect.objectContaining({ event: 'tagwarden.init' })]);
  });

  test('is rendered verbatim as the first script element, and gzips to at most 300 bytes with a nonce', () => {
    const inline = rendered('r4nd0mN0nc3V4lu3Base64==').split('\n')[0]!;
    expect(inline).toBe(`<script nonce="r4nd0mN0nc3V4lu3Base64==">${INLINE_SNIPPET}</script>`);
    expect(gzipSync(inline).length).toBeLessThanOrEqual(300);
  });

  test('needs no markup escaping, so it runs the same inside a script element', () => {
    expect(INLINE_SNIPPET).not.toMatch(/<\/script|<!--|[<>&"]/i);
  });
});

describe('the import map of the lazy chunks', () => {
  test('resolves each chunk against the folder of the runtime URL, without its query or fragment', () => {
    expect(chunkUrl('/tagwarden/tagwarden.js', 'chunks/ui-A.js')).toBe('/tagwarden/chunks/ui-A.js');
    expect(chunkUrl('https://cdn.example/tw/tagwarden.js?v=2#x', 'chunks/ui-A.js')).toBe(
      'https://cdn.example/tw/chunks/ui-A.js',
    );
  });

  test('makes every key URL-like, which an import map requires (it ignores any other key)', () => {
    expect(chunkUrl('tagwarden.js', 'chunks/ui-A.js')).toBe('./chunks/ui-A.js');
    expect(chunkUrl('static/tagwarden.js', 'chunks/ui-A.js')).toBe('./static/chunks/ui-A.js');
    expect(chunkUrl('./tagwarden.js', 'chunks/ui-A.js')).toBe('./chunks/ui-A.js');
    expect(chunkUrl('../tw/tagwarden.js', 'chunks/ui-A.js')).toBe('../tw/chunks/ui-A.js');
    expect(chunkUrl('//cdn.example/tw/tagwarden.js', 'chunks/ui-A.js')).toBe(
      '//cdn.example/tw/chunks/ui-A.js',
    );
  });

  test('is valid JSON that cannot close its script element, and is left out without chunks', () => {
    const html = renderImportMap(
      '/t/tagwarden.js',
      { 'chunks/</script><script>x.js': 'sha384-AAAA' },
      ' nonce="n"',
    );
    expect(html.match(/<\/script>/g)).toHaveLength(1);
    const json = /^<script type="importmap" nonce="n">(.*)<\/script>\n$/.exec(html)![1]!;
    expect(JSON.parse(json)).toEqual({ integrity: { '/t/chunks/</script><script>x.js': 'sha384-AAAA' } });
    expect(renderImportMap('/t/tagwarden.js', {})).toBe('');
    const snippet = renderSnippet({
      runtimeUrl: '/t/tagwarden.js',
      integrity: 'sha384-B',
      containerUrl: '/c.json',
      keys: [],
    });
    expect(snippet).not.toContain('importmap');
  });

  test('stands between the inline bootstrap and the runtime, so that it is read before any module loads', () => {
    const lines = renderSnippet({
      runtimeUrl: '/t/tagwarden.js',
      integrity: 'sha384-B',
      containerUrl: '/c.json',
      keys: [],
      nonce: 'N',
      chunks: { 'chunks/a.js': 'sha384-A' },
    })
      .trimEnd()
      .split('\n');
    expect(lines.map((l) => /^<script( type="\w+")?/.exec(l)?.[0])).toEqual([
      '<script',
      '<script type="importmap"',
      '<script type="module"',
    ]);
    expect(lines.every((l) => l.includes('nonce="N"'))).toBe(true);
  });
});
