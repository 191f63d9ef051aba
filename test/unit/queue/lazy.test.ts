// The queue as the core sees it before the queue's chunk arrives: held events wait in memory, in order,
// and reach the durable queue before anything is taken from it; a chunk that never loads leaves a page-only
// queue.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ErrorCode } from '../../../src/lib/errors';
import type { DurableHolder } from '../../../src/queue';
import { QUEUE_FLAG } from '../../../src/queue/keys';
import { lazyQueue } from '../../../src/queue/lazy';
import { cats, event, fb, ga, harness, pairs, settings, settle, T0 } from './helpers';

/** Chunks a test left unanswered: failed after it, so that their pages stop listening for pagehide. */
const unanswered: ((e: unknown) => void)[] = [];
afterEach(() => {
  for (const reject of unanswered.splice(0)) reject(new Error('test over'));
});

/** A chunk load the test resolves (with a durable holder) or rejects when it likes. */
function chunk() {
  let resolve!: (h: DurableHolder) => void;
  let reject!: (e: unknown) => void;
  const load = new Promise<DurableHolder>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  unanswered.push(reject);
  load.catch(() => {}); // a load nobody asked for fails quietly after its test
  return { load, resolve, reject };
}

function lazy(load: Promise<DurableHolder>, max = 500, durable = true) {
  const reports: { code: ErrorCode; detail?: string }[] = [];
  let loads = 0;
  const q = lazyQueue(
    () => {
      loads++;
      return load;
    },
    max,
    (code, detail) => reports.push({ code, detail }),
    durable,
  );
  return { q, reports, loads: () => loads };
}

const flag = () => localStorage.getItem(QUEUE_FLAG);
const spillKeys = () => Object.keys(localStorage).filter((k) => k.startsWith('tagwarden:queue:'));
const hide = () => dispatchEvent(new PageTransitionEvent('pagehide'));

describe('lazy queue: before the chunk arrives', () => {
  it('hands the events held meanwhile to the durable queue, in order, before a take that was asked for early', async () => {
    const c = chunk();
    const { q } = lazy(c.load);
    q.hold(event('e1', T0 - 2000, [ga, fb]));
    q.hold(event('e2', T0 - 1000, [ga]));
    const taken = q.take(cats('analytics')); // asked before the chunk is there: waits for it
    const { holder } = harness();
    holder.hold(event('e0', T0 - 3000, [ga])); // already held by the queue itself (an older event)
    c.resolve(holder);
    expect(pairs(await taken)).toEqual([
      ['ga', 'e0'],
      ['ga', 'e1'],
      ['ga', 'e2'],
    ]);
    // After the load, holds go straight to the durable queue; marketing still waits.
    q.hold(event('e3', T0, [fb]));
    expect(await q.size()).toBe(2);
    expect(pairs(await q.take(cats('marketing')))).toEqual([
      ['fb', 'e1'],
      ['fb', 'e3'],
    ]);
    expect(q.lastTake.replayed).toBe(2);
  });

  it('spills what waits when the page is left, and the next page of the site delivers it', async () => {
    const c = chunk(); // never arrives: the page goes away first
    const { q } = lazy(c.load);
    q.hold(event('e1', T0 - 1000, [ga, fb], { ecommerce: { value: 42 } }, 'add_to_cart'));
    hide();
    expect(spillKeys()).toHaveLength(1);

    const next = harness();
    const taken = await next.holder.take(cats('analytics', 'marketing'));
    expect(pairs(taken)).toEqual([
      ['ga', 'e1'],
      ['fb', 'e1'],
    ]);
    expect(taken[0]!.ev).toMatchObject({
      name: 'add_to_cart',
      time: T0 - 1000,
      model: { ecommerce: { value: 42 } },
      page: { path: '/a' },
    });
    expect(spillKeys()).toEqual([]);
  });

  it('once the chunk arrives after a hide, takes its spill back and delivers each event once', async () => {
    const c = chunk();
    const { q } = lazy(c.load);
    q.hold(event('e1', T0 - 1000, [ga]));
    hide(); // hidden, not left: the page goes on
    c.resolve(harness().holder);
    await settle();
    expect(spillKeys()).toEqual([]);
    expect(pairs(await q.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    expect(pairs(await harness().holder.take(cats('analytics')))).toEqual([]);
  });

  it('forgets its copies when another page took its spill before the chunk arrived', async () => {
    const c = chunk();
    const { q } = lazy(c.load);
    q.hold(event('e1', T0 - 1000, [ga]));
    hide();
    const other = harness(); // another page of the site restores the spill into the store
    expect(await other.holder.size()).toBe(1);
    c.resolve(harness().holder);
    expect(pairs(await q.take(cats('analytics')))).toEqual([['ga', 'e1']]); // the stored one, once
    expect(pairs(await other.holder.take(cats('analytics')))).toEqual([]);
  });

  /** e1 held and spilled before the chunk arrived; another page of the site restores the spill and takes it. */
  async function spillTakenElsewhere() {
    const c = chunk();
    const { q } = lazy(c.load);
    q.hold(event('e1', T0 - 1000, [ga]));
    hide();
    const other = harness();
    expect(pairs(await other.holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    return { c, q };
  }

  it('does not deliver again what another page took from its spill when it is hidden once more before the chunk arrives', async () => {
    const { c, q } = await spillTakenElsewhere();
    hide(); // the spill is written again (back from the cache, left once more)
    expect(spillKeys()).toEqual([]);
    c.resolve(harness().holder);
    expect(await q.take(cats('analytics'))).toEqual([]);
  });

  it('keeps what it held after another page took its spill, and delivers it once the chunk arrives', async () => {
    const { c, q } = await spillTakenElsewhere();
    q.hold(event('e2', T0, [ga])); // not in the spill that page took
    c.resolve(harness().holder);
    expect(pairs(await q.take(cats('analytics')))).toEqual([['ga', 'e2']]);
  });

  it('an event over maxEventBytes that it spilled before the chunk arrived is not replayed by the next page', async () => {
    const c = chunk();
    const { q } = lazy(c.load);
    q.hold(event('big', T0 - 1000, [ga], { blob: 'x'.repeat(2000) }));
    hide(); // spilled as it is: the size bound is the queue's
    const next = harness({ settings: settings({ maxEventBytes: 256 }) });
    expect(await next.holder.take(cats('analytics'))).toEqual([]);
    expect(next.codes()).toEqual(['queue/too-large']);
    expect(await next.holder.size()).toBe(0);
  });

  it('a denial before the chunk arrives counts what it drops, also when a clear follows at once (reject all)', async () => {
    const c = chunk();
    const { q } = lazy(c.load);
    q.hold(event('e1', T0 - 2000, [ga, fb]));
    q.hold(event('e2', T0 - 1000, [fb]));
    const dropped = q.drop(cats('analytics', 'marketing'));
    const cleared = q.clear();
    c.resolve(harness().holder);
    expect(await dropped).toBe(3);
    await cleared;
    expect(await q.size()).toBe(0);
  });

  it('a denial before the chunk arrives rewrites the spill: a page that dies then leaves no refused event', async () => {
    const c = chunk();
    const { q } = lazy(c.load);
    q.hold(event('e1', T0 - 2000, [ga]));
    q.hold(event('e2', T0 - 1000, [fb]));
    hide(); // spilled: e1 and e2
    const dropped = q.drop(cats('analytics')); // the visitor refuses analytics; the chunk is still loading
    expect(spillKeys()).toHaveLength(1);
    expect(
      JSON.parse(localStorage.getItem(spillKeys()[0]!)!).map((e: { eventId: string }) => e.eventId),
    ).toEqual(['e2']);
    q.drop(cats('marketing'));
    expect(spillKeys()).toEqual([]); // nothing left to spill
    // The page dies before the chunk arrives: the next page restores nothing of what was refused.
    expect(pairs(await harness().holder.take(cats('analytics', 'marketing')))).toEqual([]);
    c.reject(new Error('page gone'));
    await dropped;
  });

  it('clear() before the chunk arrives drops what waits and its spill', async () => {
    const c = chunk();
    const { q } = lazy(c.load);
    q.hold(event('e1', T0 - 1000, [ga]));
    hide();
    const cleared = q.clear();
    expect(spillKeys()).toEqual([]);
    c.resolve(harness().holder);
    await cleared;
    expect(await q.size()).toBe(0);
  });
});

describe('lazy queue: a chunk that does not load', () => {
  it('reports queue/unavailable and keeps the page’s events in memory, in order, within the bound', async () => {
    const c = chunk();
    const { q, reports } = lazy(c.load, 3);
    q.hold(event('e1', T0 - 3000, [ga, fb]));
    c.reject(new TypeError('Failed to fetch dynamically imported module'));
    await settle();
    expect(reports).toEqual([{ code: 'queue/unavailable', detail: 'chunk: TypeError' }]);
    q.hold(event('e2', T0 - 2000, [ga]));
    q.hold(event('e3', T0 - 1000, [ga, fb])); // the bound is 3 (tag, event) pairs: e1's go
    expect(await q.size()).toBe(2);
    expect(pairs(await q.take(cats('analytics')))).toEqual([
      ['ga', 'e2'],
      ['ga', 'e3'],
    ]);
    expect(q.lastTake.replayed).toBe(2);
    expect(await q.drop(cats('marketing'))).toBe(1);
    expect(await q.size()).toBe(0);
  });
  it('a chunk that does not load after a hide removes the spill: what this page delivers, no later page repeats', async () => {
    const c = chunk();
    const { q } = lazy(c.load);
    q.hold(event('e1', T0 - 1000, [ga]));
    hide(); // spilled, while the chunk is still loading
    c.reject(new TypeError('Failed to fetch dynamically imported module'));
    await settle();
    expect(spillKeys()).toEqual([]);
    expect(pairs(await q.take(cats('analytics')))).toEqual([['ga', 'e1']]); // from this page's memory
    expect(pairs(await harness().holder.take(cats('analytics')))).toEqual([]); // the next page: nothing again
  });
});

describe('lazy queue: loaded only when events may wait', () => {
  it('a page that decided everything and holds nothing loads nothing for a drop, a size or a clear', async () => {
    const c = chunk();
    const { q, loads } = lazy(c.load);
    expect(q.stored).toBe(false);
    expect(await q.drop(cats('marketing'))).toBe(0);
    expect(await q.size()).toBe(0);
    await q.clear();
    expect(loads()).toBe(0);
    expect(flag()).toBeNull();
  });

  it('holding sets the flag, which tells the next page to look; the take that empties the queue removes it', async () => {
    const page1 = harness().holder;
    const first = lazy(Promise.resolve(page1));
    first.q.hold(event('e1', T0 - 1000, [ga]));
    expect(flag()).not.toBeNull();
    expect(first.loads()).toBe(1);
    await settle();
    await page1.flush();

    const next = lazy(Promise.resolve(harness().holder)); // the next page, analytics granted since
    expect(next.q.stored).toBe(true);
    expect(pairs(await next.q.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    expect(flag()).toBeNull();
    expect(lazy(Promise.resolve(harness().holder)).q.stored).toBe(false);
  });

  it('a grant always looks, and keeps the flag while events are left', async () => {
    const { holder } = harness();
    holder.hold(event('e1', T0 - 1000, [ga, fb])); // held by a page that left no flag (another tab's race)
    const { q, loads } = lazy(Promise.resolve(holder));
    expect(pairs(await q.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    expect(loads()).toBe(1);
    expect(flag()).not.toBeNull(); // marketing still waits
  });

  it('leaves the flag that another tab set while this one emptied the queue', async () => {
    const { q } = lazy(Promise.resolve(harness().holder));
    q.hold(event('e1', T0 - 1000, [ga]));
    const taken = q.take(cats('analytics'));
    localStorage.setItem(QUEUE_FLAG, 'another-tab');
    await taken;
    expect(flag()).toBe('another-tab');
  });

  it('sets the flag again when it writes events after another tab removed it', async () => {
    // Both tabs take analytics (a grant announced to the other tab); the other's take, finding the queue
    // empty, removes the flag. This tab then writes a marketing event: a later page must still find it.
    const a = harness();
    const b = harness();
    const qa = lazy(Promise.resolve(a.holder)).q;
    const qb = lazy(Promise.resolve(b.holder)).q;
    qa.hold(event('e1', T0 - 2000, [ga]));
    await a.holder.flush();
    await Promise.all([qa.take(cats('analytics')), qb.take(cats('analytics'))]);
    qa.hold(event('e2', T0 - 1000, [fb]));
    await settle();
    await a.holder.flush();
    expect(flag()).not.toBeNull();
    const next = lazy(Promise.resolve(harness().holder));
    expect(next.q.stored).toBe(true);
    expect(await next.q.drop(cats('marketing'))).toBe(1); // a refusal on that page deletes it
    expect(await harness().holder.size()).toBe(0);
  });

  it('sets the flag again when another tab removes it while this one still holds events', async () => {
    // The other tab's take counted the store just before this tab's write committed, then removed the flag.
    const a = harness();
    const { q } = lazy(Promise.resolve(a.holder));
    q.hold(event('e1', T0 - 1000, [fb]));
    await a.holder.flush();
    const removed = () => {
      localStorage.removeItem(QUEUE_FLAG);
      dispatchEvent(new StorageEvent('storage', { key: QUEUE_FLAG, oldValue: 'x', newValue: null }));
    };
    removed();
    await expect.poll(flag).not.toBeNull();
    // A tab with nothing waiting leaves it removed.
    await q.drop(cats('marketing'));
    expect(flag()).toBeNull();
    removed();
    await settle(20);
    expect(flag()).toBeNull();
  });

  it('keeps the flag when a storage fault left the store uncounted', async () => {
    const first = harness();
    first.holder.hold(event('e1', T0 - 1000, [ga, fb]));
    await first.holder.close();
    localStorage.setItem(QUEUE_FLAG, 'an-earlier-page');
    const open = vi.spyOn(indexedDB, 'open').mockImplementationOnce(() => {
      throw new DOMException('', 'UnknownError');
    });
    const page = harness();
    const { q } = lazy(Promise.resolve(page.holder));
    expect(pairs(await q.take(cats('analytics')))).toEqual([]); // this page cannot read the store
    open.mockRestore();
    expect(page.codes()).toContain('queue/unavailable');
    expect(flag()).not.toBeNull(); // the next page still looks
    const next = lazy(Promise.resolve(harness().holder));
    expect(next.q.stored).toBe(true);
    expect(pairs(await next.q.take(cats('analytics')))).toEqual([['ga', 'e1']]);
  });

  it('with storage "memory" writes no flag and spills nothing', () => {
    const { q } = lazy(chunk().load, 500, false);
    q.hold(event('e1', T0 - 1000, [ga]));
    hide();
    expect(flag()).toBeNull();
    expect(spillKeys()).toEqual([]);
  });
});
