// The durable queue plugged into the real dispatcher: events held on one page are delivered after a grant
// on the next page (a new container object, a new holder), once, in order, with their ids and values.
import { beforeEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createConsent } from '../../../src/consent/state';
import type { Tag } from '../../../src/container/schema';
import { createEmitter } from '../../../src/runtime/emitter';
import { createDispatcher, type Holder } from '../../../src/tags/dispatch';
import type { EventContext } from '../../../src/triggers/variables';
import { demoContainer } from '../demo-container';
import { harness, settle } from './helpers';

const delivered: { tag: string; event: string; id: string; time: number; value: unknown; replay: boolean }[] =
  [];
vi.mock('../../../src/tags/registry', () => ({
  loadedPlugin: () => undefined,
  loadPlugin: async () => ({
    fire(tag: Tag, ev: EventContext) {
      delivered.push({
        tag: tag.id,
        event: ev.name,
        id: ev.id,
        time: ev.time,
        value: (ev.model.ecommerce as { value?: unknown } | undefined)?.value,
        replay: !!ev.replay,
      });
    },
  }),
}));

/** One page: a freshly parsed container, its consent state, a durable holder and a dispatcher. */
function page() {
  const container = demoContainer();
  const byId = new Map(container.tags.map((t) => [t.id, t]));
  const consent = createConsent(container, { now: Date.now(), newId: () => 'id' });
  const { holder } = harness({ tags: byId, now: Date.now });
  const d = createDispatcher({
    container,
    consent,
    emitter: createEmitter(),
    holder,
    context: { nonce: '', scriptUrl: (u) => u, push: () => {}, report: () => {} },
  });
  return { d, consent, holder };
}

describe('durable queue in the dispatcher', () => {
  beforeEach(() => {
    delivered.length = 0;
    for (const c of document.cookie.split('; ')) document.cookie = `${c.split('=')[0]}=; max-age=0; path=/`;
  });

  it('is a Holder the dispatcher accepts', () => {
    expectTypeOf(harness().holder).toExtend<Holder>();
  });

  it('delivers the events of an earlier page after a grant on a later one, once and in order', async () => {
    const first = page();
    first.d.event('view_item', { ecommerce: { value: 10 } });
    first.d.event('add_to_cart', { ecommerce: { value: 20 } });
    await first.holder.close(); // the page unloads

    const second = page();
    second.d.event('add_to_cart', { ecommerce: { value: 30 } });
    expect(delivered).toEqual([]);
    const change = second.consent.decide({ 'marketing.advertising': true });
    expect(await second.d.granted(change.granted)).toBe(3);
    await settle(20);
    expect(delivered.map((x) => [x.tag, x.event, x.value, x.replay])).toEqual([
      ['ads-conversion', 'view_item', 10, true],
      ['ads-conversion', 'add_to_cart', 20, true],
      ['ads-conversion', 'add_to_cart', 30, true],
    ]);
    expect(new Set(delivered.map((x) => x.id)).size).toBe(3);
    expect(delivered.map((x) => x.time)).toEqual([...delivered.map((x) => x.time)].sort((a, b) => a - b));

    // A third page granting the same again replays nothing; analytics is still waiting.
    const third = page();
    expect(await third.d.granted(['marketing.advertising'])).toBe(0);
    expect(await third.holder.size()).toBe(3);
  });

  it('purges a denied category for good, on this page and the next', async () => {
    const first = page();
    first.d.event('add_to_cart', { ecommerce: { value: 1 } });
    await first.d.denied(first.consent.all(false).denied);
    await first.holder.close();
    const next = page();
    expect(await next.holder.size()).toBe(0);
    expect(await next.d.granted(next.consent.all(true).granted)).toBe(0);
    expect(delivered).toEqual([]);
  });
});
