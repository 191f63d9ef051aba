/**
 * Built-in events the runtime pushes into the dataLayer like any other: `tagwarden.dom` (DOM
 * ready) and `tagwarden.load` (window load). `tagwarden.init` comes from the snippet;
 * `tagwarden.history` from history.ts, loaded only when a tag listens for it.
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
