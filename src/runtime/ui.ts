/**
 * The runtime's side of the consent UI, bundled into the lazy `ui` chunk with the UI itself: builds
 * the `UiHost` that the banner, the preference centre and the declaration receive from what the
 * core lends them. Loaded only when the UI is needed (boot.ts `withUi`).
 */
import type { ConsentState, Method } from '../consent/state';
import type { Container } from '../container/schema';
import type { Lang } from '../declaration/build';
import type { UiHost } from '../ui/host';

export { renderDeclaration, showBanner, showPreferences } from '../ui/index';

/** The core's decision entry point, as boot.ts defines it. */
export type Decide = (
  choices: Record<string, boolean> | 'all' | 'none',
  method: Method,
  textVersion?: string,
) => void;

/** The host for one applied container: current status, and the visitor's choices as decisions. */
export const uiHost = (
  applied: { container: Container; consent: ConsentState },
  lang: Lang,
  nonce: string,
  decide: Decide,
): UiHost => ({
  container: applied.container,
  lang,
  nonce,
  status: () => applied.consent.snapshot(),
  decided: (id) => applied.consent.decided(id),
  needsPrompt: () => applied.consent.needsPrompt,
  decide: (choices, method, textVersion) =>
    decide(method === 'custom' ? choices : method === 'accept-all' ? 'all' : 'none', method, textVersion),
});
