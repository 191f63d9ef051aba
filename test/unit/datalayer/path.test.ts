import { describe, expect, test } from 'vitest';
import { attachDataLayer, getPath, isUnsafeKey, setPath } from '../../../src/datalayer';
import { inheritsObjectPrototype, recorder } from './recorder';

type Obj = Record<string, unknown>;

describe('getPath', () => {
  const model = { ecommerce: { items: [{ id: 'A' }, { id: 'B' }], currency: 'EUR' }, zero: 0 };

  test('reads dotted paths through objects and array indices, including length', () => {
    expect(getPath(model, 'ecommerce.items.1.id')).toBe('B');
    expect(getPath(model, 'ecommerce.items.length')).toBe(2);
    expect(getPath(model, 'zero')).toBe(0);
    expect(getPath(model, 'ecommerce')).toBe(model.ecommerce);
  });

  test('a missing segment gives undefined instead of throwing', () => {
    expect(getPath(model, 'ecommerce.nope.deeper')).toBeUndefined();
    expect(getPath(model, 'zero.x.y')).toBeUndefined();
    expect(getPath(null, 'a')).toBeUndefined();
    expect(getPath(model, 42 as unknown as string)).toBeUndefined();
  });

  test('unsafe names are never followed, so no path reaches a prototype or the Function constructor', () => {
    expect(getPath(model, '__proto__')).toBeUndefined();
    expect(getPath(model, 'constructor.prototype')).toBeUndefined();
    expect(getPath(model, 'ecommerce.items.constructor.constructor')).toBeUndefined();
    expect(getPath(model, 'zero.constructor')).toBeUndefined();
  });

  test('a data object in the model has no inherited members to find', () => {
    const { model: live } = attachDataLayer([{ ecommerce: { currency: 'EUR' } }], recorder().handler);
    expect(getPath(live, 'ecommerce.currency')).toBe('EUR');
    expect(getPath(live, 'ecommerce.toString')).toBeUndefined();
    expect(getPath(live, 'ecommerce.hasOwnProperty')).toBeUndefined();
  });

  test('inherited members of other objects are read, as GTM does (a method on a global SDK object)', () => {
    class Sdk {
      track() {
        return 'tracked';
      }
    }
    const g = { analytics: new Sdk() };
    expect(getPath(g, 'analytics.track')).toBe(Sdk.prototype.track);
  });

  test('a throwing getter on the way gives undefined', () => {
    const hostile = {
      get a(): never {
        throw new Error('no');
      },
    };
    expect(getPath(hostile, 'a.b')).toBeUndefined();
  });
});

describe('setPath', () => {
  test('creates missing objects and overwrites the value at the end', () => {
    const model: Obj = { a: { keep: 1, b: { old: true } } };
    expect(setPath(model, 'a.b', { new: true })).toBe(true);
    expect(setPath(model, 'x.y.z', 1)).toBe(true);
    expect(model).toEqual({ a: { keep: 1, b: { new: true } }, x: { y: { z: 1 } } });
    expect(inheritsObjectPrototype(model.x)).toBe(false);
  });

  test('descends into arrays by index and replaces primitives on the way', () => {
    const model: Obj = { items: [{ id: 'A' }], n: 1 };
    setPath(model, 'items.0.name', 'Apple');
    setPath(model, 'n.m', 2);
    expect(model).toEqual({ items: [{ id: 'A', name: 'Apple' }], n: { m: 2 } });
  });

  test('rejects unsafe segments and impossible writes without throwing', () => {
    const model: Obj = { items: [] };
    expect(setPath(model, '__proto__.polluted', 1)).toBe(false);
    expect(setPath(model, 'a.constructor.prototype.polluted', 1)).toBe(false);
    expect(setPath(model, 'items.length.x', 1)).toBe(false);
    expect(({} as Obj).polluted).toBeUndefined();
  });

  test('the unsafe-key rule matches whole segments only', () => {
    expect(isUnsafeKey('a.__proto__')).toBe(true);
    expect(isUnsafeKey('prototype.x')).toBe(true);
    expect(isUnsafeKey('my_prototype')).toBe(false);
    expect(isUnsafeKey('constructors.list')).toBe(false);
  });
});
