/**
 * The objects the dataLayer stores: fast-mode objects whose prototype chain holds no Object.prototype.
 * Owns: creating them and recognising plain objects. Does not own copying or merging (sanitize.ts, merge.ts).
 */

// An empty, frozen, null-prototype object used as the prototype of every stored object. Unlike
// Object.create(null) (a slow dictionary-mode object in V8), objects created from it stay fast, and since the
// chain has no Object.prototype there is no `__proto__` accessor or `constructor` to reach it through.
const DATA = Object.freeze(Object.create(null) as object);
const ObjectProto = Object.prototype;

/** A new empty object with no Object.prototype in its chain (assigning any key only creates an own property). */
export function dataObject(): Record<string, unknown> {
  return Object.create(DATA);
}

/** True for plain objects: prototype `Object.prototype`, null, or that of `dataObject()`. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value);
  return proto === ObjectProto || proto === DATA || proto === null;
}
