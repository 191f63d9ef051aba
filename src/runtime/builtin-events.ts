/**
 * Built-in events the runtime pushes into the dataLayer like any other: `tagwarden.dom` (DOM
 * ready), `tagwarden.load` (window load) and, when a tag listens for it, `tagwarden.history` (SPA
 * navigation through pushState, replaceState or popstate). `tagwarden.init` comes from the snippet.
 */

/** Pushes dom/load events now or when they happen. Pushed before takeover, they wait in FIFO order. */
export function watchDocument(push: (m: Record<string, unknown>) => void): void {
  const nav = performance.getEntriesByType?.('navigation')[0] as PerformanceNavigationTiming | undefined;
  const domDone = document.readyState === 'complete' || (nav?.domContentLoadedEventStart ?? 0) > 0;
  if (domDone) push({ event: 'tagwarden.dom' });
  else addEventListener('DOMContentLoaded', () => push({ event: 'tagwarden.dom' }), { once: true });
  if (document.readyState === 'complete') push({ event: 'tagwarden.load' });
  else addEventListener('load', () => push({ event: 'tagwarden.load' }), { once: true });
}

/** Pushes `tagwarden.history` with the old and new URL on every same-document navigation. */
export function watchHistory(push: (m: Record<string, unknown>) => void): void {
  let last = location.href;
  const changed = (source: string) => {
    if (location.href === last) return;
    push({ event: 'tagwarden.history', history: { source, oldUrl: last, newUrl: location.href } });
    last = location.href;
  };
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method];
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      const r = original.apply(this, args);
      changed(method);
      return r;
    };
  }
  addEventListener('popstate', () => changed('popstate'));
}
