/**
 * Dotted-path reads and writes on the dataLayer model (`ecommerce.items.0.id`).
 * Owns: path splitting and the unsafe-key rule shared by sanitize and merge.
 * Does not own GTM's merge semantics (merge.ts) or sanitizing values (sanitize.ts).
 */

const ObjectProto = Object.prototype;
const hasOwn = ObjectProto.hasOwnProperty;
const DOTTED = /(^|\.)(__proto__|constructor|prototype)(\.|$)/;

/** True for the keys that can reach a prototype: `__proto__`, `constructor`, `prototype`. */
export function isUnsafeSegment(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

/** True when `key` or any of its dot-separated segments is unsafe (`a.__proto__.x`). */
export function isUnsafeKey(key: string): boolean {
  return isUnsafeSegment(key) || (key.length > 9 && DOTTED.test(key));
}

/**
 * The value at a dotted `path`, following own properties only (array indices and `length` included);
 * undefined when a segment is missing or unsafe.
 */
export function getPath(model: unknown, path: string): unknown {
  if (typeof path !== 'string') return undefined;
  const parts = path.split('.');
  let cur = model;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (cur === null || cur === undefined || isUnsafeSegment(p) || !hasOwn.call(cur, p)) return undefined;
    cur = (cur as Record<string, unknown>)[p];
  }
  return cur;
}

/**
 * Assigns `value` at a dotted `path` (overwrite, no merge), descending into existing objects and arrays and
 * creating null-prototype objects for missing or primitive intermediates. Returns false when a segment is
 * unsafe or `model` is not an object (nothing changed), or when the write throws (e.g. `items.length.x`).
 */
export function setPath(model: Record<string, unknown>, path: string, value: unknown): boolean {
  if (typeof path !== 'string' || isUnsafeKey(path) || model === null || typeof model !== 'object')
    return false;
  const parts = path.split('.');
  const last = parts.length - 1;
  let cur = model;
  try {
    for (let i = 0; i < last; i++) {
      const p = parts[i]!;
      if (!isContainer(cur[p])) cur[p] = Object.create(null);
      cur = cur[p] as Record<string, unknown>;
    }
    cur[parts[last]!] = value;
    return true;
  } catch {
    return false;
  }
}

/** True for arrays and for objects whose prototype is `Object.prototype` or null. */
function isContainer(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === ObjectProto || proto === null || Array.isArray(value);
}
