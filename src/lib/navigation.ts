/**
 * Same-document navigations (pushState, replaceState, popstate, hashchange), observed once for the
 * whole runtime: a counter that moves before anyone is told (so cached page facts are never stale
 * inside a listener) and listeners for the `tagwarden.history` event. History methods are wrapped
 * only when first needed.
 */

type Source = 'pushState' | 'replaceState' | 'popstate' | 'hashchange';
const listeners: ((source: Source) => void)[] = [];
let count = 0;
let watching = false;

function watch(): void {
  if (watching) return;
  watching = true;
  const moved = (source: Source) => {
    count++;
    for (const l of listeners) l(source);
  };
  for (const m of ['pushState', 'replaceState'] as const) {
    const original = history[m];
    history[m] = function (this: History, ...args: Parameters<History['pushState']>) {
      const r = original.apply(this, args);
      moved(m);
      return r;
    };
  }
  addEventListener('popstate', () => moved('popstate'));
  addEventListener('hashchange', () => moved('hashchange'));
}

/** How many same-document navigations happened since the runtime started watching. */
export function navigations(): number {
  watch();
  return count;
}

/** Calls `listener` after every same-document navigation. */
export function onNavigate(listener: (source: Source) => void): void {
  watch();
  listeners.push(listener);
}
