// Marks: a take moves a per-tag "taken up to key K" mark instead of rewriting every entry it leaves other tags
// in. These tests read the stores directly to see that no entry is rewritten, and check the cases a mark must
// not cover: an older event stored after the mark went past it, and what the previous version wrote.
import { describe, expect, it, vi } from 'vitest';
import { cats, dbName, event, fb, ga, HOUR, harness, page, pairs, settings, T0 } from './helpers';

const STORE = 'queue';
const MARKS = 'queue-marks';

/** Opens this test's database as it is (no upgrade), closing itself when someone upgrades. */
const openRaw = (version?: number, upgrade?: (db: IDBDatabase) => void) =>
  new Promise<IDBDatabase>((resolve, reject) => {
    const r = indexedDB.open(dbName, version);
    r.onupgradeneeded = () => upgrade?.(r.result);
    r.onerror = () => reject(r.error);
    r.onsuccess = () => {
      r.result.onversionchange = () => r.result.close();
      resolve(r.result);
    };
  });

/** `[key, value]` of every record of `store`, in key order. */
async function raw(store: string): Promise<[IDBValidKey, Record<string, unknown>][]> {
  const db = await openRaw();
  try {
    const s = db.transaction(store).objectStore(store);
    const keys = s.getAllKeys();
    const values = s.getAll();
    return await new Promise((resolve, reject) => {
      values.onsuccess = () => resolve(keys.result.map((k, i) => [k, values.result[i]]));
      values.onerror = () => reject(values.error);
    });
  } finally {
    db.close();
  }
}

/** Puts `[key, value]` records as they are (what another version of the runtime would have written). */
async function putRaw(store: string, records: [IDBValidKey, unknown][]) {
  const db = await openRaw();
  const t = db.transaction(store, 'readwrite');
  for (const [k, v] of records) t.objectStore(store).put(v, k);
  await new Promise((resolve, reject) => {
    t.oncomplete = resolve;
    t.onerror = () => reject(t.error);
  });
  db.close();
}

/** An entry as the previous version stored it: `tags`, no `refs`. */
const v1 = (id: string, time: number, seq: number, forTags: { id: string; category: string }[]) =>
  [[time, seq, id], { eventId: id, name: 'purchase', time, model: {}, page, tags: forTags, seq }] as [
    IDBValidKey,
    unknown,
  ];
const ref = (t: typeof ga) => ({ id: t.id, category: t.category });

describe('durable queue: marks', () => {
  it('a partial grant rewrites no entry: it moves the granted tags’ marks, one write per chunk', async () => {
    const first = harness({ settings: settings({ maxEntries: 2000 }) });
    for (let i = 0; i < 450; i++) first.holder.hold(event(`e${i}`, T0 + i, [ga, fb]));
    await first.holder.flush();
    const next = harness({ settings: settings({ maxEntries: 2000 }) });
    await next.holder.size();
    const put = vi.spyOn(IDBObjectStore.prototype, 'put');
    const taken = await next.holder.take(cats('analytics'));
    const stores = put.mock.contexts.map((s) => (s as IDBObjectStore).name);
    put.mockRestore();
    expect(pairs(taken)).toEqual(Array.from({ length: 450 }, (_, i) => ['ga', `e${i}`]));
    // Three chunks of at most 200, each moving the marks of the two analytics tags (ga and hotjar).
    expect(stores).toEqual(Array(6).fill(MARKS));
    const entries = await raw(STORE);
    expect(entries).toHaveLength(450);
    expect(entries[0]![1]).toMatchObject({ refs: [ref(ga), ref(fb)] });
    expect(await raw(MARKS)).toEqual([
      ['ga', [T0 + 449, 450, 'e449']],
      ['hotjar', [T0 + 449, 450, 'e449']],
    ]);
    // The mark covers ga everywhere: nothing for analytics again, in this tab or another.
    expect(await next.holder.take(cats('analytics'))).toEqual([]);
    expect(await harness().holder.take(cats('analytics'))).toEqual([]);
    // The last waiting tag taken, the entries go.
    expect((await harness().holder.take(cats('marketing'))).map((h) => h.ev.id)).toEqual(
      Array.from({ length: 450 }, (_, i) => `e${i}`),
    );
    expect(await raw(STORE)).toEqual([]);
    expect(await next.holder.size()).toBe(0);
  });

  it('delivers, once, an older event that another tab stored after a take went past it', async () => {
    const a = harness();
    a.holder.hold(event('e2', T0, [ga, fb]));
    await a.holder.flush();
    expect(pairs(await a.holder.take(cats('analytics')))).toEqual([['ga', 'e2']]);
    // Tab b held an event of a second earlier and writes it only now, behind ga's mark.
    const b = harness();
    b.holder.hold(event('e1', T0 - 1000, [ga, fb]));
    await b.holder.flush();
    const [e1] = (await raw(STORE)).map(([, v]) => v);
    expect(e1).toMatchObject({ eventId: 'e1', late: ['ga'] });
    expect(pairs(await a.holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    expect(pairs(await b.holder.take(cats('analytics')))).toEqual([]);
    expect(pairs(await b.holder.take(cats('marketing')))).toEqual([
      ['fb', 'e1'],
      ['fb', 'e2'],
    ]);
    expect(await a.holder.size()).toBe(0);
  });

  it('delivers a spilled event older than a mark when the next page restores it', async () => {
    const a = harness();
    a.holder.hold(event('e2', T0, [ga, fb]));
    await a.holder.flush();
    await a.holder.take(cats('analytics'));
    expect(await raw(MARKS)).toHaveLength(2); // ga and hotjar, analytics tags
    const e1 = { eventId: 'e1', name: 'purchase', time: T0 - 1000, model: {}, page, refs: [ref(ga)], seq: 1 };
    localStorage.setItem('tagwarden:queue:gone', JSON.stringify([e1]));
    expect(pairs(await harness().holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    expect(await raw(STORE)).toHaveLength(1); // e2, for fb
  });

  it('moves the marks of every granted tag in each chunk, so that an event stored between two chunks, before them, waits for the next take', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] }); // no batch timer: tab b writes when told to
    const writer = harness({ settings: settings({ maxEntries: 2000 }) });
    // ga appears only in the second chunk of the take.
    for (let i = 0; i < 250; i++) writer.holder.hold(event(`e${i}`, T0 + 10 + i, i < 200 ? [fb] : [ga, fb]));
    await writer.holder.flush();
    const b = harness();
    await b.holder.size(); // the database is open
    b.holder.hold(event('x', T0, [ga])); // before every entry
    const a = harness({ settings: settings({ maxEntries: 2000 }) });
    await a.holder.size();
    const getAll = IDBObjectStore.prototype.getAll;
    let written: Promise<void> | undefined;
    vi.spyOn(IDBObjectStore.prototype, 'getAll').mockImplementation(function (this: IDBObjectStore, ...args) {
      // While a's first chunk is read, b writes x: its transaction runs between a's first and second.
      if (this.name === STORE && args[1] === 200 && !written) written = b.holder.flush();
      return getAll.apply(this, args);
    });
    const taken = await a.holder.take(cats('analytics'));
    vi.restoreAllMocks();
    expect(written).toBeDefined();
    await written;
    expect(pairs(taken)).toEqual(Array.from({ length: 50 }, (_, i) => ['ga', `e${200 + i}`]));
    // ga's mark had passed x's key when x was stored: x is late for ga, not covered.
    expect(pairs(await a.holder.take(cats('analytics')))).toEqual([['ga', 'x']]);
  });

  it('reads entries of the previous version (format 1): adds the marks store, and no mark covers them', async () => {
    // The previous version's database: one object store, entries with `tags`.
    const old = await openRaw(1, (db) => db.createObjectStore(STORE));
    old.close();
    await putRaw(STORE, [v1('e1', T0 - 20, 1, [ref(ga), ref(fb)])]);
    const a = harness();
    a.holder.hold(event('e3', T0, [ga, fb]));
    await a.holder.flush();
    expect(pairs(await a.holder.take(cats('analytics')))).toEqual([
      ['ga', 'e1'],
      ['ga', 'e3'],
    ]);
    // e1 was rewritten in format 2 (its ga taken out); e3 was not rewritten.
    const [e1, e3] = (await raw(STORE)).map(([, v]) => v);
    expect(e1).toMatchObject({ refs: [ref(fb)] });
    expect(e1).not.toHaveProperty('tags');
    expect(e1).not.toHaveProperty('late');
    expect(e3).toMatchObject({ refs: [ref(ga), ref(fb)] });
    // A tab still on the previous version writes an older event behind ga's mark, in format 1.
    await putRaw(STORE, [v1('e2', T0 - 10, 1, [ref(ga), ref(fb)])]);
    expect(pairs(await harness().holder.take(cats('analytics')))).toEqual([['ga', 'e2']]);
    const e2 = (await raw(STORE)).find(([k]) => (k as unknown[])[2] === 'e2')![1];
    expect(e2).toEqual(expect.objectContaining({ refs: [ref(fb)] }));
    expect(pairs(await harness().holder.take(cats('marketing')))).toEqual([
      ['fb', 'e1'],
      ['fb', 'e2'],
      ['fb', 'e3'],
    ]);
    expect(await raw(STORE)).toEqual([]);
  });

  it('a stored value that is no entry is left alone, and a take goes on past it, also at the end of a chunk', async () => {
    const a = harness({ settings: settings({ maxEntries: 2000 }) });
    await a.holder.size(); // opens the database: creates the stores
    // 201 events waiting for ga and fb (format 2: a take of ga rewrites none) and, as the 200th record (the
    // last of a take's first chunk of 200), a value of another writer.
    const records: [IDBValidKey, unknown][] = [];
    for (let i = 0; i < 201; i++) {
      const [key, value] = v1(`e${100 + i}`, T0 - 1000 + i, 1, []);
      const { tags: _, ...rest } = value as { tags: unknown };
      records.push([key, { ...rest, refs: [ref(ga), ref(fb)] }]);
    }
    records.splice(199, 0, [[T0 - 1000 + 199, 0, 'foreign'], { not: 'an entry' }]);
    await putRaw(STORE, records);
    const taken = await a.holder.take(cats('analytics'));
    expect(pairs(taken)).toEqual(Array.from({ length: 201 }, (_, i) => ['ga', `e${100 + i}`]));
    expect(pairs(await a.holder.take(cats('analytics')))).toEqual([]);
    expect(pairs(await a.holder.take(cats('marketing')))).toHaveLength(201);
    expect(a.codes()).toEqual([]);
    expect(await raw(STORE)).toEqual([[[T0 - 1000 + 199, 0, 'foreign'], { not: 'an entry' }]]);
  });

  it('past a stored value that is no entry, a grant keeps the other half of an event held meanwhile', async () => {
    const before = harness();
    before.holder.hold(event('e2', T0, [ga]));
    await before.holder.close();
    await putRaw(STORE, [[[T0 - 5000, 0, 'foreign'], 'not an entry']]);
    const { holder } = harness();
    await holder.size();
    holder.hold(event('e1', T0 - 1000, [ga, fb])); // its marketing half is written in the take's first transaction
    expect(pairs(await holder.take(cats('analytics')))).toEqual([
      ['ga', 'e1'],
      ['ga', 'e2'],
    ]);
    expect(pairs(await harness().holder.take(cats('marketing')))).toEqual([['fb', 'e1']]);
    expect(await harness().holder.take(cats('analytics'))).toEqual([]);
  });

  it('restores a spill of the previous version (format 1)', async () => {
    localStorage.setItem('tagwarden:queue:old', JSON.stringify([v1('e1', T0, 1, [ref(ga), ref(fb)])[1]]));
    expect(pairs(await harness().holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    expect(pairs(await harness().holder.take(cats('marketing')))).toEqual([['fb', 'e1']]);
  });

  it('spills in format 1, which the previous version restores too', async () => {
    const { holder } = harness();
    holder.hold(event('e1', T0, [ga, fb]));
    dispatchEvent(new PageTransitionEvent('pagehide')); // spills at once: nothing is written yet
    const [key] = Object.keys(localStorage).filter((k) => k.startsWith('tagwarden:queue:'));
    const [spilled] = JSON.parse(localStorage.getItem(key!)!);
    expect(spilled).toMatchObject({ eventId: 'e1', tags: [ref(ga), ref(fb)] });
    expect(spilled).not.toHaveProperty('refs');
    await holder.flush();
  });

  it('a denial takes the denied tags out of the stored entries (a rewrite) and sets no mark', async () => {
    const { holder } = harness();
    holder.hold(event('e1', T0, [ga, fb]));
    await holder.flush();
    expect(await holder.drop(cats('marketing'))).toBe(1);
    expect((await raw(STORE)).map(([, v]) => v.refs)).toEqual([[ref(ga)]]);
    expect(await raw(MARKS)).toEqual([]);
  });

  it('deletes the marks older than the time-to-live on open, with the entries they covered', async () => {
    const first = harness();
    first.holder.hold(event('e1', T0 - 2 * HOUR, [ga, fb]));
    await first.holder.flush();
    await first.holder.take(cats('analytics')); // ga's (and hotjar's) mark: e1
    first.holder.hold(event('e2', T0, [ga, fb]));
    await first.holder.flush();
    await first.holder.take(cats('marketing')); // fb's mark: e2; e1 is gone, e2 waits for ga
    expect(await raw(MARKS)).toEqual([
      ['fb', [T0, 2, 'e2']],
      ['ga', [T0 - 2 * HOUR, 1, 'e1']],
      ['hotjar', [T0 - 2 * HOUR, 1, 'e1']],
    ]);
    // 23 hours later ga's and hotjar's mark is past 24 h; fb's (e2's) is not, and e2 is still there.
    expect(await harness({ now: () => T0 + 23 * HOUR }).holder.size()).toBe(1);
    expect(await raw(MARKS)).toEqual([['fb', [T0, 2, 'e2']]]);
    // A day after e2, it and its mark are gone.
    expect(await harness({ now: () => T0 + 25 * HOUR }).holder.size()).toBe(0);
    expect(await raw(MARKS)).toEqual([]);
  });

  it('clear() empties the marks too', async () => {
    const { holder } = harness();
    holder.hold(event('e1', T0, [ga, fb]));
    await holder.flush();
    await holder.take(cats('analytics'));
    expect(await raw(MARKS)).toHaveLength(2);
    await holder.clear();
    expect(await raw(MARKS)).toEqual([]);
    expect(await raw(STORE)).toEqual([]);
  });
});
