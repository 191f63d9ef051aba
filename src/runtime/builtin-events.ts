/**
 * Built-in events the runtime pushes into the dataLayer like any other: `tagwarden.dom` (DOM
 * ready) and `tagwarden.load` (window load). `tagwarden.init` comes from the snippet;
 * `tagwarden.history` from history.ts, loaded only when a tag listens for it.
 */

/** Pushes dom/load events now or when they happen. Pushed before takeover, they wait in FIFO order. */
export function watchDocument(push: (m: Record<string, unknown>) => void): void {
  const nav = performance.getEntriesByType?.('navigation')[0] as PerformanceNavigationTiming | undefined;
  const complete = document.readyState === 'complete';
  const when = (done: boolean, type: string, event: string) =>
    done ? push({ event }) : addEventListener(type, () => push({ event }), { once: true });
  when(complete || (nav?.domContentLoadedEventStart ?? 0) > 0, 'DOMContentLoaded', 'tagwarden.dom');
  when(complete, 'load', 'tagwarden.load');
}
