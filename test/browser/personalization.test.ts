// The personalisation tag (built lazy chunk) in Chromium against the test server's Personalizer-
// compatible service, on the product page under the strict CSP + Trusted Types: rank is called only
// once the marketing.personalization purpose is granted (not before, not with only analytics or another
// marketing purpose), the chosen action reaches the page (tagwarden.personalization(slot) and a
// `tagwarden.personalized` dataLayer event), a slow service gets the fallback action, and a
// `hero_click` reports the reward for the service's decision, once.
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Container, TagOf } from '../../src/container/schema.js';
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
/** The test tag's rank timeout (the demo's is 1500 ms; shorter keeps the timeout test fast). */
const TIMEOUT_MS = 600;
const SLOT = 'home-hero';
const ACTIONS = ['offer-cloud', 'offer-security', 'offer-ai'];
/** What the page's dataLayer holds before the snippet: the context features' sources. */
const CONTEXT = { lastViewed: 'security', device: 'mobile' };

/**
 * The test container: the fixture's (ads pixel, insight script, analytics pixel) plus the demo's
 * personalisation tag, its home-page trigger moved to the product pages of this site and its timeout
 * shortened.
 */
function personalizationContainer(): Container {
  const demo = JSON.parse(readFileSync(DEMO_CONTAINER, 'utf8')) as Container;
  const tag = demo.tags.find((t): t is TagOf<'personalization'> => t.type === 'personalization');
  if (!tag) throw new Error('containers/demo.json has no personalization tag');
  const base = fx.container();
  const hero: TagOf<'personalization'> = {
    ...tag,
    triggers: [
      {
        event: 'page_view',
        conditions: [{ variable: 'page.path', op: 'startsWith', value: '/shop/' }],
      },
      { event: 'hero_click' },
    ],
    settings: { ...tag.settings, timeoutMs: TIMEOUT_MS },
  };
  const container = { ...base, tags: [...base.tags, hero] };
  assertValid(container);
  return container;
}

/** Init script: the site's dataLayer already holds the visitor context when the snippet runs. */
function seedDataLayer(context: Record<string, string>): void {
  (window as unknown as { dataLayer: unknown[] }).dataLayer = [{ ...context }];
}

const setDelay = async (ms: number) => {
  const res = await fetch(fx.site.url('/__collector/personalizer/delay'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ms }),
  });
  expect(res.status).toBe(200);
};

beforeAll(async () => {
  fx = await startTagwardenSite();
  await fx.publish('hero', personalizationContainer());
});
afterAll(async () => {
  await fx?.stop();
});
beforeEach(async () => {
  fx.site.records.clear();
  await setDelay(0);
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  await setDelay(0);
});

async function shop(): Promise<Shop> {
  const probe = await fx.site.newPage();
  await probe.context.addInitScript(seedDataLayer, CONTEXT);
  const s = await openShop(fx, { container: 'hero' }, { probe });
  opened.push(s);
  return s;
}

/** Personalizer records (`rank`, `reward`, `activate`) the page of `s` caused (its URL is the Referer). */
const calls = (s: Shop, what: 'rank' | 'reward' | 'activate') =>
  fx.site.records.list(`personalizer-${what}`).filter((r) => {
    try {
      return new URL(r.headers.referer ?? '').pathname === s.path;
    } catch {
      return false;
    }
  }) as (CollectedRecord & { eventId?: string; answer?: { rewardActionId?: string; eventId?: string } })[];

const waitForCalls = async (s: Shop, what: 'rank' | 'reward' | 'activate', count = 1) => {
  await waitForMatching(fx.site.records, `personalizer-${what}`, () => true, count, 10_000);
  await expect.poll(() => calls(s, what).length, { timeout: 10_000 }).toBeGreaterThanOrEqual(count);
  return calls(s, what);
};

/** The page's view of the decision: the API and every `tagwarden.personalized` dataLayer message. */
const exposed = (s: Shop) =>
  s.page.evaluate((slot) => {
    const messages = (window.dataLayer as unknown as Record<string, unknown>[]).filter(
      (m) => m && typeof m === 'object' && m.event === 'tagwarden.personalized',
    );
    return {
      api: window.tagwarden.personalization(slot) ?? null,
      events: messages.map((m) => m.personalization),
    };
  }, SLOT);

function expectStrictAndClean(s: Shop): void {
  expect(s.response?.headers()['content-security-policy']).toMatch(/require-trusted-types-for 'script'/);
  expect(s.probe.violations).toEqual([]);
  expect(s.probe.pageErrors).toEqual([]);
}

describe('personalisation against the Personalizer-compatible service', () => {
  test('rank is called only once marketing.personalization is granted, and the chosen action reaches the page', async () => {
    const s = await shop();
    expect(await s.ready()).toEqual({ ok: true, id: 'demo', version: 1 });
    const [held] = await s.waitForTags({ tagId: 'hero-personalization', status: 'queued' });
    expect(held).toMatchObject({ event: 'page_view', reason: 'marketing.personalization undecided' });

    // Before any decision: no call, nothing exposed, not even the tag type's code.
    await s.page.waitForTimeout(SETTLE_MS);
    expect(fx.site.records.list('personalizer-rank')).toEqual([]);
    expect(await exposed(s)).toEqual({ api: null, events: [] });
    expect(s.probe.requests.filter((r) => /\/chunks\/personalization-|\/personalizer\//.test(r.url))).toEqual(
      [],
    );

    // Analytics and another marketing purpose granted: those tags fire, personalisation still waits.
    await s.page.evaluate(() =>
      window.tagwarden.consent.update({ analytics: true, 'marketing.advertising': true }),
    );
    await s.waitForPixels('ads', 1);
    await s.waitForPixels('stats', 1);
    await s.page.waitForTimeout(SETTLE_MS);
    expect(fx.site.records.list('personalizer-rank')).toEqual([]);
    expect(await s.tags({ tagId: 'hero-personalization' })).toEqual([held]);
    expect(await exposed(s)).toEqual({ api: null, events: [] });

    // The purpose itself: the held page view is ranked now, with its own event id.
    await s.page.evaluate(() => window.tagwarden.consent.update({ 'marketing.personalization': true }));
    const [rank] = await waitForCalls(s, 'rank');
    expect(rank?.body).toEqual({
      contextFeatures: [CONTEXT],
      actions: ACTIONS.map((id) => ({ id, features: [{ topic: id.slice('offer-'.length) }] })),
      eventId: held?.eventId,
    });
    // Same origin, no key of any kind in the browser's request.
    expect(rank?.server).toBe(fx.site.origin);
    expect(Object.keys(rank?.headers ?? {}).filter((h) => /key|authorization/i.test(h))).toEqual([]);
    const chosen = rank?.answer?.rewardActionId as string;
    expect(ACTIONS).toContain(chosen);

    const decision = { slot: SLOT, actionId: chosen, eventId: held?.eventId, fallback: false };
    await expect.poll(() => exposed(s)).toEqual({ api: decision, events: [decision] });
    expect(await s.waitForTags({ tagId: 'hero-personalization', status: 'fired' })).toMatchObject([
      { event: 'page_view', eventId: held?.eventId, reason: 'replay' },
    ]);
    expect(calls(s, 'rank')).toHaveLength(1);
    // Ranks are not deferred, so there is nothing to activate.
    expect(calls(s, 'activate')).toEqual([]);

    // Withdrawing the purpose forgets the decision on the page.
    await s.page.evaluate(() => window.tagwarden.consent.update({ 'marketing.personalization': false }));
    await expect.poll(async () => (await exposed(s)).api).toBeNull();
    expectStrictAndClean(s);
  });

  test('a refusal never calls the service', async () => {
    const s = await shop();
    await s.ready();
    await s.waitForTags({ tagId: 'hero-personalization', status: 'queued' });
    await s.page.evaluate(() => window.tagwarden.consent.rejectAll());
    await s.page.evaluate(() => window.dataLayer.push({ event: 'hero_click' }));
    const [blocked] = await s.waitForTags({ tagId: 'hero-personalization', status: 'blocked' });
    expect(blocked).toMatchObject({ event: 'hero_click', reason: 'marketing.personalization denied' });
    await s.page.waitForTimeout(SETTLE_MS);
    expect(fx.site.records.list('personalizer-rank')).toEqual([]);
    expect(fx.site.records.list('personalizer-reward')).toEqual([]);
    expect(await exposed(s)).toEqual({ api: null, events: [] });
    expectStrictAndClean(s);
  });

  test('when the service answers later than timeoutMs, the fallback action is used and never rewarded', async () => {
    await setDelay(TIMEOUT_MS + 1500);
    const s = await shop();
    await s.ready();
    const [held] = await s.waitForTags({ tagId: 'hero-personalization', status: 'queued' });
    const grantedAt = Date.now();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    // The service got the request (it records before it waits), and the page did not wait for it.
    await waitForCalls(s, 'rank');
    const fallback = { slot: SLOT, actionId: 'offer-cloud', eventId: held?.eventId, fallback: true };
    await expect.poll(() => exposed(s), { timeout: 5000 }).toEqual({ api: fallback, events: [fallback] });
    const decidedIn = Date.now() - grantedAt;
    expect(decidedIn).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(decidedIn).toBeLessThan(TIMEOUT_MS + 1500);
    const errors = await s.errors();
    expect(errors).toContainEqual({
      code: 'tag/timeout',
      detail: `hero-personalization: rank took longer than ${TIMEOUT_MS} ms; fallback action offer-cloud`,
    });
    // The tag did its job (with the fallback): fired, not failed.
    expect(await s.waitForTags({ tagId: 'hero-personalization', status: 'fired' })).toHaveLength(1);

    // A click on the fallback offer: the service did not make that decision, so no reward.
    await s.page.evaluate(() => window.dataLayer.push({ event: 'hero_click' }));
    await s.waitForTags({ tagId: 'hero-personalization', event: 'hero_click', status: 'fired' });
    await s.page.waitForTimeout(SETTLE_MS);
    expect(fx.site.records.list('personalizer-reward')).toEqual([]);
    // The late answer changed nothing.
    await s.page.waitForTimeout(TIMEOUT_MS + 1500 - decidedIn);
    expect((await exposed(s)).api).toEqual(fallback);
    expectStrictAndClean(s);
  });

  test('a hero_click reports the reward for the service’s decision, once', async () => {
    const s = await shop();
    await s.ready();
    await s.page.evaluate(() => window.tagwarden.consent.acceptAll());
    const [rank] = await waitForCalls(s, 'rank');
    const eventId = rank?.eventId as string;
    await expect.poll(async () => (await exposed(s)).api?.fallback).toBe(false);

    await s.page.evaluate(() => window.dataLayer.push({ event: 'hero_click' }));
    const [reward] = await waitForCalls(s, 'reward');
    expect(reward).toMatchObject({
      method: 'POST',
      path: `/personalizer/v1.0/events/${eventId}/reward`,
      eventId,
      body: { value: 1 },
      server: fx.site.origin,
    });
    const [click] = await s.waitForTags({
      tagId: 'hero-personalization',
      event: 'hero_click',
      status: 'fired',
    });
    expect(click?.reason).toBeUndefined();

    // A second click on the same decision is not rewarded again.
    await s.page.evaluate(() => window.dataLayer.push({ event: 'hero_click' }));
    await s.waitForTags({ tagId: 'hero-personalization', event: 'hero_click', status: 'fired' }, 2);
    await s.page.waitForTimeout(SETTLE_MS);
    expect(calls(s, 'reward')).toHaveLength(1);
    expect(calls(s, 'rank')).toHaveLength(1);
    expectStrictAndClean(s);
  });
});
