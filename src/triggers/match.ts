/**
 * Trigger matching: event names (exact, list, `*`), conditions on variables (all must hold) and
 * exceptions (blocking triggers). Triggers are data; regular expressions are compiled once and a
 * malformed one never matches.
 */
import type { Condition, Tag, Trigger } from '../container/schema';
import { asText, type Lookup } from './template';

const regexCache = new Map<string, RegExp | null>();

function regex(src: string): RegExp | null {
  let r = regexCache.get(src);
  if (r === undefined) {
    try {
      r = new RegExp(src);
    } catch {
      r = null;
    }
    regexCache.set(src, r);
  }
  return r;
}

/** True when condition `c` holds for the variables in `get`. */
export function conditionHolds(c: Condition, get: Lookup): boolean {
  const v = get(c.variable);
  // An object or array is compared as its JSON text (the model's objects have no prototype, so String and
  // Number would throw on them) and is never a number.
  const obj = typeof v === 'object';
  const s = asText(v);
  const want = c.value ?? '';
  const ws = String(want);
  const n = obj ? Number.NaN : Number(v);
  const wn = Number(want);
  const num = (ok: boolean) =>
    v !== null && v !== '' && v !== undefined && !Number.isNaN(n) && !Number.isNaN(wn) && ok;
  let r: boolean;
  switch (c.op) {
    case 'equals':
      r = s === ws;
      break;
    case 'notEquals':
      r = s !== ws;
      break;
    case 'contains':
      r = s.includes(ws);
      break;
    case 'startsWith':
      r = s.startsWith(ws);
      break;
    case 'endsWith':
      r = s.endsWith(ws);
      break;
    case 'matches':
      r = !!regex(ws)?.test(s);
      break;
    case 'eq':
      r = num(n === wn);
      break;
    case 'ne':
      r = num(n !== wn);
      break;
    case 'gt':
      r = num(n > wn);
      break;
    case 'gte':
      r = num(n >= wn);
      break;
    case 'lt':
      r = num(n < wn);
      break;
    case 'lte':
      r = num(n <= wn);
      break;
    case 'exists':
      r = s !== '';
      break;
  }
  return c.negate ? !r : r;
}

/** True when trigger `t` matches event `name` and all its conditions hold. */
export function triggerMatches(t: Trigger, name: string, get: Lookup): boolean {
  const ev = t.event;
  const named = ev === '*' || ev === name || (Array.isArray(ev) && (ev.includes(name) || ev.includes('*')));
  return named && (t.conditions ?? []).every((c) => conditionHolds(c, get));
}

/** True when `tag` should receive event `name`: a trigger matches and no exception does. */
export function tagMatches(tag: Tag, name: string, get: Lookup): boolean {
  return (
    !tag.paused &&
    tag.triggers.some((t) => triggerMatches(t, name, get)) &&
    !(tag.exceptions ?? []).some((t) => triggerMatches(t, name, get))
  );
}
