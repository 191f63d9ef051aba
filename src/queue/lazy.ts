/**
 * The queue as the core sees it before its chunk has arrived: firing granted tags never waits for the
 * durable queue. Events held meanwhile wait in memory, in order, and are handed to the queue the moment it
 * loads, before any take or drop it was asked for. A chunk that does not load leaves them in this page's
 * memory. Storage itself is holder.ts's.
 */
import type { ErrorCode } from '../lib/errors';
import type { Held } from '../tags/dispatch';
import type { DurableHolder } from './holder';

/** The queue's surface the runtime uses. */
export type QueueHandle = Pick<DurableHolder, 'hold' | 'take' | 'drop' | 'size' | 'clear' | 'lastTake'>;

/**
 * A queue handle over `load`, which resolves with the durable queue, or rejects when its chunk does not
 * load: then `report` hears `queue/unavailable` and the page keeps up to `max` held (tag, event) pairs
 * in memory, for this page only.
 */
export function lazyQueue(
  load: Promise<DurableHolder>,
  max: number,
  report: (code: ErrorCode, detail?: string) => void,
): QueueHandle {
  let queue: DurableHolder | undefined;
  let waiting: Held[] = [];
  const lastTake = { replayed: 0, dropped: 0, expired: 0 };
  const handle = load.then(
    (q) => {
      q.hold(waiting);
      waiting = [];
      queue = q;
      return q;
    },
    (e: unknown) => {
      report('queue/unavailable', `chunk: ${(e as Error)?.name}`);
    },
  );
  /** Without the queue: takes out of memory what waits for `cats`. */
  const cut = (cats: Set<string>) => {
    const out = waiting.filter((h) => cats.has(h.tag.category));
    waiting = waiting.filter((h) => !cats.has(h.tag.category));
    return out;
  };

  return {
    hold(entries) {
      if (queue) return queue.hold(entries);
      waiting = waiting.concat(entries);
      if (waiting.length > max) waiting = waiting.slice(-max);
    },
    take: (cats) =>
      handle.then((q) => {
        if (q) return q.take(cats);
        const out = cut(cats);
        lastTake.replayed = out.length;
        return out;
      }),
    drop: (cats) => handle.then((q) => q?.drop(cats) ?? cut(cats).length),
    size: () => handle.then((q) => q?.size() ?? new Set(waiting.map((h) => h.ev.id)).size),
    clear() {
      waiting = [];
      return handle.then((q) => q?.clear());
    },
    get lastTake() {
      return queue?.lastTake ?? lastTake;
    },
  };
}
