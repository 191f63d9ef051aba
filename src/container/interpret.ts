/**
 * Runs a schema program against a JSON value: the browser runtime's schema check without zod.
 * A program is plain data (tuples, regex literals), compiled from the zod schema by
 * scripts/compile-schema.ts into schema-program.ts; nothing is evaluated, so it runs under a strict
 * CSP with Trusted Types. Owns what each op means. Each op follows zod 4's parse of the construct it
 * was compiled from, in issue order and in which issues "abort" (a union reports the one branch
 * whose issues all continue), so the path it reports is zod's first issue path.
 */

/** Ops: the first element of every program tuple. */
export const STRING = 0;
export const NUMBER = 1;
/** A safe integer. */
export const INT = 2;
export const BOOLEAN = 3;
export const NULL = 4;
/** One of the listed literal values. */
export const VALUES = 5;
/** A strict object: the listed fields (an absent one reads as `undefined`), no other keys. */
export const OBJECT = 6;
export const OPTIONAL = 7;
export const ARRAY = 8;
/** Keys and values of a plain object checked against two programs. */
export const RECORD = 9;
export const UNION = 10;
/** A discriminated union: the option named by the value of one key. */
export const TAGGED = 11;
/** A program by reference (recursion). */
export const REF = 12;

/** Check ops, in op/argument pairs after a type: bounds on a number or a length, a pattern. */
export const GE = 0;
export const GT = 1;
export const LE = 2;
export const LT = 3;
export const RE = 4;

type Checks = (number | RegExp)[];
type Literal = string | number | boolean | null;
/** An OBJECT's fields, or a TAGGED union's options by discriminator value. */
interface Fields {
  readonly [key: string]: Program;
}

/** A compiled schema. */
export type Program =
  | readonly [typeof STRING | typeof NUMBER | typeof INT, ...Checks]
  | readonly [typeof BOOLEAN | typeof NULL]
  | readonly [typeof VALUES, ...Literal[]]
  | readonly [typeof OBJECT, Fields]
  | readonly [typeof OPTIONAL, Program]
  | ArrayProgram
  | readonly [typeof RECORD, Program, Program]
  | readonly [typeof UNION, ...Program[]]
  | readonly [typeof TAGGED, string, Fields]
  | readonly [typeof REF, () => Program];

// An interface, as a tuple with a rest after a recursive element cannot be a type alias.
interface ArrayProgram extends Readonly<[typeof ARRAY, Program, ...Checks]> {}

type Path = (string | number)[];
/** A failed check: the path of zod's first issue, and whether any issue aborts (zod's `aborted`). */
interface Fail {
  path: Path;
  abort: boolean;
}

/** Records with an own `__proto__` key, which zod skips and leaves out of its output. */
let protoKeys: Record<string, unknown>[] = [];

/**
 * The path of the first issue zod would report for `value`, or undefined when it passes. A passing
 * value is left as zod would output it: records lose an own `__proto__` key (zod never reads it).
 */
export function firstIssue(program: Program, value: unknown): Path | undefined {
  protoKeys = [];
  const fail = run(program, value);
  if (!fail) for (const r of protoKeys) Reflect.deleteProperty(r, '__proto__');
  return fail?.path;
}

const here = (abort: boolean): Fail => ({ path: [], abort });
// Object.hasOwn is ES2022; the runtime targets ES2020.
const hasOwn = Object.prototype.hasOwnProperty;
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Adds a child's failure in issue order: the first keeps its path (under `key`); any may abort. */
function add(acc: Fail | undefined, f: Fail | undefined, key?: string | number): Fail | undefined {
  if (!f) return acc;
  if (acc) {
    acc.abort ||= f.abort;
    return acc;
  }
  if (key !== undefined) f.path.unshift(key);
  return f;
}

/** Whether `n` (a number or a length) and `s` pass the check pairs from index `i`; only `op` ones when given. */
function passes(p: readonly unknown[], i: number, n: number, s = '', op?: number): boolean {
  for (; i < p.length; i += 2) {
    const a = p[i + 1] as number & RegExp;
    if (op !== undefined && p[i] !== op) continue;
    if (p[i] === GE ? n < a : p[i] === GT ? n <= a : p[i] === LE ? n > a : p[i] === LT ? n >= a : !a.test(s))
      return false;
  }
  return true;
}

// Every issue zod raises for a type mismatch, a missing key or a bad discriminator aborts; those of
// checks (lengths, bounds, patterns) and of unknown keys continue. Once a failure aborts, nothing later
// can change the first path or the abort, so loops stop there.
function run(p: Program, v: unknown): Fail | undefined {
  let acc: Fail | undefined;
  switch (p[0]) {
    case STRING:
      if (typeof v !== 'string') return here(true);
      // zod measures strings in code points.
      return passes(p, 1, [...v].length, v) ? undefined : here(false);
    case NUMBER:
    case INT:
      if (typeof v !== 'number' || !Number.isFinite(v)) return here(true);
      if (p[0] === INT && !Number.isInteger(v)) return here(true);
      return (p[0] === INT && !Number.isSafeInteger(v)) || !passes(p, 1, v) ? here(false) : undefined;
    case BOOLEAN:
      return typeof v === 'boolean' ? undefined : here(true);
    case NULL:
      return v === null ? undefined : here(true);
    case VALUES:
      return p.includes(v as Literal, 1) ? undefined : here(true);
    case OPTIONAL:
      return v === undefined ? undefined : run(p[1], v);
    case REF:
      return run(p[1](), v);
    case ARRAY:
      // zod refuses an array over its maximum length before reading any element.
      if (!Array.isArray(v) || !passes(p, 2, v.length, '', LE)) return here(true);
      for (let i = 0; i < v.length && !acc?.abort; i++) acc = add(acc, run(p[1], v[i]), i);
      return passes(p, 2, v.length) ? acc : add(acc, here(false));
    case OBJECT: {
      if (!isObject(v)) return here(true);
      const fields = p[1];
      for (const k of Object.keys(fields)) {
        if (acc?.abort) return acc;
        acc = add(acc, run(fields[k]!, v[k]), k);
      }
      for (const k in v) if (!hasOwn.call(fields, k)) return add(acc, here(false));
      return acc;
    }
    case RECORD:
      if (!isObject(v)) return here(true);
      for (const k of Object.keys(v)) {
        if (acc?.abort) return acc;
        if (k === '__proto__') protoKeys.push(v);
        else acc = run(p[1], k) ? add(acc, { path: [k], abort: true }) : add(acc, run(p[2], v[k]), k);
      }
      return acc;
    case UNION: {
      // The first option that passes wins; else the only option whose issues all continue, else the union.
      const mark = protoKeys.length;
      let open = 0;
      for (let i = 1; i < p.length; i++) {
        const f = run(p[i] as Program, v);
        if (!f) return undefined;
        protoKeys.length = mark;
        if (!f.abort && open++ === 0) acc = f;
      }
      return open === 1 ? acc : here(true);
    }
    case TAGGED: {
      if (!isObject(v)) return here(true);
      const tag = v[p[1]];
      return typeof tag === 'string' && hasOwn.call(p[2], tag)
        ? run(p[2][tag]!, v)
        : { path: [p[1]], abort: true };
    }
  }
}
