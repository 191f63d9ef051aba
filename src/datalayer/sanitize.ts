/**
 * Turns anything pushed to the dataLayer into plain data: a bounded, acyclic copy made of data objects
 * (plain.ts), arrays, Dates and primitives, plus a count and a short description of what was dropped.
 * Owns: the limits and the drop rules. Does not own reporting (the caller raises one error per message)
 * or merging into the model (merge.ts).
 */

import { isUnsafeKey } from './path';
import { dataObject, hasOwn, isPlainObject, toStr, typeName } from './plain';

/** Bounds applied by `sanitize`. */
export interface SanitizeLimits {
  /** Nesting levels of objects/arrays kept, the value passed in being level 1 (16); deeper ones are dropped. */
  depth: number;
  /** Keys per object and items per array kept (1,000); the rest are dropped. */
  keys: number;
  /** Longest string kept, in UTF-16 code units (65,536); longer strings are truncated, not dropped. */
  string: number;
  /** Values visited per call (10,000); past it everything is dropped. Bounds shared references. */
  total: number;
}

/** What `sanitize` returns. */
export interface SanitizeResult {
  /** The clean copy; undefined when the value itself was dropped (then `dropped` > 0). */
  value: unknown;
  /** How many values were dropped, truncated or cut short (unsafe keys included). */
  dropped: number;
  /** How many of those were `__proto__` / `constructor` / `prototype` keys (also as dotted segments). */
  unsafe: number;
  /** The first problem as `path: reason` (e.g. `items.2.el: HTMLDivElement`), `+N more` appended; '' if none. */
  detail: string;
}

/** The limits used when none are given. */
export const DEFAULT_LIMITS: Readonly<SanitizeLimits> = {
  depth: 16,
  keys: 1000,
  string: 65536,
  total: 10000,
};

// The result doubles as the walk's state (one allocation per call); `_`-prefixed fields are internal.
interface State extends SanitizeResult {
  _l: Readonly<SanitizeLimits>;
  _b: number;
  _n: number;
  _o: readonly string[] | undefined;
}

const DROP = Symbol();
const getTime = Date.prototype.getTime;
// Ancestors of the container being copied, and the keys they sit under. Shared by re-entrant calls (a getter
// may push to another dataLayer): each call only looks above its base `_b` and restores the length on exit.
const up: unknown[] = [];
const at: (string | number)[] = [];

/**
 * A clean copy of `value`. Keeps strings (truncated to `limits.string`, never splitting a surrogate pair),
 * numbers, booleans, null, undefined, Dates (as new Dates), arrays and plain objects (also from other realms),
 * copied into data objects (no Object.prototype in their chain, so no key can reach it). Drops functions, symbols, BigInts,
 * every other object (DOM nodes, windows, Maps, class instances, proxies that throw), unsafe keys at any depth,
 * cycles, and whatever exceeds the limits; a dropped array item leaves a hole, so indices stay put.
 * Symbol-keyed and non-enumerable properties are ignored. Top-level keys listed in `omit` are skipped silently.
 * Never throws: every property read is guarded.
 */
export function sanitize(
  value: unknown,
  limits?: Partial<SanitizeLimits>,
  omit?: readonly string[],
): SanitizeResult {
  const st: State = {
    value: undefined,
    dropped: 0,
    unsafe: 0,
    detail: '',
    _l: limits ? { ...DEFAULT_LIMITS, ...limits } : DEFAULT_LIMITS,
    _b: up.length,
    _n: 0,
    _o: omit,
  };
  try {
    const v = copy(value, '', 1, st);
    if (v !== DROP) st.value = v;
  } catch {
    // Only a stack overflow gets here (huge `limits.depth` or a nearly full stack); nothing is kept.
    up.length = at.length = st._b;
    note(st, '', 'too deep');
  }
  if (st.dropped > 1) st.detail += ` (+${st.dropped - 1} more)`;
  return st;
}

/** Records a problem at `key` under the current container (or, without `key`, the container itself). */
function note(st: State, key: string | number | undefined, reason: string): typeof DROP {
  if (!st.dropped++) {
    // The first problem becomes the detail; building the path only then keeps the clean path allocation-free.
    const path = at.slice(st._b + 1);
    if (up.length > st._b && key !== undefined) path.push(key);
    st.detail = path.length ? `${path.join('.')}: ${reason}` : reason;
  }
  return DROP;
}

/** The copy of `v` (found at `key`, at nesting `depth`), or DROP. */
function copy(v: unknown, key: string | number, depth: number, st: State): unknown {
  const l = st._l;
  if (++st._n > l.total) return note(st, key, 'too many values');
  const t = typeof v;
  if (t === 'string') {
    const s = v as string;
    if (s.length <= l.string) return s;
    note(st, key, 'long string');
    const c = s.charCodeAt(l.string - 1);
    return s.slice(0, c >= 0xd800 && c <= 0xdbff ? l.string - 1 : l.string);
  }
  // `document.all` is typeof 'undefined' and == null, yet an object: it becomes undefined here, before any
  // null test (minifiers rewrite `v === null || v === undefined` as `v == null`, which would let it through).
  if (t === 'undefined') return undefined;
  if (t === 'number' || t === 'boolean' || v === null) return v;
  if (t !== 'object') return note(st, key, t);
  if (depth > l.depth) return note(st, key, 'too deep');
  for (let i = st._b; i < up.length; i++) if (up[i] === v) return note(st, key, 'cycle');
  let arr: boolean;
  try {
    // Array.isArray and getPrototypeOf throw on a revoked proxy.
    arr = Array.isArray(v);
    if (!arr && !isPlain(v as object)) {
      try {
        return new Date(getTime.call(v as Date));
      } catch {
        return note(st, key, typeName(v));
      }
    }
  } catch {
    return note(st, key, 'unreadable');
  }
  up.push(v);
  at.push(key);
  const out = arr
    ? copyArray(v as unknown[], depth, st)
    : copyObject(v as Record<string, unknown>, depth, st);
  up.pop();
  at.pop();
  return out;
}

/** The first `limits.keys` items of `v`, each read guarded; holes where items were dropped (indices stay put). */
function copyArray(v: unknown[], depth: number, st: State): unknown {
  let n: number;
  try {
    n = v.length >>> 0;
  } catch {
    return note(st, undefined, 'unreadable');
  }
  const out: unknown[] = [];
  if (n > st._l.keys) {
    note(st, 'length', `${n} items`);
    n = st._l.keys;
  }
  for (let i = 0; i < n; i++) {
    let x: unknown;
    try {
      // A hole the page left stays a hole: merging it keeps the model's item, as GTM's for-in does.
      if (!(i in v)) continue;
      x = v[i];
    } catch {
      note(st, i, 'getter threw');
      continue;
    }
    x = copy(x, i, depth + 1, st);
    if (x !== DROP) out[i] = x;
  }
  if (out.length < n) out.length = n;
  return out;
}

/** The first `limits.keys` own enumerable string keys of `v`, each read guarded, in a data object. */
function copyObject(v: Record<string, unknown>, depth: number, st: State): unknown {
  const out = dataObject();
  const omit = depth === 1 ? st._o : undefined;
  let n = 0;
  try {
    // for-in + hasOwnProperty: V8 walks its enum cache without allocating a key array (unlike Object.keys).
    for (const k in v) {
      if (!hasOwn.call(v, k)) continue;
      if (++n > st._l.keys) {
        note(st, k, `over ${st._l.keys} keys`);
        break;
      }
      if (isUnsafeKey(k)) {
        st.unsafe++;
        note(st, k, 'unsafe key');
        continue;
      }
      if (k.length > st._l.string) {
        note(st, `${k.slice(0, 32)}…`, 'long key');
        continue;
      }
      // A dotted key nests one level per dot once merged (merge.ts): the levels count towards the depth.
      let d = depth;
      for (let i = k.indexOf('.'); i >= 0; i = k.indexOf('.', i + 1)) d++;
      if (d > st._l.depth) {
        note(st, k, 'too deep');
        continue;
      }
      if (omit && omit.indexOf(k) >= 0) continue;
      let x: unknown;
      try {
        x = v[k];
      } catch {
        note(st, k, 'getter threw');
        continue;
      }
      x = copy(x, k, d + 1, st);
      if (x !== DROP) out[k] = x;
    }
  } catch {
    // A proxy whose ownKeys, getOwnPropertyDescriptor or getPrototypeOf trap throws: keep what was read.
    note(st, undefined, 'unreadable');
  }
  return out;
}

/** Plain (see plain.ts), or a plain object from another realm: its prototype's prototype is null. */
function isPlain(v: object): boolean {
  return (
    isPlainObject(v) ||
    (Object.getPrototypeOf(Object.getPrototypeOf(v)) === null && toStr.call(v) === '[object Object]')
  );
}
