// Application Insights with the REAL SDK (the built lazy chunks) against the test server's /v2/track
// collector, on the product page under the strict CSP + Trusted Types: nothing (no SDK code, cookie or
// request) before consent; after acceptAll the page view and events, those pushed before consent
// included, arrive with their original times and event ids; withdrawal removes the ai_ cookies and
// stops sending; a 206 answer makes the SDK resend only the failed items.
// The SDK batches for ~15 s: a `pagehide` dispatched in the page (or a navigation) makes it send now.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Container, TagOf } from '../../src/container/schema.js';
import type { TagRecord } from '../../src/runtime/emitter.js';
import type { CollectedRecord } from '../../src/server/index.js';
import {
  assertValid,
  DEMO_CONTAINER,
  openShop,
  type Shop,
  startTagwardenSite,
  type TagwardenSite,
  waitForMatching,
} from './fixtures.js';

let fx: TagwardenSite;
const opened: Shop[] = [];

/** Long enough for a request that was going to be made to show up, once a positive signal was seen. */
const SETTLE_MS = 400;
const IKEY = '00000000-0000-4000-8000-000000000001';
/** The shop page's <title>, which the page view is named after. */
const PAGE_TITLE = 'Kaffekvarn Pro – Exempelbutiken';
/** The SDK's lazy chunks (dist/runtime/chunks/applicationinsights-web-*.js, Sender-*.js). */
const SDK_CHUNK = /\/chunks\/(applicationinsights-web|Sender)-[\w-]+\.js$/;

/**
 * The test container: the fixture's (ads pixel, insight script) with the demo's REAL appinsights tag in
 * place of the stand-in stats pixel, its connection string pointing at this server's first-party origin.
 */
function aiContainer(): Container {
  const demo = JSON.parse(readFileSync(DEMO_CONTAINER, 'utf8')) as Container;
  const ai = demo.tags.find((t): t is TagOf<'appinsights'> => t.type === 'appinsights');
  if (!ai) throw new Error('containers/demo.json has no appinsights tag');
  const base = fx.container();
  const tag: TagOf<'appinsights'> = {
    ...ai,
    settings: {
      ...ai.settings,
      connectionString: `InstrumentationKey=${IKEY};IngestionEndpoint=${fx.site.origin}/`,
    },
  };
  const container = { ...base, tags: [tag, ...base.tags.filter((t) => t.id !== 'stats-pixel')] };
  assertValid(container);
  return container;
}

beforeAll(async () => {
  fx = await startTagwardenSite();
  await fx.publish('ai', aiContainer());
});
afterAll(async () => {
  await fx?.stop();
});
beforeEach(() => {
  fx.site.records.clear();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

/**
 * Init script: stamps every `tag` record with the page's clock as it is emitted. The runtime emits a
 * `queued`/`fired` record synchronously, right after it took the event's time (Date.now()), so the
 * stamp of an event's first record is its time within a millisecond or two.
 */
function stampTagRecords(name: string): void {
  const seen: unknown[] = [];
  Object.defineProperty(window, name, { value: seen });
  let on = false;
  const subscribe = () => {
    const api = (window as { tagwarden?: { on?: (t: string, l: (r: unknown) => void) => void } }).tagwarden;
    if (on || typeof api?.on !== 'function') return;
    on = true;
    api.on('tag', (r) => seen.push({ ...(r as object), at: Date.now() }));
  };
  addEventListener('tagwarden:consent', subscribe, true);
  document.addEventListener('DOMContentLoaded', subscribe, true);
}
const STAMPED = '__aiStamped';
type Stamped = TagRecord & { at: number };

async function shop(): Promise<Shop> {
  const probe = await fx.site.newPage();
  await probe.context.addInitScript(stampTagRecords, STAMPED);
  const s = await openShop(fx, { container: 'ai' }, { probe });
  opened.push(s);
  return s;
}

const stamped = (s: Shop) =>
  s.page.evaluate((n) => (window as unknown as Record<string, Stamped[]>)[n] ?? [], STAMPED);

/** The event time of `eventId`: the stamp of its first tag record in the page. */
async function eventTimes(s: Shop): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  for (const r of await stamped(s)) if (!times.has(r.eventId)) times.set(r.eventId, r.at);
  return times;
}

/** Makes the SDK send what it batched now (its page-unload flush), without leaving the page. */
const pagehide = (page: Page) =>
  page.evaluate(() => {
    dispatchEvent(new PageTransitionEvent('pagehide', { persisted: false }));
  });

/** How many telemetry items the SDK holds unsent (its sessionStorage buffer `AI_buffer_1`). */
const buffered = (page: Page) =>
  page.evaluate(() => (JSON.parse(sessionStorage.getItem('AI_buffer_1') ?? '[]') as unknown[]).length);

/** Whether the SDK of `s`'s page sent `r` (its requests carry the page as Referer; paths are unique per page). */
const fromPage = (s: Shop) => (r: CollectedRecord) => {
  try {
    return new URL(r.headers.referer ?? '').pathname === s.path;
  } catch {
    return false;
  }
};
/** Records of `kind` (`appinsights`: envelopes; `appinsights-batch`: requests) from `s`'s page. */
const received = (s: Shop, kind = 'appinsights') => fx.site.records.list(kind).filter(fromPage(s));

/**
 * Resolves with `s`'s records of `kind` once there are `count`, flushing the SDK meanwhile: its page
 * view makes it send at once, other items wait for its ~15 s batch timer, so when it holds unsent items
 * and nothing arrives, a `pagehide` makes it send them now.
 */
async function collect(s: Shop, count: number, kind = 'appinsights', timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const got = received(s, kind);
    if (got.length >= count) return got;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`Timed out waiting for ${count} "${kind}" records; got ${got.length}.`);
    // Give a send the SDK makes by itself (a page view's) a moment before forcing one.
    const all = fx.site.records.list(kind).length;
    const more = await fx.site.records.waitFor(kind, { count: all + 1, timeoutMs: Math.min(750, left) }).then(
      () => true,
      () => false,
    );
    if (!more && (await buffered(s.page)) > 0) await pagehide(s.page);
  }
}
const collectEnvelopes = async (s: Shop, count: number) => (await collect(s, count)).map(envelope);

interface Envelope {
  time: string;
  iKey: string;
  name: string;
  tags: Record<string, string>;
  data: {
    baseType: string;
    baseData: { name: string; properties?: Record<string, string>; uri?: string };
  };
}
const envelope = (r: CollectedRecord) => r.body as unknown as Envelope;

const aiCookies = async (s: Shop) =>
  (await s.probe.context.cookies()).map((c) => c.name).filter((n) => n.startsWith('ai_'));

function expectStrictAndClean(s: Shop): void {
  expect(s.response?.headers()['content-security-policy']).toMatch(/require-trusted-types-for 'script'/);
  expect(s.probe.violations).toEqual([]);
  expect(s.probe.pageErrors).toEqual([]);
}

/**
 * Every envelope carries a known eventId and that event's own time: the runtime takes the time right
 * before it emits the event's first (queued) record, so the stamp follows it by a millisecond or so.
 * The SDK would otherwise stamp the moment the event was tracked, i.e. the grant.
 */
function expectOriginalTimes(envs: Envelope[], times: Map<string, number>): void {
  for (const env of envs) {
    const id = env.data.baseData.properties?.eventId;
    const at = id === undefined ? undefined : times.get(id);
    expect(at, `envelope ${env.data.baseData.name} carries a known eventId`).toBeDefined();
    const lag = (at as number) - Date.parse(env.time);
    expect(lag, `time of ${env.data.baseData.name}`).toBeGreaterThanOrEqual(0);
    expect(lag, `time of ${env.data.baseData.name}`).toBeLessThanOrEqual(25);
  }
}

const nameOf = (env: Envelope) => `${env.data.baseType} ${env.data.baseData.name}`;

describe('Application Insights (real SDK) against /v2/track', () => {
  test('before a decision: no SDK chunk, no ai_ cookie or storage, nothing reaches /v2/track', async () => {
    const s = await shop();
    expect(await s.ready()).toEqual({ ok: true, id: 'demo', version: 1 });
    await s.page.click('#add-to-cart');
    const queued = await s.waitForTags({ tagId: 'appinsights', status: 'queued' }, 3);
    expect(queued.map((r) => [r.event, r.reason])).toEqual([
      ['page_view', 'analytics undecided'],
      ['view_item', 'analytics undecided'],
      ['add_to_cart', 'analytics undecided'],
    ]);
    // A page-unload flush would send whatever an SDK had batched: there is none.
    await pagehide(s.page);
    await s.page.waitForTimeout(SETTLE_MS);

    expect(fx.site.records.list('appinsights')).toEqual([]);
    expect(fx.site.records.list('appinsights-batch')).toEqual([]);
    expect(s.probe.requests.filter((r) => /\/v2(\.1)?\/track/.test(r.url))).toEqual([]);
    // The SDK's code was not even downloaded, nor the tag type's own chunk.
    expect(
      s.probe.requests.filter((r) => SDK_CHUNK.test(r.url) || /\/chunks\/appinsights-/.test(r.url)),
    ).toEqual([]);
    expect(await aiCookies(s)).toEqual([]);
    const storage = await s.storage();
    expect(storage.sessionStorage.filter((k) => /^AI_/i.test(k))).toEqual([]);
    expect(storage.localStorage.filter((k) => /^ai_/i.test(k))).toEqual([]);
    expect(await s.page.evaluate(() => 'appInsights' in window || 'Microsoft' in window)).toBe(false);
    expectStrictAndClean(s);
  });

  test('after acceptAll the page view and the events held before consent arrive with their original times and ids; later events too', async () => {
    const s = await shop();
    await s.ready();
    await s.page.click('#add-to-cart');
    const queued = await s.waitForTags({ tagId: 'appinsights', status: 'queued' }, 3);
    // Let the held events age, so that a release-time stamp could not pass for the event's time.
    await s.page.waitForTimeout(SETTLE_MS);
    const acceptedAt = Date.now();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await s.waitForTags({ tagId: 'appinsights', status: 'fired', reason: 'replay' }, 3);
    // The chunks load only now, and the SDK sets its cookies now.
    expect(s.probe.requests.filter((r) => SDK_CHUNK.test(r.url)).length).toBeGreaterThan(0);
    await expect.poll(() => aiCookies(s)).toEqual(expect.arrayContaining(['ai_user', 'ai_session']));

    const envs = await collectEnvelopes(s, 4);
    const times = await eventTimes(s);
    const idOf = (event: string) => queued.find((r) => r.event === event)?.eventId;

    const byName = new Map(envs.map((e) => [nameOf(e), e]));
    expect([...byName.keys()].sort()).toEqual([
      'EventData add_to_cart',
      'EventData view_item',
      // The full SKU follows a page view with its performance record (same properties).
      `PageviewData ${PAGE_TITLE}`,
      `PageviewPerformanceData ${PAGE_TITLE}`,
    ]);
    expect(byName.get(`PageviewData ${PAGE_TITLE}`)?.data.baseData.properties).toEqual({
      pageType: 'product',
      eventId: idOf('page_view'),
      replayed: 'true',
      refUri: '',
    });
    expect(byName.get('EventData view_item')?.data.baseData.properties).toEqual({
      pageType: 'product',
      currency: 'SEK',
      value: '499',
      eventId: idOf('view_item'),
      replayed: 'true',
    });
    expect(byName.get('EventData add_to_cart')?.data.baseData.properties).toEqual({
      pageType: 'product',
      currency: 'SEK',
      value: '998',
      eventId: idOf('add_to_cart'),
      replayed: 'true',
    });
    expectOriginalTimes(envs, times);
    for (const env of envs) {
      // Held before the decision: their time is well before it, not the time of the release.
      expect(Date.parse(env.time)).toBeLessThan(acceptedAt - SETTLE_MS / 2);
      expect(env.iKey).toBe(IKEY);
      expect(env.tags).toMatchObject({
        'ai.cloud.role': 'www-example-se',
        'ai.user.id': expect.any(String),
        'ai.session.id': expect.any(String),
      });
    }
    // Each held event exactly once.
    expect(
      envs
        .filter((e) => e.data.baseType === 'EventData')
        .map((e) => e.data.baseData.properties?.eventId)
        .sort(),
    ).toEqual([idOf('view_item'), idOf('add_to_cart')].sort());

    // An event after the decision is tracked as it happens (not a replay), with its own time.
    const clickedAt = Date.now();
    await s.page.click('#buy');
    const [purchase] = await s.waitForTags({ tagId: 'appinsights', event: 'purchase', status: 'fired' });
    expect(purchase?.reason).toBeUndefined();
    const firedAt = (await stamped(s)).find((r) => r.eventId === purchase?.eventId)?.at ?? 0;
    const [, , , , live] = await collectEnvelopes(s, 5);
    expect(nameOf(live as Envelope)).toBe('EventData purchase');
    expect(live?.data.baseData.properties).toEqual({
      pageType: 'product',
      currency: 'SEK',
      value: '998',
      eventId: purchase?.eventId,
    });
    expect(Date.parse(live?.time ?? '')).toBeGreaterThanOrEqual(clickedAt);
    expect(Date.parse(live?.time ?? '')).toBeLessThanOrEqual(firedAt);
    // Same origin: the SDK posted to the first-party collector, and only there.
    expect(new Set(received(s).map((r) => r.server))).toEqual(new Set([fx.site.origin]));
    expectStrictAndClean(s);
  });

  test('withdrawing analytics removes ai_user / ai_session and the SDK buffers, and nothing more reaches /v2/track', async () => {
    const s = await shop();
    await s.ready();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await s.waitForTags({ tagId: 'appinsights', status: 'fired' }, 2);
    await expect.poll(() => aiCookies(s)).toEqual(expect.arrayContaining(['ai_user', 'ai_session']));
    await collectEnvelopes(s, 3);

    await s.page.evaluate(() => window.tagwarden.consent.update({ analytics: false }));
    await expect.poll(() => aiCookies(s)).toEqual([]);
    // The withdrawal is complete once the SDK's own storage is gone too (cleared after its unload).
    await expect
      .poll(async () => {
        const st = await s.storage();
        return [
          ...st.sessionStorage.filter((k) => /^AI_/i.test(k)),
          ...st.localStorage.filter((k) => /^ai_/i.test(k)),
        ];
      })
      .toEqual([]);
    await s.page.waitForTimeout(SETTLE_MS);
    const delivered = received(s).length;
    const posts = s.probe.requests.filter((r) => r.url.endsWith('/v2/track')).length;

    // Later events are blocked, a page-unload flush sends nothing, and the cookies stay gone.
    await s.page.click('#add-to-cart');
    await s.page.click('#buy');
    const blocked = await s.waitForTags({ tagId: 'appinsights', status: 'blocked' }, 2);
    expect(blocked.map((r) => [r.event, r.reason])).toEqual([
      ['add_to_cart', 'analytics denied'],
      ['purchase', 'analytics denied'],
    ]);
    await pagehide(s.page);
    await s.page.waitForTimeout(SETTLE_MS);
    expect(
      await s.page.evaluate(() => document.cookie.split('; ').filter((c) => c.startsWith('ai_'))),
    ).toEqual([]);
    // A next page: no SDK, no cookie.
    const requestsBefore = s.probe.requests.length;
    await s.reload();
    await s.ready();
    await s.waitForTags({ tagId: 'appinsights', status: 'blocked' }, 2);
    await pagehide(s.page);
    await s.page.waitForTimeout(SETTLE_MS);
    expect(
      s.probe.requests
        .slice(requestsBefore)
        .filter((r) => SDK_CHUNK.test(r.url) || r.url.endsWith('/v2/track')),
    ).toEqual([]);
    expect(received(s)).toHaveLength(delivered);
    expect(s.probe.requests.filter((r) => r.url.endsWith('/v2/track'))).toHaveLength(posts);
    expect(await aiCookies(s)).toEqual([]);
    expectStrictAndClean(s);
  });

  test('a 206 answer makes the SDK resend only the failed item', async () => {
    // The next request to /v2/track answers 206: item 1 failed with a retriable 503, the others accepted.
    const armed = await fetch(fx.site.url('/__collector/track/fail-next'), {
      method: 'POST',
      body: JSON.stringify({ indexes: [1], statusCode: 503 }),
    });
    expect(await armed.json()).toMatchObject({ failNext: { requests: 1, indexes: [1], statusCode: 503 } });
    const s = await shop();
    // Bodies of the SDK's XHR sends (Chromium does not expose those of keepalive fetches: undefined).
    const sent: (Envelope[] | undefined)[] = [];
    s.page.on('request', (r) => {
      if (r.method() !== 'POST' || r.url() !== fx.site.url('/v2/track')) return;
      const body = r.postData();
      sent.push(body === null ? undefined : JSON.parse(body));
    });
    await s.ready();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    // The page view makes the SDK send what it has at once (XHR): view_item, the page view and its
    // performance record. Not forced here: a pagehide send's answer would not be read.
    const [first] = await waitForMatching(fx.site.records, 'appinsights-batch', fromPage(s), 1, 10_000);
    // (The page's request events reach this process a little after the server saw the request.)
    await expect.poll(() => sent.length).toBe(1);
    const batch = sent[0] ?? [];
    const n = batch.length;
    expect(n).toBeGreaterThanOrEqual(3);
    expect(first?.body).toEqual({
      status: 206,
      itemsReceived: n,
      itemsAccepted: n - 1,
      errors: [{ index: 1, statusCode: 503, message: expect.any(String) }],
    });
    const failed = batch[1] as Envelope;
    const key = (e: Envelope) => `${nameOf(e)} ${e.data.baseData.properties?.eventId}`;
    expect(received(s).map((r) => key(envelope(r)))).toEqual(batch.filter((e) => e !== failed).map(key));

    // The SDK queues the failed item again, to be sent on its retry timer (15 s), or now on pagehide.
    const batches = await collect(s, 2, 'appinsights-batch');
    expect(batches[1]?.body).toEqual({ status: 200, itemsReceived: 1, itemsAccepted: 1, errors: [] });
    // The one item sent again is the failed one, unchanged (same time, same ids).
    await expect.poll(() => sent.length).toBe(2);
    const envs = received(s).map(envelope);
    expect(envs).toHaveLength(n);
    expect(envs[n - 1]).toEqual(failed);

    // Nothing is sent again: every item reached the collector exactly once.
    await s.page.waitForTimeout(SETTLE_MS);
    await pagehide(s.page);
    await s.page.waitForTimeout(SETTLE_MS);
    expect(sent).toHaveLength(2);
    expect(received(s, 'appinsights-batch')).toHaveLength(2);
    expect(
      received(s)
        .map((r) => key(envelope(r)))
        .sort(),
    ).toEqual(batch.map(key).sort());
    expectStrictAndClean(s);
  });
});
