// A replay into a loaded, synchronous plugin (a pixel): delivered in order, recorded as each fire returns, and
// time-sliced like the dataLayer, so that a long replay is a series of short tasks and a withdrawal between two
// of them stops the rest.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createConsent } from '../../../src/consent/state';
import type { Tag } from '../../../src/container/schema';
import { SLICE_MS } from '../../../src/datalayer/process';
import { createEmitter, type TagRecord } from '../../../src/runtime/emitter';
import { createDispatcher, memoryHolder } from '../../../src/tags/dispatch';
import type { EventContext } from '../../../src/triggers/variables';
import { demoContainer } from '../demo-container';

/** Incremented by a timer chain while a test runs: deliveries that see the same value ran in the same task. */
let task = 0;
let fireMs = 0;
const delivered: { tag: string; value: unknown; task: number }[] = [];
const plugin = {
  fire(tag: Tag, ev: EventContext) {
    const until = performance.now() + fireMs;
    while (performance.now() < until);
    delivered.push({ tag: tag.id, value: (ev.model.ecommerce as { value: unknown }).value, task });
  },
};
vi.mock('../../../src/tags/registry', () => ({
  loadedPlugin: () => plugin,
  loadPlugin: async () => plugin,
}));

function setup() {
  for (const c of document.cookie.split('; ')) document.cookie = `${c.split('=')[0]}=; max-age=0; path=/`;
  const container = demoContainer();
  const consent = createConsent(container, { now: Date.now(), newId: () => 'id' });
  const emitter = createEmitter();
  const records: TagRecord[] = [];
  emitter.on('tag', (r) => records.push(r));
  const d = createDispatcher({
    container,
    consent,
    emitter,
    holder: memoryHolder(),
    context: { nonce: '', scriptUrl: (u) => u, push: () => {}, report: () => {} },
  });
  return { d, consent, records };
}

/** Counts tasks until `stop()`: each timer callback is a new task. */
function ticker(onTick?: () => void) {
  let on = true;
  const tick = () => {
    task++;
    onTick?.();
    if (on) setTimeout(tick);
  };
  setTimeout(tick);
  return () => {
    on = false;
  };
}

describe('replay into a synchronous plugin', () => {
  beforeEach(() => {
    delivered.length = 0;
    task = 0;
    fireMs = 0;
  });

  it('delivers and records each event as its fire returns, in order', async () => {
    const { d, consent, records } = setup();
    for (let i = 0; i < 50; i++) d.event('add_to_cart', { ecommerce: { value: i } });
    records.length = 0;
    expect(await d.granted(consent.decide({ 'marketing.advertising': true }).granted)).toBe(50);
    await new Promise((r) => setTimeout(r));
    expect(delivered.map((x) => x.value)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(records.map((r) => [r.tagId, r.status, r.reason])).toEqual(
      Array.from({ length: 50 }, () => ['ads-conversion', 'fired', 'replay']),
    );
  });

  it('spreads a long replay over tasks of about SLICE_MS each, keeping the order', async () => {
    fireMs = 1;
    const { d, consent } = setup();
    for (let i = 0; i < 60; i++) d.event('add_to_cart', { ecommerce: { value: i } });
    const stop = ticker();
    await d.granted(consent.decide({ 'marketing.advertising': true }).granted);
    await vi.waitFor(() => expect(delivered).toHaveLength(60), { timeout: 2000 });
    stop();
    expect(delivered.map((x) => x.value)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    const perTask = new Map<number, number>();
    for (const x of delivered) perTask.set(x.task, (perTask.get(x.task) ?? 0) + 1);
    // 60 ms of fires in slices of SLICE_MS (8 ms): several tasks, none with much more than a slice's worth.
    expect(perTask.size).toBeGreaterThanOrEqual(60 / (SLICE_MS + 2));
    expect(Math.max(...perTask.values())).toBeLessThanOrEqual(SLICE_MS + 2);
  });

  it('a withdrawal between two slices wins for the rest of the replay', async () => {
    fireMs = 1;
    const { d, consent, records } = setup();
    for (let i = 0; i < 60; i++) d.event('add_to_cart', { ecommerce: { value: i } });
    records.length = 0;
    let withdrawn = false;
    const stop = ticker(() => {
      if (!withdrawn && delivered.length > 0) {
        withdrawn = true;
        consent.decide({ 'marketing.advertising': false });
      }
    });
    await d.granted(consent.decide({ 'marketing.advertising': true }).granted);
    await vi.waitFor(() => expect(records).toHaveLength(60), { timeout: 2000 });
    stop();
    const fired = records.filter((r) => r.status === 'fired').length;
    expect(fired).toBeGreaterThan(0);
    expect(fired).toBeLessThan(60);
    expect(delivered).toHaveLength(fired);
    // In order: every fired record comes before every blocked one.
    expect(records.map((r) => [r.status, r.reason])).toEqual([
      ...Array.from({ length: fired }, () => ['fired', 'replay']),
      ...Array.from({ length: 60 - fired }, () => ['blocked', 'consent withdrawn']),
    ]);
  });
});
