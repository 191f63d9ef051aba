/**
 * Fixtures for the runtime's browser tests: a signing key per test file, the demo container rebuilt
 * for the test site (its origin, collectors on the third-party origin, the served insight.js pinned
 * by SRI), signed envelopes served by name (also tampered, expired, rolled back, foreign, oversized)
 * and a product page carrying the real snippet. Owns test wiring only; nothing here is product code.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, BrowserContextOptions, Page, Response } from 'playwright-core';
import type { StoredDecision } from '../../src/consent/cookie.js';
import { categoryFingerprints } from '../../src/consent/fingerprint.js';
import { ECDSA_P256, pemToDer } from '../../src/container/keys.js';
import type { Container, Tag, TagOf } from '../../src/container/schema.js';
import { type SigningKey, signPayload } from '../../src/container/sign.js';
import { validateContainer } from '../../src/container/validate.js';
import { fromBase64, toBase64 } from '../../src/lib/base64.js';
import { generateKeyPair } from '../../src/node/keyfiles.js';
import type {
  ErrorRecord,
  ReadyRecord,
  RecordMap,
  RecordType,
  TagRecord,
} from '../../src/runtime/emitter.js';
import type { CollectedRecord, RecordStore, RouteHandler } from '../../src/server/index.js';
import { send, sendHtml } from '../../src/server/index.js';
import { runtimeIntegrity, sri } from '../../src/snippet/files.js';
import { renderSnippet } from '../../src/snippet/render.js';
import { type PageProbe, RUNTIME_DIR, type Site, type SiteOptions, startSite } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The realistic container every test container is derived from. */
export const DEMO_CONTAINER = `${ROOT}containers/demo.json`;
/** The stand-in vendor script, served at `/vendor/insight.js` on both origins. */
export const INSIGHT_JS = `${ROOT}demo/vendor/insight.js`;
/** The built runtime entry the snippet loads (its SRI is computed per page, as a site would). */
export const RUNTIME_ENTRY = `${RUNTIME_DIR}tagwarden.js`;

/** SRI (`sha384-...`) of some bytes, as the snippet computes it. */
export { sri };

// ---------------------------------------------------------------------------------------------
// Keys and envelopes

/** A signing key pair made by the product's generateKeyPair (WebCrypto ECDSA P-256). */
export interface TestKey {
  /** Bare base64 SPKI, as the snippet's `data-keys` carries it. */
  publicB64: string;
  keyid: string;
  /** The private half, ready for signPayload. */
  signing: SigningKey;
}

/** Generates a key pair; call once per test file. */
export async function makeKey(): Promise<TestKey> {
  const pair = await generateKeyPair();
  const der = pemToDer(pair.privatePem);
  if (!der) throw new Error('fixture: generateKeyPair returned an unreadable private key');
  const key = await crypto.subtle.importKey('pkcs8', der, ECDSA_P256, false, ['sign']);
  return { publicB64: pair.publicB64, keyid: pair.keyid, signing: { keyid: pair.keyid, key } };
}

/** Signs the container's exact JSON bytes; returns the envelope text a site would publish. */
export async function signContainer(container: Container, key: TestKey): Promise<string> {
  const envelope = await signPayload(new TextEncoder().encode(JSON.stringify(container)), [key.signing]);
  return JSON.stringify(envelope);
}

/** The same envelope with one payload byte changed after signing (an edit on a CDN, say). */
export function tamper(envelopeText: string): string {
  const envelope = JSON.parse(envelopeText) as { payload: string };
  const bytes = fromBase64(envelope.payload);
  if (!bytes) throw new Error('fixture: the envelope payload is not base64');
  // `"version":1` → `"version":7`: still valid JSON of the same shape, only the signature can tell.
  const at = new TextDecoder().decode(bytes).indexOf('"version":') + '"version":'.length;
  bytes[at] = (bytes[at] as number) ^ 0x06;
  envelope.payload = toBase64(bytes);
  return JSON.stringify(envelope);
}

// ---------------------------------------------------------------------------------------------
// The container

type PixelTag = TagOf<'pixel'>;
type ScriptTag = TagOf<'script'>;

/** Analytics pixel added in place of the (not yet implemented) appinsights tag. */
function analyticsPixel(thirdParty: string): PixelTag {
  return {
    id: 'stats-pixel',
    name: 'Besöksstatistik',
    vendor: { name: 'Example Analytics AB', privacyPolicy: 'https://analytics.example.net/privacy' },
    category: 'analytics',
    purpose: {
      sv: 'Räknar sidvisningar och köp för samlad statistik över hur webbplatsen används.',
      en: 'Counts page views and purchases for aggregate statistics on how the site is used.',
    },
    type: 'pixel',
    triggers: [{ event: ['page_view', 'view_item', 'add_to_cart', 'begin_checkout', 'purchase'] }],
    settings: {
      url:
        `${thirdParty}/collect/pixel?tag=stats&ev={{event}}&eid={{eventId}}&ts={{timestamp}}` +
        '&type={{dl.page.type}}&value={{dl.ecommerce.value}}&page={{page.path}}',
      transport: 'beacon',
    },
    storage: [
      {
        kind: 'pixel',
        name: 'analytics.example.net/px',
        party: 'third',
        lifetime: 'session',
        purpose: { sv: 'Webbfyr som räknar händelsen.', en: 'Web beacon that counts the event.' },
      },
    ],
  };
}

/** What `buildContainer` needs to know about the site. */
export interface ContainerTarget {
  /** The first-party origin the container is for. */
  origin: string;
  /** The origin the collectors and the vendor script are reached on. */
  thirdParty: string;
}

/**
 * `containers/demo.json` made to run on the test site: origins = the first party, the ads pixel on the
 * third-party collector, the insight script at the served copy of demo/vendor/insight.js with its real
 * SRI, the appinsights and personalization tags removed (those types are not implemented) and an
 * analytics pixel added in their place; expiring in 30 days; the consent banner off and proof-of-consent
 * records sent to `/collect/consent`.
 */
export function buildContainer(target: ContainerTarget): Container {
  const demo = JSON.parse(readFileSync(DEMO_CONTAINER, 'utf8')) as Container;
  const tp = target.thirdParty;
  const tags: Tag[] = [];
  for (const tag of demo.tags) {
    if (tag.type === 'pixel') {
      // Same query as the demo, on the third-party origin of this test server.
      const query = tag.settings.url.slice(tag.settings.url.indexOf('?'));
      tags.push({ ...tag, settings: { ...tag.settings, url: `${tp}/collect/pixel${query}` } });
    } else if (tag.type === 'script') {
      tags.push({
        ...tag,
        settings: {
          ...tag.settings,
          src: `${tp}/vendor/insight.js`,
          integrity: sri(readFileSync(INSIGHT_JS)),
        },
      });
    }
  }
  tags.push(analyticsPixel(tp));
  return {
    ...demo,
    expires: new Date(Date.now() + 30 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    origins: [target.origin],
    consent: {
      ...demo.consent,
      // These tests decide through `tagwarden.consent`; the banner has tests of its own (enable it per test).
      ...(demo.consent.ui && { ui: { ...demo.consent.ui, enabled: false } }),
      // Proof-of-consent records go to the test server's collector (first party) instead of a 404.
      recordEndpoint: '/collect/consent',
    },
    tags,
  };
}

/** Throws when `container` breaks the schema or a rule (what `tagwarden validate` would refuse). */
export function assertValid(container: Container): void {
  const { problems } = validateContainer(container);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length) {
    throw new Error(
      `fixture container is invalid: ${errors.map((p) => `${p.path.join('.')}: ${p.message}`).join('; ')}`,
    );
  }
}

/** A script tag for `src` that is not the vendor file it claims to be (its SRI cannot match). */
export function badSriScriptTag(thirdParty: string): ScriptTag {
  return {
    id: 'chat-widget',
    name: 'Chattwidget',
    vendor: { name: 'Example Chat AB' },
    category: 'analytics',
    type: 'script',
    triggers: [{ event: ['view_item', 'add_to_cart'] }],
    settings: {
      src: `${thirdParty}/vendor/insight.js?copy=chat`,
      integrity: sri('the file the vendor published before it was replaced'),
      call: { function: 'insight.track', args: ['{{event}}'] },
    },
    storage: [],
  };
}

/** A script tag that loads (good SRI) but whose per-event call names a function the vendor removed. */
export function throwingScriptTag(thirdParty: string): ScriptTag {
  return {
    id: 'heatmap',
    name: 'Värmekarta',
    vendor: { name: 'Example Heatmaps AB' },
    category: 'analytics',
    type: 'script',
    triggers: [{ event: ['view_item', 'add_to_cart'] }],
    settings: {
      src: `${thirdParty}/vendor/insight.js?copy=heatmap`,
      integrity: sri(readFileSync(INSIGHT_JS)),
      call: { function: 'insight.recordHeatmap', args: ['{{event}}'] },
    },
    storage: [],
  };
}

/**
 * A valid container bloated past the runtime's 1 MiB envelope bound: a few hundred paused tags with
 * long names, as happens when a container is never cleaned up.
 */
export function bloat(container: Container): Container {
  const filler = 'Kampanjpixel som inte längre används men aldrig togs bort. '.repeat(33).slice(0, 1990);
  const paused: PixelTag[] = Array.from({ length: 150 }, (_, i) => ({
    id: `old-campaign-${i}`,
    name: filler,
    vendor: { name: 'Example Ads AB' },
    category: 'marketing.advertising',
    purpose: { sv: filler, en: filler },
    type: 'pixel',
    paused: true,
    triggers: [{ event: 'purchase' }],
    settings: { url: `/collect/pixel?campaign=${i}` },
    storage: [],
  }));
  return { ...container, tags: [...container.tags, ...paused] };
}

/**
 * The `tw_consent` cookie of a visitor who decided earlier under `container`'s current policy: every
 * optional category granted (`all`) or refused (`none`), or only the categories named (the others
 * undecided), with the fingerprints the runtime computes.
 */
export function decisionCookie(
  container: Container,
  origin: string,
  decision: 'all' | 'none' | Record<string, boolean>,
): Cookie {
  const choices =
    typeof decision === 'object'
      ? Object.fromEntries(Object.entries(decision).map(([id, on]) => [id, on ? 1 : 0]))
      : Object.fromEntries(
          container.consent.categories
            .filter((c) => !c.alwaysOn)
            .map((c) => [c.id, decision === 'all' ? 1 : 0]),
        );
  const fingerprints = categoryFingerprints(container);
  const value: StoredDecision = {
    id: '00000000-0000-4000-8000-0000000000aa',
    time: Date.now() - 86_400_000,
    revision: container.consent.revision,
    choices: choices as StoredDecision['choices'],
    fingerprints: Object.fromEntries(Object.keys(choices).map((id) => [id, fingerprints[id] as string])),
  };
  return {
    name: container.consent.cookie.name,
    value: encodeURIComponent(JSON.stringify(value)),
    url: origin,
  };
}

type Cookie = Parameters<BrowserContext['addCookies']>[0][number];

// ---------------------------------------------------------------------------------------------
// The test site

/** How an envelope is served. */
export interface ServeOptions {
  /** Send it chunked, without Content-Length (the runtime must bound the body as it streams). */
  chunked?: boolean;
}

/** Options of a product page. */
export interface ShopPageOptions {
  /** Name of the served envelope (`/containers/<name>.json`); default `main`. */
  container?: string;
  /** false sends the page without its CSP header (`?csp=none`); default true (strict CSP + Trusted Types). */
  csp?: boolean;
  /** The snippet's `data-min-version`. */
  minVersion?: number;
  /** The snippet's `data-threshold`. */
  threshold?: number;
  /** Pinned keys (base64 SPKI); default this file's key. */
  keys?: string[];
  /** Elements that clobber globals (`<img name="querySelectorAll">`, `<div id="dataLayer">`...) before the snippet. */
  clobber?: boolean;
  /** Open the page on the third-party origin instead (a site the container was not made for). */
  onThirdParty?: boolean;
  /**
   * Also a page module after the shop's script (`/assets/listen.js`) that subscribes with `tagwarden.on()`
   * for every record type, as docs/runtime.md tells a site to, into `window.__moduleRecords`.
   */
  moduleListener?: boolean;
}

/** The site with its key, envelopes and product pages. */
export interface TagwardenSite {
  readonly site: Site;
  readonly key: TestKey;
  /** The demo container for this site (a fresh copy each call). */
  container(): Container;
  /** Serves `envelope` at `/containers/<name>.json` from now on; returns that path. */
  serve(name: string, envelope: string, options?: ServeOptions): string;
  /** Signs `container` with the file's key and serves it as `name`. */
  publish(name: string, container: Container, options?: ServeOptions): Promise<string>;
  /** A product page URL (path unique per call, so collected records can be told apart). */
  pageUrl(options?: ShopPageOptions): { url: string; path: string; campaign: string };
  stop(): Promise<void>;
}

let pageCounter = 0;

/** Renders the product page: the snippet in <head>, the shop's own tracking script at the end of <body>. */
function renderShopPage(o: {
  runtimeIntegrity: string;
  chunks: Record<string, string>;
  containerUrl: string;
  keys: string[];
  minVersion: number | undefined;
  threshold: number | undefined;
  clobber: boolean;
  moduleListener: boolean;
}): string {
  const snippet = renderSnippet({
    runtimeUrl: '/tagwarden/tagwarden.js',
    integrity: o.runtimeIntegrity,
    chunks: o.chunks,
    containerUrl: o.containerUrl,
    keys: o.keys,
    nonce: '{{nonce}}',
    ...(o.minVersion !== undefined && { minVersion: o.minVersion }),
    ...(o.threshold !== undefined && { threshold: o.threshold }),
  });
  // Named elements shadow `document.querySelectorAll` / `document.currentScript`, and an element with
  // id="dataLayer" (or "tagwarden") is what `window.dataLayer` is until the snippet replaces it.
  const clobbering =
    '<img name="querySelectorAll" alt="" src="data:,">\n' +
    '<form name="currentScript"></form>\n' +
    '<div id="dataLayer">Kampanj: fri frakt</div>\n<div id="tagwarden"></div>\n';
  const head = o.clobber ? '' : snippet;
  const top = o.clobber ? `${clobbering}${snippet}` : '';
  return `<!doctype html>
<html lang="sv">
<head>
<meta charset="utf-8">
<title>Kaffekvarn Pro – Exempelbutiken</title>
${head}</head>
<body>
${top}<main id="product" data-sku="KQ-200" data-name="Kaffekvarn Pro" data-price="499" data-currency="SEK">
<h1>Kaffekvarn Pro</h1>
<p>499 kr</p>
<label>Antal <input id="quantity" type="number" value="2" min="1"></label>
<button id="add-to-cart" type="button">Lägg i varukorgen</button>
<button id="buy" type="button">Köp nu</button>
</main>
<script nonce="{{nonce}}" src="/assets/shop.js"></script>
${o.moduleListener ? '<script type="module" nonce="{{nonce}}" src="/assets/listen.js"></script>\n' : ''}</body>
</html>
`;
}

/**
 * Starts the site (one per test file): pages under test/browser/pages, `/vendor/` → demo/vendor,
 * envelopes at `/containers/<name>.json`, product pages at `/shop/<slug>`. `main` is published.
 */
export async function startTagwardenSite(options: SiteOptions = {}): Promise<TagwardenSite> {
  const key = await makeKey();
  const envelopes = new Map<string, { text: string; chunked: boolean }>();

  const handler: RouteHandler = (req, res, ctx) => {
    const path = ctx.url.pathname;
    const envelope = /^\/containers\/([\w-]+)\.json$/.exec(path);
    if (envelope) {
      const found = envelopes.get(envelope[1] as string);
      if (!found) return false;
      if (!found.chunked) {
        send(req, res, 200, found.text, 'application/json; charset=utf-8', {
          'Access-Control-Allow-Origin': '*',
        });
      } else {
        res.writeHead(200, {
          'Content-Type': 'application/json; charset=utf-8',
          'Cache-Control': 'no-store',
        });
        for (let i = 0; i < found.text.length; i += 65_536) res.write(found.text.slice(i, i + 65_536));
        res.end();
      }
      return true;
    }
    if (path.startsWith('/shop/')) {
      const q = ctx.url.searchParams;
      const min = q.get('min');
      const threshold = q.get('threshold');
      sendHtml(
        req,
        res,
        ctx,
        renderShopPage({
          runtimeIntegrity: sri(readFileSync(RUNTIME_ENTRY)),
          chunks: runtimeIntegrity(RUNTIME_ENTRY).chunks,
          containerUrl: `/containers/${q.get('c') ?? 'main'}.json`,
          keys: q.getAll('key').length ? q.getAll('key') : [key.publicB64],
          minVersion: min === null ? undefined : Number(min),
          threshold: threshold === null ? undefined : Number(threshold),
          clobber: q.has('clobber'),
          moduleListener: q.has('listen'),
        }),
      );
      return true;
    }
    return false;
  };

  const site = await startSite({
    ...options,
    routes: { '/vendor/': `${ROOT}demo/vendor`, ...options.routes },
    handlers: [handler, ...(options.handlers ?? [])],
  });
  const target = { origin: site.origin, thirdParty: site.thirdPartyUrl('/').slice(0, -1) };
  const base = buildContainer(target);
  assertValid(base);

  const serve = (name: string, text: string, o: ServeOptions = {}) => {
    envelopes.set(name, { text, chunked: o.chunked ?? false });
    return `/containers/${name}.json`;
  };
  const fixture: TagwardenSite = {
    site,
    key,
    container: () => structuredClone(base),
    serve,
    publish: async (name, container, o) => serve(name, await signContainer(container, key), o),
    pageUrl(o = {}) {
      pageCounter += 1;
      const path = `/shop/kaffekvarn-pro-${pageCounter}`;
      const campaign = `vinter-${pageCounter}`;
      const q = new URLSearchParams({ c: o.container ?? 'main', utm_campaign: campaign });
      if (o.minVersion !== undefined) q.set('min', String(o.minVersion));
      if (o.threshold !== undefined) q.set('threshold', String(o.threshold));
      for (const k of o.keys ?? []) q.append('key', k);
      if (o.clobber) q.set('clobber', '1');
      if (o.moduleListener) q.set('listen', '1');
      if (o.csp === false) q.set('csp', 'none');
      const url = `${o.onThirdParty ? site.thirdPartyUrl(path) : site.url(path)}?${q}`;
      return { url, path, campaign };
    },
    stop: () => site.stop(),
  };
  await fixture.publish('main', fixture.container());
  return fixture;
}

// ---------------------------------------------------------------------------------------------
// A product page in the browser

/** A runtime record as the page saw it (window event or `tagwarden.on` listener). */
export interface SeenRecord<T extends RecordType = RecordType> {
  type: T;
  detail: RecordMap[T];
}

const RECORDS = '__tagwardenRecords';

/**
 * Init script: keeps every runtime record of the document. `ready`, `error` and `consent` arrive as
 * window events from the first moment; `tag` and `queue` records go to `tagwarden.on()` listeners only,
 * so it subscribes as soon as the API exists: at DOMContentLoaded, and at the latest on the first
 * `tagwarden:consent` event, which the runtime emits right before it processes the dataLayer.
 */
function keepRecords(name: string): void {
  const seen: unknown[] = [];
  Object.defineProperty(window, name, { value: seen });
  const keep = (type: string) => (detail: unknown) => {
    seen.push({ type, detail: JSON.parse(JSON.stringify(detail)) });
  };
  for (const type of ['ready', 'error', 'consent']) {
    addEventListener(`tagwarden:${type}`, (e) => keep(type)((e as CustomEvent).detail));
  }
  let subscribed = false;
  const subscribe = () => {
    const api = (window as { tagwarden?: { on?: unknown } }).tagwarden;
    if (subscribed || typeof api?.on !== 'function') return;
    subscribed = true;
    const on = api.on as (this: unknown, type: string, listener: (record: unknown) => void) => unknown;
    for (const type of ['tag', 'queue']) on.call(api, type, keep(type));
  };
  addEventListener('tagwarden:consent', subscribe, true);
  addEventListener('tagwarden:ready', subscribe, true);
  document.addEventListener('DOMContentLoaded', subscribe, true);
}

/** The product page open in its own browser context, with what the runtime and the collectors saw. */
export interface Shop {
  readonly probe: PageProbe;
  readonly page: Page;
  /** Response of the last navigation. */
  readonly response: Response | null;
  /** The page's path (tag pixels carry it as `page=`). */
  readonly path: string;
  /** The page's `utm_campaign` (insight.js reports it). */
  readonly campaign: string;
  /** `await tagwarden.ready` in the page. */
  ready(): Promise<ReadyRecord>;
  /** Every record of `type` the current document produced so far. */
  seen<T extends RecordType>(type: T): Promise<RecordMap[T][]>;
  /** Tag records so far, optionally only those matching. */
  tags(filter?: Partial<TagRecord>): Promise<TagRecord[]>;
  /** Waits until `count` tag records match `filter`; resolves with them. */
  waitForTags(filter: Partial<TagRecord>, count?: number): Promise<TagRecord[]>;
  errors(): Promise<ErrorRecord[]>;
  /** `dataLayer.push(message)` in the page. */
  push(message: Record<string, unknown>): Promise<void>;
  /** Collected `/collect/pixel` requests from this page's tags, of `tag` (`ads`, `stats`). */
  pixels(tag: string): CollectedRecord[];
  /** Waits until `count` pixels of `tag` arrived; resolves with them, oldest first. */
  waitForPixels(tag: string, count: number): Promise<CollectedRecord[]>;
  /** Parsed bodies of insight.js `track` calls from this page. */
  insightCalls(): InsightCall[];
  waitForInsightCalls(count: number): Promise<InsightCall[]>;
  /** Cookies of the context and the page's Web Storage / IndexedDB names. */
  storage(): Promise<{
    cookies: string[];
    localStorage: string[];
    sessionStorage: string[];
    indexedDB: string[];
  }>;
  /** Navigates to the same URL again and waits for the load event. */
  reload(): Promise<void>;
  close(): Promise<void>;
}

/** What insight.js posts to `/collect/insight`. */
export interface InsightCall {
  partner: string;
  event: string;
  data: { eventId?: string; time?: number; value?: number };
  campaign: string;
}

/** Resolves once `count` records of `kind` match `accept`, using `RecordStore.waitFor` for wake-ups. */
export async function waitForMatching(
  store: RecordStore,
  kind: string,
  accept: (r: CollectedRecord) => boolean,
  count: number,
  timeoutMs = 5000,
): Promise<CollectedRecord[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const all = store.list(kind);
    const hits = all.filter(accept);
    if (hits.length >= count) return hits;
    const left = deadline - Date.now();
    if (left <= 0)
      throw new Error(`Timed out waiting for ${count} matching "${kind}" record(s); got ${hits.length}.`);
    await store.waitFor(kind, { count: all.length + 1, timeoutMs: left }).catch(() => undefined);
  }
}

const matches = (r: TagRecord, f: Partial<TagRecord>) =>
  Object.entries(f).every(([k, v]) => (r as unknown as Record<string, unknown>)[k] === v);

const recording = new WeakSet<object>();

/** Opens a product page (in a fresh context unless `probe` is given) and waits for its load event. */
export async function openShop(
  fx: TagwardenSite,
  options: ShopPageOptions = {},
  context: { probe?: PageProbe; contextOptions?: BrowserContextOptions } = {},
): Promise<Shop> {
  const probe = context.probe ?? (await fx.site.newPage(context.contextOptions));
  if (!recording.has(probe.context)) {
    recording.add(probe.context);
    await probe.context.addInitScript(keepRecords, RECORDS);
  }
  const { url, path, campaign } = fx.pageUrl(options);
  const { page } = probe;
  let response = await page.goto(url);
  const store = fx.site.records;
  const seen = <T extends RecordType>(type: T) =>
    page.evaluate(
      ([name, t]) =>
        ((window as unknown as Record<string, SeenRecord[]>)[name] ?? [])
          .filter((r) => r.type === t)
          .map((r) => r.detail),
      [RECORDS, type] as const,
    ) as Promise<RecordMap[T][]>;
  const pixelsOf = (tag: string) => (r: CollectedRecord) => r.query.page === path && r.query.tag === tag;
  const isOurs = (r: CollectedRecord) => parseInsight(r)?.campaign === campaign;
  const shop: Shop = {
    probe,
    page,
    get response() {
      return response;
    },
    path,
    campaign,
    ready: () => page.evaluate(() => window.tagwarden.ready),
    seen,
    tags: async (filter = {}) => (await seen('tag')).filter((r) => matches(r, filter)),
    async waitForTags(filter, count = 1) {
      const deadline = Date.now() + 5000;
      for (;;) {
        const found = await shop.tags(filter);
        if (found.length >= count) return found;
        if (Date.now() > deadline) {
          throw new Error(
            `Timed out waiting for ${count} tag record(s) like ${JSON.stringify(filter)}; got ${found.length}.`,
          );
        }
        await page.waitForTimeout(25);
      }
    },
    errors: () => seen('error'),
    push: (message) =>
      page.evaluate((m) => {
        window.dataLayer.push(m);
      }, message),
    pixels: (tag) => store.list('pixel').filter(pixelsOf(tag)),
    waitForPixels: (tag, count) => waitForMatching(store, 'pixel', pixelsOf(tag), count),
    insightCalls: () =>
      store
        .list('insight')
        .filter(isOurs)
        .map((r) => parseInsight(r) as InsightCall),
    waitForInsightCalls: async (count) =>
      (await waitForMatching(store, 'insight', isOurs, count)).map((r) => parseInsight(r) as InsightCall),
    async storage() {
      const cookies = (await probe.context.cookies()).map((c) => c.name);
      const web = await page.evaluate(async () => ({
        localStorage: Object.keys(localStorage),
        sessionStorage: Object.keys(sessionStorage),
        indexedDB: ((await indexedDB.databases?.()) ?? []).map((d) => d.name ?? ''),
      }));
      return { cookies, ...web };
    },
    async reload() {
      response = await page.goto(url);
    },
    close: () => probe.close(),
  };
  return shop;
}

function parseInsight(r: CollectedRecord): InsightCall | undefined {
  try {
    return (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as InsightCall;
  } catch {
    return undefined;
  }
}
