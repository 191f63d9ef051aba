/**
 * Built-in events the runtime pushes into the dataLayer like any other: `tagwarden.dom` (DOM
 * ready) and `tagwarden.load` (window load). `tagwarden.init` comes from the snippet;
 * `tagwarden.history` from history.ts, loaded only when a tag listens for it.
 */

const complete = () => document.readyState === 'complete';
/** True once DOMContentLoaded has fired: the page's deferred and module scripts have all run. */
const parsed = () =>
  complete() ||
  ((performance.getEntriesByType?.('navigation')[0] as PerformanceNavigationTiming | undefined)
    ?.domContentLoadedEventStart ?? 0) > 0;
const when = (done: boolean, type: string, fn: () => void) =>
  done ? fn() : addEventListener(type, fn, { once: true });

/** Resolves once DOMContentLoaded has fired (at once if it has). */
export const domParsed = () => new Promise<void>((r) => when(parsed(), 'DOMContentLoaded', r));

/** Pushes dom/load events now or when they happen. Pushed before takeover, they wait in FIFO order. */
export function watchDocument(push: (m: Record<string, unknown>) => void): void {
  when(parsed(), 'DOMContentLoaded', () => push({ event: 'tagwarden.dom' }));
  when(complete(), 'load', () => push({ event: 'tagwarden.load' }));
}
