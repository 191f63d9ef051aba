/**
 * The `tagwarden.history` built-in event for single-page apps: pushed with the old and new URL on
 * every same-document navigation (pushState, replaceState, popstate). A lazy chunk, loaded only
 * when a tag in the container listens for it.
 */

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
