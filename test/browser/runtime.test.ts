// The built runtime in a real Chromium, loaded through the real snippet from dist/, on a product
// page that pushes GA4-style events: nothing reaches a tag before consent, accepting releases what
// waited, refusing fires nothing, a container that fails verification fires nothing, and one failing
// tag stops no other. The consent flows run with the strict CSP + Trusted Types header and without it.
// One browser and one site for the file; a fresh browser context per test.
import { readdirSync, readFileSync } from 'node:fs';
import type { Cookie } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { signPayload } from '../../src/container/sign.js';
import type { TagRecord } from '../../src/runtime/emitter.js';
import {
  badSriScriptTag,
  bloat,
  decisionCookie,
  makeKey,
  openShop,
  type SeenRecord,
  type Shop,
  type ShopPageOptions,
  signContainer,
  sri,
  startTagwardenSite,
  type TagwardenSite,
  tamper,
  throwingScriptTag,
  waitForMatching,
} from './fixtures.js';
import { type PageProbe, RUNTIME_DIR } from './harness.js';

let fx: TagwardenSite;
let thirdParty: string;
const opened: Shop[] = [];

beforeAll(async () => {
  fx = await startTagwardenSite();
  thirdParty = fx.site.thirdParty as string;
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

/** Opens the product page in a fresh context (or `probe`'s); closed after the test. */
async function shop(options: ShopPageOptions = {}, probe?: PageProbe): Promise<Shop> {
  const s = await openShop(fx, options, probe ? { probe } : {});
  opened.push(s);
  return s;
}

/** Long enough for a request that was going to be made to show up, once a positive signal was seen. */
const SETTLE_MS = 300;

/** What the collectors received from this page's tags (other pages use other paths and campaigns). */
const collectedFrom = (s: Shop) => [...s.pixels('ads'), ...s.pixels('stats'), ...s.insightCalls()];

/** The page got the strict CSP with Trusted Types, and nothing on it was refused or threw. */
function expectStrictAndClean(s: Shop): void {
  expect(s.response?.headers()['content-security-policy']).toMatch(
    /'strict-dynamic'.*require-trusted-types-for 'script'; trusted-types tagwarden default/,
  );
  expect(s.probe.violations).toEqual([]);
  expect(s.probe.pageErrors).toEqual([]);
}

function expectCleanPage(s: Shop, csp: boolean): void {
  if (csp) expectStrictAndClean(s);
  else {
    expect(s.response?.headers()['content-security-policy']).toBeUndefined();
    expect(s.probe.pageErrors).toEqual([]);
  }
}

const idOf = (records: TagRecord[], event: string) => {
  const found = records.find((r) => r.event === event);
  if (!found) throw new Error(`no tag record for ${event}`);
  return found.eventId;
};

const label = (r: TagRecord) => `${r.event} → ${r.tagId}`;

const consentCookie = (cookies: Cookie[]) => {
  const c = cookies.find((x) => x.name === 'tw_consent');
  return (
    c && (JSON.parse(decodeURIComponent(c.value)) as { revision: number; choices: Record<string, number> })
  );
};

/** The page's own storage names and the context's cookies, as `storage()` but only what a tag could have made. */
async function expectOnlyRuntimeState(s: Shop, options: { consentCookie: boolean }): Promise<void> {
  const storage = await s.storage();
  expect(storage.cookies).toEqual(options.consentCookie ? ['tw_consent'] : []);
  // The runtime's own state (its last verified container) is all there is in localStorage.
  expect(storage.localStorage).toContain(`tagwarden:container:${fx.site.url('/containers/main.json')}`);
  for (const key of storage.localStorage) expect(key).toMatch(/^tagwarden:/);
  expect(storage.sessionStorage).toEqual([]);
  for (const name of storage.indexedDB) expect(name).toMatch(/^tagwarden/);
}

describe.each([
  { mode: 'under the strict CSP and Trusted Types', csp: true },
  { mode: 'without a CSP header', csp: false },
])('consent, $mode', ({ csp }) => {
  test('before any decision no request reaches a tag’s origin and nothing is stored, while the shop’s events wait', async () => {
    const s = await shop({ csp });
    expect(await s.ready()).toEqual({ ok: true, id: 'demo', version: 1 });
    await s.page.click('#add-to-cart');

    const queued = await s.waitForTags({ event: 'add_to_cart', status: 'queued' }, 2);
    expect(queued.map((r) => r.reason).sort()).toEqual([
      'analytics undecided',
      'marketing.advertising undecided',
    ]);
    const all = await s.tags();
    expect(all.map(label)).toEqual([
      'page_view → insight-script',
      'page_view → stats-pixel',
      'view_item → ads-conversion',
      'view_item → stats-pixel',
      'add_to_cart → ads-conversion',
      'add_to_cart → stats-pixel',
    ]);
    expect(all.every((r) => r.status === 'queued')).toBe(true);
    expect(
      await s.page.evaluate(() => ({
        prompt: window.tagwarden.consent.needsPrompt,
        ...window.tagwarden.consent.get(),
      })),
    ).toEqual({
      prompt: true,
      necessary: 'granted',
      security: 'granted',
      functional: 'pending',
      analytics: 'pending',
      marketing: 'pending',
      'marketing.automation': 'pending',
      'marketing.analysis': 'pending',
      'marketing.advertising': 'pending',
      'marketing.personalization': 'pending',
    });
    // The page's eventCallback did not wait for the held tags.
    expect(await s.page.evaluate(() => document.documentElement.dataset.pageViewCallbacks)).toBe('1');

    await s.page.waitForTimeout(SETTLE_MS);
    expect(s.probe.requestsTo(thirdParty)).toEqual([]);
    expect(collectedFrom(s)).toEqual([]);
    await expectOnlyRuntimeState(s, { consentCookie: false });
    expectCleanPage(s, csp);
  });

  test('accepting all fires the waiting events at once, in order, with their original ids and values', async () => {
    const s = await shop({ csp });
    await s.ready();
    await s.page.click('#add-to-cart');
    const queued = await s.waitForTags({ status: 'queued' }, 6);
    const acceptedAt = Date.now();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());

    const ads = await s.waitForPixels('ads', 2);
    expect(
      ads.map((p) => ({ ev: p.query.ev, eid: p.query.eid, value: p.query.value, cur: p.query.cur })),
    ).toEqual([
      { ev: 'view_item', eid: idOf(queued, 'view_item'), value: '499', cur: 'SEK' },
      { ev: 'add_to_cart', eid: idOf(queued, 'add_to_cart'), value: '998', cur: 'SEK' },
    ]);
    // The time the event happened, not the time it was released.
    for (const p of ads) expect(Number(p.query.ts)).toBeLessThanOrEqual(acceptedAt);
    expect(ads.every((p) => p.server === thirdParty && p.method === 'GET')).toBe(true);

    // Beacons are sent in order but may arrive in any order (separate connections).
    const stats = await s.waitForPixels('stats', 3);
    expect(stats.map((p) => [p.method, p.query.ev, p.query.eid, p.query.type, p.query.value]).sort()).toEqual(
      [
        ['POST', 'add_to_cart', idOf(queued, 'add_to_cart'), 'product', '998'],
        ['POST', 'page_view', idOf(queued, 'page_view'), 'product', ''],
        ['POST', 'view_item', idOf(queued, 'view_item'), 'product', '499'],
      ],
    );

    const fired = await s.waitForTags({ status: 'fired', reason: 'replay' }, 6);
    expect(fired.map(label).sort()).toEqual(queued.map(label).sort());
    expect(await s.seen('queue')).toEqual([{ replayed: 6, dropped: 0, expired: 0 }]);
    expect(await s.page.evaluate(() => window.tagwarden.consent.needsPrompt)).toBe(false);
    expect(consentCookie(await s.probe.context.cookies())).toMatchObject({
      revision: 1,
      choices: {
        functional: 1,
        analytics: 1,
        marketing: 1,
        'marketing.advertising': 1,
        'marketing.analysis': 1,
      },
    });
    expectCleanPage(s, csp);
  });

  test('after accepting, the SRI-pinned insight script loads once and its track calls reach its collector', async () => {
    const s = await shop({ csp });
    await s.ready();
    const [pageView] = await s.waitForTags({ event: 'page_view', tagId: 'insight-script', status: 'queued' });
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());

    const [held] = await s.waitForInsightCalls(1);
    expect(held).toEqual({
      partner: 'demo-partner-42',
      event: 'page_view',
      data: { eventId: pageView?.eventId, time: expect.any(Number) },
      campaign: s.campaign,
    });

    // A purchase after the decision fires as it happens, through the script already loaded.
    await s.page.click('#buy');
    const calls = await s.waitForInsightCalls(2);
    const [purchase] = await s.waitForTags({ event: 'purchase', tagId: 'insight-script', status: 'fired' });
    expect(purchase?.reason).toBeUndefined();
    expect(calls[1]).toMatchObject({ event: 'purchase', data: { eventId: purchase?.eventId, value: 998 } });
    const [buyPixel] = await s
      .waitForPixels('ads', 2)
      .then((p) => p.filter((x) => x.query.ev === 'purchase'));
    expect(buyPixel?.query).toMatchObject({ value: '998', eid: purchase?.eventId });

    const scripts = s.probe.requestsTo(thirdParty).filter((r) => r.resourceType === 'script');
    expect(scripts.map((r) => r.url)).toEqual([`${thirdParty}/vendor/insight.js`]);
    const element = await s.page.evaluate((src) => {
      const el = document.querySelector<HTMLScriptElement>(`script[src="${src}"]`);
      return el && { integrity: el.integrity, crossOrigin: el.crossOrigin, nonce: el.nonce !== '' };
    }, `${thirdParty}/vendor/insight.js`);
    expect(element).toEqual({
      integrity: expect.stringMatching(/^sha384-/),
      crossOrigin: 'anonymous',
      nonce: true,
    });
    // The tag's own storage exists now, after consent.
    expect((await s.storage()).localStorage).toContain('insight_campaign');
    expectCleanPage(s, csp);
  });

  test('rejecting all fires nothing, drops the waiting events, and later events are blocked', async () => {
    const s = await shop({ csp });
    await s.ready();
    await s.waitForTags({ status: 'queued' }, 4);
    await s.page.evaluate(() => window.tagwarden.consent.rejectAll());
    await s.page.click('#add-to-cart');

    const blocked = await s.waitForTags({ event: 'add_to_cart', status: 'blocked' }, 2);
    expect(blocked.map((r) => r.reason).sort()).toEqual(['analytics denied', 'marketing.advertising denied']);
    expect((await s.seen('consent')).map((c) => c.method)).toEqual(['stored', 'reject-all']);
    expect(await s.page.evaluate(() => window.tagwarden.consent.needsPrompt)).toBe(false);

    await s.page.waitForTimeout(SETTLE_MS);
    expect(await s.tags({ status: 'fired' })).toEqual([]);
    // The four waiting (tag, event) pairs are dropped, and the queue record says so.
    expect(await s.seen('queue')).toEqual([{ replayed: 0, dropped: 4, expired: 0 }]);
    expect(s.probe.requestsTo(thirdParty)).toEqual([]);
    expect(collectedFrom(s)).toEqual([]);
    // The refusal is remembered (strictly necessary); nothing else is stored.
    expect(consentCookie(await s.probe.context.cookies())?.choices).toMatchObject({
      analytics: 0,
      marketing: 0,
    });
    await expectOnlyRuntimeState(s, { consentCookie: true });
    expectCleanPage(s, csp);
  });

  test('granting analytics alone fires only the analytics tag; marketing keeps waiting', async () => {
    const s = await shop({ csp });
    await s.ready();
    await s.waitForTags({ status: 'queued' }, 4);
    await s.page.evaluate(() => window.tagwarden.consent.update({ analytics: true }));
    await s.page.click('#add-to-cart');

    const stats = await s.waitForPixels('stats', 3);
    expect(stats.map((p) => p.query.ev).sort()).toEqual(['add_to_cart', 'page_view', 'view_item']);
    const [live] = await s.tags({ event: 'add_to_cart', tagId: 'stats-pixel', status: 'fired' });
    expect(live?.reason).toBeUndefined();
    expect(await s.tags({ event: 'add_to_cart', tagId: 'ads-conversion' })).toMatchObject([
      { status: 'queued' },
    ]);
    expect(
      await s.page.evaluate(() => ({
        prompt: window.tagwarden.consent.needsPrompt,
        ...window.tagwarden.consent.get(),
      })),
    ).toMatchObject({
      prompt: true,
      analytics: 'granted',
      marketing: 'pending',
      'marketing.advertising': 'pending',
    });

    await s.page.waitForTimeout(SETTLE_MS);
    expect(s.pixels('ads')).toEqual([]);
    expect(s.insightCalls()).toEqual([]);
    expect(
      new Set(s.probe.requestsTo(thirdParty).map((r) => new URL(r.url).searchParams.get('tag'))),
    ).toEqual(new Set(['stats']));
    expect((await s.tags({ status: 'fired' })).map((r) => r.tagId)).toEqual(Array(3).fill('stats-pixel'));
    expectCleanPage(s, csp);
  });

  test('a decision survives a reload: no prompt, and events fire as they happen', async () => {
    const s = await shop({ csp });
    await s.ready();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await s.waitForPixels('ads', 1);
    expect(consentCookie(await s.probe.context.cookies())).toBeDefined();

    await s.reload();
    expect(await s.ready()).toMatchObject({ ok: true, version: 1 });
    expect(await s.page.evaluate(() => window.tagwarden.consent.needsPrompt)).toBe(false);
    expect((await s.seen('consent')).map((c) => [c.method, c.state.marketing])).toEqual([
      ['stored', 'granted'],
    ]);
    const fired = await s.waitForTags({ status: 'fired' }, 4);
    expect(fired.map(label).sort()).toEqual([
      'page_view → insight-script',
      'page_view → stats-pixel',
      'view_item → ads-conversion',
      'view_item → stats-pixel',
    ]);
    expect(fired.every((r) => r.reason === undefined)).toBe(true);
    expect(await s.tags({ status: 'queued' })).toEqual([]);
    const ads = await s.waitForPixels('ads', 2);
    expect(ads[1]?.query).toMatchObject({ ev: 'view_item', eid: idOf(fired, 'view_item') });
    expect(ads[1]?.query.eid).not.toBe(ads[0]?.query.eid);
    expectCleanPage(s, csp);
  });
});

describe('a container that fails verification fires nothing', () => {
  beforeAll(async () => {
    const c = fx.container();
    fx.serve('tampered', tamper(await signContainer(c, fx.key)));
    await fx.publish('expired', {
      ...fx.container(),
      expires: new Date(Date.now() - 86_400_000).toISOString(),
    });
    await fx.publish('foreign', { ...fx.container(), origins: ['https://www.example.se'] });
    const big = await signContainer(bloat(fx.container()), fx.key);
    fx.serve('oversized', big);
    fx.serve('oversized-chunked', big, { chunked: true });
  });

  /** Nothing fired or was stored, `ready` and a `tagwarden:error` event carry `code`, callbacks still ran once. */
  async function expectRefused(s: Shop, code: string): Promise<void> {
    expect(await s.ready()).toEqual({ ok: false, code });
    expect((await s.errors()).map((e) => e.code)).toContain(code);
    // The page's own callback ran once, with no container id, and so does a later one.
    expect(
      await s.page.evaluate(() => [
        document.documentElement.dataset.pageViewCallbacks,
        document.documentElement.dataset.pageViewContainer,
      ]),
    ).toEqual(['1', '']);
    const runs = await s.page.evaluate(
      () =>
        new Promise<string[]>((resolve) => {
          const ids: string[] = [];
          window.dataLayer.push({
            event: 'add_to_cart',
            ecommerce: { currency: 'SEK', value: 499 },
            eventCallback: (id: string) => {
              ids.push(id);
              setTimeout(() => resolve(ids), 300);
            },
          });
        }),
    );
    expect(runs).toEqual(['']);
    // A visitor accepting does not change anything either.
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await s.page.click('#buy');
    await s.page.waitForTimeout(SETTLE_MS);
    expect(await s.seen('tag')).toEqual([]);
    expect(s.probe.requestsTo(thirdParty)).toEqual([]);
    expect(collectedFrom(s)).toEqual([]);
    expect(await s.probe.context.cookies()).toEqual([]);
    expect((await s.storage()).localStorage).toEqual([]);
    expectStrictAndClean(s);
  }

  test('a container changed after signing is refused as container/bad-signature', async () => {
    await expectRefused(await shop({ container: 'tampered' }), 'container/bad-signature');
  });

  test('an expired container is refused as container/expired', async () => {
    await expectRefused(await shop({ container: 'expired' }), 'container/expired');
  });

  test('a container below the page’s data-min-version is refused as container/rollback', async () => {
    await expectRefused(await shop({ minVersion: 2 }), 'container/rollback');
  });

  test('with data-threshold 2, a container signed by one of the two pinned keys is refused as container/bad-signature; signed by both it runs', async () => {
    const second = await makeKey();
    const keys = [fx.key.publicB64, second.publicB64];
    await expectRefused(await shop({ keys, threshold: 2 }), 'container/bad-signature');
    const text = new TextEncoder().encode(JSON.stringify(fx.container()));
    fx.serve('two-signers', JSON.stringify(await signPayload(text, [fx.key.signing, second.signing])));
    const s = await shop({ container: 'two-signers', keys, threshold: 2 });
    expect(await s.ready()).toMatchObject({ ok: true });
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await s.waitForPixels('stats', 1);
    // The same key pinned twice is one key: a threshold of 2 could never be met, a configuration error.
    await expectRefused(
      await shop({ keys: [fx.key.publicB64, fx.key.publicB64], threshold: 2 }),
      'runtime/no-config',
    );
  });

  test('a container made for another site is refused as container/wrong-origin', async () => {
    await expectRefused(await shop({ container: 'foreign' }), 'container/wrong-origin');
  });

  test('this site’s valid container copied to another origin is refused there as container/wrong-origin', async () => {
    const s = await shop({ onThirdParty: true });
    expect(await s.ready()).toEqual({ ok: false, code: 'container/wrong-origin' });
    expect((await s.errors()).map((e) => e.code)).toContain('container/wrong-origin');
    await s.page.click('#add-to-cart');
    await s.page.waitForTimeout(SETTLE_MS);
    expect(await s.seen('tag')).toEqual([]);
    expect(collectedFrom(s)).toEqual([]);
    expectStrictAndClean(s);
  });

  test('a container over the size bound is refused as container/too-large, with or without Content-Length', async () => {
    await expectRefused(await shop({ container: 'oversized' }), 'container/too-large');
    await expectRefused(await shop({ container: 'oversized-chunked' }), 'container/too-large');
  });
});

describe('rollback across visits', () => {
  test('an older container served on a later visit is not used: the page keeps the newer one and reports container/rollback', async () => {
    await fx.publish('rollback', { ...fx.container(), version: 2 });
    const s = await shop({ container: 'rollback' });
    expect(await s.ready()).toMatchObject({ ok: true, version: 2 });
    await fx.publish('rollback', fx.container());

    await s.reload();
    expect(await s.ready()).toMatchObject({ ok: true, version: 2 });
    // The background refresh downloaded version 1 and refused it.
    await expect
      .poll(async () => (await s.errors()).map((e) => e.code), { timeout: 5000 })
      .toContain('container/rollback');
    const stored = await s.page.evaluate(() =>
      Object.entries(localStorage)
        .filter(([k]) => k.startsWith('tagwarden:container:'))
        .map(([, v]) => (JSON.parse(v) as { version: number }).version),
    );
    expect(stored).toEqual([2]);
    expectStrictAndClean(s);
  });

  test('once the remembered container has expired, an older one is still refused as container/rollback', async () => {
    await fx.publish('rollback-expired', { ...fx.container(), version: 2 });
    const s = await shop({ container: 'rollback-expired' });
    expect(await s.ready()).toMatchObject({ ok: true, version: 2 });
    // Version 1 expires later than version 2 does; a visit after version 2 expired gets version 1.
    const v1 = { ...fx.container(), expires: new Date(Date.now() + 90 * 86_400_000).toISOString() };
    await fx.publish('rollback-expired', v1);
    await s.page.clock.setFixedTime(Date.now() + 45 * 86_400_000);

    await s.reload();
    expect(await s.ready()).toEqual({ ok: false, code: 'container/rollback' });
    expect((await s.errors()).map((e) => e.code)).toEqual(['container/expired', 'container/rollback']);
    await s.page.click('#add-to-cart');
    await s.page.waitForTimeout(SETTLE_MS);
    expect(await s.seen('tag')).toEqual([]);
    expect(s.probe.requestsTo(thirdParty)).toEqual([]);
    expectStrictAndClean(s);
  });
});

describe('failing tags', () => {
  test('a tag whose script fails its integrity check and one whose call throws do not stop the working tag', async () => {
    const c = fx.container();
    c.tags.unshift(badSriScriptTag(thirdParty), throwingScriptTag(thirdParty));
    await fx.publish('failing', c);
    const s = await shop({ container: 'failing' });
    await s.ready();
    await s.page.evaluate(() => window.tagwarden.consent.update({ analytics: true }));
    await s.page.click('#add-to-cart');

    const stats = await s.waitForPixels('stats', 3);
    expect(stats.map((p) => p.query.ev).sort()).toEqual(['add_to_cart', 'page_view', 'view_item']);
    const failed = await s.waitForTags({ status: 'failed' }, 4);
    expect(failed.map(label).sort()).toEqual([
      'add_to_cart → chat-widget',
      'add_to_cart → heatmap',
      'view_item → chat-widget',
      'view_item → heatmap',
    ]);
    expect(failed.find((r) => r.tagId === 'chat-widget')?.reason).toMatch(/failed to load/);
    expect(failed.find((r) => r.tagId === 'heatmap')?.reason).toMatch(
      /insight\.recordHeatmap is not a function/,
    );
    const errors = (await s.errors()).filter((e) => e.tagId !== undefined);
    expect(new Set(errors.map((e) => e.tagId))).toEqual(new Set(['chat-widget', 'heatmap']));
    expect(errors.find((e) => e.tagId === 'chat-widget')?.code).toBe('tag/load-failed');
    expect(errors.find((e) => e.tagId === 'heatmap')?.code).toBe('tag/threw');
    expect((await s.tags({ tagId: 'stats-pixel', status: 'fired' })).length).toBe(3);
    // The tampered copy never ran, and the page saw no exception from either tag.
    expect(s.insightCalls()).toEqual([]);
    expect(s.probe.consoleErrors.join('\n')).toMatch(/integrity/);
    expectStrictAndClean(s);
  });
});

declare function gtag(...args: unknown[]): void;

/** Defines `window.gtag` in the page as sites do: it pushes its Arguments object. */
const withGtag = (s: Shop) =>
  s.page.evaluate(() => {
    (window as unknown as { gtag: typeof gtag }).gtag = function () {
      // biome-ignore lint/complexity/noArguments: gtag pushes its Arguments object, as sites do
      (window.dataLayer as unknown as unknown[]).push(arguments);
    };
  });

describe('Consent Mode wait_for_update', () => {
  test('a granting gtag default with wait_for_update holds events for that long, then delivers them', async () => {
    const s = await shop();
    await s.ready();
    await withGtag(s);
    await s.page.evaluate(() => {
      gtag('consent', 'default', { analytics_storage: 'granted', wait_for_update: 1500 });
    });
    await s.page.click('#add-to-cart');
    const [queued] = await s.waitForTags({ tagId: 'stats-pixel', event: 'add_to_cart', status: 'queued' }, 1);
    await s.page.waitForTimeout(SETTLE_MS);
    expect(s.pixels('stats')).toEqual([]);
    // No update came: once the wait is over, the default applies and what was held (the page's earlier
    // events, then this one) is delivered.
    const pixels = await s.waitForPixels('stats', 3);
    expect(pixels.map((p) => p.query.eid)).toContain(queued?.eventId);
    expect(await s.page.evaluate(() => window.tagwarden.consent.get().analytics)).toBe('granted');
  });

  test('an update denying within the wait drops what was held', async () => {
    const s = await shop();
    await s.ready();
    await withGtag(s);
    await s.page.evaluate(() => {
      gtag('consent', 'default', { analytics_storage: 'granted', wait_for_update: 1000 });
      document.querySelector<HTMLButtonElement>('#add-to-cart')!.click();
      gtag('consent', 'update', { analytics_storage: 'denied' });
    });
    await s.page.waitForTimeout(1500);
    expect(s.pixels('stats')).toEqual([]);
    expect(await s.page.evaluate(() => window.tagwarden.consent.get().analytics)).toBe('denied');
  });
});

describe('Consent Mode update', () => {
  test('a gtag consent update that decides is stored and sent as a proof-of-consent record with method consent-mode', async () => {
    const s = await shop();
    await s.ready();
    await withGtag(s);
    await s.page.evaluate(() => {
      gtag('consent', 'update', { analytics_storage: 'granted' });
      // Names no mapped type: decides nothing, so proves nothing.
      gtag('consent', 'update', { unknown_storage: 'granted' });
    });
    const [proof] = await waitForMatching(fx.site.records, 'consent', () => true, 1);
    expect(proof?.body).toMatchObject({ method: 'consent-mode', choices: { analytics: 'granted' } });
    // The record is the whole message: the page's cookies (the consent cookie is set by now) and its URL
    // do not go with it.
    expect(await s.page.evaluate(() => document.cookie)).not.toBe('');
    expect(proof?.headers.cookie).toBeUndefined();
    expect(proof?.headers.referer).toBeUndefined();
    await s.page.waitForTimeout(SETTLE_MS);
    expect(fx.site.records.list('consent')).toHaveLength(1);
    await s.waitForPixels('stats', 1);
  });
});

describe('proof-of-consent records left on the device', () => {
  test('are deleted when the container no longer names a recordEndpoint: nothing would ever send them', async () => {
    const c = fx.container();
    delete c.consent.recordEndpoint;
    await fx.publish('no-records', c);
    const s = await shop();
    await s.ready();
    await s.page.evaluate(() => localStorage.setItem('tagwarden:records', '[{"consentId":"c-1"}]'));
    const again = await shop({ container: 'no-records' }, s.probe);
    await again.ready();
    await again.page.waitForFunction(() => localStorage.getItem('tagwarden:records') === null);
    const sent = fx.site.records
      .list('consent')
      .filter((r) => (r.body as { consentId?: string }).consentId === 'c-1');
    expect(sent).toEqual([]);
  });
});

describe('lazy chunks pinned by the import map', () => {
  test('the snippet pins every chunk of the built runtime by its SHA-384, under the strict CSP', async () => {
    const s = await shop();
    await s.ready();
    const map = await s.page.evaluate(
      () =>
        JSON.parse(document.querySelector('script[type="importmap"]')?.textContent ?? '{}') as {
          integrity?: Record<string, string>;
        },
    );
    const files = readdirSync(`${RUNTIME_DIR}chunks`).filter((f) => f.endsWith('.js'));
    expect(Object.keys(map.integrity ?? {}).sort()).toEqual(
      files.map((f) => `/tagwarden/chunks/${f}`).sort(),
    );
    for (const f of files)
      expect(map.integrity?.[`/tagwarden/chunks/${f}`]).toBe(sri(readFileSync(`${RUNTIME_DIR}chunks/${f}`)));
    // The pinned chunks load and run: consent, pixel and script all work as on any page.
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await s.waitForPixels('stats', 2);
    expectStrictAndClean(s);
  });

  test('a chunk changed on the server is refused: its tags fail as tag/load-failed and send nothing, the others fire', async () => {
    const probe = await fx.site.newPage();
    const pixelChunk = readdirSync(`${RUNTIME_DIR}chunks`).find((f) => /^pixel-.*\.js$/.test(f))!;
    const original = readFileSync(`${RUNTIME_DIR}chunks/${pixelChunk}`, 'utf8');
    await probe.page.route(`**/tagwarden/chunks/${pixelChunk}`, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/javascript',
        body: `${original}\nwindow.__tampered = true;`,
      }),
    );
    const s = await shop({}, probe);
    await s.ready();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await s.waitForInsightCalls(1); // the script tag's chunk was not touched
    const failed = await s.waitForTags({ tagId: 'stats-pixel', status: 'failed' }, 1);
    expect(failed[0]?.reason).toMatch(/pixel plugin/);
    const errors = (await s.errors()).filter((e) => e.tagId === 'stats-pixel');
    expect(errors[0]?.code).toBe('tag/load-failed');
    await s.page.waitForTimeout(SETTLE_MS);
    expect(await s.page.evaluate(() => (window as { __tampered?: boolean }).__tampered)).toBeUndefined();
    expect(fx.site.records.list('pixel')).toEqual([]);
    expect(await s.tags({ status: 'fired', tagId: 'stats-pixel' })).toEqual([]);
    expect(s.probe.consoleErrors.join('\n')).toMatch(/integrity/i);
  });
});

describe("the queue's chunk is not on the path to firing", () => {
  const queueChunk = () => readdirSync(`${RUNTIME_DIR}chunks`).find((f) => /^queue-.*\.js$/.test(f))!;

  test('with the queue held back, a returning visitor’s granted tags fire; what waits meanwhile is delivered after a later grant', async () => {
    // Analytics granted on an earlier visit, marketing undecided, nothing left waiting on the device.
    const probe = await fx.site.newPage();
    await probe.context.addCookies([decisionCookie(fx.container(), fx.site.origin, { analytics: true })]);
    // The queue chunk's answer is held until the test lets it go.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let asked = 0;
    await probe.page.route(`**/tagwarden/chunks/${queueChunk()}`, async (route) => {
      asked++;
      await held;
      await route.continue();
    });
    const s = await shop({}, probe);
    expect(await s.ready()).toMatchObject({ ok: true });
    const stats = await s.waitForPixels('stats', 2); // page_view, view_item: the queue has not arrived
    expect(stats).toHaveLength(2);
    await s.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 1);
    expect(asked).toBe(1); // asked for by the first held event, still unanswered
    expect(s.pixels('ads')).toEqual([]);

    release();
    await s.page.evaluate(() => window.tagwarden.consent.update({ 'marketing.advertising': true }));
    const [ads] = await s.waitForPixels('ads', 1);
    const [queued] = await s.tags({ tagId: 'ads-conversion', status: 'queued' });
    expect(ads?.query).toMatchObject({ ev: 'view_item', eid: queued?.eventId });
    expect(await s.errors()).toEqual([]);
  });

  test('a visitor who has decided everything: once nothing waits, the next page loads no queue chunk and opens no database', async () => {
    const s = await shop();
    await s.ready();
    await s.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 1);
    expect(await s.page.evaluate(() => localStorage.getItem('tagwarden:queue'))).not.toBeNull();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await s.waitForPixels('ads', 1); // the held view_item, replayed
    await s.page.waitForFunction(() => localStorage.getItem('tagwarden:queue') === null);

    const queueRequests = () => s.probe.requests.filter((r) => r.url.includes('/chunks/queue-')).length;
    const before = queueRequests();
    await s.probe.context.addInitScript(() => {
      const open = IDBFactory.prototype.open;
      IDBFactory.prototype.open = function (...args: Parameters<IDBFactory['open']>) {
        (window as unknown as { __opens: string[] }).__opens.push(args[0]);
        return open.apply(this, args);
      };
      (window as unknown as { __opens: string[] }).__opens = [];
    });
    await s.reload();
    await s.ready();
    await s.waitForTags({ tagId: 'ads-conversion', status: 'fired' }, 1);
    await s.page.waitForTimeout(SETTLE_MS);
    expect(queueRequests()).toBe(before);
    expect(await s.page.evaluate(() => (window as unknown as { __opens: string[] }).__opens)).toEqual([]);
    expect(await s.page.evaluate(() => window.tagwarden.queue.size())).toBe(0);
  });

  test('a queue chunk that does not load is reported as queue/unavailable; tags fire and held events replay on this page', async () => {
    const probe = await fx.site.newPage();
    await probe.page.route(`**/tagwarden/chunks/${queueChunk()}`, (route) => route.abort());
    const s = await shop({}, probe);
    expect(await s.ready()).toMatchObject({ ok: true });
    await s.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 1);
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await s.waitForPixels('stats', 2);
    const [ads] = await s.waitForPixels('ads', 1);
    expect(ads?.query).toMatchObject({ ev: 'view_item' });
    expect((await s.errors()).map((e) => e.code)).toEqual(['queue/unavailable']);
    expect(await s.page.evaluate(() => window.tagwarden.queue.size())).toBe(0);
  });
});

describe('eventCallback', () => {
  test('runs exactly once, after every tag that fires for its event is done', async () => {
    const s = await shop();
    await s.ready();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await s.waitForInsightCalls(1);

    const runs = await s.page.evaluate(
      (name) =>
        new Promise<{ id: string; tags: string[] }[]>((resolve) => {
          const seen =
            (window as unknown as Record<string, { type: string; detail: TagRecord }[]>)[name] ?? [];
          const out: { id: string; tags: string[] }[] = [];
          window.dataLayer.push({ ecommerce: null });
          window.dataLayer.push({
            event: 'purchase',
            ecommerce: {
              transaction_id: 'T-2001',
              currency: 'SEK',
              value: 1497,
              items: [{ item_id: 'KQ-200', quantity: 3 }],
            },
            eventTimeout: 8000,
            eventCallback: (id: string) => {
              out.push({
                id,
                tags: seen
                  .filter((r) => r.type === 'tag' && r.detail.event === 'purchase')
                  .map((r) => `${r.detail.tagId}:${r.detail.status}`)
                  .sort(),
              });
              setTimeout(() => resolve(out), 300);
            },
          });
        }),
      '__tagwardenRecords',
    );
    expect(runs).toEqual([
      { id: 'demo', tags: ['ads-conversion:fired', 'insight-script:fired', 'stats-pixel:fired'] },
    ]);
    // The image pixel had been answered by then.
    expect(s.pixels('ads').map((p) => [p.query.ev, p.query.value])).toContainEqual(['purchase', '1497']);
    expectStrictAndClean(s);
  });

  test('runs once, with no container id, when the container failed', async () => {
    fx.serve('callback-tampered', tamper(await signContainer(fx.container(), fx.key)));
    const s = await shop({ container: 'callback-tampered' });
    expect(await s.ready()).toMatchObject({ ok: false, code: 'container/bad-signature' });
    const runs = await s.page.evaluate(
      () =>
        new Promise<string[]>((resolve) => {
          const ids: string[] = [];
          window.dataLayer.push({
            event: 'purchase',
            ecommerce: { currency: 'SEK', value: 499 },
            eventCallback: (id: string) => {
              ids.push(id);
              setTimeout(() => resolve(ids), 300);
            },
          });
        }),
    );
    expect(runs).toEqual(['']);
    expect(await s.page.evaluate(() => document.documentElement.dataset.pageViewCallbacks)).toBe('1');
  });
});

describe('hostile page markup', () => {
  test('the runtime finds its configuration despite clobbering elements and a <div id="dataLayer"> before the snippet', async () => {
    const s = await shop({ clobber: true });
    // The clobbering is real on this page.
    expect(
      await s.page.evaluate(() => ({
        querySelectorAll: (document.querySelectorAll as unknown as Element).tagName,
        currentScript: (document.currentScript as unknown as Element | null)?.tagName,
        dataLayer: Array.isArray(window.dataLayer),
      })),
    ).toEqual({ querySelectorAll: 'IMG', currentScript: 'FORM', dataLayer: true });

    expect(await s.ready()).toEqual({ ok: true, id: 'demo', version: 1 });
    expect(await s.tags({ status: 'queued' })).toHaveLength(4);
    expect(await s.page.evaluate(() => document.documentElement.dataset.pageViewCallbacks)).toBe('1');
    // Not marketing.analysis: the stand-in insight.js reads document.currentScript itself, which the
    // <form name="currentScript"> breaks; that is the vendor's problem, not the runtime's.
    await s.page.evaluate(() =>
      window.tagwarden.consent.update({ analytics: true, 'marketing.advertising': true }),
    );
    const ads = await s.waitForPixels('ads', 1);
    expect(ads[0]?.query).toMatchObject({ ev: 'view_item', value: '499' });
    expect((await s.waitForPixels('stats', 2)).map((p) => p.query.ev).sort()).toEqual([
      'page_view',
      'view_item',
    ]);
    expect(await s.errors()).toEqual([]);
    expectStrictAndClean(s);
  });

  // KNOWN BUG (reported): with the banner on, boot.ts looks for declaration elements through
  // `document.querySelectorAll`, which <img name="querySelectorAll"> replaces; the TypeError escapes the
  // `start().then` callback, so `ready` never settles and the dataLayer is never processed. Turn this
  // back into `test(...)` once that lookup uses `Document.prototype.querySelectorAll` (as config.ts does).
  test('a dataLayer whose push cannot be replaced gives way to a new array: the page’s later pushes still fire', async () => {
    const probe = await fx.site.newPage();
    await probe.context.addInitScript(() => {
      const dl: unknown[] = [];
      Object.defineProperty(dl, 'push', { value: Array.prototype.push, writable: false });
      (window as unknown as { dataLayer: unknown[] }).dataLayer = dl;
    });
    const s = await shop({}, probe);
    expect(await s.ready()).toMatchObject({ ok: true });
    expect((await s.errors()).map((e) => e.code)).toContain('datalayer/not-array');
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await s.page.click('#add-to-cart');
    await s.waitForTags({ tagId: 'ads-conversion', event: 'add_to_cart', status: 'fired' }, 1);
  });

  test('with the consent banner on and a decision stored, clobbering does not stop the runtime either', async () => {
    const c = fx.container();
    c.consent.ui = { enabled: true, position: 'bottom', language: 'auto' };
    await fx.publish('banner-on', c);
    const probe = await fx.site.newPage();
    await probe.context.addCookies([decisionCookie(c, fx.site.origin, 'all')]);
    const s = await shop({ clobber: true, container: 'banner-on' }, probe);

    const ready = await Promise.race([
      s.ready(),
      s.page.waitForTimeout(3000).then(() => 'ready never settled'),
    ]);
    expect(ready).toEqual({ ok: true, id: 'demo', version: 1 });
    expect(await s.page.evaluate(() => window.tagwarden.consent.needsPrompt)).toBe(false);
    const ads = await s.waitForPixels('ads', 1);
    expect(ads[0]?.query).toMatchObject({ ev: 'view_item', value: '499' });
    expect(s.probe.pageErrors).toEqual([]);
  });
});

describe('a withdrawal chunk that does not load', () => {
  test('is an error record with a code, never an exception in the page; the refusal still applies', async () => {
    const probe = await fx.site.newPage();
    await probe.context.route(/\/chunks\/withdraw-[\w-]+\.js$/, (route) => route.abort());
    const s = await shop({}, probe);
    await s.ready();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await s.waitForPixels('stats', 2);
    await s.page.evaluate(() => window.tagwarden.consent.rejectAll());
    await expect.poll(async () => (await s.seen('error')).map((e) => e.code)).toContain('runtime/internal');
    // The refusal itself is not undone: later events are blocked, and nothing more is collected.
    await s.page.click('#add-to-cart');
    const blocked = await s.waitForTags({ event: 'add_to_cart', status: 'blocked' }, 2);
    expect(blocked.map((r) => r.reason).sort()).toEqual(['analytics denied', 'marketing.advertising denied']);
    expect(consentCookie(await s.probe.context.cookies())?.choices).toMatchObject({
      analytics: 0,
      marketing: 0,
    });
    expect(s.probe.pageErrors).toEqual([]);
  });

  test('the next page finishes the withdrawal: a refused tag’s declared cookies do not outlive the refusal', async () => {
    const probe = await fx.site.newPage();
    const chunk = /\/chunks\/withdraw-[\w-]+\.js$/;
    await probe.context.route(chunk, (route) => route.abort());
    // The analytics pixel's vendor, in this container, also sets a first-party cookie it declares.
    const c = fx.container();
    const stats = c.tags.find((t) => t.id === 'stats-pixel')!;
    stats.storage = [
      ...stats.storage,
      {
        kind: 'cookie',
        name: 'ai_user',
        party: 'first',
        lifetime: 365,
        purpose: { sv: 'Besökare.', en: 'Visitor.' },
      },
      {
        kind: 'cookie',
        name: '__Host-vid',
        party: 'first',
        lifetime: 365,
        purpose: { sv: 'Besök.', en: 'Visit.' },
      },
    ];
    await fx.publish('declares-cookie', c);
    const s = await shop({ container: 'declares-cookie' }, probe);
    await s.ready();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    const aiUser = async () => (await probe.context.cookies()).some((c) => c.name === 'ai_user');
    // The cookie the vendor writes (written here as it would be).
    await s.page.evaluate(() => {
      document.cookie = 'ai_user=u1; path=/; max-age=3600';
      document.cookie = '__Host-vid=v1; path=/; max-age=3600; secure'; // a prefixed one: only `secure` expires it
    });
    // The renderer hands document.cookie writes to the browser's cookie store asynchronously: polled.
    await expect.poll(aiUser).toBe(true);
    const hostVid = async () => (await probe.context.cookies()).some((c) => c.name === '__Host-vid');
    await expect.poll(hostVid).toBe(true);
    await s.page.evaluate(() => window.tagwarden.consent.rejectAll());
    await expect.poll(async () => (await s.seen('error')).map((e) => e.code)).toContain('runtime/internal');
    expect(await aiUser()).toBe(true); // this page could not delete it
    await probe.context.unroute(chunk);
    const next = await shop({ container: 'declares-cookie' }, probe);
    await next.ready();
    await expect.poll(aiUser, { timeout: 5000 }).toBe(false);
    expect(await hostVid()).toBe(false);
    expect(await next.page.evaluate(() => localStorage.getItem('tagwarden:withdraw'))).toBeNull();
    expect(next.probe.pageErrors).toEqual([]);
  });
});

describe('a page module after the snippet', () => {
  test('its tagwarden.on() listeners see every record of the page, those of the events pushed before the runtime included', async () => {
    const s = await shop({ moduleListener: true });
    expect(await s.ready()).toMatchObject({ ok: true });
    // page_view and view_item, pushed by the shop's classic script before the runtime arrived, wait.
    const early = await s.waitForTags({ status: 'queued' }, 4);
    const fromModule = () =>
      s.page.evaluate(() => (window as unknown as { __moduleRecords: SeenRecord[] }).__moduleRecords);
    await expect.poll(async () => (await fromModule()).filter((r) => r.type === 'tag').length).toBe(4);
    const seen = await fromModule();
    expect(seen.filter((r) => r.type === 'tag').map((r) => r.detail)).toEqual(early);
    expect(seen.map((r) => r.type)).toContain('consent');
    expect(seen.find((r) => r.type === 'ready')?.detail).toEqual({ ok: true, id: 'demo', version: 1 });
    // The first records are those of the events that came first.
    expect(
      seen
        .filter((r) => r.type === 'tag')
        .map((r) => label(r.detail as TagRecord))
        .slice(0, 2),
    ).toEqual(['page_view → insight-script', 'page_view → stats-pixel']);
    expectStrictAndClean(s);
  });
});
