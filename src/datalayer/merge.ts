/**
 * GTM's merge of a message into the dataLayer model: dotted keys expand, plain objects and arrays merge
 * recursively (arrays index by index), anything else overwrites, `_clear` overwrites instead of merging.
 * Owns: those rules and never writing an unsafe key. Does not own bounding input (sanitize.ts does that:
 * merge trusts its input to be acyclic and finite, but stays pollution-safe on any input).
 */

import { isUnsafeKey, isUnsafeSegment } from './path';
import { dataObject, hasOwn, isPlainObject } from './plain';
import { DEFAULT_LIMITS } from './sanitize';

type Bag = Record<string | number, unknown>;

const CLEAR = '_clear';
/** True when `o` has its own truthy `_clear`: its values overwrite their targets instead of merging. */
const clears = (o: Bag) => hasOwn.call(o, CLEAR) && !!o[CLEAR];

/**
 * Merges `message` into `model` in place. When `message._clear` is truthy each value overwrites its
 * (possibly dotted) target instead of merging, and so at any depth for an object with its own `_clear` (as
 * GTM's reference does); `_clear` itself is not stored. Returns how many keys were rejected as unsafe (0 for
 * sanitized input).
 */
export function merge(model: Record<string, unknown>, message: Record<string, unknown>): number {
  const clear = clears(message);
  let rejected = 0;
  for (const k in message) {
    if (k !== CLEAR && hasOwn.call(message, k) && !mergeKey(model, k, message[k], clear)) rejected++;
  }
  return rejected;
}

/**
 * Merges one `{[key]: value}` into `model`, as GTM does for each key of a message and for the `set`
 * command; `key` may be dotted. Returns false, changing nothing, when any segment is unsafe.
 */
export function mergeKey(
  model: Record<string, unknown>,
  key: string,
  value: unknown,
  clear = false,
): boolean {
  if (isUnsafeKey(key)) return false;
  let to = model;
  let k = key;
  if (key.indexOf('.') >= 0) {
    const parts = key.split('.');
    // As deep as sanitize lets a message nest (a `set` key comes unbounded): deeper is refused.
    if (parts.length > DEFAULT_LIMITS.depth) return false;
    k = parts.pop()!;
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      const next = to[p];
      if (!isPlainObject(next)) to[p] = dataObject();
      to = to[p] as Record<string, unknown>;
    }
  }
  put(to, k, value, clear);
  return true;
}

/** Writes `value` at `to[k]`, merging into (or, with `clear`, replacing) a container of the same kind. */
function put(to: object, k: string | number, value: unknown, clear: boolean): void {
  const bag = to as Bag;
  if (value !== null && typeof value === 'object') {
    const arr = Array.isArray(value);
    if (arr || isPlainObject(value)) {
      let t = bag[k];
      if (clear || (arr ? !Array.isArray(t) : !isPlainObject(t))) t = bag[k] = arr ? [] : dataObject();
      if (arr) {
        const a = value as unknown[];
        const ta = t as unknown[];
        // A hole (an item sanitize dropped) keeps the model's item; the length still follows the message.
        for (let i = 0; i < a.length; i++) if (i in a) put(ta, i, a[i], false);
        if (ta.length < a.length) ta.length = a.length;
      } else {
        const o = value as Record<string, unknown>;
        const c = clears(o);
        // for-in + hasOwnProperty: no key array allocated on V8's fast path.
        for (const key in o)
          if (key !== CLEAR && hasOwn.call(o, key) && !isUnsafeSegment(key)) put(t as object, key, o[key], c);
      }
      return;
    }
    // A Date is copied so the model never shares a mutable object with a message.
    if (value instanceof Date) value = new Date(value.getTime());
  }
  bag[k] = value;
}
