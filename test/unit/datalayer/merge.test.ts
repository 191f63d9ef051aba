import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { attachDataLayer, dataObject, getPath, merge, mergeKey, sanitize } from '../../../src/datalayer';
import { prototypeKeys, recorder } from './recorder';

type Obj = Record<string, unknown>;

const protoBefore = prototypeKeys();
afterEach(() => {
  expect(prototypeKeys()).toEqual(protoBefore);
  expect(({} as Obj).polluted).toBeUndefined();
});

/** A model after pushing `messages` through a real dataLayer. */
function modelAfter(...messages: unknown[]): Obj {
  const { dataLayer, model } = attachDataLayer([], recorder().handler);
  dataLayer.push(...messages);
  return model;
}

describe('GTM merge rules', () => {
  test('dotted keys expand into nested objects', () => {
    expect(modelAfter({ 'a.b': 1, 'a.c.d': 2 })).toEqual({ a: { b: 1, c: { d: 2 } } });
  });

  test('a dotted key replaces a primitive or an array on its way', () => {
    expect(modelAfter({ a: 5, items: [1, 2] }, { 'a.b': 1, 'items.x': 2 })).toEqual({
      a: { b: 1 },
      items: { x: 2 },
    });
  });

  test('plain objects merge recursively and keep siblings', () => {
    expect(modelAfter({ user: { id: 'u1', tier: 'silver' } }, { user: { tier: 'gold' } })).toEqual({
      user: { id: 'u1', tier: 'gold' },
    });
  });

  test('arrays merge index by index, so a shorter list leaves stale items behind (as in GTM)', () => {
    const model = modelAfter(
      { ecommerce: { items: [{ id: 'A', name: 'Apple' }, { id: 'B' }, { id: 'C' }] } },
      { ecommerce: { items: [{ id: 'Z' }] } },
    );
    expect(model.ecommerce).toEqual({ items: [{ id: 'Z', name: 'Apple' }, { id: 'B' }, { id: 'C' }] });
  });

  test('pushing {ecommerce: null} first resets the previous ecommerce object', () => {
    const model = modelAfter(
      { ecommerce: { items: [{ id: 'A' }, { id: 'B' }], currency: 'EUR' } },
      { ecommerce: null },
      { ecommerce: { items: [{ id: 'Z' }] } },
    );
    expect(model.ecommerce).toEqual({ items: [{ id: 'Z' }] });
  });

  test('an explicit undefined overwrites the previous value', () => {
    const model = modelAfter(
      { coupon: 'SPRING', user: { id: 'u1' } },
      { coupon: undefined, 'user.id': undefined },
    );
    expect('coupon' in model).toBe(true);
    expect(model.coupon).toBeUndefined();
    expect(Object.keys(model.user as Obj)).toEqual(['id']);
    expect((model.user as Obj).id).toBeUndefined();
  });

  test('null, Dates and primitives overwrite objects, and a Date is stored as a copy', () => {
    const when = new Date(86_400_000);
    const model = modelAfter({ a: { x: 1 }, b: { x: 1 }, c: [1, 2] }, { a: null, b: when, c: 'flat' });
    expect(model).toEqual({ a: null, b: when, c: 'flat' });
    expect(model.b).not.toBe(when);
  });

  test('an object replaces a primitive, and an array replaces an object', () => {
    expect(modelAfter({ a: 1, b: { x: 1 } }, { a: { y: 2 }, b: [1] })).toEqual({ a: { y: 2 }, b: [1] });
  });

  test('_clear: true overwrites instead of merging and is not stored', () => {
    const model = modelAfter(
      { ecommerce: { items: [{ id: 'A' }, { id: 'B' }], currency: 'EUR' } },
      { ecommerce: { items: [{ id: 'Z' }] }, _clear: true },
    );
    expect(model).toEqual({ ecommerce: { items: [{ id: 'Z' }] } });
  });

  test('_clear with a dotted key overwrites only the value at the end of the path', () => {
    const model = modelAfter(
      { ecommerce: { items: [{ id: 'A' }, { id: 'B' }], currency: 'EUR' } },
      { 'ecommerce.items': [{ id: 'Z' }], _clear: true },
    );
    expect(model).toEqual({ ecommerce: { items: [{ id: 'Z' }], currency: 'EUR' } });
  });

  test('_clear inside a nested object overwrites at that level only, keeps its siblings, and is not stored', () => {
    const model = modelAfter({ a: { x: 1, b: { y: 1 } } }, { a: { _clear: true, b: { z: 1 } } });
    expect(model).toEqual({ a: { x: 1, b: { z: 1 } } });
    expect(getPath(model, 'a._clear')).toBeUndefined();
  });

  test('a hole the page leaves in an array keeps the model’s item, as GTM’s for-in merge does', () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    expect(modelAfter({ a: [1, 5] }, { a: [, 2] })).toEqual({ a: [1, 2] });
  });

  test('_clear: false merges as usual', () => {
    expect(modelAfter({ a: { x: 1 } }, { a: { y: 2 }, _clear: false })).toEqual({ a: { x: 1, y: 2 } });
  });
});

describe('merge on its own', () => {
  test('rejects unsafe segments in dotted keys and reports how many', () => {
    const model: Obj = {};
    const rejected = merge(model, {
      'a.__proto__.polluted': 1,
      '__proto__.polluted': 1,
      'constructor.prototype.polluted': 1,
      'x.prototype': 1,
      ok: 1,
    });
    expect(rejected).toBe(4);
    expect(model).toEqual({ ok: 1 });
  });

  test('skips own __proto__ keys from JSON.parse at any depth, even into an ordinary {} model', () => {
    const model: Obj = { a: {} };
    merge(
      model,
      JSON.parse('{"a":{"b":{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}}}'),
    );
    expect(model).toEqual({ a: { b: {} } });
  });

  test('mergeKey refuses unsafe paths and leaves the model untouched', () => {
    const model: Obj = {};
    expect(mergeKey(model, 'constructor.prototype.polluted', 1)).toBe(false);
    expect(mergeKey(model, 'safe.path', 1)).toBe(true);
    expect(model).toEqual({ safe: { path: 1 } });
  });
});

// Keys built from a small alphabet so dotted paths collide and overlap often.
const segment = fc.constantFrom('a', 'b', 'c', '0', '1');
const key = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join('.'));
const leaf = fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null), fc.boolean());
const tree = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    leaf,
    fc.array(tie('value'), { maxLength: 3 }),
    // Nested objects sometimes carry `_clear` (truthy or not).
    fc.dictionary(
      fc.oneof({ weight: 5, arbitrary: segment }, { weight: 1, arbitrary: fc.constant('_clear') }),
      tie('value'),
      {
        maxKeys: 3,
      },
    ),
  ),
})).value;
const message = fc.dictionary(key, tree, { maxKeys: 5 });

/** Independent oracle: data-layer-helper's algorithm (expand each key, then merge). */
function oracle(model: Obj, msg: Obj): void {
  for (const k of Object.keys(msg)) {
    const parts = k.split('.');
    const expanded: Obj = {};
    let at = expanded;
    for (const p of parts.slice(0, -1)) at = at[p] = {} as Obj;
    at[parts[parts.length - 1]!] = msg[k];
    deep(expanded, model);
  }
}
function deep(from: Obj | unknown[], to: Obj | unknown[]): void {
  const src = from as Obj;
  const dst = to as Obj;
  // An object's own truthy `_clear`: its values overwrite (a fresh container each) instead of merging.
  const clear = !Array.isArray(from) && Object.hasOwn(src, '_clear') && !!src._clear;
  for (const p of Object.keys(src)) {
    if (p === '_clear' && !Array.isArray(from)) continue;
    const v = src[p];
    if (Array.isArray(v)) {
      if (clear || !Array.isArray(dst[p])) dst[p] = [];
      deep(v, dst[p] as unknown[]);
    } else if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
      if (clear || dst[p] === null || typeof dst[p] !== 'object' || Array.isArray(dst[p])) dst[p] = {};
      deep(v as Obj, dst[p] as Obj);
    } else dst[p] = v;
  }
}

describe('merge properties', () => {
  test('merging a sanitized object into an empty model gives the object with its dotted keys expanded', () => {
    fc.assert(
      fc.property(message, (msg) => {
        const clean = sanitize(msg).value as Obj;
        const model = dataObject();
        merge(model, clean);
        const expected: Obj = {};
        oracle(expected, msg);
        expect(model).toEqual(expected);
      }),
    );
  });

  test('a sequence of pushes builds the same model as the reference algorithm', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 5 }), (messages) => {
        const expected: Obj = {};
        for (const m of messages) oracle(expected, m);
        expect(modelAfter(...messages)).toEqual(expected);
      }),
    );
  });

  test('merge never adds keys to Object.prototype, whatever the keys and however deep', () => {
    const hostileKey = fc.constantFrom(
      '__proto__',
      'constructor',
      'prototype',
      'polluted',
      'a',
      'a.__proto__',
      '__proto__.polluted',
      'constructor.prototype.polluted',
      'a.constructor.prototype',
    );
    const hostile = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.constant(1),
        fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map((entries) => {
          // Own enumerable properties, exactly what JSON.parse creates for "__proto__".
          const o: Obj = {};
          for (const [k, v] of entries)
            Object.defineProperty(o, k, { value: v, enumerable: true, writable: true });
          return o;
        }),
      ),
    })).value;
    fc.assert(
      fc.property(hostile, hostile, (a, b) => {
        const model: Obj = {};
        if (a && typeof a === 'object') merge(model, a as Obj);
        if (b && typeof b === 'object') merge(model, sanitize(b).value as Obj);
        expect(prototypeKeys()).toEqual(protoBefore);
        expect(({} as Obj).polluted).toBeUndefined();
        expect(getPath(model, '__proto__')).toBeUndefined();
      }),
    );
  });
});
