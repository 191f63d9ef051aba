import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createConsent } from '../../../src/consent/state';
import type { Tag } from '../../../src/container/schema';
import { createEmitter, type TagRecord } from '../../../src/runtime/emitter';
import { createDispatcher, type Held, memoryHolder } from '../../../src/tags/dispatch';
import { type EventContext, pageInfo } from '../../../src/triggers/variables';
import { demoContainer } from '../demo-container';

// A recording plugin stands in for every tag type: the dispatcher's decisions are what is tested here.
const delivered: { tag: string; event: string; id: string; value: unknown; replay: boolean }[] = [];
const snapshots: { tag: string; model: Record<string, unknown> }[] = [];
const revoked: string[] = [];
let failFor = '';
/** A tag whose delivery stays busy until its revoke (a chunk, script or answer still loading). */
let busyFor = '';
let gaveUp: (() => void) | undefined;
/** Holds every revoke until released. */
let revokeGate: Promise<void> | undefined;
/** Holds every plugin chunk load until released (a slow network). */
let pluginGate: Promise<void> | undefined;
vi.mock('../../../src/tags/registry', () => ({
  loadedPlugin: () => undefined,
  loadPlugin: async () => {
    await pluginGate;
    return {
      fire(tag: Tag, ev: EventContext) {
        if (tag.id === failFor) throw new Error('vendor bug');
        if (tag.id === busyFor)
          return new Promise((_, reject) => {
            gaveUp = () => reject(new Error('revoked while busy'));
          });
        snapshots.push({ tag: tag.id, model: ev.model });
        delivered.push({
          tag: tag.id,
          event: ev.name,
          id: ev.id,
          value: (ev.model.ecommerce as { value?: unknown } | undefined)?.value,
          replay: !!ev.replay,
        });
      },
      async revoke(tag: Tag) {
        revoked.push(tag.id);
        if (tag.id === busyFor) gaveUp?.();
        await revokeGate;
      },
    };
  },
}));

function setup() {
  for (const c of document.cookie.split('; ')) document.cookie = `${c.split('=')[0]}=; max-age=0; path=/`;
  const container = demoContainer();
  const consent = createConsent(container, { now: Date.now(), newId: () => 'id' });
  const emitter = createEmitter();
  const records: TagRecord[] = [];
  emitter.on('tag', (r) => records.push(r));
  const errors: string[] = [];
  emitter.on('error', (e) => errors.push(e.code));
  const d = createDispatcher({
    container,
    consent,
    emitter,
    holder: memoryHolder(),
    context: { nonce: '', scriptUrl: (u) => u, push: () => {}, report: () => {} },
  });
  return { d, consent, records, errors };
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('tag dispatch', () => {
  beforeEach(() => {
    delivered.length = 0;
    revoked.length = 0;
    failFor = '';
    busyFor = '';
    revokeGate = undefined;
    pluginGate = undefined;
  });

  it('holds events while a category is undecided and fires nothing', async () => {
    const { d, records } = setup();
    expect(d.event('add_to_cart', { ecommerce: { value: 10 } })).toBeUndefined();
    await settle();
    expect(delivered).toEqual([]);
    expect(records.map((r) => [r.tagId, r.status])).toEqual([
      ['appinsights', 'queued'],
      ['ads-conversion', 'queued'],
    ]);
  });

  it('replays held events in order, with their original ids and the values they had, on a grant', async () => {
    const { d, consent } = setup();
    const model: Record<string, unknown> = { ecommerce: { value: 10 } };
    d.event('view_item', model);
    (model.ecommerce as { value: number }).value = 20; // the model changes after the event
    d.event('add_to_cart', model);
    const ids = new Set<string>();
    const change = consent.decide({ 'marketing.advertising': true });
    await d.granted(change.granted);
    await settle();
    const ads = delivered.filter((x) => x.tag === 'ads-conversion');
    expect(ads.map((x) => [x.event, x.value, x.replay])).toEqual([
      ['view_item', 10, true],
      ['add_to_cart', 20, true],
    ]);
    for (const x of ads) ids.add(x.id);
    expect(ids.size).toBe(2);
    // analytics is still undecided: its tag received nothing
    expect(delivered.some((x) => x.tag === 'appinsights')).toBe(false);
  });

  it('fires at once once the category is granted, and resolves when the tags are done', async () => {
    const { d, consent } = setup();
    consent.all(true);
    await d.event('purchase', { ecommerce: { value: 5 } });
    expect(delivered.map((x) => x.tag)).toEqual(['appinsights', 'ads-conversion', 'insight-script']);
  });

  it('drops held events of a denied category and records later events as blocked', async () => {
    const { d, consent, records } = setup();
    d.event('add_to_cart', { ecommerce: { value: 1 } });
    const change = consent.all(false);
    await d.denied(change.denied);
    await d.granted(consent.decide({ marketing: true }).granted);
    await settle();
    expect(delivered).toEqual([]);
    d.event('add_to_cart', { ecommerce: { value: 1 } });
    expect(records.at(-1)).toMatchObject({ tagId: 'appinsights', status: 'blocked' });
  });

  it('a failing tag does not stop the others and is recorded as failed with an error', async () => {
    const { d, consent, records, errors } = setup();
    consent.all(true);
    failFor = 'appinsights';
    await d.event('purchase', { ecommerce: { value: 5 } });
    expect(delivered.map((x) => x.tag)).toEqual(['ads-conversion', 'insight-script']);
    expect(records.find((r) => r.tagId === 'appinsights')).toMatchObject({
      status: 'failed',
      reason: 'vendor bug',
    });
    expect(errors).toContain('tag/threw');
  });

  it('withdrawal revokes tags that fired and deletes their declared first-party storage', async () => {
    const { d, consent } = setup();
    consent.all(true);
    await d.event('page_view', {});
    localStorage.setItem('insight_campaign', 'spring');
    document.cookie = 'ai_user=abc; path=/';
    const change = consent.decide({ marketing: false, analytics: false });
    await d.denied(change.denied);
    expect(revoked.sort()).toEqual(['appinsights', 'hero-personalization', 'insight-script']);
    expect(localStorage.getItem('insight_campaign')).toBeNull();
    // Done, with nothing left running: no mark for the next page.
    expect(localStorage.getItem('tagwarden:withdraw')).toBeNull();
    expect(document.cookie).not.toContain('ai_user');
  });

  it('a tag still busy with its first event when consent is withdrawn is revoked, and that event is blocked', async () => {
    const { d, consent, records, errors } = setup();
    consent.all(true);
    busyFor = 'hero-personalization';
    const delivery = d.event('page_view', {});
    await settle();
    await d.denied(consent.decide({ marketing: false }).denied);
    await delivery;
    expect(revoked).toContain('hero-personalization');
    expect(records.find((r) => r.tagId === 'hero-personalization')).toMatchObject({
      status: 'blocked',
      reason: 'consent withdrawn',
    });
    expect(errors).toEqual([]);
  });

  it('a category granted again while earlier tags are revoked: its tags are not revoked, a later denial does', async () => {
    const { d, consent, errors } = setup();
    consent.all(true);
    await d.event('page_view', {});
    let release!: () => void;
    revokeGate = new Promise((r) => {
      release = r;
    });
    const withdrawal = d.denied(consent.decide({ analytics: false, marketing: false }).denied);
    await settle();
    expect(revoked).toEqual(['appinsights']); // waiting in its revoke
    d.granted(consent.decide({ marketing: true }).granted);
    release();
    await withdrawal;
    expect(revoked).toEqual(['appinsights']);
    revokeGate = undefined;
    await d.denied(consent.decide({ marketing: false }).denied);
    expect(revoked.sort()).toEqual(['appinsights', 'hero-personalization', 'insight-script']);
    expect(errors).toEqual([]);
  });

  it("the withdrawal mark: another tab's 'script left running' stays; the page that finishes it at boot removes it", async () => {
    const { d, consent } = setup();
    consent.all(true);
    await d.event('page_view', {});
    localStorage.setItem('tagwarden:withdraw', '2');
    await d.denied(consent.decide({ analytics: false }).denied);
    expect(localStorage.getItem('tagwarden:withdraw')).toBe('2');
    await d.denied(['analytics'], true);
    expect(localStorage.getItem('tagwarden:withdraw')).toBeNull();
  });

  it("granted again while the withdrawal waits for the tag type's chunk: the tag is not revoked, and the withdrawn delivery is not made", async () => {
    const { d, consent, errors, records } = setup();
    consent.all(true);
    let release!: () => void;
    pluginGate = new Promise((r) => {
      release = r;
    });
    const delivery = d.event('view_item', {});
    await settle(); // its delivery has begun, waiting for the chunk
    const withdrawal = d.denied(consent.decide({ marketing: false }).denied);
    await settle();
    consent.decide({ marketing: true });
    release();
    await Promise.all([delivery, withdrawal]);
    expect(revoked).toEqual([]);
    // The event of before the withdrawal is not sent after it; the tag, granted again, gets the next one.
    expect(delivered.map((x) => x.tag)).not.toContain('ads-conversion');
    expect(records).toContainEqual(
      expect.objectContaining({ tagId: 'ads-conversion', status: 'blocked', reason: 'consent withdrawn' }),
    );
    await d.event('view_item', {});
    expect(delivered.map((x) => x.tag)).toContain('ads-conversion');
    expect(errors).toEqual([]);
  });

  it('a withdrawal between a grant and its replay drops what the grant took, also when granted again at once', async () => {
    const { d, consent, records } = setup();
    await d.event('add_to_cart', { ecommerce: { value: 1 } });
    await d.event('add_to_cart', { ecommerce: { value: 2 } });
    const ads = 'marketing.advertising';
    const replays = [d.granted(consent.decide({ [ads]: true }).granted)];
    const withdrawal = d.denied(consent.decide({ [ads]: false }).denied);
    replays.push(d.granted(consent.decide({ [ads]: true }).granted));
    await Promise.all([...replays, withdrawal]);
    await settle();
    expect(delivered.filter((x) => x.tag === 'ads-conversion')).toEqual([]);
    expect(
      records.filter((r) => r.tagId === 'ads-conversion' && r.status === 'blocked').map((r) => r.reason),
    ).toEqual(['consent withdrawn', 'consent withdrawn']);
  });

  it('the withdrawal mark is set at once, and the revoke does not wait for the held events to be dropped', async () => {
    const container = demoContainer();
    const consent = createConsent(container, { now: Date.now(), newId: () => 'id' });
    let dropped!: (n: number) => void;
    const memory = memoryHolder();
    const d = createDispatcher({
      container,
      consent,
      emitter: createEmitter(),
      holder: { ...memory, drop: () => new Promise((r) => (dropped = r)) }, // the queue's chunk, IndexedDB
      context: { nonce: '', scriptUrl: (u) => u, push: () => {}, report: () => {} },
    });
    consent.all(true);
    await d.event('view_item', {});
    const withdrawal = d.denied(consent.decide({ marketing: false }).denied);
    expect(localStorage.getItem('tagwarden:withdraw')).toBe('1');
    await settle();
    expect(revoked).toContain('ads-conversion');
    dropped(0);
    await withdrawal;
  });

  it('a paused tag gets nothing that was held for it, also by an earlier page', async () => {
    const container = demoContainer();
    const ads = container.tags.find((t) => t.id === 'ads-conversion')!;
    ads.paused = true;
    const consent = createConsent(container, { now: Date.now(), newId: () => 'id' });
    const earlier = {
      tag: ads,
      ev: { name: 'add_to_cart', id: 'e1', time: 1, model: {}, page: pageInfo(), replay: true },
    };
    const d = createDispatcher({
      container,
      consent,
      emitter: createEmitter(),
      holder: { hold() {}, take: () => [earlier], drop: () => 0 },
      context: { nonce: '', scriptUrl: (u) => u, push: () => {}, report: () => {} },
    });
    await d.granted(consent.decide({ marketing: true }).granted);
    await settle();
    expect(delivered.filter((x) => x.tag === 'ads-conversion')).toEqual([]);
  });

  it('a grant again while a revoke runs keeps the storage of the new grant', async () => {
    const { d, consent } = setup();
    consent.all(true);
    await d.event('page_view', {});
    let release!: () => void;
    revokeGate = new Promise((r) => {
      release = r;
    });
    const withdrawal = d.denied(consent.decide({ analytics: false }).denied);
    await settle();
    consent.decide({ analytics: true });
    document.cookie = 'ai_user=new-grant; path=/';
    release();
    await withdrawal;
    expect(document.cookie).toContain('ai_user=new-grant');
  });
});

describe('what is held for an undecided category', () => {
  it("is what the waiting tags read, no more: not a granted tag's paths, not page facts no waiting tag reads", () => {
    for (const c of document.cookie.split('; ')) document.cookie = `${c.split('=')[0]}=; max-age=0; path=/`;
    const container = demoContainer();
    // A granted tag reads an e-mail address; the waiting Application Insights tag does not.
    const ads = container.tags.find((t) => t.id === 'ads-conversion')!;
    (ads.settings as { url: string }).url += '&u={{dl.user.email}}';
    // The waiting tag reads the path in a property too.
    const ai = container.tags.find((t) => t.id === 'appinsights')!;
    (ai.settings as { properties: Record<string, string> }).properties.path = '{{page.path}}';
    const consent = createConsent(container, { now: Date.now(), newId: () => 'id' });
    consent.decide({ marketing: true });
    const held: Held[] = [];
    const d = createDispatcher({
      container,
      consent,
      emitter: createEmitter(),
      holder: { hold: (h) => held.push(...h), take: () => [], drop: () => 0 },
      context: { nonce: '', scriptUrl: (u) => u, push: () => {}, report: () => {} },
    });
    d.event('purchase', {
      ecommerce: { value: 5, currency: 'SEK', items: [{ id: 'x' }] },
      page: { type: 'checkout' },
      user: { email: 'a@b.se' },
    });
    expect(held.map((h) => h.tag.id)).toEqual(['appinsights']);
    const ev = held[0]!.ev;
    expect(ev.model).toEqual({ page: { type: 'checkout' }, ecommerce: { currency: 'SEK', value: 5 } });
    expect(JSON.stringify(ev)).not.toContain('a@b.se');
    // Page views read the title, URL and referrer; the host name no waiting tag reads.
    expect(ev.page).toMatchObject({ url: location.href, path: location.pathname, hostname: '' });
  });
});

describe('tag dispatch with consent already granted', () => {
  it('a tag receives the model values of its own event even when the next push changes them at once', async () => {
    delivered.length = 0;
    const { d, consent } = setup();
    consent.all(true);
    const model: Record<string, unknown> = { ecommerce: { value: 1 } };
    const first = d.event('add_to_cart', model);
    (model.ecommerce as { value: number }).value = 2;
    await Promise.all([first, d.event('add_to_cart', model)]);
    expect(delivered.filter((x) => x.tag === 'ads-conversion').map((x) => x.value)).toEqual([1, 2]);
  });
});

describe('model snapshots', () => {
  it('a tag reading a whole object and one of its fields gets the whole object, and a __proto__ path pollutes nothing', async () => {
    delivered.length = 0;
    snapshots.length = 0;
    for (const c of document.cookie.split('; ')) document.cookie = `${c.split('=')[0]}=; max-age=0; path=/`;
    const container = demoContainer();
    const ads = container.tags.find((t) => t.id === 'ads-conversion')!;
    if (ads.type !== 'pixel') throw new Error('the demo ads tag is a pixel');
    // Longer path first, then its parent, then a hostile one: the parent's whole value must win.
    ads.settings.url = '/p?v={{dl.ecommerce.value}}&all={{dl.ecommerce}}&x={{dl.__proto__.polluted}}';
    const consent = createConsent(container, { now: Date.now(), newId: () => 'id' });
    const d = createDispatcher({
      container,
      consent,
      emitter: createEmitter(),
      holder: memoryHolder(),
      context: { nonce: '', scriptUrl: (u) => u, push: () => {}, report: () => {} },
    });
    consent.all(true);
    const model: Record<string, unknown> = { ecommerce: { value: 7, currency: 'SEK', items: [{ id: 'a' }] } };
    await d.event('add_to_cart', model);
    const got = snapshots.find((x) => x.tag === 'ads-conversion');
    expect(got?.model).toEqual({ ecommerce: { value: 7, currency: 'SEK', items: [{ id: 'a' }] } });
    expect(got?.model.ecommerce).not.toBe(model.ecommerce); // a copy, not the live object
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
