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
const loads = new Map<string, Promise<void>>();

function load(tag: ScriptTag, ctx: TagContext): Promise<void> {
  let p = loads.get(tag.id);
  if (!p) {
    p = new Promise<void>((resolve, reject) => {
      const s = createElement('script');
      s.async = true;
      s.integrity = tag.settings.integrity;
      s.crossOrigin = 'anonymous';
      if (ctx.nonce) s.nonce = ctx.nonce;
      s.onload = () => resolve();
      s.onerror = () =>
        reject(new TagwardenError('tag/load-failed', 'failed to load (network, CORS or SRI)'));
      s.src = ctx.scriptUrl(tag.settings.src) as string;
      head().appendChild(s);
    });
    // A failed load may be retried by a later event; a loaded script is never inserted again.
    p.catch(() => loads.delete(tag.id));
    loads.set(tag.id, p);
    // `init` runs once after the load; if it throws, that event fails, the script stays loaded.
    const init = tag.settings.init;
    if (init) p = p.then(() => void call(init, () => undefined));
  }
  return p;
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
    await load(tag, ctx);
    if (tag.settings.call) await call(tag.settings.call, ctx.vars(ev));
  },
  revoke(tag) {
    // A running script cannot be unloaded; its globals can be removed so that nothing calls it again.
    for (const g of tag.settings.globals ?? []) Reflect.deleteProperty(globalThis, g);
    return loads.has(tag.id);
  },
};

export default script;
