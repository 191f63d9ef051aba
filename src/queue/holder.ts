/**
 * The durable consent queue: a Holder keeping events that wait for consent in IndexedDB across pages, handing
 * each (tag, event) out once, in event order, and falling back to memory on any storage fault without losing
 * what it holds. It is the runtime's own strictly necessary first-party storage: only what the dispatcher
 * hands over, no identifier created, emptied when the visitor refuses everything. Consent is not its job.
 */
import type { Container, Tag } from '../container/schema';
import type { ErrorCode } from '../lib/errors';
import type { Held, Holder } from '../tags/dispatch';
import { inTx, openDb } from './db';
import { byKey, clean, type Entry, entryKey, type TagRef } from './entry';

/** What `createDurableHolder` needs. */
export interface DurableHolderOptions {
  /** The container's queue settings (storage, ttlHours, maxEntries, maxEventBytes). */
  settings: Container['consent']['queue'];
  /** The current container's tag with this id; a tag no longer in the container receives nothing. */
  resolveTag(id: string): Tag | undefined;
  /** Receives an error record (a `queue/` code and an optional detail). */
  report(code: ErrorCode, detail?: string): void;
  /** The clock, ms since epoch (default `Date.now`). */
  now?: () => number;
  /** Default `tagwarden`. */
  dbName?: string;
  /** Default `queue`. */
  storeName?: string;
  /** How long to wait for `indexedDB.open` before falling back to memory (default 3000 ms). */
  openTimeoutMs?: number;
}

/** The outcome of the last `take`: pairs handed out, pairs of unknown tags dropped, entries expired since the take before. */
export interface TakeStats {
  replayed: number;
  dropped: number;
  expired: number;
}

/** A Holder backed by IndexedDB (or memory), with the extras the runtime and tests use. */
export interface DurableHolder extends Holder {
  /** Takes, in event order, the held events of tags in `categories`, each at most once (also across tabs). */
  take(categories: Set<string>): Promise<Held[]>;
  /** Removes the tags in `categories` from every held event (one transaction); resolves when done. */
  /** Removes the held events of `categories`; resolves with how many (tag, event) pairs were removed. */
  drop(categories: Set<string>): Promise<number>;
  /** The number of held events (stored, written soon, or kept in memory). */
  size(): Promise<number>;
  /** Writes the events held so far now rather than soon. */
  flush(): Promise<void>;
  /** Empties the queue, on the device too. */
  clear(): Promise<void>;
  /** Writes what is held, closes the connection and stops listening; later events stay in memory. */
  close(): Promise<void>;
  /** Statistics of the last `take` (for the `queue` record). */
  readonly lastTake: TakeStats;
}

const LOCK = 'tagwarden-queue';
/**
 * A page that goes away may take its last IndexedDB write with it (Chromium aborts a transaction that has not
 * committed when the document is torn down; a navigation right after an event is the common case). So when the
 * page is hidden, what is not yet known to be committed is also written, synchronously, to localStorage under
 * a key of this page's own; the next page of the site moves it into IndexedDB and removes it.
 */
const SPILL = 'tagwarden:queue:';
/** A spilled entry; `sent` when a transaction may have committed it already (restored only if absent). */
type Spilled = Entry & { sent?: 1 };
const errName = (e: unknown) => (e as DOMException | null)?.name;
const QUOTA = 'QuotaExceededError';
/** Events per write transaction. */
const CHUNK = 200;

/**
 * Creates the durable queue. `hold` never waits on IndexedDB: events are grouped by event id, kept in
 * memory and written in one batch soon after (at once on `pagehide` and when the page is hidden).
 */
export function createDurableHolder(options: DurableHolderOptions): DurableHolder {
  const { settings, resolveTag, report, now = Date.now, dbName = 'tagwarden', storeName = 'queue' } = options;
  const max = settings.maxEntries;
  const ttl = settings.ttlHours * 3_600_000;
  let durable = settings.storage === 'indexeddb';
  let dbp: Promise<IDBDatabase> | undefined;
  /** Held, not yet cleaned, measured or written: each entry with the model snapshots to merge into it. */
  let pending: [Entry, Record<string, unknown>[]][] = [];
  /** Kept in memory only: memory mode, or events the device would not store. */
  let mem: Entry[] = [];
  let seq = 0;
  let overflow = 0;
  let expired = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  /** Entries handed to a write transaction that has not committed yet. */
  let inflight: Entry[] = [];
  /** This page's spill key, and whether something is spilled under it. */
  const spillKey = SPILL + now().toString(36) + Math.random().toString(36).slice(2, 8);
  let spilled = false;
  /** Between pagehide and a pageshow from the back/forward cache: this page's memory is in its spill. */
  let left = false;

  /** Runs `op` after every operation before it (ops never reject). */
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const p = chain.then(op);
    chain = p.catch(() => {});
    return p;
  };

  const connect = async () => {
    const db = await openDb(dbName, storeName, options.openTimeoutMs ?? 3000, () => {
      dbp = undefined;
      report('queue/closed');
    });
    // Purge on open what outlived the time-to-live (keys start with the event time).
    await inTx(db, storeName, (s) => {
      const old = IDBKeyRange.upperBound([now() - ttl], true);
      const n = s.count(old);
      n.onsuccess = () => {
        expired += n.result;
      };
      s.delete(old);
    }).catch(() => {});
    await restore(db);
    return db;
  };

  /** Runs `fn` in one readwrite transaction; a closed connection is reopened and `fn` retried once. */
  const run = async <T>(fn: (s: IDBObjectStore) => T, retried?: boolean): Promise<T> => {
    dbp ||= connect();
    const db = await dbp;
    try {
      return await inTx(db, storeName, fn);
    } catch (e) {
      const n = errName(e);
      if (retried || (n !== 'InvalidStateError' && n !== 'AbortError')) throw e;
      dbp = undefined;
      report('queue/closed', n);
      return run(fn, true);
    }
  };

  /**
   * Moves what pages spilled (see SPILL) into the store: taken out of localStorage at once, so that no other
   * page restores it too, and kept in this page's memory when the device refuses it.
   */
  const restore = async (db: IDBDatabase) => {
    const restored = takeSpills();
    if (!restored.length) return;
    // Out of localStorage and not yet committed: a spill of this page (left before the commit) carries them on.
    const mine = restored.map(({ sent, ...e }) => e as Entry);
    await sending(mine, () =>
      inTx(db, storeName, (s) => {
        restored.forEach(({ sent }, i) => {
          const e = mine[i]!;
          // One that may have committed before its page went away is added only when absent: the
          // ConstraintError otherwise must neither abort the transaction nor bubble to its onerror.
          if (!sent) s.put(e, entryKey(e));
          else
            s.add(e, entryKey(e)).onerror = (ev) => {
              ev.preventDefault();
              ev.stopPropagation();
            };
        });
      }),
    ).catch((e) => {
      keep(mine);
      fault(e);
    });
  };

  /** `e` with the held tags' model snapshots cleaned and merged into its model. */
  const merged = (e: Entry, models: Record<string, unknown>[]): Entry => {
    for (const m of models) clean(m, e.model);
    return e;
  };

  /** Reads and removes every page's spilled entries (this page's own included: it is being reconnected). */
  const takeSpills = (): Spilled[] => {
    let out: Spilled[] = [];
    try {
      for (const k of Object.keys(localStorage))
        if (k.startsWith(SPILL)) {
          const v = localStorage.getItem(k);
          localStorage.removeItem(k);
          const list: unknown = JSON.parse(v ?? '[]');
          if (Array.isArray(list)) out = out.concat(list.filter((e: Spilled) => e && Array.isArray(e.tags)));
        }
    } catch {
      // No localStorage, or a spill that is not ours: nothing to restore.
    }
    spilled = false;
    return out;
  };

  /**
   * Writes, synchronously, what is not yet known to be on the device (in a write, or held and not written) under
   * this page's spill key, and once the page is left (pagehide: its memory is going) what only memory holds
   * after a storage fault; removes the key when there is nothing of the kind. Memory mode spills nothing.
   */
  const spill = () => {
    if (settings.storage !== 'indexeddb') return;
    const list: Spilled[] = inflight.map((e) => ({ ...e, sent: 1 }));
    if (left) for (const e of mem) list.push(e);
    for (const [e, models] of pending) list.push(merged({ ...e, model: {} }, models));
    try {
      if (list.length) localStorage.setItem(spillKey, JSON.stringify(list));
      else if (spilled) localStorage.removeItem(spillKey);
      spilled = list.length > 0;
    } catch (e) {
      if (errName(e) === QUOTA) report('queue/quota', 'spill');
    }
  };

  /**
   * Runs `write`, a transaction that stores `entries`, with them counted as in flight (a spill meanwhile
   * carries them as "maybe committed"); afterwards the spill, if any, says only what is still unwritten.
   */
  const sending = <T>(entries: Entry[], write: () => Promise<T>): Promise<T> => {
    const sent = new Set(entries);
    inflight = inflight.concat(entries);
    return write().finally(() => {
      inflight = inflight.filter((e) => !sent.has(e));
      if (spilled) spill();
    });
  };

  /** Keeps `list` in memory (within bounds) after the device refused it. */
  const keep = (list: Entry[]) => {
    mem = mem.concat(list); // not push(...list): Safari caps the argument count at 65,536
    if (mem.length > max) overflow += mem.splice(0, mem.length - max).length;
  };

  /** A storage fault: quota is reported as such; anything else switches this page to memory. */
  const fault = (e: unknown) => {
    if (errName(e) === QUOTA) return report('queue/quota');
    if (durable) report('queue/unavailable', errName(e));
    durable = false;
  };

  /** Cleans, merges and measures the pending events; those over the size bound are not kept. */
  const prepare = (limit = pending.length): Entry[] => {
    const out: Entry[] = [];
    for (const [e, models] of pending.splice(0, limit)) {
      merged(e, models);
      const bytes = JSON.stringify(e).length;
      if (bytes > settings.maxEventBytes) report('queue/too-large', String(bytes));
      else out.push(e);
    }
    return out;
  };

  /** Deletes the `n` oldest entries. */
  const dropOldest = (s: IDBObjectStore, n: number) => {
    s.getAllKeys(null, n).onsuccess = (ev) => {
      for (const k of (ev.target as IDBRequest<IDBValidKey[]>).result) s.delete(k);
    };
  };

  /** Puts `batch` (after deleting the `drop` oldest entries) and trims the store to `maxEntries`. */
  const write = (batch: Entry[], drop: number) =>
    run((s) => {
      const r = { refused: [] as Entry[], over: 0 };
      if (drop) dropOldest(s, drop);
      for (const e of batch)
        try {
          s.put(e, entryKey(e));
        } catch (err) {
          // DataCloneError (or a bad key) for this entry only: it stays in memory, the others are written.
          if (errName(err) === QUOTA) throw err;
          r.refused.push(e);
        }
      const n = s.count();
      n.onsuccess = () => {
        r.over = n.result - max;
        if (r.over > 0) dropOldest(s, r.over);
      };
      return r;
    });

  /** Writes the pending events in one transaction; what the device refuses stays in memory. */
  const flushNow = async () => {
    // In transactions of CHUNK events: each one's cloning is a short task, never one long one for a burst.
    do {
      let batch = prepare(CHUNK);
      if (batch.length && durable)
        try {
          const out = batch;
          const r = await sending(out, () =>
            write(out, 0).catch((e) => {
              if (errName(e) !== QUOTA) throw e;
              // Quota: make room by dropping as many of the oldest entries, and try once more.
              return write(out, out.length).then((r) => {
                report('queue/quota', String(out.length));
                return r;
              });
            }),
          );
          if (r.over > 0) overflow += r.over;
          if (r.refused.length) report('queue/unstorable', String(r.refused.length));
          batch = r.refused;
        } catch (e) {
          fault(e);
        }
      keep(batch);
    } while (pending.length);
    if (overflow) report('queue/overflow', String(overflow));
    overflow = 0;
  };

  /**
   * Takes out of every held event the tags of `categories` (by their current category; unknown tags by their
   * stored one) in one transaction, under a Web Lock when there is one; expired entries are deleted.
   */
  const sweep = async (cats: Set<string>) => {
    // Connecting restores other pages' spills, into memory when the device refuses them: before the sweep.
    if (durable) {
      const fresh = !dbp;
      dbp ||= connect();
      const db = await dbp.catch(() => undefined);
      // Spilled by pages that went away since this one connected.
      if (db && !fresh) await restore(db);
    }
    const cutoff = now() - ttl;
    const hits: [Entry, TagRef[]][] = [];
    /** Removes from `e` its tags in `cats`; true when `e` still has tags left. */
    const cut = (e: Entry, into: [Entry, TagRef[]][]) => {
      const got: TagRef[] = [];
      const rest: TagRef[] = [];
      for (const t of e.tags) (cats.has(resolveTag(t.id)?.category ?? t.category) ? got : rest).push(t);
      if (got.length) into.push([e, got]);
      e.tags = rest;
      return rest.length > 0;
    };
    const sweepMem = (list: Entry[]) =>
      list.filter((e) => {
        if (e.time >= cutoff) return cut(e, hits);
        expired++;
        return false;
      });
    mem = sweepMem(mem);
    let rest = sweepMem(prepare());
    const stored: [Entry, TagRef[]][] = [];
    if (durable)
      try {
        // CHUNK entries per transaction, in key order, so that a large take is a series of short tasks. Each
        // entry is still taken in exactly one transaction (and the tabs take turns under the Web Lock).
        let after: IDBValidKey | undefined;
        for (let first = true; ; first = false) {
          const range = after === undefined ? null : IDBKeyRange.lowerBound(after, true);
          const take = () =>
            run((s) => {
              const r = { found: [] as [Entry, TagRef[]][], old: 0, refused: [] as Entry[], read: 0 };
              const keys = s.getAllKeys(range, CHUNK);
              const values = s.getAll(range, CHUNK);
              values.onsuccess = () => {
                r.read = values.result.length;
                after = keys.result[r.read - 1];
                (values.result as Entry[]).forEach((e, i) => {
                  const k = keys.result[i]!;
                  const n = r.found.length;
                  if (e.time < cutoff) {
                    r.old++;
                    s.delete(k);
                  } else if (!cut(e, r.found)) s.delete(k);
                  else if (r.found.length > n) s.put(e, k);
                });
              };
              // What is left of the events not written yet is written in the first transaction.
              if (first)
                for (const e of rest)
                  try {
                    s.put(e, entryKey(e));
                  } catch (err) {
                    if (errName(err) === QUOTA) throw err;
                    r.refused.push(e);
                  }
              return r;
            });
          // The first transaction also writes `rest`: those are in flight until it commits.
          const r = await (first ? sending(rest, take) : take());
          for (const f of r.found) stored.push(f);
          expired += r.old;
          if (first) rest = r.refused;
          if (r.read < CHUNK) break;
        }
      } catch (e) {
        fault(e);
      }
    keep(rest);
    return hits.concat(stored).sort((a, b) => byKey(a[0], b[0]));
  };

  /** Runs `fn` under the queue's Web Lock when there is one (one tab at a time); without it, `fn` alone. */
  const locked = <T>(fn: () => Promise<T>): Promise<T> => {
    if (typeof navigator === 'undefined' || !navigator.locks) return fn();
    let ran = false;
    return navigator.locks
      .request(LOCK, () => {
        ran = true;
        return fn();
      })
      .catch((e) => (ran ? Promise.reject(e) : fn()));
  };

  const hide = (e: Event) => {
    if (e.type !== 'pagehide' && document.visibilityState !== 'hidden') return;
    if (e.type === 'pagehide') left = true;
    spill(); // synchronous: survives a page torn down before the write below commits
    void holder.flush();
  };
  // Back from the back/forward cache: when another page took this page's spill, it took over the events only
  // this page's memory held (they are in the store now); otherwise the spill no longer needs them.
  const show = (e: Event) => {
    if (!(e as PageTransitionEvent).persisted || !left) return;
    left = false;
    try {
      if (spilled && localStorage.getItem(spillKey) === null) {
        mem = [];
        spilled = false;
      }
    } catch {
      // No localStorage: nothing was spilled.
    }
    if (spilled) spill();
  };
  addEventListener('pagehide', hide);
  addEventListener('pageshow', show);
  document.addEventListener('visibilitychange', hide);

  const holder: DurableHolder & { lastTake: TakeStats } = {
    lastTake: { replayed: 0, dropped: 0, expired: 0 },

    hold(held) {
      for (const { tag, ev } of held) {
        let p = pending[pending.length - 1];
        if (p?.[0].eventId !== ev.id) {
          const { url, path, hostname, referrer, title } = ev.page;
          p = [
            {
              eventId: ev.id,
              name: ev.name,
              time: ev.time,
              model: {},
              page: { url, path, hostname, referrer, title },
              tags: [],
              seq: ++seq,
            },
            [],
          ];
          pending.push(p);
        }
        p[0].tags.push({ id: tag.id, category: tag.category });
        p[1].push(ev.model);
      }
      if (pending.length > max) overflow += pending.splice(0, pending.length - max).length;
      if (!timer)
        timer = setTimeout(() => {
          timer = undefined;
          void holder.flush();
        });
    },

    take: (cats) =>
      serial(() =>
        locked(async () => {
          const out: Held[] = [];
          let dropped = 0;
          for (const [e, tags] of await sweep(cats))
            for (const t of tags) {
              const tag = resolveTag(t.id);
              if (!tag) dropped++;
              else
                out.push({
                  tag,
                  ev: { name: e.name, id: e.eventId, time: e.time, model: e.model, page: e.page },
                });
            }
          holder.lastTake = { replayed: out.length, dropped, expired };
          expired = 0;
          return out;
        }),
      ),

    drop: (cats) =>
      serial(() => locked(() => sweep(cats).then((hits) => hits.reduce((n, [, t]) => n + t.length, 0)))),

    size: () =>
      serial(async () => {
        let n = pending.length + mem.length;
        if (durable)
          try {
            n += (await run((s) => s.count())).result;
          } catch (e) {
            fault(e);
          }
        return n;
      }),

    flush: () => serial(flushNow),

    clear: () =>
      serial(async () => {
        pending = [];
        mem = [];
        takeSpills();
        if (durable) await run((s) => s.clear()).catch(fault);
      }),

    close: () =>
      serial(async () => {
        removeEventListener('pagehide', hide);
        removeEventListener('pageshow', show);
        document.removeEventListener('visibilitychange', hide);
        await flushNow();
        if (durable && dbp) (await dbp.catch(() => undefined))?.close();
        durable = false;
      }),
  };
  return holder;
}
