// The spill: what a page holds but has not yet committed to IndexedDB when it goes away is written to
// localStorage synchronously, and the next page of the site moves it into the queue. A navigation right
// after an event (an add-to-cart click that leads to the cart) must not lose that event.
import { describe, expect, it, vi } from 'vitest';
import { cats, event, fb, ga, harness, pairs, settings, T0 } from './helpers';

const spillKeys = () => Object.keys(localStorage).filter((k) => k.startsWith('tagwarden:queue:'));

/** The visitor switches to another tab: the page becomes hidden. */
const hideTab = () => {
  vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
  document.dispatchEvent(new Event('visibilitychange'));
};

/** Lets the serial chain start the flush it was asked for (prepare, mark in flight, begin the write). */
const started = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

/**
 * A page that holds `held` and goes away before anything reaches IndexedDB: its open never answers (the
 * document is torn down mid-open), and it stops listening.
 */
async function leave(held: ReturnType<typeof event>) {
  const open = vi.spyOn(indexedDB, 'open').mockImplementation(() => ({}) as IDBOpenDBRequest);
  const page = harness();
  page.holder.hold(held);
  dispatchEvent(new PageTransitionEvent('pagehide'));
  await started(); // its flush is waiting on the open that never answers
  expect(open).toHaveBeenCalledTimes(1);
  open.mockRestore();
  void page.holder.close();
  expect(spillKeys()).toHaveLength(1);
}

/** A page whose store refuses every event it writes (unstorable), so that it holds `held` in memory only. */
async function memoryOnly(held: ReturnType<typeof event>) {
  const put = vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
    throw new DOMException('', 'UnknownError');
  });
  const page = harness();
  page.holder.hold(held);
  await page.holder.flush();
  put.mockRestore();
  return page;
}

describe('durable queue: the spill on pagehide', () => {
  it('delivers on the next page an event held right before a navigation whose write never committed', async () => {
    const before = harness();
    before.holder.hold(event('e0', T0 - 5000, [ga]));
    await before.holder.flush();

    await leave(event('e1', T0 - 1000, [ga, fb], { ecommerce: { value: 42 } }, 'add_to_cart'));

    // The next page: the spilled event is in the queue, between the older stored one and a new one.
    const next = harness();
    next.holder.hold(event('e2', T0, [ga]));
    const taken = await next.holder.take(cats('analytics'));
    expect(pairs(taken)).toEqual([
      ['ga', 'e0'],
      ['ga', 'e1'],
      ['ga', 'e2'],
    ]);
    expect(taken[1]!.ev).toMatchObject({
      name: 'add_to_cart',
      time: T0 - 1000,
      model: { ecommerce: { value: 42 } },
      page: { path: '/a' },
    });
    expect(spillKeys()).toEqual([]);
    // The marketing half waits on the device, once.
    expect(pairs(await harness().holder.take(cats('marketing')))).toEqual([['fb', 'e1']]);
  });

  it('removes its spill once the write it raced with has committed', async () => {
    const { holder } = harness();
    await holder.size(); // the database is open
    holder.hold(event('e1', T0, [ga]));
    const flushed = holder.flush();
    await started();
    dispatchEvent(new PageTransitionEvent('pagehide')); // while the write is in flight
    expect(spillKeys()).toHaveLength(1);
    await flushed;
    await holder.size();
    expect(spillKeys()).toEqual([]);
    expect(pairs(await harness().holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
  });

  it('does not give back, from a spill left after a committed write, a tag another page already took', async () => {
    const { holder } = harness();
    await holder.size();
    holder.hold(event('e1', T0, [ga, fb]));
    const flushed = holder.flush();
    await started();
    dispatchEvent(new PageTransitionEvent('pagehide'));
    const [key] = spillKeys();
    const left = localStorage.getItem(key!)!;
    await flushed;
    // Another page takes the analytics half; then the first page's spill turns up after all (the page was
    // torn down between the commit and removing its spill).
    expect(pairs(await harness().holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    localStorage.setItem(key!, left);
    const next = harness();
    expect(await next.holder.take(cats('analytics'))).toEqual([]);
    expect(pairs(await next.holder.take(cats('marketing')))).toEqual([['fb', 'e1']]);
    expect(spillKeys()).toEqual([]);
  });

  it('is also written when the page becomes hidden, and removed when the write commits', async () => {
    const { holder } = harness();
    holder.hold(event('e1', T0, [ga]));
    vi.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
    document.dispatchEvent(new Event('visibilitychange'));
    expect(spillKeys()).toHaveLength(1);
    await holder.size(); // behind the flush
    expect(spillKeys()).toEqual([]);
    expect(await harness().holder.size()).toBe(1);
  });

  it('is emptied with the queue when the visitor refuses everything', async () => {
    await leave(event('e1', T0, [fb]));
    const next = harness();
    await next.holder.clear();
    expect(spillKeys()).toEqual([]);
    expect(await harness().holder.size()).toBe(0);
  });

  it('is picked up by a tab that was already open when it decides, so a refusal drops it too', async () => {
    const open = harness();
    await open.holder.size(); // this tab connected before the other page left
    await leave(event('e1', T0, [ga, fb]));
    expect(await open.holder.drop(cats('marketing'))).toBe(1);
    expect(spillKeys()).toEqual([]);
    expect(pairs(await open.holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    expect(await harness().holder.size()).toBe(0);
  });

  it('after a storage fault, a page that is left spills what only its memory holds', async () => {
    const broken = await memoryOnly(event('e1', T0, [ga]));
    expect(broken.codes()).toContain('queue/unstorable'); // kept in this page's memory only
    dispatchEvent(new PageTransitionEvent('pagehide'));
    expect(spillKeys()).toHaveLength(1);
    void broken.holder.close();
    expect(pairs(await harness().holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
  });

  it('back from the back/forward cache after another page took its spill, it does not deliver those events again', async () => {
    const cached = await memoryOnly(event('e1', T0, [ga]));
    dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    // Another page takes the spill into the store while this one sits in the cache.
    const other = harness();
    await other.holder.size();
    dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    // Once in all, from the store, by whichever page takes first; not again from the cached page's memory.
    const taken = [
      ...(await cached.holder.take(cats('analytics'))),
      ...(await other.holder.take(cats('analytics'))),
    ];
    expect(pairs(taken)).toEqual([['ga', 'e1']]);
  });

  it('back from the back/forward cache with its spill untouched, it keeps its events and takes them out of the spill', async () => {
    const cached = await memoryOnly(event('e1', T0, [ga]));
    dispatchEvent(new PageTransitionEvent('pagehide', { persisted: true }));
    expect(spillKeys()).toHaveLength(1);
    dispatchEvent(new PageTransitionEvent('pageshow', { persisted: true }));
    expect(spillKeys()).toEqual([]); // the page is alive again: its memory is its own
    expect(pairs(await cached.holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    expect(await harness().holder.take(cats('analytics'))).toEqual([]);
  });

  it('writes nothing to the device in memory mode', async () => {
    const { holder } = harness({ settings: settings({ storage: 'memory' }) });
    holder.hold(event('e1', T0, [ga]));
    dispatchEvent(new PageTransitionEvent('pagehide'));
    expect(localStorage.length).toBe(0);
    expect(await holder.size()).toBe(1);
  });

  it('keeps the restored events in memory when the device refuses them, and reports it', async () => {
    await leave(event('e1', T0, [ga]));
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('', 'UnknownError');
    });
    const next = harness();
    expect(pairs(await next.holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    expect(next.codes()).toContain('queue/unavailable');
  });

  it('delivers once an event held right before the page was hidden while a grant waited to run', async () => {
    const { holder } = harness();
    await holder.size(); // connected
    holder.hold(event('e1', T0, [ga]));
    const taken = holder.take(cats('analytics'));
    hideTab(); // before the take runs: e1, still held, is spilled
    expect(spillKeys()).toHaveLength(1);
    expect(pairs(await taken)).toEqual([['ga', 'e1']]);
    expect(await harness().holder.take(cats('analytics'))).toEqual([]);
  });

  it('does not deliver again the events of its spill that another page took while its take waited', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    // A third tab holds the Web Lock: this tab's take waits for it.
    vi.stubGlobal('navigator', {
      locks: { request: (_: string, fn: () => Promise<unknown>) => gate.then(fn) },
    });
    const tab = harness();
    await tab.holder.size();
    tab.holder.hold(event('e1', T0, [ga, fb]));
    const marketing = tab.holder.take(cats('marketing'));
    hideTab(); // e1, still held, is spilled
    await harness().holder.size(); // a page that opens the queue now moves that spill into the store
    expect(spillKeys()).toEqual([]);
    release();
    const taken = [...(await marketing), ...(await harness().holder.take(cats('marketing')))];
    expect(pairs(taken)).toEqual([['fb', 'e1']]);
    expect(pairs(await tab.holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    expect(await harness().holder.size()).toBe(0);
  });

  it('delivers once, from the store, a maybe-committed spilled event whose restore the device refused', async () => {
    const first = harness();
    first.holder.hold(event('e1', T0, [ga]));
    const flushed = first.holder.flush();
    await started();
    dispatchEvent(new PageTransitionEvent('pagehide')); // while the write is in flight: "maybe committed"
    const [key] = spillKeys();
    const left = localStorage.getItem(key!)!;
    await flushed;
    await first.holder.close();
    localStorage.setItem(key!, left); // torn down between the commit and removing its spill
    const add = vi.spyOn(IDBObjectStore.prototype, 'add').mockImplementation(() => {
      throw new DOMException('', 'QuotaExceededError');
    });
    const next = harness();
    await next.holder.size(); // its restore fails
    add.mockRestore();
    expect(next.codes()).toEqual(['queue/quota']);
    expect(pairs(await next.holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
  });

  it('does not spill an event over maxEventBytes held right before a navigation, and no page replays it', async () => {
    const small = settings({ maxEventBytes: 256 });
    const open = vi.spyOn(indexedDB, 'open').mockImplementation(() => ({}) as IDBOpenDBRequest);
    const page = harness({ settings: small });
    page.holder.hold(event('big', T0, [ga], { blob: 'x'.repeat(2000) }));
    page.holder.hold(event('e1', T0 + 1, [ga]));
    dispatchEvent(new PageTransitionEvent('pagehide'));
    await started();
    open.mockRestore();
    void page.holder.close();
    expect(page.codes()).toEqual(['queue/too-large']);
    expect(pairs(await harness({ settings: small }).holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
  });
});
