// @vitest-environment node
// The compiled container schema: schema-program.ts is what scripts/compile-schema.ts makes of schema.ts
// today; interpret.ts accepts exactly what zod accepts and reports zod's first issue path, on the demo
// and fixture containers and on many mutations of them; the compiler refuses what it cannot map.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import * as z from 'zod/mini';
import { compileProgram, compileSchema } from '../../../scripts/compile-schema.js';
import { firstIssue, type Program } from '../../../src/container/interpret.js';
import { containerSchema } from '../../../src/container/schema.js';
import { containerProgram } from '../../../src/container/schema-program.js';
import { container } from './fixtures.js';

// biome-ignore lint/suspicious/noExplicitAny: containers are edited freely
type Json = any;
type Key = string | number;

const demoText = readFileSync(new URL('../../../containers/demo.json', import.meta.url), 'utf8');

/** The demo with every optional field the demo leaves out, and deeper templated values. */
function full(): Json {
  const c = JSON.parse(demoText);
  c.consent.defaults[0].region = ['SE', 'US-CA'];
  c.consent.cookie.domain = '.example.se';
  c.consent.ui.texts = { title: { sv: 'Kakor' }, body: { en: 'Cookies.' }, save: {} };
  c.consent.ui.theme = { '--tw-accent': '#0a7', '--tw-radius': '4px' };
  c.consent.reloadOnWithdrawal = false;
  c.tags[0].paused = false;
  c.tags[0].triggers[0].conditions = [{ variable: 'dl.value', op: 'gt', value: 10, negate: true }];
  c.tags[0].settings.properties.deep = [1, [true, null, { a: ['x', { b: 2.5 }] }], {}];
  c.tags[1].storage[0].lifetime = 'session';
  return c;
}

const bases: [string, () => Json][] = [
  ['containers/demo.json', () => JSON.parse(demoText)],
  ['the unit-test fixture container', () => structuredClone(container())],
  ['the demo with every optional field', full],
];

/**
 * `v` as plain data that compares strictly without reading its properties as metadata: each object becomes
 * its prototype's kind and its own keys, sorted, with their values. (Compared directly, an own `constructor`
 * key, which the mutations add, is taken for the object's type, so two equal outputs would differ.)
 */
function canon(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canon);
  if (v === undefined) return { undefined: true };
  if (!v || typeof v !== 'object') return v;
  const proto = Object.getPrototypeOf(v) === null ? 'null' : 'object';
  return {
    proto,
    entries: Object.keys(v)
      .sort()
      .map((k) => [k, canon((v as Record<string, unknown>)[k])]),
  };
}

/** Checks that zod and the interpreter agree on `value`: the same first issue path, or the same output. */
function same(value: Json, schema: z.core.$ZodType = containerSchema, program: Program = containerProgram) {
  const r = z.safeParse(schema, value);
  const zod = r.success ? { data: canon(r.data) } : { path: r.error.issues[0]!.path };
  // A passing value is left as zod outputs it (a record loses an own __proto__ key).
  const path = firstIssue(program, value);
  expect(path ? { path } : { data: canon(value) }, JSON.stringify(value)).toStrictEqual(zod);
}

test('schema-program.ts is what scripts/compile-schema.ts makes of schema.ts', () => {
  const committed = readFileSync(
    new URL('../../../src/container/schema-program.ts', import.meta.url),
    'utf8',
  );
  expect(committed, 'src/container/schema-program.ts is stale: run `npm run compile-schema`').toBe(
    compileSchema(),
  );
});

describe('the interpreter agrees with zod', () => {
  test.each(bases)('on %s, which passes', (_label, make) => {
    const c = make();
    expect(firstIssue(containerProgram, c)).toBeUndefined();
    same(c);
  });

  // Cases where zod's rules are easy to get wrong; the mutations below cover the rest at random.
  const cases: [string, (c: Json) => void][] = [
    ['an unknown key at the root', (c) => Object.assign(c, { extra: 1 })],
    [
      'an unknown key after a bad field (the field comes first)',
      (c) => Object.assign(c, { extra: 1, id: 'X' }),
    ],
    ['an own __proto__ key in a strict object', (c) => Object.defineProperty(c, '__proto__', own({}))],
    [
      'an own __proto__ key in a record (zod skips it)',
      (c) => defineProto(c.consent.defaults[0].categories, 'x'),
    ],
    ['an own __proto__ key in a templated record', (c) => defineProto(c.tags[0].settings.properties, 1)],
    ['an explicit undefined for an optional field', (c) => Object.assign(c, { $schema: undefined })],
    ['an explicit undefined for a required field', (c) => Object.assign(c, { id: undefined })],
    ['a missing required field', (c) => delete c.consent.cookie],
    ['NaN', (c) => Object.assign(c.consent.queue, { ttlHours: NaN })],
    ['Infinity', (c) => Object.assign(c.consent.queue, { ttlHours: Infinity })],
    ['Infinity where any number will do', (c) => (c.tags[0].settings.properties.x = Infinity)],
    [
      '-Infinity in a condition',
      (c) => (c.tags[0].triggers[0].conditions = [{ variable: 'x', op: 'eq', value: -Infinity }]),
    ],
    ['an integer above 2^53', (c) => Object.assign(c, { version: 2 ** 53 })],
    ['a fraction where an integer is due', (c) => Object.assign(c, { version: 1.5 })],
    ['2000 code points in 4000 UTF-16 units', (c) => Object.assign(c.tags[0], { name: '😀'.repeat(2000) })],
    ['2001 code points', (c) => Object.assign(c.tags[0], { name: '😀'.repeat(2001) })],
    ['lone surrogates', (c) => Object.assign(c.tags[0], { name: '\ud800'.repeat(2001) })],
    ['an empty string in a one-or-many union', (c) => Object.assign(c.tags[0].triggers[0], { event: '' })],
    ['an empty string in the list of a one-or-many union', (c) => (c.tags[0].triggers[0].event = [''])],
    ['a number in the list of a one-or-many union', (c) => (c.tags[0].triggers[0].event = [1])],
    ['an empty list in a one-or-many union', (c) => (c.tags[0].triggers[0].event = [])],
    [
      'a bad value deep in a templated value',
      (c) => (c.tags[0].settings.properties.x = [[{ a: 'x'.repeat(5000) }]]),
    ],
    ['an undefined deep in a templated value', (c) => (c.tags[0].settings.properties.x = [{ a: undefined }])],
    ['an unknown tag type', (c) => (c.tags[1].type = 'iframe')],
    ['a tag without a type', (c) => delete c.tags[1].type],
    ['a tag that is an array', (c) => (c.tags[1] = [])],
    ['settings of another tag type', (c) => (c.tags[1].type = 'script')],
    ['an array over its maximum with bad elements', (c) => (c.consent.categories = Array(65).fill(1))],
    ['an array under its minimum', (c) => (c.consent.categories = [])],
    ['a bad record key', (c) => (c.consent.defaults[0].categories.BAD = 'granted')],
    [
      'a bad record key after a bad value',
      (c) => Object.assign(c.consent.defaults[0].categories, { a: 1, B: 2 }),
    ],
    ['February 29 in a common year', (c) => (c.expires = '2027-02-29T00:00:00Z')],
    ['February 29 in a leap year', (c) => (c.expires = '2028-02-29T00:00:00Z')],
    ['an offset datetime', (c) => (c.expires = '2028-01-01T00:00:00+01:00')],
    ['fractional seconds', (c) => (c.expires = '2028-01-01T00:00:00.5Z')],
  ];
  test.each(cases)('on %s', (_label, edit) => {
    // The fixture container has no tags or defaults to edit.
    for (const make of [bases[0]![1], full]) {
      const c = make();
      edit(c);
      same(c);
    }
  });

  test.each([null, undefined, [], 'x', 1, true])('on %s instead of a container', (value) => same(value));

  test('on random mutations of each container', () => {
    for (const [, make] of bases) {
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 3 }), (ms) => {
          let c = make();
          for (const m of ms) c = mutate(c, m);
          same(c);
        }),
        { numRuns: 700 },
      );
    }
  });
});

// Rules of zod's that the container schema does not reach today (it has no union whose options can
// both get past their type checks, for instance), on small schemas compiled the same way.
describe('the interpreter agrees with zod on small schemas', () => {
  const s = z.string();
  const word = s.check(z.regex(/^[a-z]+$/));
  type Tree = { name: string; children: Tree[] };
  const tree: z.ZodMiniType<Tree> = z.strictObject({ name: word, children: z.array(z.lazy(() => tree)) });
  const small: [string, z.core.$ZodType, Json[]][] = [
    [
      'a union whose options both pass their type check',
      z.union([z.array(s.check(z.minLength(5))), z.array(s.check(z.regex(/x/)))]),
      [['ab'], ['abcde'], ['x'], [1], ['x', 'abcde']],
    ],
    ['a union of one option (zod runs the option alone)', z.union([z.array(s)]), [[1], ['a'], 'a']],
    [
      'a union around a record with a bad key',
      z.union([z.array(z.record(word, s)), s]),
      [[{ B: 'x' }], [{ a: 1 }]],
    ],
    [
      'a union around an object with an unknown key',
      z.union([z.array(z.strictObject({ a: s })), s]),
      [[{ a: 'x', b: 1 }], [{ a: 1 }], [{}], [{ a: 'x' }]],
    ],
    ['a union around a fraction for an int', z.union([z.array(z.int()), s]), [[1.5], [2 ** 53], [1], [-0]]],
    [
      'a union around an optional',
      z.strictObject({ a: z.union([z.optional(s), z.number()]) }),
      [{}, { a: 1 }, { a: null }],
    ],
    ['elements before the minimum length', z.array(s).check(z.minLength(3)), [[1], ['a'], [1, 'a', 2], []]],
    ['an oversized array before its elements', z.array(s).check(z.maxLength(1)), [[1, 2], ['a', 2], [2]]],
    [
      'several bounds',
      z.number().check(z.minimum(1), z.positive(), z.lt(5), z.maximum(9)),
      [0, 1, 4.9, 5, 9, 10],
    ],
    [
      'an enum discriminator',
      z.discriminatedUnion('k', [
        z.strictObject({ k: z.enum(['a', 'b']), x: s }),
        z.strictObject({ k: z.literal('c'), y: z.number() }),
      ]),
      [{ k: 'a', x: 'x' }, { k: 'b', y: 1 }, { k: 'c', y: 1 }, { k: 'd' }, {}, []],
    ],
    ['a literal of several values', z.literal([1, 'a', true, null]), [1, 'a', true, null, false, '1', 0]],
    [
      'a recursive schema',
      tree,
      [
        { name: 'a', children: [{ name: 'b', children: [] }] },
        { name: 'a', children: [{ name: 'B', children: [] }] },
        { name: 'a', children: [{ name: 'b', children: [{ name: 'c', children: {} }] }] },
      ],
    ],
    [
      'a datetime with an offset and a precision',
      z.iso.datetime({ offset: true, precision: 3 }),
      [
        '2026-01-01T00:00:00.000Z',
        '2026-01-01T00:00:00.000+01:00',
        '2026-01-01T00:00:00Z',
        '2026-01-01T00:00:00.0000Z',
      ],
    ],
  ];
  test.each(small)('%s', (_label, schema, inputs) => {
    const program = compileProgram(schema);
    for (const x of inputs) same(x, schema, program);
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), (x) => same(x, schema, program)),
      { numRuns: 200 },
    );
  });
});

describe('the compiler', () => {
  const s = z.string();
  const unsupported: [string, z.core.$ZodType][] = [
    ['an object that is not strict', z.object({ a: s })],
    ['a loose object', z.looseObject({ a: s })],
    ['nullable', z.strictObject({ a: z.nullable(s) })],
    ['a default', z._default(s, 'x')],
    [
      'a transform',
      z.pipe(
        s,
        z.transform((v) => v.length),
      ),
    ],
    ['a tuple', z.tuple([s])],
    ['unknown', z.unknown()],
    ['a date', z.date()],
    ['an exclusive union', z.xor([s, z.number()])],
    ['an email format', z.email()],
    ['an exact length', s.check(z.length(3))],
    ['a refinement', s.check(z.refine((v) => v !== 'x'))],
    ['a trim', s.check(z.trim())],
    ['a check that aborts', s.check(z.minLength(1, { abort: true }))],
    ['a stateful regex', s.check(z.regex(/a/g))],
    ['a multiple-of check', z.number().check(z.multipleOf(2))],
    ['an int32', z.int32()],
    ['coercion', z.coerce.number()],
    ['an enum-keyed record', z.record(z.enum(['a', 'b']), s)],
    ['a partial record', z.partialRecord(z.enum(['a', 'b']), s)],
    ['a loose record', z.looseRecord(s, s)],
    ['a field named like a prototype member', z.strictObject({ constructor: s })],
    ['a bigint literal', z.literal(1n)],
  ];
  test.each(unsupported)('throws on %s', (_label, schema) => {
    expect(() => compileSchema(schema)).toThrow(/^compile-schema: .*unsupported/);
  });

  test('names the path of what it refuses', () => {
    const schema = z.strictObject({ a: z.array(z.strictObject({ b: z.nullable(z.string()) })) });
    expect(() => compileSchema(schema)).toThrow('compile-schema: a[].b: unsupported type "nullable"');
  });
});

// --- mutations ------------------------------------------------------------------------------------

const own = (value: unknown) => ({ value, enumerable: true, configurable: true, writable: true });
const defineProto = (o: object, value: unknown) => Object.defineProperty(o, '__proto__', own(value));

const lengths = [0, 1, 2, 40, 41, 63, 64, 65, 200, 201, 1000, 1001, 2000, 2001, 4096, 4097];
const strings = [
  ...lengths.flatMap((n) => ['a'.repeat(n), '😀'.repeat(n)]),
  ...['x', 'X', '-', 'a b', 'SE', 'US-CA', 'se', 'S', 'SE-', 'US-CAXX', '--tw-x', '--tw-', '.a', '.A'],
  ...['pixel', 'script', 'appinsights', 'personalization', 'granted', 'denied', 'session', 'memory'],
  ...['equals', 'exists', 'image', 'full', 'center', 'auto', 'ad_storage', 'first', 'cookie', 'fbq', 'a.b'],
  ...['a..b', '1a', '$a', 'tw_consent', '{{dl.x}}', 'https://x.example'],
  ...['2026-01-01T00:00:00Z', '2026-02-29T00:00:00Z', '2028-02-29T12:59:59.123Z', '2026-13-01T00:00:00Z'],
  ...['2026-01-01T24:00:00Z', '2026-01-01T00:00Z', '2026-01-01 00:00:00Z', '2026-01-01T00:00:00z'],
  ...['2026-04-31T00:00:00Z', '2100-02-29T00:00:00Z', '2000-02-29T00:00:00Z', '2026-01-01'],
];
const numbers = [
  ...[0, -0, 1, -1, 0.5, 1.5, 49, 50, 99, 100, 101, 255, 256, 399, 400, 401, 719, 720, 721, 9999, 10000],
  ...[10001, 99999, 100000, 100001, 1048576, 1048577, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e308, 5e-324],
  ...[Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY],
];
const others: Json[] = [undefined, null, true, false, [], [1], ['x'], [''], [[]], {}, { a: 1 }, { sv: 'x' }];
const values: Json[] = [...strings, ...numbers, ...others];
const keys = ['extra', '__proto__', 'constructor', 'type', 'sv', 'en', 'id', '0', 'toString', 'BAD', 'a'];
const chars = [' ', 'A', 'a', '-', '.', '_', '$', '😀', '\ud800', '0', 'Z', ':', '{'];
const arrayLengths = [0, 1, 2, 64, 65, 500, 501];

/** A mutation: what to do, where (an index into every path), and with what (an index into a pool). */
const mutation = fc.record({
  kind: fc.nat(7),
  where: fc.nat(),
  pick: fc.nat(),
  json: fc.jsonValue({ maxDepth: 2 }),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

/** Every path in `v`, the root first. */
function paths(v: Json, at: Key[] = [], out: Key[][] = []): Key[][] {
  out.push(at);
  if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) paths(v[k], [...at, Array.isArray(v) ? Number(k) : k], out);
  }
  return out;
}

/** `c` with one mutation applied (the root may be replaced). */
function mutate(c: Json, m: Mutation): Json {
  const all = paths(c);
  const path = all[m.where % all.length]!;
  const key = path[path.length - 1];
  const parent = path.slice(0, -1).reduce((o, k) => o[k], c);
  const value = path.length ? parent[key!] : c;
  const set = (v: Json) => {
    if (!path.length) return v;
    parent[key!] = v;
    return c;
  };
  const pick = <T>(list: readonly T[]) => list[m.pick % list.length]!;
  switch (m.kind) {
    case 0:
      return set(pick(values));
    case 1:
      return set(m.json);
    case 2: // remove
      if (!path.length) return c;
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key!];
      return c;
    case 3: {
      // add a key
      if (!value || typeof value !== 'object' || Array.isArray(value)) return c;
      const k = pick(keys);
      Object.defineProperty(value, k, own(pick(values)));
      return c;
    }
    case 4: // edit a string
      if (typeof value !== 'string') return c;
      switch (m.pick % 4) {
        case 0:
          return set(value + pick(chars));
        case 1:
          return set(pick(chars) + value);
        case 2:
          return set(value.slice(0, -1));
        default:
          return set(value.toUpperCase());
      }
    case 5: // edit a number
      if (typeof value !== 'number') return c;
      return set(pick([value + 1, value - 1, value + 0.5, -value, value * 2, value / 2, 0]));
    case 6: {
      // resize an array with copies of its elements
      if (!Array.isArray(value)) return c;
      const n = pick(arrayLengths);
      const copy = value.length ? value : [pick(values)];
      return set(Array.from({ length: n }, (_, i) => structuredClone(copy[i % copy.length])));
    }
    default: // another tag type
      if (value && typeof value === 'object' && 'type' in value)
        value.type = pick(['pixel', 'script', 'appinsights', 'personalization', 'iframe', 1]);
      return c;
  }
}
