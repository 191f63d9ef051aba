/**
 * The consent UI chunk, loaded lazily by the runtime (src/runtime/boot.ts) through the `UiModule`
 * contract in host.ts: the banner, the preference centre and the live cookie declaration.
 */
import type { UiModule } from './host';
import { openPreferences } from './preferences';

export { showBanner } from './banner';
export { renderDeclaration } from './declaration';

/**
 * Opens the preference centre, e.g. from a "Cookie settings" link; focus comes back to that element, also when
 * the banner was open (whose own return point may be the page's body).
 */
export const showPreferences: UiModule['showPreferences'] = (host) => {
  const at = document.activeElement;
  openPreferences(host, at?.localName === 'tagwarden-ui' ? undefined : at);
};
