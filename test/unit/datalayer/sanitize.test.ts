import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { attachDataLayer, DEFAULT_LIMITS, sanitize } from '../../../src/datalayer';
import { args, inheritsObjectPrototype, prototypeKeys, recorder } from './recorder';

type Obj = Record<string, unknown>;

const protoBefore = prototypeKeys();
afterEach(() => {
  expect(prototypeKeys()).toEqual(protoBefore);
  expect(({} as Obj).polluted).toBeUndefined();
});

/** Pushes `message` through a real dataLayer and returns the model and the errors reported. */
function push(message: unknown) {
  const rec = recorder();
  const { dataLayer, model } = attachDataLayer([], rec.handler);
  expect(() => dataLayer.push(message)).not.toThrow();
  return { model, rec, errors: rec.errors };
}

/** An object nested `levels` deep: {next: {next: ... {leaf: true}}}. */
function nested(levels: number): Obj {
  let o: Obj = { leaf: true };
  for (let i = 1; i < levels; i++) o = { next: o };
  return o;
}

function depthOf(v: unknown): number {
  let d = 0;
  while (v !== null && typeof v === 'object') {
    d++;
    v = (v as Obj).next;
  }
  return d;
}

describe('sanitize keeps ordinary data as it is', () => {
  test('a flat message comes back equal, reporting nothing', () => {
    const input = {
      event: 'purchase',
      value: 12.5,
      ok: true,
      none: null,
      gone: undefined,
      when: new Date(5),
    };
    const r = sanitize(input);
    expect(r).toMatchObject({ value: input, dropped: 0, unsafe: 0, detail: '' });
    expect((r.value as Obj).when).not.toBe(input.when);
  });

  test('copies are objects without Object.prototype in their chain, and real arrays', () => {
    const r = sanitize({ a: { b: [1, { c: 2 }] } });
    const a = (r.value as Obj).a as Obj;
    expect(inheritsObjectPrototype(r.value)).toBe(false);
    expect(inheritsObjectPrototype(a)).toBe(false);
    expect(Array.isArray(a.b)).toBe(true);
  });

  test('objects from another realm (an iframe) are accepted as plain', () => {
    const frame = document.createElement('iframe');
    document.body.append(frame);
    const foreign = (frame.contentWindow as unknown as { JSON: JSON }).JSON.parse('{"a":{"b":[1]}}');
    expect(Object.getPrototypeOf(foreign)).not.toBe(Object.prototype);
    expect(sanitize(foreign)).toMatchObject({ value: { a: { b: [1] } }, dropped: 0 });
    frame.remove();
  });
});

describe('prototype pollution keys', () => {
  test('a JSON.parse __proto__ nested deep is dropped and reported, and nothing is polluted', () => {
    const payload = JSON.parse('{"__proto__":{"polluted":1}}');
    const { model, errors } = push({ event: 'x', a: { b: { c: [payload, { d: payload }] } } });
    expect(({} as Obj).polluted).toBeUndefined();
    expect(model.a).toEqual({ b: { c: [{}, { d: {} }] } });
    expect(errors).toEqual([
      { code: 'datalayer/unsafe-key', detail: 'a.b.c.0.__proto__: unsafe key (+1 more)' },
    ]);
  });

  test('constructor and prototype keys are dropped at any depth', () => {
    const r = sanitize({
      constructor: { prototype: { polluted: 1 } },
      x: { prototype: 1, constructor: 2, y: 3 },
    });
    expect(r.value).toEqual({ x: { y: 3 } });
    expect(r.unsafe).toBe(3);
  });

  test('dotted keys with an unsafe segment are dropped whole', () => {
    const { model, errors } = push({
      'a.__proto__.polluted': 1,
      '__proto__.polluted': 1,
      'constructor.prototype.polluted': 1,
      'ok.path': 1,
    });
    expect(model).toEqual({ ok: { path: 1 } });
    expect(errors[0]!.code).toBe('datalayer/unsafe-key');
  });

  test('an Arguments command carrying __proto__ keys is cleaned too', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    dataLayer.push(
      args('consent', 'default', JSON.parse('{"ad_storage":"denied","__proto__":{"polluted":1}}')),
    );
    expect(rec.commands[0]!.args).toEqual(['default', { ad_storage: 'denied' }]);
    expect(rec.codes()).toEqual(['datalayer/unsafe-key']);
  });
});

describe('depth, size and cycles', () => {
  test('10,000 levels of nesting are cut at 16 and reported, without a stack overflow', () => {
    const { model, errors } = push(nested(10_000));
    expect(depthOf(model)).toBe(DEFAULT_LIMITS.depth);
    expect(errors).toEqual([{ code: 'datalayer/sanitized', detail: `${'next.'.repeat(15)}next: too deep` }]);
  });

  test('a dotted key counts one level per dot: 3,000 segments are refused, not merged 3,000 deep', () => {
    const { model, errors } = push({ [`a.${'b.'.repeat(3000)}c`]: 1, ok: 1 });
    expect(model).toEqual({ ok: 1 });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.detail).toMatch(/too deep$/);
    // Within the bound a dotted key still nests as GTM does.
    expect(push({ [`${'a.'.repeat(14)}z`]: 1 }).errors).toEqual([]);
  });

  test('a dotted key inside a nested object adds to that object’s depth', () => {
    const { model, errors } = push({ a: { b: { [`${'c.'.repeat(14)}d`]: 1 }, keep: true } });
    expect(model).toEqual({ a: { b: {}, keep: true } });
    expect(errors[0]!.detail).toMatch(/too deep$/);
  });

  test('a key longer than the string bound is dropped and reported, its value with it', () => {
    const { model, errors } = push({ ['k'.repeat(70_000)]: 1, ok: 1 });
    expect(model).toEqual({ ok: 1 });
    expect(errors).toEqual([{ code: 'datalayer/sanitized', detail: `${'k'.repeat(32)}…: long key` }]);
  });

  test('a gtag event name longer than the string bound is a bad command, and fires nothing', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    dataLayer.push(args('event', 'e'.repeat(70_000), { value: 1 }));
    expect(rec.events).toEqual([]);
    expect(rec.codes()).toEqual(['datalayer/bad-command']);
  });

  test('gtag set with a key of more segments than the depth bound is refused', () => {
    const rec = recorder();
    const { dataLayer, model } = attachDataLayer([], rec.handler);
    dataLayer.push(args('set', `${'a.'.repeat(DEFAULT_LIMITS.depth)}z`, 1));
    expect(model).toEqual({});
    expect(rec.codes()).toEqual(['datalayer/unsafe-key']);
  });

  test('a cycle is cut where it closes', () => {
    const a: Obj = { name: 'a' };
    a.self = a;
    a.list = [a, 1];
    const { model, errors } = push({ a });
    expect(model.a).toEqual({ name: 'a', list: [undefined, 1] });
    expect(0 in ((model.a as Obj).list as unknown[])).toBe(false);
    expect(errors).toEqual([{ code: 'datalayer/sanitized', detail: 'a.self: cycle (+1 more)' }]);
  });

  test('the same object referenced twice (not a cycle) is copied twice', () => {
    const shared = { id: 1 };
    expect(sanitize({ a: shared, b: shared })).toMatchObject({
      value: { a: { id: 1 }, b: { id: 1 } },
      dropped: 0,
    });
  });

  test('exponential sharing is stopped by the total-values bound', () => {
    let o: Obj = { leaf: 1 };
    for (let i = 0; i < 15; i++) o = { x: o, y: o, z: o }; // 3^15 paths if copied naively
    const started = performance.now();
    const r = sanitize(o);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(r.detail).toMatch(/too many values/);
    expect(JSON.stringify(r.value).length).toBeLessThan(500_000);
  });

  test('objects and arrays are cut at 1,000 entries', () => {
    const big: Obj = {};
    for (let i = 0; i < 1500; i++) big[`k${i}`] = i;
    const r = sanitize({ big, list: Array.from({ length: 100_000 }, (_, i) => i) });
    const value = r.value as { big: Obj; list: number[] };
    expect(Object.keys(value.big)).toHaveLength(1000);
    expect(value.list).toHaveLength(1000);
    expect(r.detail).toBe('big.k1000: over 1000 keys (+1 more)');
  });

  test('a huge string is truncated to 64 KiB, never splitting a surrogate pair', () => {
    const { model, errors } = push({ text: 'x'.repeat(200_000), emoji: `${'y'.repeat(65_535)}😀tail` });
    expect(model.text).toHaveLength(65_536);
    expect(model.emoji).toBe('y'.repeat(65_535));
    expect(() => encodeURIComponent(model.emoji as string)).not.toThrow();
    expect(errors).toEqual([{ code: 'datalayer/sanitized', detail: 'text: long string (+1 more)' }]);
  });

  test('custom limits apply', () => {
    const r = sanitize({ a: { b: { c: 1 } }, s: 'abcdef' }, { depth: 2, string: 3 });
    expect(r.value).toEqual({ a: {}, s: 'abc' });
    expect(r.dropped).toBe(2);
  });
});

describe('values that are not data', () => {
  test('functions, symbols, BigInts, DOM nodes, window and class instances are dropped and reported', () => {
    class Thing {
      x = 1;
    }
    const { model, errors } = push({
      event: 'x',
      fn: () => 1,
      sym: Symbol('s'),
      big: 10n,
      node: document.createElement('div'),
      text: document.createTextNode('t'),
      win: window,
      doc: document,
      map: new Map(),
      re: /x/,
      thing: new Thing(),
      promise: Promise.resolve(),
      kept: 'yes',
      [Symbol('key')]: 'symbol keys are ignored',
    });
    expect(model).toEqual({ event: 'x', kept: 'yes' });
    expect(errors).toEqual([{ code: 'datalayer/sanitized', detail: 'fn: function (+10 more)' }]);
  });

  test('each dropped kind is named in the detail', () => {
    const name = (v: unknown) => sanitize({ v }).detail;
    expect(name(Symbol('s'))).toBe('v: symbol');
    expect(name(1n)).toBe('v: bigint');
    expect(name(document.createElement('p'))).toBe('v: HTMLParagraphElement');
    expect(name(new Set())).toBe('v: Set');
  });

  test('a plain object with a nodeType key is data, not a node', () => {
    expect(sanitize({ nodeType: 1, nodeName: 'DIV' }).value).toEqual({ nodeType: 1, nodeName: 'DIV' });
  });

  test('a dropped array item leaves a hole so later indices keep their meaning', () => {
    const r = sanitize({ items: [{ id: 'A' }, () => 1, { id: 'C' }] });
    const items = (r.value as { items: unknown[] }).items;
    expect(items).toHaveLength(3);
    expect(1 in items).toBe(false);
    expect(items[2]).toEqual({ id: 'C' });
  });
});

describe('hostile getters and proxies', () => {
  test('a throwing getter drops only its own key', () => {
    const message = {
      event: 'x',
      get boom(): never {
        throw new Error('getter');
      },
      kept: 1,
    };
    const { model, errors } = push(message);
    expect(model).toEqual({ event: 'x', kept: 1 });
    expect(errors).toEqual([{ code: 'datalayer/sanitized', detail: 'boom: getter threw' }]);
  });

  test('a throwing array item getter leaves a hole', () => {
    const list: unknown[] = [1, 2];
    Object.defineProperty(list, 0, {
      get() {
        throw new Error('no');
      },
    });
    expect(sanitize({ list }).value).toEqual({ list: [undefined, 2] });
  });

  test('a proxy whose every trap throws is dropped', () => {
    const hostile = new Proxy(
      {},
      {
        get: () => {
          throw new Error('get');
        },
        ownKeys: () => {
          throw new Error('ownKeys');
        },
        getPrototypeOf: () => {
          throw new Error('getPrototypeOf');
        },
      },
    );
    const { model, errors } = push({ event: 'x', hostile });
    expect(model).toEqual({ event: 'x' });
    expect(errors).toEqual([{ code: 'datalayer/sanitized', detail: 'hostile: unreadable' }]);
    expect(push(hostile).errors).toEqual([{ code: 'datalayer/bad-message', detail: 'unreadable' }]);
  });

  test('a revoked proxy, as a message or nested, is dropped without throwing', () => {
    const { proxy, revoke } = Proxy.revocable({ event: 'x' }, {});
    revoke();
    expect(() => Array.isArray(proxy)).toThrow();
    expect(push(proxy).errors).toEqual([{ code: 'datalayer/bad-message', detail: 'unreadable' }]);
    expect(push({ event: 'y', nested: [proxy] }).model).toEqual({ event: 'y', nested: [undefined] });
    const rec = recorder();
    expect(() => attachDataLayer(proxy, rec.handler)).not.toThrow();
    expect(rec.codes()).toEqual(['datalayer/not-array']);
  });

  test('a proxy that invents a new child on every read is cut by the depth bound', () => {
    const endless = (): object =>
      new Proxy(
        {},
        {
          ownKeys: () => ['next'],
          getOwnPropertyDescriptor: () => ({ enumerable: true, configurable: true }),
          get: () => endless(),
        },
      );
    const { model, errors } = push({ endless: endless() });
    expect(depthOf((model as { endless: unknown }).endless)).toBe(DEFAULT_LIMITS.depth - 1);
    expect(errors[0]!.detail).toMatch(/too deep$/);
  });

  test('a proxy pretending to be a plain object is copied through its traps', () => {
    const p = new Proxy({ a: 1, b: 2 }, {});
    expect(sanitize(p).value).toEqual({ a: 1, b: 2 });
  });

  test('a getter that pushes to the dataLayer while being read is queued, not run inside', () => {
    const rec = recorder();
    const dataLayer: unknown[] = [];
    attachDataLayer(dataLayer, rec.handler);
    dataLayer.push({
      event: 'outer',
      get sneaky() {
        dataLayer.push({ event: 'inner', deep: { a: { b: 1 } } });
        return 'read';
      },
    });
    expect(rec.log).toEqual(['event:outer', 'event:inner']);
    expect(rec.events[1]!.model).toMatchObject({ sneaky: 'read', deep: { a: { b: 1 } } });
  });

  test('sanitize re-entered from a getter keeps both walks correct', () => {
    let inner: ReturnType<typeof sanitize> | undefined;
    const cyc: Obj = {};
    cyc.self = cyc;
    const outer = sanitize({
      a: {
        get b() {
          inner = sanitize({ x: { y: cyc } });
          return { c: 1 };
        },
      },
      d: [1],
    });
    expect(outer).toMatchObject({ value: { a: { b: { c: 1 } }, d: [1] }, dropped: 0 });
    expect(inner).toMatchObject({ value: { x: { y: {} } }, detail: 'x.y.self: cycle' });
  });
});

describe('sanitize properties', () => {
  const anything = fc.anything({
    withBigInt: true,
    withBoxedValues: true,
    withDate: true,
    withMap: true,
    withSet: true,
    withNullPrototype: true,
    withObjectString: true,
    withSparseArray: true,
    withTypedArray: true,
    withUnicodeString: true,
  });
  const hostile = fc.oneof(
    anything,
    fc
      .tuple(
        anything,
        fc.constantFrom<unknown>(() => 1, Symbol('s'), document.body, window),
      )
      .map(([v, odd]) => ({
        v,
        odd,
      })),
    anything.map((v) => {
      const o: Obj = { v };
      o.self = o;
      return o;
    }),
  );

  test('the output is always JSON- and structured-clone-safe, and sanitize never throws', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        const r = sanitize(v);
        expect(() => structuredClone(r.value)).not.toThrow();
        expect(() => JSON.stringify(r.value)).not.toThrow();
      }),
    );
  });

  test('sanitizing twice changes nothing more', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        const once = sanitize(v);
        const twice = sanitize(once.value);
        expect(twice.dropped).toBe(0);
        expect(twice.value).toEqual(once.value);
      }),
    );
  });

  test('pushing anything never throws and never pollutes', () => {
    fc.assert(
      fc.property(fc.array(hostile, { maxLength: 4 }), (messages) => {
        const { dataLayer } = attachDataLayer([], recorder().handler);
        expect(() => dataLayer.push(...messages)).not.toThrow();
        expect(({} as Obj).polluted).toBeUndefined();
      }),
    );
  });
});
