// The durable queue's behaviour on a working IndexedDB (fake-indexeddb): order across pages, partial
// grants, bounds, purge on denial, exactly-once takes within a tab and across tabs, and memory mode.
import { describe, expect, it, vi } from 'vitest';
import { cats, event, fb, ga, HOUR, harness, hotjar, pairs, settings, settle, T0, tags } from './helpers';

/** Counts readwrite transactions opened on the queue's database while `fn` runs. */
async function transactions(fn: () => Promise<unknown>): Promise<number> {
  const spy = vi.spyOn(IDBDatabase.prototype, 'transaction');
  await fn();
  const count = spy.mock.calls.length;
  spy.mockRestore();
  return count;
}

describe('durable queue: order and persistence', () => {
  it('replays the events of a previous page in order, with their original time and event id', async () => {
    const first = harness();
    first.holder.hold(event('e1', T0 - 3000, [ga]));
    first.holder.hold(event('e2', T0 - 2000, [ga, fb]));
    first.holder.hold(event('e3', T0 - 2000, [ga])); // same millisecond as e2: hold order decides
    await first.holder.flush();
    first.holder.hold(event('e4', T0 - 1000, [ga]));
    await first.holder.close();

    // The next page: a new holder on the same database.
    const next = harness();
    next.holder.hold(event('e5', T0, [ga]));
    const taken = await next.holder.take(cats('analytics'));
    expect(pairs(taken)).toEqual([
      ['ga', 'e1'],
      ['ga', 'e2'],
      ['ga', 'e3'],
      ['ga', 'e4'],
      ['ga', 'e5'],
    ]);
    expect(taken.map((h) => h.ev.time)).toEqual([T0 - 3000, T0 - 2000, T0 - 2000, T0 - 1000, T0]);
    expect(taken[0]!.ev).toMatchObject({ name: 'purchase', page: { path: '/a', hostname: 'shop.example' } });
    expect(taken[0]!.tag).toBe(ga);
    expect(next.holder.lastTake).toEqual({ replayed: 5, dropped: 0, expired: 0 });
  });

  it('stores one entry per event holding the union of its tags’ model snapshots', async () => {
    const { holder } = harness();
    holder.hold([
      ...event('e1', T0, [ga], { ecommerce: { value: 10 } }),
      ...event('e1', T0, [fb], { ecommerce: { currency: 'SEK' }, user: { tier: 'gold' } }),
    ]);
    expect(await holder.size()).toBe(1);
    await holder.flush();
    expect(await harness().holder.size()).toBe(1);
    const [a] = await harness().holder.take(cats('analytics'));
    expect(a!.ev.model).toEqual({ ecommerce: { value: 10, currency: 'SEK' }, user: { tier: 'gold' } });
  });

  it('keeps an entry until its last pending tag is taken (analytics granted, marketing still pending)', async () => {
    const { holder } = harness();
    holder.hold(event('e1', T0 - 10, [ga, fb, hotjar]));
    holder.hold(event('e2', T0, [fb]));
    await holder.flush();

    expect(pairs(await holder.take(cats('analytics')))).toEqual([
      ['ga', 'e1'],
      ['hotjar', 'e1'],
    ]);
    expect(await holder.size()).toBe(2);
    // Another page later grants marketing.
    const later = harness();
    expect(await later.holder.take(cats('analytics'))).toEqual([]);
    expect(pairs(await later.holder.take(cats('marketing')))).toEqual([
      ['fb', 'e1'],
      ['fb', 'e2'],
    ]);
    expect(await later.holder.size()).toBe(0);
  });

  it('includes events not yet written in a take, and writes what is left of them in the same transaction', async () => {
    const { holder } = harness();
    await holder.size(); // the database is open
    holder.hold(event('e1', T0, [ga, fb]));
    const count = await transactions(async () => {
      expect(pairs(await holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    });
    expect(count).toBe(1);
    // The marketing half reached the device; the analytics half is not there to be taken twice.
    const other = harness();
    expect(await other.holder.take(cats('analytics'))).toEqual([]);
    expect(pairs(await other.holder.take(cats('marketing')))).toEqual([['fb', 'e1']]);
    await holder.flush();
    expect(await harness().holder.size()).toBe(0);
  });

  it('deletes what a take empties with one request per run of entries, never an event written in that take', async () => {
    const first = harness({ settings: settings({ maxEntries: 2000 }) });
    for (let i = 0; i < 450; i++) first.holder.hold(event(`e${i}`, T0 - 10_000 + 10 * i, [ga]));
    await first.holder.flush();
    const next = harness({ settings: settings({ maxEntries: 2000 }) });
    await next.holder.size(); // the database is open
    // Held here, not yet written, between e99 and e100: the take's first transaction writes its marketing half.
    next.holder.hold(event('between', T0 - 10_000 + 995, [ga, fb]));
    const del = vi.spyOn(IDBObjectStore.prototype, 'delete');
    const taken = await next.holder.take(cats('analytics'));
    // Three chunks (200, 200, 50 entries), each emptied by the take. The first one's run reaches past
    // `between`, so its 200 are deleted one by one; each of the others is one range.
    expect(del).toHaveBeenCalledTimes(200 + 1 + 1);
    del.mockRestore();
    expect(taken.map((h) => h.ev.id)).toEqual([
      ...Array.from({ length: 100 }, (_, i) => `e${i}`),
      'between',
      ...Array.from({ length: 350 }, (_, i) => `e${i + 100}`),
    ]);
    expect(pairs(await harness().holder.take(cats('marketing')))).toEqual([['fb', 'between']]);
    expect(await harness().holder.size()).toBe(0);
  });

  it('gives nothing to a tag the current container no longer has, and counts it dropped', async () => {
    const { holder } = harness();
    holder.hold(event('e1', T0, [ga, hotjar]));
    await holder.flush();
    tags.delete('hotjar');
    expect(pairs(await holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    expect(holder.lastTake).toEqual({ replayed: 1, dropped: 1, expired: 0 });
    expect(await holder.size()).toBe(0);
  });

  it('waits for a tag that moved to another category until that category is granted', async () => {
    const { holder } = harness();
    holder.hold(event('e1', T0, [hotjar]));
    await holder.flush();
    tags.set('hotjar', { ...hotjar, category: 'marketing' });
    expect(await holder.take(cats('analytics'))).toEqual([]);
    expect(pairs(await holder.take(cats('marketing')))).toEqual([['hotjar', 'e1']]);
  });
});

describe('durable queue: hold never waits', () => {
  it('returns synchronously without touching IndexedDB, and writes the batch soon after', async () => {
    const open = vi.spyOn(indexedDB, 'open');
    const { holder } = harness();
    for (let i = 0; i < 50; i++) expect(holder.hold(event(`e${i}`, T0 + i, [ga]))).toBeUndefined();
    expect(open).not.toHaveBeenCalled();
    await settle(20);
    expect(open).toHaveBeenCalledTimes(1); // the batch timer started the write without anyone asking
    await holder.size(); // queued behind that write
    expect(await harness().holder.size()).toBe(50);
  });

  /**
   * Runs `fn` with a main-thread clock that only a put moves, by `cost()` ms each: how long the queue's writes
   * take, as the queue measures them.
   */
  async function withPutCost(cost: () => number, fn: () => Promise<void>) {
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    const original = IDBObjectStore.prototype.put;
    const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args: Parameters<IDBObjectStore['put']>
    ) {
      clock += cost();
      return original.apply(this, args);
    });
    try {
      await fn();
    } finally {
      put.mockRestore();
      now.mockRestore();
    }
  }

  it('writes a burst in transactions of at most 200 events, so that no single task clones them all', async () => {
    const { holder } = harness({ settings: settings({ maxEntries: 2000 }) });
    await holder.size(); // the database is open
    await withPutCost(
      () => 0.01, // 2 ms a transaction: within the 4 ms aimed at
      async () => {
        for (let i = 0; i < 1000; i++) holder.hold(event(`e${i}`, T0 + i, [ga]));
        // 64 while the cost is not known yet, then 200 a transaction: 936 in 5.
        expect(await transactions(() => holder.flush())).toBe(6);
      },
    );
    const taken = await harness().holder.take(cats('analytics'));
    expect(taken.map((h) => h.ev.id)).toEqual(Array.from({ length: 1000 }, (_, i) => `e${i}`));
  });

  it('writes in smaller transactions while puts are slow, and in full ones again once they are fast', async () => {
    const { holder } = harness({ settings: settings({ maxEntries: 5000 }) });
    await holder.size();
    let cost = 0.125; // a slow or busy device: 8 ms for the first 64 puts (binary fractions: exact sums)
    await withPutCost(
      () => cost,
      async () => {
        for (let i = 0; i < 1000; i++) holder.hold(event(`a${i}`, T0 + i, [ga]));
        // 64 first; at 0.125 ms a put, 32 fit in 4 ms: the other 936 in 30 transactions.
        expect(await transactions(() => holder.flush())).toBe(31);
        cost = 2 ** -7;
        for (let i = 0; i < 1000; i++) holder.hold(event(`b${i}`, T0 + 1000 + i, [ga]));
        // 32 at the new cost, then 200 a transaction: 968 in 5.
        expect(await transactions(() => holder.flush())).toBe(6);
      },
    );
    const taken = await harness().holder.take(cats('analytics'));
    expect(taken.map((h) => h.ev.id)).toEqual([
      ...Array.from({ length: 1000 }, (_, i) => `a${i}`),
      ...Array.from({ length: 1000 }, (_, i) => `b${i}`),
    ]);
  });

  it('writes a burst that a grant meets unwritten in short transactions before taking it, each event once', async () => {
    const { holder } = harness({ settings: settings({ maxEntries: 2000 }) });
    await holder.size(); // the database is open
    // Puts per transaction, in the order the transactions were opened.
    const puts: number[] = [];
    const transaction = IDBDatabase.prototype.transaction;
    const txSpy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (
      this: IDBDatabase,
      ...args: Parameters<IDBDatabase['transaction']>
    ) {
      puts.push(0);
      return transaction.apply(this, args);
    });
    const put = IDBObjectStore.prototype.put;
    const putSpy = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args: Parameters<IDBObjectStore['put']>
    ) {
      puts[puts.length - 1]! += this.name === 'queue' ? 1 : 0;
      return put.apply(this, args);
    });
    for (let i = 0; i < 1000; i++) holder.hold(event(`e${i}`, T0 + i, [ga, fb]));
    const taken = await holder.take(cats('analytics'));
    txSpy.mockRestore();
    putSpy.mockRestore();
    expect(pairs(taken)).toEqual(Array.from({ length: 1000 }, (_, i) => ['ga', `e${i}`]));
    expect(puts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(Math.max(...puts)).toBeLessThanOrEqual(200);
    expect(await harness().holder.take(cats('analytics'))).toEqual([]);
    expect((await harness().holder.take(cats('marketing'))).map((h) => h.ev.id)).toEqual(
      Array.from({ length: 1000 }, (_, i) => `e${i}`),
    );
  });

  it('takes a large store in transactions of 200, in order, each event once, leaving the other category', async () => {
    const first = harness({ settings: settings({ maxEntries: 2000 }) });
    for (let i = 0; i < 450; i++) first.holder.hold(event(`e${i}`, T0 + i, [ga, fb]));
    await first.holder.flush();
    const next = harness({ settings: settings({ maxEntries: 2000 }) });
    await next.holder.size(); // the database is open
    let taken: Awaited<ReturnType<typeof next.holder.take>> = [];
    const count = await transactions(async () => {
      taken = await next.holder.take(cats('analytics'));
    });
    expect(count).toBe(3);
    expect(pairs(taken)).toEqual(Array.from({ length: 450 }, (_, i) => ['ga', `e${i}`]));
    expect(await next.holder.take(cats('analytics'))).toEqual([]);
    expect((await harness().holder.take(cats('marketing'))).map((h) => h.ev.id)).toEqual(
      Array.from({ length: 450 }, (_, i) => `e${i}`),
    );
  });

  it('writes at once on pagehide and when the page becomes hidden', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] }); // the batch timer never fires: only the page events flush
    const { holder } = harness();
    holder.hold(event('e1', T0, [ga]));
    await holder.size();
    expect(await harness().holder.size()).toBe(0);

    dispatchEvent(new PageTransitionEvent('pagehide'));
    await holder.size(); // queued behind the flush
    expect(await harness().holder.size()).toBe(1);

    holder.hold(event('e2', T0, [ga]));
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('visible');
    document.dispatchEvent(new Event('visibilitychange'));
    await holder.size();
    expect(await harness().holder.size()).toBe(1);
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    document.dispatchEvent(new Event('visibilitychange'));
    await holder.size();
    expect(await harness().holder.size()).toBe(2);
  });
});

describe('durable queue: bounds', () => {
  it('purges entries older than the time-to-live on open and on take, counting them expired', async () => {
    const first = harness();
    first.holder.hold(event('old', T0 - 30 * HOUR, [ga]));
    first.holder.hold(event('fresh', T0 - HOUR, [ga]));
    await first.holder.close();
    // The next page opens the database: the 30-hour-old event is purged then.
    const next = harness();
    expect(await next.holder.size()).toBe(1);
    // A page 22 hours later: the stored event (23 h old) and a new one (24 h old) are still young...
    let now = T0 + 22 * HOUR;
    const later = harness({ now: () => now });
    later.holder.hold(event('mem', T0 - 2 * HOUR, [ga]));
    await later.holder.flush();
    now = T0 + 23.5 * HOUR; // ...and past 24 h when consent comes: purged by the take, not returned
    expect(await later.holder.take(cats('analytics'))).toEqual([]);
    expect(later.holder.lastTake).toEqual({ replayed: 0, dropped: 0, expired: 2 });
    expect(await later.holder.size()).toBe(0);
    expect(next.holder.lastTake.expired).toBe(0);
    expect(await next.holder.take(cats('analytics'))).toEqual([]);
    expect(next.holder.lastTake.expired).toBe(1); // the one purged when `next` opened
  });

  it('drops the oldest entries beyond maxEntries and reports the count once per batch', async () => {
    const { holder, reports } = harness({ settings: settings({ maxEntries: 3 }) });
    for (let i = 1; i <= 5; i++) holder.hold(event(`e${i}`, T0 + i, [ga]));
    await holder.flush();
    expect(reports).toEqual([{ code: 'queue/overflow', detail: '2' }]);
    holder.hold(event('e6', T0 + 6, [ga]));
    await holder.flush();
    expect(reports.at(-1)).toEqual({ code: 'queue/overflow', detail: '1' });
    expect(pairs(await harness().holder.take(cats('analytics')))).toEqual([
      ['ga', 'e4'],
      ['ga', 'e5'],
      ['ga', 'e6'],
    ]);
  });

  it('does not keep an event larger than maxEventBytes, and reports it', async () => {
    const { holder, reports } = harness({ settings: settings({ maxEventBytes: 600 }) });
    holder.hold(event('small', T0, [ga], { note: 'x' }));
    holder.hold(event('big', T0 + 1, [ga], { note: 'x'.repeat(600) }));
    await holder.flush();
    expect(reports.map((r) => r.code)).toEqual(['queue/too-large']);
    expect(Number(reports[0]!.detail)).toBeGreaterThan(600);
    expect(pairs(await harness().holder.take(cats('analytics')))).toEqual([['ga', 'small']]);
  });
});

describe('durable queue: denial and refusal', () => {
  it('purges a denied category from every entry in one transaction', async () => {
    const { holder } = harness();
    holder.hold(event('e1', T0, [ga, fb]));
    holder.hold(event('e2', T0 + 1, [fb]));
    holder.hold(event('e3', T0 + 2, [hotjar]));
    await holder.flush();
    expect(await transactions(() => holder.drop(cats('marketing')))).toBe(1);
    expect(await holder.size()).toBe(2);
    const other = harness();
    expect(await other.holder.take(cats('marketing'))).toEqual([]);
    expect(pairs(await other.holder.take(cats('analytics')))).toEqual([
      ['ga', 'e1'],
      ['hotjar', 'e3'],
    ]);
  });

  it('drops a denied category from events not yet written too', async () => {
    const { holder } = harness();
    holder.hold(event('e1', T0, [ga, fb]));
    await holder.drop(cats('marketing'));
    expect(await harness().holder.take(cats('marketing'))).toEqual([]);
    expect(pairs(await holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
  });

  it('empties the queue on the device and in memory when the visitor refuses everything', async () => {
    const { holder } = harness();
    holder.hold(event('e1', T0, [ga]));
    await holder.flush();
    holder.hold(event('e2', T0 + 1, [fb]));
    await holder.clear();
    expect(await holder.size()).toBe(0);
    expect(await harness().holder.size()).toBe(0);
    expect(await holder.take(cats('analytics', 'marketing'))).toEqual([]);
  });
});

describe('durable queue: exactly once', () => {
  it('never returns an entry twice when take is called twice at once', async () => {
    const { holder } = harness();
    for (let i = 0; i < 20; i++) holder.hold(event(`e${i}`, T0 + i, [ga]));
    await holder.flush();
    holder.hold(event('unwritten', T0 + 99, [ga]));
    const [a, b] = await Promise.all([holder.take(cats('analytics')), holder.take(cats('analytics'))]);
    expect(a.length + b.length).toBe(21);
    expect(new Set([...a, ...b].map((h) => h.ev.id)).size).toBe(21);
  });

  it('hands each entry to exactly one of two tabs taking at the same time', async () => {
    const writer = harness();
    for (let i = 0; i < 40; i++) writer.holder.hold(event(`e${i}`, T0 + i, [ga, fb]));
    await writer.holder.flush();
    const tab1 = harness();
    const tab2 = harness();
    const results = await Promise.all([
      tab1.holder.take(cats('analytics')),
      tab2.holder.take(cats('analytics')),
      tab1.holder.take(cats('marketing', 'analytics')),
      tab2.holder.take(cats('marketing')),
    ]);
    const all = results.flat().map((h) => `${h.tag.id}/${h.ev.id}`);
    expect(all.length).toBe(80);
    expect(new Set(all).size).toBe(80);
    // Each tab's share is in event order.
    for (const r of results) {
      const times = r.map((h) => h.ev.time);
      expect(times).toEqual([...times].sort((x, y) => x - y));
    }
  });

  it('runs take and drop under the tagwarden-queue Web Lock when the browser has Web Locks', async () => {
    const requested: string[] = [];
    let tail: Promise<unknown> = Promise.resolve();
    // A minimal exclusive lock manager: callbacks for one name run one after another.
    vi.stubGlobal('navigator', {
      ...navigator,
      locks: {
        request: (name: string, fn: () => Promise<unknown>) => {
          requested.push(name);
          const run = tail.then(fn);
          tail = run.catch(() => {});
          return run;
        },
      },
    });
    const { holder } = harness();
    holder.hold(event('e1', T0, [ga]));
    expect(pairs(await holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    await holder.drop(cats('marketing'));
    expect(requested).toEqual(['tagwarden-queue', 'tagwarden-queue']);
  });

  it('still takes, once, when the Web Lock request is refused', async () => {
    vi.stubGlobal('navigator', {
      ...navigator,
      locks: { request: () => Promise.reject(new DOMException('', 'SecurityError')) },
    });
    const { holder } = harness();
    holder.hold(event('e1', T0, [ga]));
    expect(pairs(await holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    expect(await holder.take(cats('analytics'))).toEqual([]);
  });
});

describe('memory mode', () => {
  it('behaves the same within the page and creates no database', async () => {
    const open = vi.spyOn(indexedDB, 'open');
    const { holder, reports } = harness({ settings: settings({ storage: 'memory', maxEntries: 2 }) });
    holder.hold(event('e1', T0 - 25 * HOUR, [ga])); // expired
    holder.hold(event('e2', T0, [ga, fb]));
    holder.hold(event('e3', T0 + 1, [ga]));
    holder.hold(event('e4', T0 + 2, [fb]));
    await holder.flush();
    expect(reports).toEqual([{ code: 'queue/overflow', detail: '2' }]);
    expect(await holder.size()).toBe(2);
    await holder.drop(cats('marketing'));
    expect(pairs(await holder.take(cats('analytics')))).toEqual([['ga', 'e3']]);
    await holder.clear();
    await holder.close();
    expect(open).not.toHaveBeenCalled();
    expect(await indexedDB.databases()).toEqual([]);
  });
});
