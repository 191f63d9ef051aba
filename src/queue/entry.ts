/**
 * The stored form of a held event: one entry per event (not per tag), its sort key, and `clean`, which
 * copies model data into a structured-cloneable, JSON-measurable form. Owns no storage and no policy.
 */
import type { PageInfo } from '../triggers/variables';

/** A tag waiting on an undecided category, as stored (resolved to the current container's tag on take). */
export interface TagRef {
  id: string;
  category: string;
}

/** One held event as stored: what the dispatcher handed over, nothing more. */
export interface Entry {
  eventId: string;
  name: string;
  /** When the event happened (ms since epoch); kept on replay, and what the time-to-live counts from. */
  time: number;
  /** The union of the pending tags' model snapshots. */
  model: Record<string, unknown>;
  page: PageInfo;
  tags: TagRef[];
  /** Monotonic within a page: orders events of the same millisecond. */
  seq: number;
}

/** The store key: arrays compare element by element, so iteration order is event order. */
export const entryKey = (e: Entry): IDBValidKey => [e.time, e.seq, e.eventId];

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
