/**
 * The `tagwarden.history` built-in event for single-page apps: pushed with the old and new URL on
 * every same-document navigation (pushState, replaceState, popstate). A lazy chunk, loaded only
 * when a tag in the container listens for it; the navigations themselves are lib/navigation.ts's.
 */
import { onNavigate } from '../lib/navigation';

/** Pushes `tagwarden.history` with the old and new URL on every same-document navigation. */
export function watchHistory(push: (m: Record<string, unknown>) => void): void {
  let last = location.href;
  onNavigate((source) => {
    if (source === 'hashchange' || location.href === last) return;
    push({ event: 'tagwarden.history', history: { source, oldUrl: last, newUrl: location.href } });
    last = location.href;
  });
}
