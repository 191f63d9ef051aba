// Time slicing: a burst whose processing would block the page in one long task is processed in slices of
// SLICE_MS, in later tasks, in order and each message once; pushes made meanwhile wait behind the burst,
// and a page that is leaving processes what waits at once.
import { describe, expect, test, vi } from 'vitest';
import { attachDataLayer } from '../../../src/datalayer';
import { SLICE_MS } from '../../../src/datalayer/process';
import { recorder } from './recorder';

/** A handler whose every event costs `ms` of main-thread time (tags that are slow to evaluate). */
const slow = (ms: number) =>
  recorder(() => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // busy: the main thread is taken
    }
    return undefined;
  });

const names = (log: string[]) => log.map((l) => l.slice('event:'.length));
const until = async (fn: () => boolean) => {
  for (let i = 0; i < 400 && !fn(); i++) await new Promise((r) => setTimeout(r, 5));
};

describe('time slicing', () => {
  test('a burst is processed in later tasks once a slice runs out, in order, each message once', async () => {
    const rec = slow(1);
    const dataLayer: unknown[] = [];
    attachDataLayer(dataLayer, rec.handler, { sliceMs: SLICE_MS });
    const t0 = performance.now();
    for (let i = 0; i < 60; i++) dataLayer.push({ event: `e${i}` });
    const blocked = performance.now() - t0;
    // The loop was not held up by all 60 ms of processing: one slice, a little more for the last group.
    expect(blocked).toBeLessThan(SLICE_MS + 16);
    expect(rec.events.length).toBeGreaterThan(0);
    expect(rec.events.length).toBeLessThan(60);
    expect(dataLayer).toHaveLength(60); // the history is complete at once
    await until(() => rec.events.length === 60);
    expect(names(rec.log)).toEqual(Array.from({ length: 60 }, (_, i) => `e${i}`));
  });

  test('the model a later event sees includes every message pushed before it, also across slices', async () => {
    const rec = slow(1);
    const dataLayer: unknown[] = [];
    attachDataLayer(dataLayer, rec.handler, { sliceMs: SLICE_MS });
    for (let i = 0; i < 40; i++) dataLayer.push({ step: i }, { event: `e${i}` });
    await until(() => rec.events.length === 40);
    expect(rec.events.map((e) => e.model.step)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });

  test('a push made while messages wait is processed after them, never before', async () => {
    const rec = slow(2);
    const dataLayer: unknown[] = [];
    attachDataLayer(dataLayer, rec.handler, { sliceMs: SLICE_MS });
    for (let i = 0; i < 30; i++) dataLayer.push({ event: `e${i}` });
    dataLayer.push({ event: 'late' });
    expect(rec.log).not.toContain('event:late');
    await until(() => rec.events.length === 31);
    expect(names(rec.log).at(-1)).toBe('late');
    expect(names(rec.log)).toHaveLength(31);
  });

  test('pagehide processes everything still waiting, synchronously', () => {
    const rec = slow(1);
    const dataLayer: unknown[] = [];
    attachDataLayer(dataLayer, rec.handler, { sliceMs: SLICE_MS });
    for (let i = 0; i < 50; i++) dataLayer.push({ event: `e${i}` });
    expect(rec.events.length).toBeLessThan(50);
    dispatchEvent(new PageTransitionEvent('pagehide'));
    expect(names(rec.log)).toEqual(Array.from({ length: 50 }, (_, i) => `e${i}`));
  });

  test('the page becoming hidden does the same', () => {
    const rec = slow(1);
    const dataLayer: unknown[] = [];
    attachDataLayer(dataLayer, rec.handler, { sliceMs: SLICE_MS });
    for (let i = 0; i < 50; i++) dataLayer.push({ event: `e${i}` });
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    document.dispatchEvent(new Event('visibilitychange'));
    vi.restoreAllMocks();
    expect(rec.events).toHaveLength(50);
  });

  test('without sliceMs (a dataLayer outside the runtime), even a slow burst is processed in push', () => {
    const rec = slow(1);
    const dataLayer: unknown[] = [];
    attachDataLayer(dataLayer, rec.handler);
    for (let i = 0; i < 30; i++) dataLayer.push({ event: `e${i}` });
    expect(rec.events).toHaveLength(30);
  });

  test('pushes that take little time are processed synchronously, as GTM does', () => {
    const rec = recorder();
    const dataLayer: unknown[] = [];
    attachDataLayer(dataLayer, rec.handler, { sliceMs: SLICE_MS });
    for (let i = 0; i < 200; i++) dataLayer.push({ event: `e${i}`, value: i });
    expect(rec.events).toHaveLength(200);
  });
});
