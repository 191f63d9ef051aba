/**
 * The contract between the runtime core and the consent UI chunk (banner, preference centre,
 * declaration). The core owns consent state; the UI only shows it and reports the visitor's choices.
 */
import type { Container } from '../container/schema';
import type { Lang } from '../declaration/build';

/** A choice made in the UI. */
export type UiMethod = 'accept-all' | 'reject-all' | 'custom';

/** What the runtime lends the UI. */
export interface UiHost {
  /** The verified container (categories, tags, `consent.ui` settings and texts). */
  container: Container;
  /** The language to speak: from `consent.ui.language`, else the page's `lang`, else English. */
  lang: Lang;
  /** The page's CSP nonce (for a nonce'd stylesheet fallback where constructable stylesheets are missing). */
  nonce: string;
  /** Category id → current status. */
  status(): Record<string, 'granted' | 'denied' | 'pending'>;
  /** True when the visitor decided category `id` (a default's grant is no decision). */
  decided(id: string): boolean;
  /** True while the visitor has something to decide (the banner is shown only then). */
  needsPrompt(): boolean;
  /**
   * Records the visitor's choice (category id → granted) made through the UI; `textVersion` is a
   * hash of the texts the visitor saw (proof of consent).
   */
  decide(choices: Record<string, boolean>, method: UiMethod, textVersion: string): void;
}

/** What the UI chunk exports (src/ui/index.ts). */
export interface UiModule {
  /** Shows the first layer (banner); does nothing when it is already open. */
  showBanner(host: UiHost): void;
  /** Opens the preference centre (second layer), e.g. from a "Cookie settings" link. */
  showPreferences(host: UiHost): void;
  /** Renders the live cookie declaration into `element`, with buttons to change the choices. */
  renderDeclaration(element: Element, host: UiHost): void;
}
