/**
 * `{{variable}}` templates in tag settings: URLs (every value encoded as a URI component) and
 * function-call arguments or properties (a whole-string reference keeps its value's type).
 * No expression language, no eval: a reference is a variable name, nothing else.
 */
import type { Templated } from '../container/schema';

/** A `{{variable}}` reference; the name is group 1. */
export const REF = /\{\{\s*([\w.$-]+)\s*\}\}/g;
const WHOLE = /^\{\{\s*([\w.$-]+)\s*\}\}$/;

/** Reads one variable. */
export type Lookup = (name: string) => unknown;

/** A value as text in a template: '' for null/undefined, JSON for objects. */
export function asText(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'object') {
    try {
      return JSON.stringify(v);
    } catch {
      return '';
    }
  }
  return String(v);
}

/** Encodes as a URI component; a lone surrogate (which makes encodeURIComponent throw) becomes U+FFFD. */
export function encodeComponent(v: unknown): string {
  const s = asText(v);
  try {
    return encodeURIComponent(s);
  } catch {
    return encodeURIComponent(s.replace(/[\uD800-\uDFFF]/g, '\uFFFD'));
  }
}

/** URL templates split once into static text and variable names: `[text, name, text, name, …, text]`. */
const split = new Map<string, string[]>();

/**
 * Fills a URL template; every value is encoded as a component, so none can add a path segment, a query
 * field or a fragment. (A value of `.` or `..` filling a whole path segment stays a dot segment: no encoding
 * avoids that, docs/container.md#url-policy says to keep such values in the query.)
 */
export function renderUrl(template: string, get: Lookup): string {
  let parts = split.get(template);
  if (!parts) {
    parts = template.split(REF);
    split.set(template, parts);
  }
  let out = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) out += encodeComponent(get(parts[i]!)) + parts[i + 1];
  return out;
}

/** Every variable name a templated value refers to. */
export function references(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') for (const m of value.matchAll(REF)) out.add(m[1]!);
  else if (Array.isArray(value)) for (const v of value) references(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) references(v, out);
  return out;
}

/** Fills a templated value: `"{{x}}"` alone yields x's value as is; mixed strings yield text; objects nest. */
export function renderValue(value: Templated, get: Lookup): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    return whole ? get(whole[1]!) : value.replace(REF, (_, name: string) => asText(get(name)));
  }
  if (Array.isArray(value)) return value.map((v) => renderValue(v, get));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = renderValue(v, get);
    return out;
  }
  return value;
}
