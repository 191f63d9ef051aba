/**
 * Dotted-path reads and writes on the dataLayer model (`ecommerce.items.0.id`).
 * Owns: path splitting and the unsafe-key rule shared by sanitize and merge.
 * Does not own GTM's merge semantics (merge.ts) or sanitizing values (sanitize.ts).
 */

import { dataObject, isPlainObject } from './plain';

const DOTTED = /(^|\.)(__proto__|constructor|prototype)(\.|$)/;

/** True for the keys that can reach a prototype: `__proto__`, `constructor`, `prototype`. */
export function isUnsafeSegment(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype';
}

/** True when `key` or any of its dot-separated segments is unsafe (`a.__proto__.x`). */
export function isUnsafeKey(key: string): boolean {
  // Cheap tests first: the regex only runs on dotted keys long enough to hold an unsafe segment.
  return isUnsafeSegment(key) || (key.length > 9 && key.indexOf('.') >= 0 && DOTTED.test(key));
}

/**
 * The value at a dotted `path` (`ecommerce.items.0.id`, `items.length`), read like GTM's `get`; undefined when
 * a segment is missing, null/undefined, unsafe (`__proto__`, `constructor`, `prototype`), or its getter throws.
 */
export function getPath(model: unknown, path: string): unknown {
  return typeof path === 'string' ? getParts(model, path.split('.')) : undefined;
}

/** `getPath` with the path already split into its segments. */
export function getParts(model: unknown, parts: readonly string[]): unknown {
  let cur = model;
  try {
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (cur === null || cur === undefined || isUnsafeSegment(p)) return undefined;
      cur = (cur as Record<string, unknown>)[p];
    }
  } catch {
    return undefined;
  }
  return cur;
}

/**
 * Assigns `value` at a dotted `path` (overwrite, no merge), descending into existing objects and arrays and
 * creating data objects (see plain.ts) for missing or primitive intermediates. Returns false when a segment is
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
      const next = cur[p];
      if (!isPlainObject(next) && !Array.isArray(next)) cur[p] = dataObject();
      cur = cur[p] as Record<string, unknown>;
    }
    cur[parts[last]!] = value;
    return true;
  } catch {
    return false;
  }
}
