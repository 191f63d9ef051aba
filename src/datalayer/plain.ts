/**
 * The objects the dataLayer stores: fast-mode objects whose prototype chain holds no Object.prototype.
 * Owns: creating them, recognising plain objects, and the Object.prototype helpers the dataLayer modules
 * share. Does not own copying or merging (sanitize.ts, merge.ts).
 */

// An empty, frozen, null-prototype object used as the prototype of every stored object. Unlike
// Object.create(null) (a slow dictionary-mode object in V8), objects created from it stay fast, and since the
// chain has no Object.prototype there is no `__proto__` accessor or `constructor` to reach it through.
const DATA = Object.freeze(Object.create(null) as object);
const ObjectProto = Object.prototype;
/** Object.prototype's own methods, taken once (an object's own `hasOwnProperty` key cannot stand in). */
export const hasOwn = ObjectProto.hasOwnProperty;
export const toStr = ObjectProto.toString;

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

/** A short type name such as `HTMLDivElement`, `Number` or `Null`; never throws (a revoked proxy: its typeof). */
export function typeName(v: unknown): string {
  try {
    return toStr.call(v).slice(8, -1);
  } catch {
    return typeof v;
  }
}
