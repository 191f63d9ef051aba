// What a stored entry may contain (clean) and how entries are ordered (byKey, entryKey).
import { describe, expect, it } from 'vitest';
import { byKey, clean, type Entry, entryKey } from '../../../src/queue/entry';

const entry = (time: number, seq: number, eventId: string): Entry => ({
  eventId,
  name: 'e',
  time,
  seq,
  model: {},
  page: { url: '', path: '', hostname: '', referrer: '', title: '' },
  refs: [],
});

describe('clean', () => {
  it('keeps plain data and drops what cannot be cloned or measured as JSON', () => {
    const when = new Date(Date.UTC(2026, 0, 1));
    const out = clean({
      s: 'x',
      n: 1.5,
      b: false,
      nil: null,
      when,
      list: [1, 'a', () => {}, { k: Symbol('s') }],
      fn: () => {},
      sym: Symbol('s'),
      big: 10n,
      node: document.createElement('div'),
      map: new Map([[1, 2]]),
      nested: { deep: { ok: true, cb: () => {} } },
    }) as Record<string, unknown>;
    expect(out).toEqual({
      s: 'x',
      n: 1.5,
      b: false,
      nil: null,
      when,
      list: [1, 'a', undefined, {}],
      nested: { deep: { ok: true } },
    });
    expect(out.when).not.toBe(when);
    expect(() => structuredClone(out)).not.toThrow();
    expect(() => JSON.stringify(out)).not.toThrow();
  });

  it('merges into an existing object, so an event keeps the union of its tags’ snapshots', () => {
    const into: Record<string, unknown> = {};
    clean({ ecommerce: { value: 1 }, a: 1 }, into);
    clean({ ecommerce: { currency: 'SEK' }, b: 2 }, into);
    expect(into).toEqual({ ecommerce: { value: 1, currency: 'SEK' }, a: 1, b: 2 });
  });

  it('leaves out cycles and __proto__ keys', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(clean(cyclic)).toEqual({ a: 1 });
    const out = clean(JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}')) as Record<string, unknown>;
    expect(out).toEqual({ ok: 1 });
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('cuts nesting deeper than 64 levels instead of overflowing the stack', () => {
    let deep: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    const out = clean(deep);
    let depth = 0;
    for (let o = out as Record<string, unknown> | undefined; o?.d; o = o.d as Record<string, unknown>)
      depth++;
    expect(depth).toBe(64);
    expect(() => JSON.stringify(out)).not.toThrow();
  });

  it('keeps objects without Object.prototype (the dataLayer’s own data objects)', () => {
    const data = Object.create(Object.freeze(Object.create(null)));
    data.value = 3;
    expect(clean({ data })).toEqual({ data: { value: 3 } });
  });
});

describe('entry order', () => {
  it('orders by time, then hold order, then event id, as the store keys do', () => {
    const list = [entry(2, 1, 'b'), entry(1, 9, 'z'), entry(2, 1, 'a'), entry(2, 0, 'c')];
    const sorted = [...list].sort(byKey).map((e) => e.eventId);
    expect(sorted).toEqual(['z', 'c', 'a', 'b']);
    const byStoreKey = [...list]
      .sort((x, y) => indexedDB.cmp(entryKey(x), entryKey(y)))
      .map((e) => e.eventId);
    expect(byStoreKey).toEqual(sorted);
  });
});
