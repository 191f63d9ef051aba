/**
 * The `script` tag type: an external vendor script pinned by SRI, loaded once per tag, then an
 * optional call of a named global function per event (`fbq('track', '{{event}}')`), resolved by
 * path, never by eval. The element gets integrity, crossOrigin, nonce and handlers before `src`
 * (a Trusted Types URL) and `src` before insertion: set later, integrity is not enforced.
 */
import type { FunctionCall, TagOf } from '../../container/schema';
import { getPath } from '../../datalayer/path';
import { createElement, head } from '../../lib/dom';
import { TagwardenError } from '../../lib/errors';
import { type Lookup, renderValue } from '../../triggers/template';
import type { TagContext, TagPlugin } from '../plugin';

type ScriptTag = TagOf<'script'>;
/** Per tag: the script element's load, and the load followed by `init`. */
const loads = new Map<string, Promise<void>>();
const inits = new Map<string, Promise<unknown>>();
/** Per tag: how many times it was revoked. A delivery that began before a revoke does nothing after it. */
const revokes = new Map<string, number>();

const WITHDRAWN = new Error('consent withdrawn while the script loaded');
/** How long a promise returned by `init` is awaited. */
export const INIT_WAIT_MS = 5_000;

/** Inserts the script once; a failed load is tried again by a later event. */
function load(tag: ScriptTag, ctx: TagContext): Promise<void> {
  const known = loads.get(tag.id);
  if (known) return known;
  const p = new Promise<void>((resolve, reject) => {
    const s = createElement('script');
    s.async = true;
    s.integrity = tag.settings.integrity;
    s.crossOrigin = 'anonymous';
    if (ctx.nonce) s.nonce = ctx.nonce;
    s.onload = () => resolve();
    s.onerror = () => reject(new TagwardenError('tag/load-failed', 'failed to load (network, CORS or SRI)'));
    s.src = ctx.scriptUrl(tag.settings.src) as string;
    head().appendChild(s);
  });
  p.catch(() => loads.get(tag.id) === p && loads.delete(tag.id));
  loads.set(tag.id, p);
  return p;
}

/**
 * The load, then `init` once (awaited when it returns a promise, for at most INIT_WAIT_MS). A failed `init` is
 * called again by the next event; the loaded script is not inserted again.
 */
function ready(tag: ScriptTag, ctx: TagContext): Promise<unknown> {
  const known = inits.get(tag.id);
  if (known) return known;
  const init = tag.settings.init;
  const before = revokes.get(tag.id);
  const r = load(tag, ctx).then(() => {
    // Withdrawn while the script loaded: no `init` after the withdrawal.
    if (revokes.get(tag.id) !== before) throw WITHDRAWN;
    if (!init) return;
    // One that never settles must not hold every later event of the tag.
    let timer: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      call(init, () => undefined),
      new Promise((done) => {
        timer = setTimeout(done, INIT_WAIT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
  });
  r.catch(() => inits.get(tag.id) === r && inits.delete(tag.id));
  inits.set(tag.id, r);
  return r;
}

/** Calls the global function at `fn.function` with `this` set to its owner and templated arguments. */
function call(fn: FunctionCall, get: Lookup): unknown {
  const dot = fn.function.lastIndexOf('.');
  const owner = dot < 0 ? globalThis : getPath(globalThis, fn.function.slice(0, dot));
  const f = owner == null ? undefined : (owner as Record<string, unknown>)[fn.function.slice(dot + 1)];
  if (typeof f !== 'function') throw new Error(`${fn.function} is not a function`);
  return f.apply(
    owner,
    fn.args.map((a) => renderValue(a, get)),
  );
}

const script: TagPlugin<ScriptTag> = {
  async fire(tag, ev, ctx) {
    const before = revokes.get(tag.id);
    await ready(tag, ctx);
    // Withdrawn while the script loaded or `init` ran: no call after the withdrawal.
    if (revokes.get(tag.id) !== before) throw WITHDRAWN;
    if (tag.settings.call) await call(tag.settings.call, ctx.vars(ev));
  },
  revoke(tag) {
    revokes.set(tag.id, (revokes.get(tag.id) ?? 0) + 1);
    // A running script cannot be unloaded; its globals can be removed so that nothing calls it again. A later
    // grant on this page inserts the script again and calls `init` again, which make the globals anew; without
    // globals, the script still there serves the later grant (inserted again, it would run twice).
    const globals = tag.settings.globals ?? [];
    for (const g of globals) Reflect.deleteProperty(globalThis, g);
    const running = loads.has(tag.id);
    if (globals.length) {
      loads.delete(tag.id);
      inits.delete(tag.id);
    }
    return running;
  },
};

export default script;
