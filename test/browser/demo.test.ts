// The demo behind `npm start`, started the way scripts/start.mjs starts it (startPreview with the demo
// container, pages and assets, `rewritePort: 8080`, a development key made on first use) and driven in
// Chromium like a visitor, in one browser profile: the banner on a first visit, browsing the home,
// product and checkout pages (add to cart, buy) with nothing sent, "Acceptera alla" in the banner, then
// what waited arrives (ads pixel on the localhost origin, /v2/track envelopes with their original times
// and ids, the personalisation rank), a personalised home page whose offer click is rewarded, the live
// panel, and the cookie declaration on /cookies. Every page under the strict CSP, zero violations.
// The tests of this file are steps of one visit and run in order.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Container } from '../../src/container/schema.js';
import type { TagRecord } from '../../src/runtime/emitter.js';
import type { CollectedRecord } from '../../src/server/index.js';
import { type Preview, startPreview } from '../../src/server/preview.js';
import { launchChromium } from './chromium.js';
import { waitForMatching } from './fixtures.js';
import type { CspViolation } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Long enough for a request that was going to be made to show up, once a positive signal was seen. */
const SETTLE_MS = 400;

let preview: Preview;
let browser: Browser;
let keyDir: string;
/** The visitor's browser profile and tab; the panel opens in a second tab of the same profile. */
let context: BrowserContext;
let page: Page;
const violations: (CspViolation & { page: string })[] = [];
const pageErrors: string[] = [];
const requests: { url: string }[] = [];
/** `http://localhost:<port>`: the same server as a cross-site origin (the container's ads pixel and vendor script). */
let localhost: string;
let acceptedAt = 0;

/** Runs in every frame before its scripts: reports CSP / Trusted Types violations to the test. */
function reportViolations(binding: string): void {
  const report = (globalThis as unknown as Record<string, (v: unknown) => void>)[binding];
  addEventListener(
    'securitypolicyviolation',
    (e) =>
      report?.({
        violatedDirective: e.violatedDirective,
        effectiveDirective: e.effectiveDirective,
        blockedURI: e.blockedURI,
        sample: e.sample,
        disposition: e.disposition,
        sourceFile: e.sourceFile,
        documentURI: e.documentURI,
        page: location.pathname,
      }),
    true,
  );
}

beforeAll(async () => {
  keyDir = mkdtempSync(join(tmpdir(), 'tagwarden-demo-keys-'));
  // scripts/start.mjs, with a free port and a throwaway key folder.
  preview = await startPreview({
    container: join(ROOT, 'containers/demo.json'),
    runtimeDir: join(ROOT, 'dist/runtime'),
    routes: { '/vendor/': join(ROOT, 'demo/vendor'), '/assets/': join(ROOT, 'demo/assets') },
    pages: join(ROOT, 'demo/pages'),
    port: 0,
    rewritePort: 8080,
    devKeyDir: keyDir,
  });
  localhost = preview.origin.replace('127.0.0.1', 'localhost');
  browser = await launchChromium();
  context = await browser.newContext();
  await context.exposeFunction('__demoViolation', (v: CspViolation & { page: string }) => {
    violations.push(v);
  });
  await context.addInitScript(reportViolations, '__demoViolation');
  context.on('request', (r) => {
    requests.push({ url: r.url() });
  });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
});
afterAll(async () => {
  await context?.close();
  await browser?.close();
  await preview?.close();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

const records = (kind: string) => preview.app.records.list(kind);
const url = (path: string) => `${preview.origin}${path}`;

/** What the demo pages reported through `/collect/demo-log` (sent as text/plain beacons). */
interface DemoLog {
  type: string;
  page: string;
  record: Record<string, unknown>;
  time: number;
}
const demoLog = (): DemoLog[] =>
  records('demo-log').map((r) => (typeof r.body === 'string' ? JSON.parse(r.body) : r.body) as DemoLog);
const tagLog = (filter: Partial<TagRecord & { page: string }> = {}) =>
  demoLog()
    .filter((l) => l.type === 'tag')
    .map((l) => ({ ...(l.record as unknown as TagRecord), page: l.page, time: l.time }))
    .filter((r) => Object.entries(filter).every(([k, v]) => (r as Record<string, unknown>)[k] === v));

/**
 * `time` is the time of event `eventId`: the demo page logs each tag decision right after the runtime
 * took the event's time, so the event's first log entry follows it by a few ms (more on a busy machine).
 */
function expectEventTime(time: number, eventId: string | undefined): void {
  const logged = Math.min(...tagLog({ eventId }).map((r) => r.time));
  expect(logged - time, `time of ${eventId}`).toBeGreaterThanOrEqual(0);
  expect(logged - time, `time of ${eventId}`).toBeLessThanOrEqual(100);
}

const dialog = (p: Page) => p.getByRole('dialog');
const button = (p: Page, name: string) => p.getByRole('button', { name, exact: true });

interface Envelope {
  time: string;
  iKey: string;
  tags: Record<string, string>;
  data: { baseType: string; baseData: { name: string; url?: string; properties?: Record<string, string> } };
}
const envelopes = () => records('appinsights').map((r) => r.body as unknown as Envelope);

/** Goes to `path` and waits for tagwarden's `ready`. */
async function visit(path: string): Promise<void> {
  const response = await page.goto(url(path));
  expect(response?.status()).toBe(200);
  expect(response?.headers()['content-security-policy']).toMatch(
    /'strict-dynamic'.*require-trusted-types-for 'script'; trusted-types tagwarden default/,
  );
  expect(await page.evaluate(() => window.tagwarden.ready)).toEqual({ ok: true, id: 'demo', version: 1 });
}

const cookieNames = async () => (await context.cookies()).map((c) => c.name);

describe('the demo site, as a visitor sees it', () => {
  test('npm start signs containers/demo.json for the local origin with a new development key', async () => {
    expect(existsSync(join(keyDir, 'dev.key')) && existsSync(join(keyDir, 'dev.pub'))).toBe(true);
    expect(preview).toMatchObject({ containerId: 'demo', version: 1 });
    expect(preview.snippet).toContain('data-container="/container.json"');
    const envelope = (await (await fetch(url('/container.json'))).json()) as { payload: string };
    const served = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as Container;
    expect(served.origins).toContain(preview.origin);
    const text = JSON.stringify(served);
    // Every :8080 of the file now points at this server (its collectors), nothing at 8080 is left.
    expect(text).not.toContain(':8080');
    const ai = served.tags.find((t) => t.type === 'appinsights');
    expect(ai?.type === 'appinsights' && ai.settings.connectionString).toContain(
      `IngestionEndpoint=${preview.origin}/`,
    );
    const original = readFileSync(join(ROOT, 'containers/demo.json'), 'utf8');
    expect(original).toContain(':8080');
  });

  test('a first visit to / shows the consent banner (the UI chunk) and sends nothing', async () => {
    await visit('/');
    await dialog(page).waitFor();
    expect(await dialog(page).getByRole('heading').first().textContent()).toBe('Ditt val om cookies');
    for (const name of ['Acceptera alla', 'Neka alla'])
      expect(await button(page, name).isVisible()).toBe(true);
    expect(requests.filter((r) => /\/tagwarden\/chunks\/ui-[\w-]+\.js$/.test(r.url))).toHaveLength(1);
    expect(await page.evaluate(() => window.tagwarden.consent.needsPrompt)).toBe(true);
    // The home page view waits for each of its tags' purposes. Sorted: the demo page reports each record
    // in a beacon of its own, and beacons sent in the same task may reach the server in any order.
    await expect
      .poll(() =>
        tagLog({ page: '/', status: 'queued' })
          .map((r) => `${r.event} → ${r.tagId}: ${r.reason}`)
          .sort(),
      )
      .toEqual([
        'page_view → appinsights: analytics undecided',
        'page_view → hero-personalization: marketing.personalization undecided',
        'page_view → insight-script: marketing.analysis undecided',
      ]);
  });

  test('browsing /product (add to cart) and /checkout (buy) before deciding: events wait, nothing is sent', async () => {
    await visit('/product');
    await dialog(page).waitFor();
    await page.fill('#qty', '3');
    await page.click('#add');
    await expect.poll(() => tagLog({ event: 'add_to_cart', status: 'queued' }).length).toBe(2);

    await visit('/checkout');
    await dialog(page).waitFor();
    await page.click('#buy');
    expect(await page.isVisible('#thanks')).toBe(true);
    await expect.poll(() => tagLog({ event: 'purchase', status: 'queued' }).length).toBe(3);
    await page.waitForTimeout(SETTLE_MS);

    expect(tagLog().every((r) => r.status === 'queued')).toBe(true);
    expect(new Set(tagLog().map((r) => r.event))).toEqual(
      new Set(['page_view', 'view_item', 'add_to_cart', 'begin_checkout', 'purchase']),
    );
    // Not one request to a tag's origin, collector or SDK; no cookie.
    expect(requests.filter((r) => r.url.startsWith(localhost))).toEqual([]);
    expect(
      requests.filter((r) =>
        /\/v2\/track|\/personalizer\/|\/chunks\/(applicationinsights-web|Sender|appinsights|personalization|pixel|script)-/.test(
          r.url,
        ),
      ),
    ).toEqual([]);
    for (const kind of ['pixel', 'insight', 'appinsights', 'personalizer-rank', 'consent']) {
      expect(records(kind), kind).toEqual([]);
    }
    expect(await cookieNames()).toEqual([]);
    // The seven events wait on the device, across the three pages.
    expect(await page.evaluate(() => window.tagwarden.queue.size())).toBe(7);
  });

  test('"Acceptera alla" in the banner delivers what waited: ads pixels on localhost, /v2/track envelopes with their original times and ids, the rank', async () => {
    const queued = tagLog({ status: 'queued' });
    acceptedAt = Date.now();
    await button(page, 'Acceptera alla').click();
    await expect.poll(() => dialog(page).count()).toBe(0);
    expect(await page.evaluate(() => window.tagwarden.consent.needsPrompt)).toBe(false);
    expect(await cookieNames()).toContain('tw_consent');
    const [proof] = await waitForMatching(preview.app.records, 'consent', () => true, 1);
    expect(proof?.body).toMatchObject({ method: 'accept-all', containerId: 'demo', containerVersion: 1 });

    // The ads pixel (image) on the cross-site localhost origin, in order, with the events' ids and times.
    const ads = queued.filter((r) => r.tagId === 'ads-conversion');
    expect(ads.map((r) => r.event)).toEqual(['view_item', 'add_to_cart', 'purchase']);
    const pixels = await waitForMatching(
      preview.app.records,
      'pixel',
      (r) => r.query.tag === 'ads',
      3,
      10_000,
    );
    // Each waiting event was delivered once (delivery order is asserted in queue.test.ts, in the page:
    // here the records travel as beacons, which may overtake one another).
    await expect
      .poll(() => tagLog({ tagId: 'ads-conversion', status: 'fired' }).length, { timeout: 5000 })
      .toBeGreaterThanOrEqual(3);
    expect(
      tagLog({ tagId: 'ads-conversion', status: 'fired' })
        .map((r) => r.eventId)
        .sort(),
    ).toEqual(ads.map((r) => r.eventId).sort());
    expect(pixels.map((p) => p.query.eid).sort()).toEqual(ads.map((r) => r.eventId).sort());
    const byEvent = (ev: string) => pixels.find((p) => p.query.ev === ev)?.query;
    expect(byEvent('view_item')).toMatchObject({ eid: ads[0]?.eventId, value: '1490', page: '/product' });
    expect(byEvent('add_to_cart')).toMatchObject({ eid: ads[1]?.eventId, value: '4470', page: '/product' });
    expect(byEvent('purchase')).toMatchObject({ eid: ads[2]?.eventId, value: '11920', page: '/checkout' });
    // Same server, reached as http://localhost:<port> (the record's `server` names the first listener).
    expect(pixels.every((p) => p.headers.host === new URL(localhost).host)).toBe(true);
    for (const p of pixels) {
      expectEventTime(Number(p.query.ts), p.query.eid);
      expect(Number(p.query.ts)).toBeLessThan(acceptedAt);
    }

    // Application Insights: one envelope per held event (page views of all three pages included).
    const held = queued.filter((r) => r.tagId === 'appinsights');
    expect(held.map((r) => `${r.page} ${r.event}`)).toEqual([
      '/ page_view',
      '/product page_view',
      '/product view_item',
      '/product add_to_cart',
      '/checkout page_view',
      '/checkout begin_checkout',
      '/checkout purchase',
    ]);
    // The page view makes the SDK send at once; a navigation or pagehide would flush the rest.
    await expect
      .poll(
        async () => {
          const ids = new Set(envelopes().map((e) => e.data.baseData.properties?.eventId));
          if (!held.every((r) => ids.has(r.eventId))) {
            await page.evaluate(() => dispatchEvent(new PageTransitionEvent('pagehide')));
          }
          return held.filter((r) => !ids.has(r.eventId)).map((r) => r.event);
        },
        { timeout: 15_000, interval: 500 },
      )
      .toEqual([]);
    for (const r of held) {
      const env = envelopes().find(
        (e) =>
          e.data.baseData.properties?.eventId === r.eventId &&
          e.data.baseType === (r.event === 'page_view' ? 'PageviewData' : 'EventData'),
      );
      expect(env, `${r.page} ${r.event}`).toBeDefined();
      expect(env?.data.baseData.properties?.replayed).toBe('true');
      // The event's own time (as the demo page logged it), not the time of the grant.
      expectEventTime(Date.parse(env?.time ?? ''), r.eventId);
      if (r.event === 'page_view') expect(new URL(env?.data.baseData.url ?? '').pathname).toBe(r.page);
      else expect(env?.data.baseData.name).toBe(r.event);
    }
    const purchase = envelopes().find((e) => e.data.baseData.name === 'purchase');
    expect(purchase?.data.baseData.properties).toMatchObject({
      pageType: 'checkout',
      currency: 'SEK',
      value: '11920',
    });
    expect(envelopes().every((e) => e.tags['ai.cloud.role'] === 'www-example-se')).toBe(true);
    expect(await cookieNames()).toEqual(expect.arrayContaining(['ai_user', 'ai_session']));

    // The home page view waited for personalisation: ranked now, with that event's id.
    const [hero] = queued.filter((r) => r.tagId === 'hero-personalization');
    const [rank] = await waitForMatching(preview.app.records, 'personalizer-rank', () => true, 1);
    expect(rank?.body).toMatchObject({ eventId: hero?.eventId, contextFeatures: [{ device: 'desktop' }] });
  });

  test('the insight script loads once (SRI-pinned) and its calls reach /collect/insight', async () => {
    // Its four held events (three page views, the purchase) were delivered on the grant.
    const done = () => tagLog({ tagId: 'insight-script' }).filter((r) => r.status !== 'queued');
    await expect.poll(() => done().length, { timeout: 5000 }).toBeGreaterThanOrEqual(4);
    expect(
      done()
        .map((r) => `${r.event} ${r.status} ${r.reason ?? ''}`)
        .sort(),
    ).toEqual([
      'page_view fired replay',
      'page_view fired replay',
      'page_view fired replay',
      'purchase fired replay',
    ]);
    expect(requests.filter((r) => r.url === `${localhost}/vendor/insight.js`)).toHaveLength(1);
    const calls = await waitForMatching(preview.app.records, 'insight', () => true, 4, 5000);
    // The calls were made in event order (the tag records above); separate keepalive requests may
    // reach the collector in any order.
    expect(calls.map((c) => (JSON.parse(String(c.body)) as { event: string }).event).sort()).toEqual([
      'page_view',
      'page_view',
      'page_view',
      'purchase',
    ]);
  });

  test('back on the home page the hero shows the chosen offer, and clicking it reports a reward', async () => {
    const ranksBefore = records('personalizer-rank').length;
    await visit('/');
    expect(await dialog(page).count()).toBe(0);
    const [rank] = (
      await waitForMatching(preview.app.records, 'personalizer-rank', () => true, ranksBefore + 1)
    ).slice(ranksBefore) as (CollectedRecord & { answer?: { rewardActionId?: string; eventId?: string } })[];
    const chosen = rank?.answer?.rewardActionId;
    const offers: Record<string, string> = {
      'offer-cloud': 'Erbjudande: gratis molngenomgång',
      'offer-security': 'Erbjudande: säkerhetsgranskning till fast pris',
      'offer-ai': 'Erbjudande: AI-workshop för ledningsgruppen',
    };
    await expect.poll(() => page.textContent('#hero-offer')).toBe(offers[chosen as string]);
    expect(await page.evaluate(() => window.tagwarden.personalization('home-hero'))).toEqual({
      slot: 'home-hero',
      actionId: chosen,
      eventId: rank?.answer?.eventId,
      fallback: false,
    });
    // The click pushes hero_click and navigates to /product; the reward is a keepalive request.
    await Promise.all([page.waitForURL(url('/product')), page.click('#hero-link')]);
    const [reward] = await waitForMatching(preview.app.records, 'personalizer-reward', () => true, 1, 10_000);
    expect(reward).toMatchObject({
      path: `/personalizer/v1.0/events/${rank?.answer?.eventId}/reward`,
      body: { value: 1 },
    });
    // Consent given, events now fire as they happen.
    await expect.poll(() => tagLog({ page: '/product', event: 'view_item', status: 'fired' }).length).toBe(2);
  });

  test('the live panel shows what each collector received', async () => {
    const panel = await context.newPage();
    panel.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
    const response = await panel.goto(url('/panel'));
    expect(response?.headers()['content-security-policy']).toMatch(/require-trusted-types-for 'script'/);
    const collected = async () =>
      panel.$$eval('#collected tbody tr', (rows) =>
        rows.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
    await expect.poll(async () => (await collected()).length, { timeout: 5000 }).toBeGreaterThan(10);
    // The panel polls once a second: wait until it has shown everything the collectors hold.
    await expect
      .poll(async () => (await collected()).filter((r) => r[1] === 'appinsights').length, { timeout: 5000 })
      .toBe(envelopes().length);
    const rows = await collected();
    const of = (kind: string) => rows.filter((r) => r[1] === kind).map((r) => r[2] ?? '');
    expect(of('pixel').filter((s) => s.includes('"tag":"ads"'))).toHaveLength(records('pixel').length);
    expect(of('appinsights')).toHaveLength(envelopes().length);
    expect(of('appinsights').some((s) => s.startsWith('EventData purchase @ '))).toBe(true);
    expect(of('appinsights').some((s) => s.startsWith('PageviewData Kassa – Example AB @ '))).toBe(true);
    expect(of('personalizer-rank').length).toBeGreaterThanOrEqual(2);
    expect(of('personalizer-reward')).toHaveLength(1);
    expect(of('consent')[0]).toContain('"method":"accept-all"');
    // Rows show up as they happen: a new event on the site appears without reloading the panel.
    await page.fill('#qty', '2');
    await page.click('#add');
    await expect
      .poll(
        async () =>
          (await collected()).filter((r) => r[1] === 'pixel' && r[2]?.includes('"ev":"add_to_cart"')).length,
        {
          timeout: 5000,
        },
      )
      .toBe(2);
    await panel.close();
  });

  test('the live panel shows the tag decisions (queued, then fired), the consent state and the queue', async () => {
    const panel = await context.newPage();
    await panel.goto(url('/panel'));
    const table = (id: string) =>
      panel.$$eval(`#${id} tbody tr`, (rows) =>
        rows.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
      );
    await expect.poll(async () => (await table('tags')).length, { timeout: 5000 }).toBeGreaterThan(10);
    try {
      const tags = await table('tags');
      expect(tags.every((r) => r[0] !== 'Invalid Date')).toBe(true);
      // [time, page, event, tag, status, reason]
      expect(tags.map((r) => r.slice(1))).toContainEqual([
        '/checkout',
        'purchase',
        'ads-conversion',
        'queued',
        'marketing.advertising undecided',
      ]);
      expect(tags.map((r) => r.slice(1))).toContainEqual([
        '/checkout',
        'purchase',
        'ads-conversion',
        'fired',
        'replay',
      ]);
      expect(JSON.parse((await panel.textContent('#consent')) ?? '{}')).toMatchObject({
        method: 'stored',
        state: { analytics: 'granted', 'marketing.personalization': 'granted' },
      });
      expect((await table('queue')).map((r) => r[1])).toContain('/checkout');
    } finally {
      await panel.close();
    }
  });

  test('/cookies renders the live declaration: every tag and storage item, with the current choice', async () => {
    await visit('/cookies');
    expect(await dialog(page).count()).toBe(0);
    const declaration = page.locator('[data-tagwarden-declaration]');
    await declaration.locator('table').first().waitFor();
    expect(await declaration.locator('table').count()).toBeGreaterThanOrEqual(4);
    const text = (await declaration.textContent()) ?? '';
    const demo = JSON.parse(readFileSync(join(ROOT, 'containers/demo.json'), 'utf8')) as Container;
    for (const tag of demo.tags) {
      expect(text).toContain(tag.name);
      for (const s of tag.storage) expect(text).toContain(s.name);
    }
    expect(text).toContain('tw_consent');
    expect(await page.locator('[data-category="analytics"] .tw-choice strong').textContent()).toBe(
      'Tillåten',
    );
    expect(await declaration.locator('[style]').count()).toBe(0);
  });

  test('no page had a CSP or Trusted Types violation or an uncaught error', () => {
    expect(violations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
