/**
 * Compiles the zod container schema (src/container/schema.ts) into src/container/schema-program.ts:
 * the data program that src/container/interpret.ts runs in the browser instead of zod. Owns the
 * mapping from zod 4 mini constructs and checks to ops, and throws on every construct, check or
 * option it does not map exactly, so a schema change cannot ship a field the runtime leaves
 * unchecked. Identical sub-programs are written once; recursion (z.lazy) becomes a REF.
 *
 * Run: npm run compile-schema (test/unit/container/schema-program.test.ts fails when the file is stale).
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import * as z from 'zod/mini';
import * as ops from '../src/container/interpret';
import { containerSchema } from '../src/container/schema';

type Schema = z.core.$ZodType;
type Def = Record<string, unknown> & { type: string };
type Literal = string | number | boolean | null;

/** A program tuple before printing: an op name and its arguments. */
interface Node {
  op: string;
  args: Arg[];
  /** Structural identity: nodes with equal keys are one program. */
  key: string;
  /** Where the schema uses it, as dotted paths (for the comment of a declared program). */
  paths: string[];
  /** References to it from the programs it is part of, counted when printing. */
  uses: number;
  /** The name it is declared under, when it is not written inline. */
  name?: string;
}
/** Fields of an OBJECT, or options of a TAGGED union by discriminator value. */
class Fields {
  constructor(readonly entries: [string, Node][]) {}
}
/** A REF's target: a schema that contains itself through z.lazy, known once it is compiled. */
class Ref {
  node: Node | undefined;
  constructor(readonly id: number) {}
}
/** A check op (GE, GT, LE, LT, RE), printed as the identifier interpret.ts exports. */
class Op {
  constructor(readonly name: string) {}
}
type Arg = Node | Fields | Ref | Op | RegExp | Literal;
type Fail = (what: string) => Error;

/** The `when` every zod length check has unless given one (zod runs it even after a type error). */
const LENGTH_WHEN = z.minLength(1)._zod.def.when;

/** Def options of a schema that is also a check (z.iso.datetime(), z.int()), checked as a check. */
const SELF_CHECK = ['check', 'format', 'pattern', 'offset', 'local', 'precision', 'abort'];

/** Compiles `schema` to the TypeScript source of schema-program.ts. Throws on what it cannot map exactly. */
export function compileSchema(schema: Schema = containerSchema): string {
  return print(new Compiler().compile(schema, ''));
}

/** Compiles `schema` to the program itself, as schema-program.ts would hold it (for tests of small schemas). */
export function compileProgram(schema: Schema): ops.Program {
  const made = new Map<Node, ops.Program>();
  const op = (name: string) => (ops as unknown as Record<string, number>)[name]!;
  const value = (a: Arg): unknown => {
    if (a instanceof Fields) return Object.fromEntries(a.entries.map(([k, n]) => [k, program(n)]));
    if (a instanceof Ref) return () => program(a.node!);
    if (a instanceof Op) return op(a.name);
    return isNode(a) ? program(a) : a;
  };
  const program = (n: Node): ops.Program => {
    let p = made.get(n);
    if (!p) {
      p = [op(n.op), ...n.args.map(value)] as unknown as ops.Program;
      made.set(n, p);
    }
    return p;
  };
  return program(new Compiler().compile(schema, ''));
}

class Compiler {
  /** Programs by structure, so that equal ones are written once. */
  private readonly interned = new Map<string, Node>();
  /** Programs by schema object: a schema used in several places is compiled once. */
  private readonly compiled = new Map<Schema, Node>();
  /** Schemas being compiled (a z.lazy back to one becomes a REF), each with its REF target. */
  private readonly open = new Map<Schema, Ref>();
  private refs = 0;

  compile(s: Schema, at: string): Node {
    const done = this.compiled.get(s);
    if (done) {
      done.paths.push(at);
      return done;
    }
    const fail: Fail = (what) => new Error(`compile-schema: ${at || '(root)'}: unsupported ${what}`);
    if (this.open.has(s)) throw fail('recursion other than through z.lazy');
    const ref = new Ref(this.refs++);
    this.open.set(s, ref);
    const node = this.build(s, at, fail);
    this.open.delete(s);
    ref.node = node;
    this.compiled.set(s, node);
    return node;
  }

  private build(s: Schema, at: string, fail: Fail): Node {
    const def = s._zod.def as unknown as Def;
    /** Allows only these def options (besides `type`, and `error`, which only words messages). */
    const only = (...keys: string[]) => {
      for (const [k, v] of Object.entries(def)) {
        if (v === undefined || k === 'type' || k === 'error' || keys.includes(k)) continue;
        if (k === 'checks' && Array.isArray(v) && v.length === 0) continue;
        throw fail(`${def.type} option "${k}"`);
      }
    };
    switch (def.type) {
      case 'string':
        // z.iso.datetime() and z.int() are their own checks: their options are checked with them.
        only('checks', ...SELF_CHECK);
        return this.node('STRING', this.checks(s, 'string', fail).pairs, at);
      case 'number': {
        only('checks', ...SELF_CHECK);
        const { pairs, int } = this.checks(s, 'number', fail);
        return this.node(int ? 'INT' : 'NUMBER', pairs, at);
      }
      case 'boolean':
        only();
        return this.node('BOOLEAN', [], at);
      case 'null':
        only();
        return this.node('NULL', [], at);
      case 'literal':
      case 'enum': {
        only(def.type === 'literal' ? 'values' : 'entries');
        // zod's own set of accepted values.
        const values = [...(s._zod.values ?? [])];
        for (const v of values) {
          const ok = typeof v === 'string' || typeof v === 'boolean' || v === null || Number.isFinite(v);
          if (!ok) throw fail(`${def.type} value ${String(v)}`);
        }
        if (!values.length) throw fail(`empty ${def.type}`);
        return this.node('VALUES', values as Literal[], at);
      }
      case 'optional':
        only('innerType');
        return this.node('OPTIONAL', [this.compile(def.innerType as Schema, at)], at);
      case 'array':
        only('element', 'checks');
        return this.node(
          'ARRAY',
          [this.compile(def.element as Schema, `${at}[]`), ...this.checks(s, 'array', fail).pairs],
          at,
        );
      case 'object':
        only('shape', 'catchall');
        if ((def.catchall as Schema | undefined)?._zod.def.type !== 'never') {
          throw fail('object that is not strict (use z.strictObject)');
        }
        return this.node('OBJECT', [this.fields(def, at, fail)], at);
      case 'record': {
        only('keyType', 'valueType');
        const key = def.keyType as Schema;
        // A key schema with a fixed set of keys (enum, literal) makes zod require every one of them.
        if (key._zod.def.type !== 'string' || key._zod.values) throw fail('record key that is not a string');
        return this.node(
          'RECORD',
          [this.compile(key, `${at}{key}`), this.compile(def.valueType as Schema, `${at}{}`)],
          at,
        );
      }
      case 'union':
        if (def.discriminator !== undefined) return this.tagged(def, at, only, fail);
        only('options');
        return this.union(def.options as Schema[], at);
      case 'lazy': {
        only('getter');
        const inner = (s as z.core.$ZodLazy)._zod.innerType as Schema;
        const target = this.open.get(inner);
        return target ? this.node('REF', [target], at) : this.compile(inner, at);
      }
      default:
        throw fail(`type "${def.type}"`);
    }
  }

  /** A node, merged with an identical one compiled before. */
  private node(op: string, args: Arg[], at: string): Node {
    const key = `${op}(${args.map(keyOf).join(',')})`;
    let node = this.interned.get(key);
    if (!node) {
      node = { op, args, key, paths: [], uses: 0 };
      this.interned.set(key, node);
    }
    node.paths.push(at);
    return node;
  }

  private union(options: Schema[], at: string): Node {
    // zod runs a one-option union as that option (its issues, not the union's).
    if (options.length === 1) return this.compile(options[0]!, at);
    return this.node(
      'UNION',
      options.map((o) => this.compile(o, at)),
      at,
    );
  }

  private tagged(def: Def, at: string, only: (...keys: string[]) => void, fail: Fail): Node {
    only('options', 'discriminator', 'inclusive');
    const key = def.discriminator as string;
    if (def.inclusive !== false || typeof key !== 'string' || key in Object.prototype) {
      throw fail(`discriminated union on "${String(key)}"`);
    }
    const options: [string, Node][] = [];
    for (const option of def.options as Schema[]) {
      if (option._zod.def.type !== 'object') throw fail('discriminated union option that is not an object');
      const node = this.compile(option, at);
      for (const value of option._zod.propValues?.[key] ?? []) {
        if (typeof value !== 'string' || options.some(([v]) => v === value)) {
          throw fail(`discriminator value ${String(value)}`);
        }
        options.push([value, node]);
      }
    }
    return this.node('TAGGED', [key, new Fields(options)], at);
  }

  private fields(def: Def, at: string, fail: Fail): Fields {
    const shape = def.shape as Record<string, Schema>;
    if (Object.getOwnPropertySymbols(shape).length) throw fail('symbol key');
    const entries: [string, Node][] = [];
    for (const [key, field] of Object.entries(shape)) {
      // The interpreter reads `value[key]`: a key that objects inherit would not read as absent.
      if (key in Object.prototype) throw fail(`key "${key}"`);
      // It treats an absent key as `undefined`, which is exact when the field accepts undefined
      // exactly when zod lets the key be absent.
      const absentOk = field._zod.optin === 'optional' && field._zod.optout === 'optional';
      if (absentOk !== z.safeParse(field, undefined).success) throw fail(`optionality of "${key}"`);
      entries.push([key, this.compile(field, at ? `${at}.${key}` : key)]);
    }
    return new Fields(entries);
  }

  /** The check pairs of a string, number or array schema, and whether a number must be a safe integer. */
  private checks(s: Schema, of: 'string' | 'number' | 'array', fail: Fail): { pairs: Arg[]; int: boolean } {
    const def = s._zod.def as unknown as Def;
    const pairs: Arg[] = [];
    let int = false;
    // z.int() and z.iso.datetime() are checks themselves, run before the listed ones.
    const list = [...(def.check ? [s] : []), ...((def.checks ?? []) as Schema[])];
    for (const c of list) {
      const d = c._zod.def as unknown as Def & { check: string };
      const only = (...keys: string[]) => {
        for (const [k, v] of Object.entries(d)) {
          if (v === undefined || k === 'check' || k === 'error' || keys.includes(k)) continue;
          if (c === s && (k === 'type' || k === 'checks')) continue;
          // `abort: true` would change which issues abort, and so a union's choice.
          if (k === 'abort' && v === false) continue;
          throw fail(`${d.check} option "${k}"`);
        }
      };
      if ((d.check === 'min_length' || d.check === 'max_length') && of !== 'number') {
        only('minimum', 'maximum', 'when');
        if (d.when !== LENGTH_WHEN) throw fail(`${d.check} with its own "when"`);
        const min = d.check === 'min_length';
        pairs.push(new Op(min ? 'GE' : 'LE'), (min ? d.minimum : d.maximum) as number);
      } else if (
        d.check === 'string_format' &&
        of === 'string' &&
        (d.format === 'regex' || d.format === 'datetime')
      ) {
        // z.iso.datetime() checks its pattern, which zod builds from its options.
        only('format', 'pattern', ...(d.format === 'datetime' ? ['offset', 'local', 'precision'] : []));
        const pattern = d.pattern as RegExp;
        if (/[gy]/.test(pattern.flags)) throw fail(`stateful regex ${pattern}`);
        pairs.push(new Op('RE'), pattern);
      } else if ((d.check === 'greater_than' || d.check === 'less_than') && of === 'number') {
        only('value', 'inclusive');
        if (typeof d.value !== 'number' || Number.isNaN(d.value))
          throw fail(`${d.check} bound ${String(d.value)}`);
        const op = d.check === 'greater_than' ? (d.inclusive ? 'GE' : 'GT') : d.inclusive ? 'LE' : 'LT';
        pairs.push(new Op(op), d.value);
      } else if (d.check === 'number_format' && of === 'number' && d.format === 'safeint') {
        only('format');
        int = true;
      } else {
        throw fail(`${of} check "${d.check}"${d.format ? ` (${String(d.format)})` : ''}`);
      }
    }
    return { pairs, int };
  }
}

function keyOf(a: Arg): string {
  if (a instanceof Fields) return `{${a.entries.map(([k, n]) => `${JSON.stringify(k)}:${n.key}`).join(',')}}`;
  if (a instanceof Ref) return `ref${a.id}`;
  if (a instanceof Op) return a.name;
  if (a instanceof RegExp) return String(a);
  if (isNode(a)) return a.key;
  return JSON.stringify(a);
}

const isNode = (a: Arg): a is Node => !!a && typeof a === 'object' && 'key' in a;

// --- printing -------------------------------------------------------------------------------------

const WIDTH = 100;

/** The module source: programs used more than once as constants (parts first), the container last. */
function print(root: Node): string {
  const ops = new Set<string>();
  const targets = new Set<Node>();
  const children = (n: Node) =>
    n.args.flatMap((a) => (a instanceof Fields ? a.entries.map(([, c]) => c) : isNode(a) ? [a] : []));
  const count = (n: Node) => {
    ops.add(n.op);
    for (const a of n.args) {
      if (a instanceof Op) ops.add(a.name);
      if (a instanceof Ref) targets.add(a.node!);
    }
    for (const c of children(n)) if (c.uses++ === 0) count(c);
  };
  count(root);
  // Parts before the programs they are part of; a REF reads its target (an enclosing program) lazily.
  const order: Node[] = [];
  const seen = new Set<Node>();
  const place = (n: Node) => {
    if (seen.has(n)) return;
    seen.add(n);
    for (const c of children(n)) place(c);
    if (n !== root && (targets.has(n) || (n.uses > 1 && n.args.length))) order.push(n);
  };
  place(root);
  order.forEach((n, i) => {
    n.name = `p${i + 1}`;
  });
  const lines = [
    '// Generated by scripts/compile-schema.ts from schema.ts — do not edit. Regenerate: npm run compile-schema',
    '/**',
    " * The container schema (schema.ts) as a program for interpret.ts, the browser runtime's schema",
    ' * check. A program used in more than one place is declared once; its comment says where.',
    ' */',
    `import {\n  ${[...ops].sort().join(',\n  ')},\n  type Program,\n} from './interpret';`,
    '',
  ];
  for (const n of order)
    lines.push(`/** ${where(n)} */`, `const ${n.name}: Program = ${render(n, '', true)};`);
  lines.push(
    '/** The container document. */',
    `export const containerProgram: Program = ${render(root, '', true)};`,
  );
  return `${lines.join('\n')}\n`;
}

function where(n: Node): string {
  const paths = [...new Set(n.paths)].map((p) => p || '(root)');
  const shown = paths.slice(0, 3).join(', ');
  return paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown;
}

/** A node as TypeScript: by name when declared (unless `own`), flat when it fits, else one item a line. */
function render(n: Node, indent: string, own = false): string {
  if (n.name && !own) return n.name;
  const items = [n.op, ...n.args.map((a) => arg(a, `${indent}  `))];
  const flat = `[${items.join(', ')}]`;
  if (!flat.includes('\n') && indent.length + flat.length <= WIDTH) return flat;
  const last = n.args[n.args.length - 1];
  const head = items.slice(0, -1).join(', ');
  // `[OBJECT, {` and `[TAGGED, 'type', {` keep their fields one indent in.
  if (last instanceof Fields && !head.includes('\n')) return `[${head}, ${arg(last, indent)}]`;
  // One line each, except that check pairs share one and literals fill lines.
  const lines: string[] = [n.op];
  n.args.forEach((a, i) => {
    const text = items[i + 1]!;
    const prev = n.args[i - 1];
    const joins =
      a instanceof Op ? prev instanceof Op || typeof prev === 'number' : isLiteral(a) && isLiteral(prev);
    const line = lines[lines.length - 1]!;
    if (joins && i > 0 && indent.length + line.length + text.length + 4 <= WIDTH)
      lines[lines.length - 1] = `${line}, ${text}`;
    else lines.push(text);
  });
  return `[\n${lines.map((l) => `${indent}  ${l},`).join('\n')}\n${indent}]`;
}

const isLiteral = (a: Arg | undefined): boolean => a === null || (typeof a !== 'object' && a !== undefined);

function arg(a: Arg, indent: string): string {
  if (a instanceof Ref) return `() => ${a.node!.name}`;
  if (a instanceof Op) return a.name;
  if (a instanceof RegExp) return String(a);
  if (a instanceof Fields) {
    const entries = a.entries.map(
      ([k, n]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : quote(k)}: ${render(n, `${indent}  `)}`,
    );
    const flat = `{ ${entries.join(', ')} }`;
    if (!flat.includes('\n') && indent.length + flat.length <= WIDTH) return flat;
    return `{\n${entries.map((e) => `${indent}  ${e},`).join('\n')}\n${indent}}`;
  }
  if (isNode(a)) return render(a, indent);
  return typeof a === 'string' ? quote(a) : String(a);
}

function quote(s: string): string {
  return `'${JSON.stringify(s).slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = new URL('../src/container/schema-program.ts', import.meta.url);
  writeFileSync(out, compileSchema());
  console.log(`wrote ${out.pathname}`);
}
