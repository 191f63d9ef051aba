/**
 * The queue as the core sees it: its chunk is loaded only when events may wait (this page holds one, a
 * grant or denial needs a take or drop, or the `tagwarden:queue` flag says an earlier page left some on the
 * device), and firing granted tags never waits for it. Events held before it arrives wait in memory, in
 * order, and are handed to it before any take or drop; a page left meanwhile spills them to localStorage
 * for the next page. A chunk that does not load leaves them in this page's memory. Storage itself is
 * holder.ts's.
 */
import type { ErrorCode } from '../lib/errors';
import { storage } from '../lib/storage';
import type { Held } from '../tags/dispatch';
import type { DurableHolder } from './holder';
import { pageStamp, QUEUE_FLAG, SPILL } from './keys';

/**
 * The queue's surface the runtime uses; `stored` says whether earlier pages may have left events waiting on
 * the device (the flag was there when this page started).
 */
export type QueueHandle = Pick<DurableHolder, 'hold' | 'take' | 'drop' | 'size' | 'clear' | 'lastTake'> & {
  readonly stored: boolean;
};

/**
 * A queue handle over `load`, which resolves with the durable queue, or rejects when its chunk does not
 * load: then `report` hears `queue/unavailable` and the page keeps up to `max` held (tag, event) pairs
 * in memory, for this page only.
 */
export function lazyQueue(
  load: () => Promise<DurableHolder>,
  max: number,
  report: (code: ErrorCode, detail?: string) => void,
  /** False with `storage: "memory"`: nothing is written to the device, the flag neither. */
  durable = true,
): QueueHandle {
  let queue: DurableHolder | undefined;
  let started: Promise<DurableHolder | undefined> | undefined;
  let waiting: Held[] = [];
  let flagged = false;
  const lastTake = { replayed: 0, dropped: 0, expired: 0 };
  const flag = () => {
    flagged = true;
    const v = pageStamp();
    if (durable) storage(() => localStorage.setItem(QUEUE_FLAG, v));
    return v;
  };
  // Without localStorage the flag reads as set (undefined), and nothing is skipped.
  const found = storage(() => localStorage.getItem(QUEUE_FLAG)) !== null;

  // The flag (keys.ts) is set when a page first holds an event, before every take and (holder.ts) after a
  // write or another tab's removal when it is missing, and removed once a take, drop or clear leaves the
  // queue empty, unless another tab set it meanwhile.
  // A page left before the chunk arrives (an add-to-cart click that leads straight to the cart) spills what
  // waits, synchronously, under a key of its own in the queue's spill format 1, which the next page's queue
  // restores (holder.ts).
  const key = SPILL + pageStamp();
  let spilled = false;
  /** What waited when the spill was last written: the events that a page that takes it delivers. */
  let inSpill = new Set<Held>();
  const spill = (e: Event) => {
    if (e.type === 'pagehide' || document.visibilityState === 'hidden') respill();
  };
  /**
   * When this page's spill is gone, another page has taken it (and delivers its events): the copies of them
   * here are forgotten, not what was held since. Throws without localStorage (callers guard it).
   */
  const forgetTaken = () => {
    if (!spilled || localStorage.getItem(key) !== null) return;
    waiting = waiting.filter((h) => !inSpill.has(h));
    spilled = false;
  };
  /** Writes what waits to this page's spill, or removes it when nothing does. */
  const respill = () => {
    // Before writing it anew: a second spill would hide that the first was taken.
    storage(forgetTaken);
    const entries: (Omit<Held['ev'], 'id'> & { eventId: string; tags: object[]; seq: number })[] = [];
    for (const { tag, ev } of waiting) {
      let last = entries[entries.length - 1];
      if (last?.eventId !== ev.id) {
        const { id: eventId, name, time, model, page } = ev;
        last = { eventId, name, time, model, page, tags: [], seq: entries.length + 1 };
        entries.push(last);
      }
      last.tags.push({ id: tag.id, category: tag.category });
    }
    storage(() => {
      if (entries.length) localStorage.setItem(key, JSON.stringify(entries));
      else if (spilled) localStorage.removeItem(key);
      spilled = entries.length > 0;
      inSpill = new Set(waiting);
    });
  };
  /** Takes this page's spill back (see `forgetTaken`). */
  const reclaim = () =>
    storage(() => {
      forgetTaken();
      localStorage.removeItem(key);
      spilled = false;
    });
  const listen = (on: boolean) => {
    const m = on ? addEventListener : removeEventListener;
    m('pagehide', spill);
    m('visibilitychange', spill);
  };

  const start = () => {
    if (started) return started;
    if (durable) listen(true);
    started = load().then(
      (q) => {
        listen(false);
        reclaim(); // a spill another page has taken is in the store now
        q.hold(waiting);
        waiting = [];
        queue = q;
        return q;
      },
      (e: unknown) => {
        // Memory for this page only, as after a storage fault on a page that stays: no later page may
        // restore (and deliver again) what this page delivers.
        listen(false);
        reclaim();
        report('queue/unavailable', `chunk: ${(e as Error)?.name}`);
        return undefined;
      },
    );
    return started;
  };
  /** Without the queue: takes out of memory what waits for `cats`. */
  const cut = (cats: Set<string>) => {
    const out = waiting.filter((h) => cats.has(h.tag.category));
    waiting = waiting.filter((h) => !cats.has(h.tag.category));
    if (spilled) respill(); // a page that dies now must not leave what was cut to the next one
    return out;
  };
  /** After `op`: an empty queue removes the flag, unless it changed since `v` (another tab holds). */
  const afterLoad = <T>(
    v: string | null | undefined,
    op: (q: DurableHolder) => Promise<T>,
    without: () => T,
  ) =>
    start().then(async (q) => {
      if (!q) return without();
      const out = await op(q);
      // Only a store that was counted, and found empty, is empty: after a fault its events stay flagged.
      if (!(await q.size()) && q.device)
        storage(() => {
          if (localStorage.getItem(QUEUE_FLAG) === v) {
            localStorage.removeItem(QUEUE_FLAG);
            flagged = false;
          }
        });
      return out;
    });
  const current = () => storage(() => localStorage.getItem(QUEUE_FLAG));
  /** True when nothing can wait on the device: no flag, and this page never loaded the queue. */
  const idle = () => !started && !waiting.length && current() === null;

  return {
    hold(entries) {
      if (!flagged) flag();
      if (queue) return queue.hold(entries);
      for (const e of entries) waiting.push(e); // not concat: a burst would copy the list every push
      if (waiting.length > max) waiting.splice(0, waiting.length - max);
      start();
    },
    // A grant always looks (an earlier page's take may have been cut short); the flag stays meanwhile.
    take: (cats) =>
      afterLoad(
        flag(),
        (q) => q.take(cats),
        () => {
          const out = cut(cats);
          lastTake.replayed = out.length;
          return out;
        },
      ),
    drop(cats) {
      // What waits in memory is dropped at once (a clear right after must not take it before it is counted).
      const n = queue ? 0 : cut(cats).length;
      return idle()
        ? Promise.resolve(n)
        : afterLoad(
            current(),
            (q) => q.drop(cats).then((d) => d + n),
            () => n,
          );
    },
    size: () =>
      idle()
        ? Promise.resolve(0)
        : afterLoad(
            current(),
            (q) => q.size(),
            () => new Set(waiting.map((h) => h.ev.id)).size,
          ),
    clear() {
      waiting = [];
      storage(() => localStorage.removeItem(key));
      spilled = false;
      return idle()
        ? Promise.resolve()
        : afterLoad(
            current(),
            (q) => q.clear(),
            () => undefined,
          );
    },
    get lastTake() {
      return queue?.lastTake ?? lastTake;
    },
    stored: found,
  };
}
