/**
 * The durable consent queue: a Holder keeping events that wait for consent in IndexedDB across pages, handing
 * each (tag, event) out once, in event order (per-tag marks record what a take handed out, rather than a
 * rewrite of every entry it leaves other tags in), and falling back to memory on any storage fault without losing
 * what it holds. It is the runtime's own strictly necessary first-party storage: only what the dispatcher
 * hands over, no identifier created, emptied when the visitor refuses everything. Consent is not its job.
 */
import type { Container, Tag } from '../container/schema';
import type { ErrorCode } from '../lib/errors';
import { storage } from '../lib/storage';
import type { Held, Holder } from '../tags/dispatch';
import { inTx, openDb } from './db';
import {
  byKey,
  clean,
  cmpKey,
  type Entry,
  type EntryV1,
  entryKey,
  type Key,
  keyOf,
  readEntry,
  type TagRef,
  toV1,
} from './entry';
import { pageStamp, QUEUE_FLAG, SPILL } from './keys';

/** What `createDurableHolder` needs. */
export interface DurableHolderOptions {
  /** The container's queue settings (storage, ttlHours, maxEntries, maxEventBytes). */
  settings: Container['consent']['queue'];
  /** The current container's tags by id; a tag no longer in the container receives nothing. */
  tags: ReadonlyMap<string, Tag>;
  /** Receives an error record (a `queue/` code and an optional detail). */
  report(code: ErrorCode, detail?: string): void;
  /** The clock, ms since epoch (default `Date.now`). */
  now?: () => number;
  /** Default `tagwarden`. */
  dbName?: string;
  /** Default `queue`; the marks are kept in object store `<storeName>-marks`. */
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
  /**
   * Removes the tags in `categories` from every held event (in transactions of at most 200 entries, each
   * entry in one); resolves with how many (tag, event) pairs were removed.
   */
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
  /** True while the store on the device is in use and counted by `size`: not in memory mode or after a fault. */
  readonly device: boolean;
}

const LOCK = 'tagwarden-queue';
// The spill (keys.ts, SPILL): a page that goes away may take its last IndexedDB write with it (Chromium aborts
// a transaction that has not committed when the document is torn down; a navigation right after an event is
// the common case). So when the page is hidden, what is not yet known to be committed is also written,
// synchronously, to localStorage under a key of this page's own; the next page of the site moves it into
// IndexedDB and removes it.
/**
 * A spilled entry, in format 1 (which the previous version restores too; this one also reads format 2);
 * `sent` when a transaction may have committed it already (restored only if absent).
 */
type Spilled = (EntryV1 | Entry) & { sent?: 1 };
/** Tag id → the key up to which that tag has been taken (see `sweep`). */
type Marks = Map<string, Key>;
const errName = (e: unknown) => (e as DOMException | null)?.name;
const QUOTA = 'QuotaExceededError';
/** Events per take transaction, and at most per write transaction. */
const CHUNK = 200;
/**
 * Main-thread time a write transaction's synchronous part (cleaning, measuring and cloning its events) aims
 * at: the next transaction takes as many events as fit in it at the last one's cost per event (at least
 * MIN_CHUNK). A slow device, or a busy one whose main thread waits for a core, writes in smaller transactions
 * rather than in longer tasks.
 */
const WRITE_MS = 4;
const MIN_CHUNK = 16;
const FIRST_CHUNK = 64;
/**
 * The size of the next write transaction after one of `n` events took `ms` (see WRITE_MS); a batch too small
 * to measure with a coarse timer (100 µs) leaves `size` as it is.
 */
const nextChunk = (size: number, n: number, ms: number) =>
  n < MIN_CHUNK
    ? size
    : ms > 0
      ? Math.max(MIN_CHUNK, Math.min(CHUNK, Math.floor((WRITE_MS * n) / ms)))
      : CHUNK;

/**
 * Creates the durable queue. `hold` never waits on IndexedDB: events are grouped by event id, kept in
 * memory and written in one batch soon after (at once on `pagehide` and when the page is hidden).
 */
export function createDurableHolder(options: DurableHolderOptions): DurableHolder {
  const { settings, tags, report, now = Date.now, dbName = 'tagwarden', storeName = 'queue' } = options;
  const stores = [storeName, `${storeName}-marks`];
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
  /** Other pages' spilled entries that may be in the store too, held after a fault (see `absorb`). */
  let unsure: Entry[] = [];
  /** This page's spill key, and whether something is spilled under it. */
  const spillKey = SPILL + pageStamp(now());
  let spilled = false;
  /** The entries this page's spill holds as its own (held, or kept in memory): whoever takes it keeps them. */
  let spilledOwn = new Set<Entry>();
  /** Between pagehide and a pageshow from the back/forward cache: this page's memory is in its spill. */
  let left = false;

  /** Runs `op` after every operation before it (ops never reject). */
  const serial = <T>(op: () => Promise<T>): Promise<T> => {
    const p = chain.then(op);
    chain = p.catch(() => {});
    return p;
  };

  const connect = async () => {
    const db = await openDb(dbName, stores, options.openTimeoutMs ?? 3000, () => {
      dbp = undefined;
      report('queue/closed');
    });
    // Purge on open what outlived the time-to-live (keys start with the event time), and the marks that
    // reach only entries purged here.
    await inTx(db, stores, (s, m) => {
      const cutoff = now() - ttl;
      const old = IDBKeyRange.upperBound([cutoff], true);
      const n = s.count(old);
      n.onsuccess = () => {
        expired += n.result;
      };
      s.delete(old);
      readMarks(m!, (marks) => {
        for (const [id, k] of marks) if (k[0] < cutoff) m!.delete(id);
      });
    }).catch(() => {});
    await restore(db);
    return db;
  };

  /**
   * Runs `fn` in one readwrite transaction on the entries and the marks; a closed connection is reopened
   * and `fn` retried once.
   */
  const run = async <T>(fn: (s: IDBObjectStore, m: IDBObjectStore) => T, retried?: boolean): Promise<T> => {
    dbp ||= connect();
    const db = await dbp;
    try {
      return await inTx(db, stores, (s, m) => fn(s!, m!));
    } catch (e) {
      const n = errName(e);
      if (retried || (n !== 'InvalidStateError' && n !== 'AbortError')) throw e;
      dbp = undefined;
      report('queue/closed', n);
      return run(fn, true);
    }
  };

  /**
   * Moves what other pages spilled (see SPILL) into the store: taken out of localStorage at once, so that no other
   * page restores it too, and kept in this page's memory when the device refuses it (a "maybe committed" one
   * only carried on: see `absorb`).
   */
  const restore = async (db: IDBDatabase) => {
    // Not this page's own: its memory still holds everything in it (in a write, held or kept), and restoring
    // it would store those events a second time.
    const restored: Spilled[] = [];
    // Out of localStorage and not yet committed: a spill of this page (left before the commit) carries them on.
    // (A spill is in format 1; `late` is worked out again below.)
    const mine: Entry[] = [];
    for (const item of takeSpills(spillKey)) {
      const { sent, ...v } = item;
      const [e] = readEntry(v)!;
      delete e.late;
      // Over the size bound: never kept, also when its page spilled it unmeasured (lazy.ts).
      if (tooLarge(JSON.stringify(e).length)) continue;
      restored.push(item);
      mine.push(e);
    }
    if (!restored.length) return;
    await sending(mine, () =>
      inTx(db, stores, (s, m) => {
        const stored: Entry[] = [];
        restored.forEach(({ sent }, i) => {
          const e = mine[i]!;
          // One that may have committed before its page went away is added only when absent: the
          // ConstraintError otherwise must neither abort the transaction nor bubble to its onerror.
          if (!sent) {
            s!.put(e, entryKey(e));
            stored.push(e);
          } else {
            const r = s!.add(e, entryKey(e));
            r.onsuccess = () => stored.push(e);
            r.onerror = (ev) => {
              ev.preventDefault();
              ev.stopPropagation();
            };
          }
        });
        readMarks(m!, (marks) => lateRefs(s!, marks, stored));
      }),
    ).catch((e) => {
      // One that may have committed may be in the store too: never delivered from memory (see `absorb`).
      const list: Entry[] = [];
      restored.forEach(({ sent }, i) => {
        (sent ? unsure : list).push(mine[i]!);
      });
      if (unsure.length > max) overflow += unsure.splice(0, unsure.length - max).length;
      keep(list);
      fault(e);
    });
  };

  /** True, and reported, when an event's stored form is `bytes` long, over the size bound: it is not kept. */
  const tooLarge = (bytes: number) => {
    if (bytes <= settings.maxEventBytes) return false;
    report('queue/too-large', String(bytes));
    return true;
  };

  /** `e` with the held tags' model snapshots cleaned and merged into its model. */
  const merged = (e: Entry, models: Record<string, unknown>[]): Entry => {
    for (const m of models) clean(m, e.model);
    return e;
  };

  /**
   * Reads and removes every other page's spilled entries when `except` is this page's key, or every page's
   * (this page's own included: the queue is being emptied).
   */
  const takeSpills = (except?: string): Spilled[] => {
    let out: Spilled[] = [];
    try {
      for (const k of Object.keys(localStorage))
        if (k.startsWith(SPILL) && k !== except) {
          const v = localStorage.getItem(k);
          localStorage.removeItem(k);
          const list: unknown = JSON.parse(v ?? '[]');
          if (Array.isArray(list)) out = out.concat(list.filter((e) => readEntry(e)));
        }
    } catch {
      // No localStorage, or a spill that is not ours: nothing to restore.
    }
    if (!except) spilled = false;
    return out;
  };

  /**
   * With no store to move them to (after a storage fault): other pages' spills join this page's memory, where
   * the time-to-live, drops and takes apply to them, and which this page spills in turn when it is left. So
   * spills neither pile up from page to page nor outlive a refusal. An entry its page may have committed before
   * it went (`sent`) may be in the store too: it is never delivered from memory, only spilled on as it was, for
   * a page whose store works to add if absent; a refusal still takes the refused tags out of it.
   */
  const absorb = () => {
    const cutoff = now() - ttl;
    const list: Entry[] = [];
    const known = new Set(unsure.concat(mem).map((e) => e.eventId));
    for (const { sent, ...v } of takeSpills(spillKey)) {
      const [e] = readEntry(v)!;
      delete e.late;
      if (e.time < cutoff) expired++;
      else if (!known.has(e.eventId) && !tooLarge(JSON.stringify(e).length)) (sent ? unsure : list).push(e);
    }
    // Within the bound, like memory; the oldest go first.
    if (unsure.length > max) overflow += unsure.splice(0, unsure.length - max).length;
    if (list.length) keep(list.sort(byKey));
  };

  /** True when another page took this page's spill since it was written (false without localStorage). */
  const spillTaken = () => !!storage(() => spilled && localStorage.getItem(spillKey) === null);

  /**
   * When another page took this page's spill, it has stored (or kept) what the spill held: this page forgets
   * what only the spill carried on, and its own copies of the held and kept entries that were in it, which
   * would otherwise be delivered (or written over what that page took) a second time.
   */
  const reclaim = () => {
    if (!spilled || !spillTaken()) return; // `spilled` first: no closure for `storage` on a write or take
    spilled = false;
    unsure = [];
    if (spilledOwn.size) {
      pending = pending.filter(([e]) => !spilledOwn.has(e));
      mem = mem.filter((e) => !spilledOwn.has(e));
      spilledOwn = new Set();
    }
  };

  /**
   * Writes, synchronously, what is not yet known to be on the device (in a write, or held and not written) under
   * this page's spill key, and once the page is left (pagehide: its memory is going) what only memory holds
   * after a storage fault; removes the key when there is nothing of the kind. Memory mode spills nothing.
   */
  const spill = () => {
    if (settings.storage !== 'indexeddb') return;
    reclaim();
    // Each entry in its JSON form: a held one is measured on it, and the spill joins them.
    const list = inflight
      .concat(unsure)
      .map((e) => JSON.stringify({ ...toV1(e), sent: 1 } satisfies Spilled));
    const own = new Set<Entry>();
    if (left)
      for (const e of mem) {
        list.push(JSON.stringify(toV1(e)));
        own.add(e);
      }
    let big = false;
    for (const [e, models] of pending) {
      // Same length as the entry `prepare` measures (`tags` for `refs`): one over the bound is not kept, so
      // neither spilled nor held on (reported here, once).
      const json = JSON.stringify(toV1(merged({ ...e, model: {} }, models)));
      if (tooLarge(json.length)) big = true;
      else {
        list.push(json);
        own.add(e);
      }
    }
    if (big) pending = pending.filter(([e]) => own.has(e));
    try {
      if (list.length) localStorage.setItem(spillKey, `[${list.join(',')}]`);
      else if (spilled) localStorage.removeItem(spillKey);
      spilled = list.length > 0;
      spilledOwn = own;
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

  /** Writes what is held a task from now (unless a write is already due). */
  const soon = () => {
    if (!timer)
      timer = setTimeout(() => {
        timer = undefined;
        void holder.flush();
      });
  };

  /** Holds prepared entries again, before what was held since (they are older), and writes them soon. */
  const holdAgain = (list: Entry[]) => {
    // Their model is merged already: it is their one snapshot (`spill` merges the snapshots into a copy).
    const again = list.map((e): [Entry, Record<string, unknown>[]] => [{ ...e, model: {} }, [e.model]]);
    pending = again.concat(pending);
    if (pending.length > max) overflow += pending.splice(0, pending.length - max).length;
    soon();
  };

  /** Keeps `list` in memory (within bounds) after the device refused it. */
  const keep = (list: Entry[]) => {
    mem = mem.concat(list); // not push(...list): Safari caps the argument count at 65,536
    if (mem.length > max) overflow += mem.splice(0, mem.length - max).length;
  };

  /** A storage fault: quota is reported as such; anything else switches this page to memory. */
  const fault = (e: unknown) => {
    if (errName(e) === QUOTA) return report('queue/quota');
    if (durable) {
      report('queue/unavailable', errName(e));
      durable = false;
      absorb();
    }
  };

  /** Cleans, merges and measures the pending events; those over the size bound are not kept. */
  const prepare = (limit = pending.length): Entry[] => {
    reclaim(); // before any held entry leaves `pending`: none that another page took from the spill
    const out: Entry[] = [];
    for (const [e, models] of pending.splice(0, limit)) {
      merged(e, models);
      if (!tooLarge(JSON.stringify(e).length)) out.push(e);
    }
    return out;
  };

  /** Reads the marks in this transaction (in request order: after what was asked before) and hands them to `then`. */
  const readMarks = (m: IDBObjectStore, then: (marks: Marks) => void) => {
    const ids = m.getAllKeys();
    const keys = m.getAll();
    keys.onsuccess = () => then(new Map(ids.result.map((id, i) => [id as string, keys.result[i] as Key])));
  };

  /** True when tag `id` has been taken up to `key` or beyond. */
  const covered = (marks: Marks, id: string, key: Key) => {
    const k = marks.get(id);
    return k !== undefined && cmpKey(k, key) >= 0;
  };

  /**
   * Entries just put into `s` in this transaction whose refs a mark already reaches (an older event written
   * after a take went past it, e.g. from a spill or another tab): those refs are `late`, the mark did not take
   * them, and the entry is written again saying so.
   */
  const lateRefs = (s: IDBObjectStore, marks: Marks, stored: Entry[]) => {
    if (!marks.size) return;
    for (const e of stored) {
      const k = entryKey(e);
      const late = e.refs.filter((t) => covered(marks, t.id, k)).map((t) => t.id);
      if (late.length) {
        e.late = late;
        s.put(e, k);
      }
    }
  };

  /** Deletes the `n` oldest entries. */
  const dropOldest = (s: IDBObjectStore, n: number) => {
    s.getAllKeys(null, n).onsuccess = (ev) => {
      for (const k of (ev.target as IDBRequest<IDBValidKey[]>).result) s.delete(k);
    };
  };

  /**
   * Puts `batch` into `s`, in this transaction: `stored`, and `refused` what the device would not store
   * (DataCloneError or a bad key, for that entry only: it stays in memory, the others are written). The caller
   * then hands `stored` to `lateRefs`.
   */
  const putAll = (s: IDBObjectStore, batch: Entry[]) => {
    const refused: Entry[] = [];
    const stored: Entry[] = [];
    for (const e of batch)
      try {
        s.put(e, entryKey(e));
        stored.push(e);
      } catch (err) {
        if (errName(err) === QUOTA) throw err;
        refused.push(e);
      }
    return { refused, stored };
  };

  /**
   * Puts `batch` (after deleting the `drop` oldest entries) and trims the store to `maxEntries`; `ms` is the
   * main-thread time the puts took.
   */
  const write = (batch: Entry[], drop: number) =>
    run((s, m) => {
      const r = { refused: [] as Entry[], over: 0, ms: 0 };
      if (drop) dropOldest(s, drop);
      const t = performance.now();
      const { refused, stored } = putAll(s, batch);
      r.ms = performance.now() - t;
      r.refused = refused;
      readMarks(m, (marks) => lateRefs(s, marks, stored));
      const n = s.count();
      n.onsuccess = () => {
        r.over = n.result - max;
        if (r.over > 0) dropOldest(s, r.over);
      };
      return r;
    });

  /** Sets the flag (keys.ts) that tells later pages to look, unless it is there. */
  const flagIfMissing = () =>
    // Without localStorage every page takes the flag as set (lazy.ts).
    storage(() => localStorage.getItem(QUEUE_FLAG) ?? localStorage.setItem(QUEUE_FLAG, pageStamp()));
  /**
   * Another tab removed the flag (its take or drop found the store empty): when this tab still holds events,
   * or wrote some in the moment between that tab's count and its removal, the flag is set again.
   */
  const reflag = (e: StorageEvent) => {
    if (e.key === QUEUE_FLAG && e.newValue === null)
      holder.size().then(
        (n) => n && flagIfMissing(),
        () => {},
      );
  };

  /** Events the next write transaction takes (see WRITE_MS): few at first, before a cost is known. */
  let chunk = FIRST_CHUNK;
  /** Writes the pending events; what the device refuses stays in memory. */
  const flushNow = async () => {
    // In transactions of `chunk` events: each one's cloning is a short task, never one long one for a burst.
    do {
      // Timed in two parts, here and in `write`: the first write waits for the database to open in between.
      const t = performance.now();
      let batch = prepare(chunk);
      const prepared = performance.now() - t;
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
          // Events are on the device now: the flag says so, also when another tab removed it meanwhile (its
          // take found the store empty just before this write). Only set when missing: a take of this tab
          // removes it only if its own value is still there.
          if (r.refused.length < out.length) flagIfMissing();
          if (r.over > 0) overflow += r.over;
          chunk = nextChunk(chunk, out.length, prepared + r.ms);
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
   * Deletes the entries at `keys[i]` (one getAll's keys, in key order) where `gone[i]`. A run of them is one
   * range delete: nothing else lies between them in the store, unless this transaction has put a key there
   * (`written`), and then the run's keys are deleted one by one. One request instead of one per entry: a grant
   * of everything deletes all it reads.
   */
  const deleteRuns = (s: IDBObjectStore, keys: Key[], gone: boolean[], written: Entry[]) => {
    let lo: Key | undefined;
    let hi: Key | undefined;
    for (const e of written) {
      const k = entryKey(e);
      if (!lo || cmpKey(k, lo) < 0) lo = k;
      if (!hi || cmpKey(k, hi) > 0) hi = k;
    }
    for (let i = 0; i < keys.length; i++) {
      if (!gone[i]) continue;
      let j = i;
      while (gone[j + 1]) j++;
      const a = keys[i]!;
      const b = keys[j]!;
      if (j > i && !(lo && hi && cmpKey(lo, b) <= 0 && cmpKey(hi, a) >= 0)) s.delete(IDBKeyRange.bound(a, b));
      else for (let x = i; x <= j; x++) s.delete(keys[x]!);
      i = j;
    }
  };

  /**
   * Takes out of every held event the tags of `cats` (by their current category; unknown tags by their stored
   * one), under the Web Lock when there is one; expired entries are deleted. An entry left without a waiting
   * tag is deleted. Otherwise a take does not rewrite it: it moves the marks of the container's tags in `cats`
   * to the last key it read, in the transaction that read it, and a mark covers every ref of its tag at or
   * before it. Refs that a mark does not cover (`late`, format 1, tags no longer in the container) are taken
   * out by rewriting the entry, as is everything a drop (`rewrite`) takes.
   */
  const sweep = async (cats: Set<string>, rewrite: boolean) => {
    // Connecting restores other pages' spills, into memory when the device refuses them: before the sweep.
    if (durable) {
      const fresh = !dbp;
      dbp ||= connect();
      const db = await dbp.catch(() => undefined);
      // Spilled by pages that went away since this one connected.
      if (db && !fresh) await restore(db);
    }
    const cutoff = now() - ttl;
    const inCats = (t: TagRef) => cats.has(tags.get(t.id)?.category ?? t.category);
    // Every chunk moves these marks, also past entries without them: an older entry written between two
    // chunks is then `late` for them (see lateRefs), never covered without having been taken.
    const marked = rewrite ? [] : [...tags.values()].filter((t) => cats.has(t.category)).map((t) => t.id);
    const hits: [Entry, TagRef[]][] = [];
    /** Removes from `e` (in memory: no marks) its refs in `cats`; true when `e` still has refs left. */
    const cut = (e: Entry, into: [Entry, TagRef[]][]) => {
      const got: TagRef[] = [];
      const rest: TagRef[] = [];
      for (const t of e.refs) (inCats(t) ? got : rest).push(t);
      if (got.length) into.push([e, got]);
      e.refs = rest;
      return rest.length > 0;
    };
    const sweepMem = (list: Entry[]) =>
      list.filter((e) => {
        if (e.time >= cutoff) return cut(e, hits);
        expired++;
        return false;
      });
    // Many events held and not yet written (a grant right after a burst): written first, in the writes'
    // short, time-sized transactions, then taken from the store like the rest; the take's first transaction
    // would otherwise clean and clone them all in one task. A few are taken in memory and what is left of
    // them written in that first transaction.
    if (durable && pending.length > CHUNK) await flushNow();
    // Without a store, spilled since by other pages: swept with this page's memory.
    else if (!durable && settings.storage === 'indexeddb') absorb();
    /** Sweeps what only memory holds: kept events, and (never delivered, see `absorb`) unsure ones on a refusal. */
    const sweepKept = () => {
      mem = sweepMem(mem);
      if (rewrite) unsure = unsure.filter((e) => e.time >= cutoff && cut(e, []));
    };
    sweepKept();
    let rest = sweepMem(prepare());
    const stored: [Entry, TagRef[]][] = [];
    /**
     * Takes from the stored value `v` (key `k`) its waiting refs in `cats`, given the marks before this take;
     * true when the entry is to be deleted (the caller deletes it, with its neighbours: see `deleteRuns`).
     */
    const take1 = (s: IDBObjectStore, marks: Marks, v: unknown, k: Key, found: [Entry, TagRef[]][]) => {
      const [e, v1] = readEntry(v) ?? [undefined, false];
      if (!e) return false;
      // A format 1 entry was written regardless of marks: none covers it.
      const late = v1 ? undefined : e.late;
      const got: TagRef[] = [];
      const left: TagRef[] = [];
      let again = rewrite || v1;
      for (const t of e.refs) {
        const isLate = v1 || late?.includes(t.id) === true;
        if (!isLate && covered(marks, t.id, k)) continue; // taken before
        if (!inCats(t)) left.push(t);
        else {
          got.push(t);
          // Taken by a mark only when the mark will cover it: a tag in the container, not late.
          if (isLate || !tags.has(t.id)) again = true;
        }
      }
      // Nothing waits for an entry without refs left (not left behind by this version's takes): deleted.
      if (!got.length) return !left.length;
      found.push([e, got]);
      if (!left.length) return true;
      if (again) {
        e.refs = left;
        const l = left.filter((t) => covered(marks, t.id, k)).map((t) => t.id);
        if (l.length) e.late = l;
        else delete e.late;
        s.put(e, k);
      }
      return false;
    };
    if (durable)
      try {
        // CHUNK entries per transaction, in key order, so that a large take is a series of short tasks. Each
        // entry is still taken in exactly one transaction (and the tabs take turns under the Web Lock).
        let after: Key | undefined;
        for (let first = true; ; first = false) {
          const range = after === undefined ? null : IDBKeyRange.lowerBound(after, true);
          /** One take transaction; `withRest`: it also writes what is left of the events not written yet. */
          const take = (withRest: boolean) =>
            run((s, m) => {
              const r = {
                found: [] as [Entry, TagRef[]][],
                old: 0,
                refused: [] as Entry[],
                read: 0,
                last: undefined as Key | undefined,
              };
              let marks: Marks = new Map();
              let written: Entry[] = [];
              readMarks(m, (got) => {
                marks = got;
              });
              // The keys, should a value not be an entry of ours (below), asked for now when this transaction
              // writes `rest`: asked for after those writes, they would include the keys just written.
              const early = withRest ? s.getAllKeys(range, CHUNK) : undefined;
              const values = s.getAll(range, CHUNK);
              /** Takes from the chunk's values, given their keys. */
              const chunk = (vs: unknown[], keys: Key[]) => {
                r.read = vs.length;
                const gone = vs.map((v, i) => {
                  // Not `>=`: a value without a time is no entry of ours, and take1 leaves it alone.
                  if (!((v as Entry).time < cutoff)) return take1(s, marks, v, keys[i]!, r.found);
                  r.old++;
                  return true;
                });
                deleteRuns(s, keys, gone, written);
                const last = keys[r.read - 1];
                if (last)
                  for (const id of marked) {
                    const at = marks.get(id);
                    if (!at || cmpKey(at, last) < 0) m.put(last, id);
                  }
                r.last = last;
                // Late refs of `written` against the marks as they were before this take (it moves only the
                // marks of tags in `cats`, and `written` has none of those left).
                lateRefs(s, marks, written);
              };
              // Every entry is stored under entryKey(entry), so the keys are read off the values, without a
              // second request; a value that is not an entry of ours has its chunk's keys read instead.
              values.onsuccess = () => {
                const vs = values.result;
                const keys = vs.map(keyOf);
                if (!keys.includes(undefined)) chunk(vs, keys as Key[]);
                else if (early)
                  chunk(vs, early.result as Key[]); // answered already: asked for first
                else {
                  const ks = s.getAllKeys(range, CHUNK);
                  ks.onsuccess = () => chunk(vs, ks.result as Key[]);
                }
              };
              if (withRest) ({ refused: r.refused, stored: written } = putAll(s, rest));
              return r;
            });
          // What is left of the events not written yet is written in the first transaction: in flight until it
          // commits. Without room for them (quota), the store is taken all the same, in order, and they are held
          // again, for a write that makes room (flushNow).
          const r = await (!first || !rest.length
            ? take(false)
            : sending(rest, () => take(true)).then(
                (r) => {
                  rest = r.refused;
                  return r;
                },
                (e: unknown) => {
                  if (errName(e) !== QUOTA) throw e;
                  report('queue/quota', 'take');
                  holdAgain(rest);
                  rest = [];
                  return take(false);
                },
              ));
          // The next chunk starts after this one's last key, once it committed (not after a retried attempt's).
          after = r.last;
          for (const f of r.found) stored.push(f);
          expired += r.old;
          if (r.read < CHUNK) break;
        }
      } catch (e) {
        fault(e);
        sweepKept(); // other pages' spills, absorbed by the fault
      }
    keep(rest);
    // This page's spill no longer holds what was taken or dropped.
    if (spilled) spill();
    // The stored ones come in key order: only memory's (held, not yet written, or kept) need merging in.
    return hits.length ? hits.concat(stored).sort((a, b) => byKey(a[0], b[0])) : stored;
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
    reclaim();
    if (spilled) spill();
  };
  addEventListener('pagehide', hide);
  addEventListener('pageshow', show);
  document.addEventListener('visibilitychange', hide);
  addEventListener('storage', reflag);

  const holder: DurableHolder & { lastTake: TakeStats } = {
    lastTake: { replayed: 0, dropped: 0, expired: 0 },
    get device() {
      return durable;
    },

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
              refs: [],
              seq: ++seq,
            },
            [],
          ];
          pending.push(p);
        }
        p[0].refs.push({ id: tag.id, category: tag.category });
        p[1].push(ev.model);
      }
      if (pending.length > max) overflow += pending.splice(0, pending.length - max).length;
      soon();
    },

    take: (cats) =>
      serial(() =>
        locked(async () => {
          const out: Held[] = [];
          let dropped = 0;
          for (const [e, refs] of await sweep(cats, false))
            for (const t of refs) {
              const tag = tags.get(t.id);
              if (!tag) dropped++;
              else
                out.push({
                  tag,
                  ev: {
                    name: e.name,
                    id: e.eventId,
                    time: e.time,
                    model: e.model,
                    page: e.page,
                    replay: true,
                  },
                });
            }
          holder.lastTake = { replayed: out.length, dropped, expired };
          expired = 0;
          return out;
        }),
      ),

    drop: (cats) =>
      serial(() =>
        locked(() => sweep(cats, true).then((hits) => hits.reduce((n, [, t]) => n + t.length, 0))),
      ),

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
        unsure = [];
        takeSpills();
        if (durable)
          await run((s, m) => {
            s.clear();
            m.clear();
          }).catch(fault);
      }),

    close: () =>
      serial(async () => {
        removeEventListener('pagehide', hide);
        removeEventListener('pageshow', show);
        document.removeEventListener('visibilitychange', hide);
        removeEventListener('storage', reflag);
        await flushNow();
        if (durable && dbp) (await dbp.catch(() => undefined))?.close();
        durable = false;
      }),
  };
  return holder;
}
