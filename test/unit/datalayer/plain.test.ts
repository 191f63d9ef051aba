import { describe, expect, test } from 'vitest';
import { dataObject, isPlainObject } from '../../../src/datalayer';
import { inheritsObjectPrototype } from './recorder';

type Obj = Record<string, unknown>;

describe('data objects', () => {
  test('assigning __proto__ or constructor only creates own properties, never touching Object.prototype', () => {
    const o = dataObject();
    const proto = '__proto__';
    o[proto] = { polluted: 1 };
    (o as { constructor: unknown }).constructor = 'x';
    expect(Object.keys(o)).toEqual(['__proto__', 'constructor']);
    expect(({} as Obj).polluted).toBeUndefined();
    expect(inheritsObjectPrototype(o)).toBe(false);
  });

  test('they have no inherited members to reach a prototype through', () => {
    const o = dataObject();
    expect('__proto__' in o).toBe(false);
    expect('constructor' in o).toBe(false);
    expect('toString' in o).toBe(false);
  });

  test('they clone and serialise like ordinary objects', () => {
    const o = dataObject();
    o.a = 1;
    expect(JSON.stringify(o)).toBe('{"a":1}');
    expect(structuredClone(o)).toEqual({ a: 1 });
    expect(o).toEqual({ a: 1 });
  });

  test('plain means an object literal, a null-prototype object or a data object', () => {
    expect(isPlainObject({})).toBe(true);
    expect(isPlainObject(Object.create(null))).toBe(true);
    expect(isPlainObject(dataObject())).toBe(true);
    expect(isPlainObject([])).toBe(false);
    expect(isPlainObject(new Date())).toBe(false);
    expect(isPlainObject(document.body)).toBe(false);
    expect(isPlainObject(null)).toBe(false);
    expect(isPlainObject('x')).toBe(false);
  });
});
