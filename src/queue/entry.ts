/**
 * The stored form of a held event: one entry per event (not per tag), its sort key and key order, the
 * previous version's form, and `clean`, which copies model data into a structured-cloneable, JSON-measurable
 * form. Owns no storage and no policy (what a mark means is the holder's).
 */
import type { PageInfo } from '../triggers/variables';

/** A tag waiting on an undecided category, as stored (resolved to the current container's tag on take). */
export interface TagRef {
  id: string;
  category: string;
}

/** One held event as stored (format 2): what the dispatcher handed over, nothing more. */
export interface Entry {
  eventId: string;
  name: string;
  /** When the event happened (ms since epoch); kept on replay, and what the time-to-live counts from. */
  time: number;
  /** The union of the pending tags' model snapshots. */
  model: Record<string, unknown>;
  page: PageInfo;
  /**
   * The tags the event was held for, less those a rewrite took out. In the store, a ref whose tag has a mark
   * at or after this entry's key (holder.ts) has been taken too, unless its id is in `late`.
   */
  refs: TagRef[];
  /** Ids of `refs` stored after a mark that reaches this entry's key was set: that mark did not take them. */
  late?: string[];
  /** Monotonic within a page: orders events of the same millisecond. */
  seq: number;
}

/**
 * An entry as the previous version wrote it (format 1): `tags` instead of `refs`, rewritten whenever a tag
 * was taken out, and written without regard to marks. Still the form of a spill, which both versions restore.
 */
export type EntryV1 = Omit<Entry, 'refs' | 'late'> & { tags: TagRef[] };

/** `e` in format 1 (for a spill: not in the store, so no mark concerns it). */
export const toV1 = ({ refs, late, ...e }: Entry): EntryV1 => ({ ...e, tags: refs });

/**
 * `v` as a format 2 entry, and whether it was format 1 (then no mark covers any of its refs); `undefined`
 * for a value that is neither. A format 2 entry is returned as is.
 */
export function readEntry(v: unknown): [Entry, boolean] | undefined {
  const o = v as Partial<Entry & EntryV1> | null;
  if (!o || typeof o !== 'object') return undefined;
  if (Array.isArray(o.refs)) return [o as Entry, false];
  if (!Array.isArray(o.tags)) return undefined;
  const { tags, ...rest } = o as EntryV1;
  return [{ ...rest, refs: tags }, true];
}

/** An entry's store key, `[time, seq, eventId]`. */
export type Key = [number, number, string];

/** The store key: arrays compare element by element, so iteration order is event order. */
export const entryKey = (e: Entry): Key => [e.time, e.seq, e.eventId];

/** The key a stored value was put under (both formats are stored under `entryKey`); `undefined` if it is not an entry. */
export const keyOf = (v: unknown): Key | undefined => {
  const o = v as Partial<Entry> | null;
  return o &&
    typeof o === 'object' &&
    typeof o.time === 'number' &&
    typeof o.seq === 'number' &&
    typeof o.eventId === 'string'
    ? entryKey(o as Entry)
    : undefined;
};

/** Compares two store keys as IndexedDB does (numbers, then the event id's UTF-16 code units). */
export const cmpKey = (a: Key, b: Key): number =>
  a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);

/** Orders entries as their keys do. */
export const byKey = (a: Entry, b: Entry): number =>
  a.time - b.time || a.seq - b.seq || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0);

const isPlain = (v: object): v is Record<string, unknown> => {
  const p = Object.getPrototypeOf(v);
  // Object.prototype, null, or a null-prototype base (the dataLayer's own data objects).
  return p === null || p === Object.prototype || Object.getPrototypeOf(p) === null;
};

/**
 * A copy of `v` keeping only plain objects, arrays, Dates, strings, numbers, booleans and null (functions,
 * symbols, BigInts, DOM nodes, other objects, cycles and nesting beyond 64 levels are left out), merged into
 * `into` when both are plain objects. `__proto__` keys are skipped.
 */
export function clean(v: unknown, into?: Record<string, unknown>, seen = new Set<object>()): unknown {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v !== 'object' || seen.has(v) || seen.size > 64) return undefined;
  if (v instanceof Date) return new Date(v.getTime());
  seen.add(v);
  let out: unknown;
  if (Array.isArray(v)) out = v.map((x) => clean(x, undefined, seen));
  else if (isPlain(v)) {
    const o = into ?? {};
    for (const k of Object.keys(v)) {
      if (k === '__proto__') continue;
      const prev = o[k];
      const c = clean(v[k], typeof prev === 'object' && prev && isPlain(prev) ? prev : undefined, seen);
      if (c !== undefined) o[k] = c;
    }
    out = o;
  }
  seen.delete(v);
  return out;
}
