// The durable consent queue in Chromium: events that wait for a decision survive reloads and
// navigation in IndexedDB, are delivered once, in their original order and with their original ids
// and times, when the visitor later grants; a refusal empties the store; two open tabs and one grant
// deliver each event exactly once; a denied category's events never reach its endpoint.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { openShop, type Shop, startTagwardenSite, type TagwardenSite, waitForMatching } from './fixtures.js';
import type { PageProbe } from './harness.js';

let fx: TagwardenSite;
const opened: Shop[] = [];

beforeAll(async () => {
  fx = await startTagwardenSite();
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

async function shop(probe?: PageProbe): Promise<Shop> {
  const s = await openShop(fx, {}, probe ? { probe } : {});
  opened.push(s);
  return s;
}

/** Entries in the runtime's IndexedDB queue, read in the page. */
const storedEntries = (s: Shop) =>
  s.page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('tagwarden');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          if (!db.objectStoreNames.contains('queue')) {
            db.close();
            resolve(0);
            return;
          }
          const count = db.transaction('queue').objectStore('queue').count();
          count.onsuccess = () => {
            db.close();
            resolve(count.result);
          };
        };
      }),
  );

/** Ads pixels the collector received, whatever page sent them. */
const adsPixels = () => fx.site.records.list('pixel').filter((r) => r.query?.tag === 'ads');

describe('the durable queue', () => {
  test('events from three pages wait on the device and are delivered in order, with their ids and times, after a later grant', async () => {
    // Page 1: view_item on load, then add_to_cart.
    const first = await shop();
    await first.ready();
    await first.page.click('#add-to-cart');
    const queued1 = await first.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 2);
    // Page 2 in the same browser (navigation), then a reload of it.
    const second = await shop(first.probe);
    await second.ready();
    const queued2 = await second.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 1);
    await second.reload();
    await second.ready();
    const queued3 = await second.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 1);
    const expectedIds = [...queued1, ...queued2, ...queued3].map((r) => r.eventId);
    expect(new Set(expectedIds).size).toBe(4);
    // Written soon after they were held (the queue's chunk loads with the page's first held event).
    await expect.poll(() => storedEntries(second), { timeout: 3000 }).toBeGreaterThanOrEqual(4);
    expect(adsPixels()).toEqual([]);

    // Page 3: the visitor accepts everything here.
    const third = await shop(first.probe);
    await third.ready();
    const queued4 = await third.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 1);
    await third.page.evaluate(() => window.tagwarden.consent.acceptAll());
    const all = [...expectedIds, queued4[0]!.eventId];
    await waitForMatching(fx.site.records, 'pixel', (r) => r.query?.tag === 'ads', 5, 10_000);
    await third.page.waitForTimeout(300);
    const pixels = adsPixels();
    // Each event reached the vendor exactly once, with its original id and time...
    expect(pixels.map((p) => p.query?.eid).sort()).toEqual([...all].sort());
    const timeOf = new Map(pixels.map((p) => [p.query?.eid, Number(p.query?.ts)]));
    const times = all.map((id) => timeOf.get(id)!);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(times[0]).toBeLessThan(times[4]!);
    // ...and the tag received them in their original order (requests may overtake one another on
    // the network, so the order that counts is the order of delivery, the tag records).
    const delivered = await third.waitForTags({ tagId: 'ads-conversion', status: 'fired' }, 5);
    expect(delivered.map((r) => r.eventId)).toEqual(all);
    const replay = await third.seen('queue');
    expect(replay.reduce((n, r) => n + r.replayed, 0)).toBeGreaterThanOrEqual(5);
    expect(await third.page.evaluate(() => window.tagwarden.queue.size())).toBe(0);
  });

  test('a page that starts with a category granted since delivers what earlier pages left before its own events', async () => {
    const first = await shop();
    await first.ready();
    const [left] = await first.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 1);
    await expect.poll(() => storedEntries(first), { timeout: 3000 }).toBeGreaterThanOrEqual(1);
    // A grant that did not take it (the consent cookie of another profile stands in for a grant whose take was
    // cut short): the next page starts with the category granted and the earlier event still on the device.
    const elsewhere = await shop();
    await elsewhere.ready();
    await elsewhere.page.evaluate(() => window.tagwarden.consent.update({ 'marketing.advertising': true }));
    const cookie = (await elsewhere.probe.context.cookies()).filter((c) => c.name === 'tw_consent');
    expect(cookie).toHaveLength(1);
    await first.probe.context.addCookies(cookie);
    const next = await shop(first.probe); // its own view_item is pushed before the runtime is applied
    await next.ready();
    const fired = await next.waitForTags({ tagId: 'ads-conversion', status: 'fired' }, 2);
    expect(fired.map((r) => [r.eventId, r.reason])).toEqual([
      [left!.eventId, 'replay'],
      [expect.any(String), undefined],
    ]);
  });

  test('a page that starts with a category denied since finishes the purge: a later grant delivers nothing from before', async () => {
    const first = await shop();
    await first.ready();
    await first.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 1);
    await expect.poll(() => storedEntries(first), { timeout: 3000 }).toBeGreaterThanOrEqual(1);
    // A denial whose purge did not finish (another profile's consent cookie stands in for a page left during
    // the denial's transactions): the next page starts with advertising denied and the event still stored.
    const elsewhere = await shop();
    await elsewhere.ready();
    await elsewhere.page.evaluate(() => window.tagwarden.consent.update({ 'marketing.advertising': false }));
    await first.probe.context.addCookies(
      (await elsewhere.probe.context.cookies()).filter((c) => c.name === 'tw_consent'),
    );
    const next = await shop(first.probe);
    await next.ready();
    await expect.poll(() => next.seen('queue'), { timeout: 3000 }).not.toEqual([]);
    // The visitor changes their mind: only what happens from now on reaches the vendor.
    await next.page.evaluate(() => window.tagwarden.consent.update({ 'marketing.advertising': true }));
    await next.page.click('#add-to-cart');
    const fired = await next.waitForTags({ tagId: 'ads-conversion', status: 'fired' }, 1);
    await next.page.waitForTimeout(300);
    expect((await next.tags({ tagId: 'ads-conversion', status: 'fired' })).map((r) => r.reason)).toEqual([
      undefined,
    ]);
    expect(fired).toHaveLength(1);
  });

  test('events of pages left the moment they were held are not lost: each is delivered on a later page', async () => {
    // Six page views, each left (reload or navigation) as soon as its view_item is held, before a write
    // of it could be relied on to commit: the queue's pagehide spill carries them to the next page.
    const probe = (await shop()).probe;
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const s = await shop(probe);
      const [queued] = await s.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 1);
      ids.push(queued!.eventId);
      if (i % 2) await s.reload();
    }
    const last = await shop(probe);
    await last.ready();
    await last.page.evaluate(() => window.tagwarden.consent.acceptAll());
    const ours = (r: { query?: Record<string, string> }) =>
      r.query?.tag === 'ads' && ids.includes(String(r.query?.eid));
    await waitForMatching(fx.site.records, 'pixel', ours, 6, 10_000);
    await last.page.waitForTimeout(300);
    const delivered = adsPixels().map((p) => String(p.query?.eid));
    for (const id of ids) expect(delivered.filter((d) => d === id)).toHaveLength(1);
    expect(
      await last.page.evaluate(() =>
        Object.keys(localStorage).filter((k) => k.startsWith('tagwarden:queue:')),
      ),
    ).toEqual([]);
  });

  test('rejecting all empties the IndexedDB store and nothing is ever delivered', async () => {
    const s = await shop();
    await s.ready();
    await s.page.click('#add-to-cart');
    await s.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 2);
    await s.page.waitForFunction(async () => (await window.tagwarden.queue.size()) > 0);
    await s.page.evaluate(() => window.tagwarden.consent.rejectAll());
    await s.page.waitForFunction(async () => (await window.tagwarden.queue.size()) === 0);
    expect(await storedEntries(s)).toBe(0);
    await s.page.waitForTimeout(300);
    expect(fx.site.records.list('pixel')).toEqual([]);
  });

  test('a denied category never reaches its endpoint while a granted one replays', async () => {
    const s = await shop();
    await s.ready();
    await s.page.click('#add-to-cart');
    await s.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 2);
    await s.page.evaluate(() => window.tagwarden.consent.update({ analytics: true, marketing: false }));
    await s.waitForPixels('stats', 1);
    await s.page.waitForTimeout(300);
    expect(adsPixels()).toEqual([]);
    // The marketing entries are gone from the device too; nothing is left waiting.
    expect(await s.page.evaluate(() => window.tagwarden.queue.size())).toBe(0);
  });

  test('two open tabs and one grant deliver each waiting event exactly once', async () => {
    const a = await shop();
    await a.ready();
    await a.page.click('#add-to-cart');
    await a.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 2);
    // A second tab of the same browser profile (same context: same storage, same cookies).
    const b = await shop({ ...a.probe, page: await a.probe.context.newPage() } as PageProbe);
    await b.ready();
    await b.page.click('#add-to-cart');
    const idsB = (await b.waitForTags({ tagId: 'ads-conversion', status: 'queued' }, 2)).map(
      (r) => r.eventId,
    );
    const idsA = (await a.tags({ tagId: 'ads-conversion', status: 'queued' })).map((r) => r.eventId);

    await a.page.evaluate(() => window.tagwarden.consent.acceptAll());
    // The other tab hears about it and fires its new events at once.
    await b.page.waitForFunction(() => window.tagwarden.consent.get().analytics === 'granted');

    await waitForMatching(fx.site.records, 'pixel', (r) => r.query?.tag === 'ads', 4, 10_000);
    await a.page.waitForTimeout(800);
    const eids = adsPixels().map((p) => p.query?.eid);
    expect(eids.sort()).toEqual([...idsA, ...idsB].sort());
    expect(new Set(eids).size).toBe(eids.length);
  });
});

describe('a decision made where no message reaches this tab (a subdomain sharing the cookie)', () => {
  /** Another subdomain's tab withdraws marketing: the shared cookie changes, and no message reaches this tab. */
  const withdrawElsewhere = (s: Shop) =>
    s.page.evaluate(() => {
      const name = 'tw_consent=';
      const raw = document.cookie.split('; ').find((c) => c.startsWith(name))!;
      const d = JSON.parse(decodeURIComponent(raw.slice(name.length)));
      for (const k of Object.keys(d.choices)) if (k.split('.')[0] === 'marketing') d.choices[k] = 0;
      d.time += 1000;
      document.cookie = `${name}${encodeURIComponent(JSON.stringify(d))}; path=/; max-age=3600`;
    });
  const marketingCookie = (s: Shop) =>
    s.page.evaluate(() => {
      const raw = document.cookie.split('; ').find((c) => c.startsWith('tw_consent='))!;
      return JSON.parse(decodeURIComponent(raw.slice(11))).choices.marketing;
    });

  test('is taken up when the visitor comes back to the tab: its tags stop', async () => {
    const s = await shop();
    await s.ready();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await withdrawElsewhere(s);
    expect(await s.page.evaluate(() => window.tagwarden.consent.get().marketing)).toBe('granted'); // unheard
    await s.page.evaluate(() => document.dispatchEvent(new Event('visibilitychange', { bubbles: true })));
    expect(await s.page.evaluate(() => window.tagwarden.consent.get()['marketing.advertising'])).toBe(
      'denied',
    );
    await s.page.click('#add-to-cart');
    await s.waitForPixels('stats', 3);
    await s.page.waitForTimeout(300);
    expect(adsPixels()).toEqual([]);
  });

  test('is never written over by this tab’s next decision', async () => {
    const s = await shop();
    await s.ready();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    await withdrawElsewhere(s);
    await s.page.evaluate(() => window.tagwarden.consent.update({ functional: false }));
    expect(await marketingCookie(s)).toBe(0);
    expect(await s.page.evaluate(() => window.tagwarden.consent.get().marketing)).toBe('denied');
  });
});

describe('Global Privacy Control', () => {
  test('is recorded once as a refusal of marketing, with a proof-of-consent record, and marketing events never fire', async () => {
    const probe = await fx.site.newPage();
    await probe.context.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', {
        get: () => true,
        configurable: true,
      }),
    );
    const s = await shop(probe);
    await s.ready();
    const [proof] = await waitForMatching(fx.site.records, 'consent', () => true, 1);
    expect(proof?.body).toMatchObject({
      method: 'gpc',
      choices: { marketing: 'denied', 'marketing.advertising': 'denied' },
    });
    expect((proof!.body as { choices: Record<string, string> }).choices.analytics).toBe('pending');
    // Still asked about the rest; marketing events are blocked, not queued.
    expect(await s.page.evaluate(() => window.tagwarden.consent.needsPrompt)).toBe(true);
    await s.page.click('#add-to-cart');
    await s.waitForTags({ tagId: 'ads-conversion', event: 'add_to_cart', status: 'blocked' }, 1);
    // A second page view records nothing new.
    await s.reload();
    await s.ready();
    await s.page.waitForTimeout(300);
    expect(fx.site.records.list('consent')).toHaveLength(1);
  });
});
