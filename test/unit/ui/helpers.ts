// A UiHost over the demo container for the consent UI's unit tests, and small DOM helpers.
import { vi } from 'vitest';
import type { Container } from '../../../src/container/schema';
import type { Lang } from '../../../src/declaration/build';
import type { UiHost } from '../../../src/ui/host';
import { demoContainer } from '../demo-container';

type Status = 'granted' | 'denied' | 'pending';

/** The demo container's optional categories and purposes, in container order. */
export const OPTIONAL = [
  'functional',
  'analytics',
  'marketing',
  'marketing.automation',
  'marketing.analysis',
  'marketing.advertising',
  'marketing.personalization',
];
export type TestHost = UiHost & {
  decide: ReturnType<typeof vi.fn<UiHost['decide']>>;
  /** A decision made elsewhere (the page's API, another tab): the statuses change, `tagwarden:consent` fires. */
  decidedElsewhere(choices: Record<string, Status>): void;
};

/**
 * A host with the demo container (optionally edited), every optional category pending unless given. A status
 * given is the visitor's decision, unless its id is in `byDefault` (a default's grant, no decision).
 */
export function makeHost(
  options: {
    lang?: Lang;
    status?: Record<string, Status>;
    byDefault?: string[];
    edit?: (c: Container) => void;
  } = {},
): TestHost {
  const container = demoContainer();
  options.edit?.(container);
  const status = Object.fromEntries(
    container.consent.categories.map((c) => [
      c.id,
      c.alwaysOn ? 'granted' : (options.status?.[c.id] ?? 'pending'),
    ]),
  ) as Record<string, Status>;
  const decided = new Set(Object.keys(options.status ?? {}).filter((id) => !options.byDefault?.includes(id)));
  return {
    container,
    lang: options.lang ?? 'sv',
    nonce: 'test-nonce',
    status: () => ({ ...status }),
    decided: (id) => decided.has(id),
    needsPrompt: () => container.consent.categories.some((c) => !c.alwaysOn && !decided.has(c.id)),
    decide: vi.fn<UiHost['decide']>(),
    decidedElsewhere(choices) {
      Object.assign(status, choices);
      for (const id of Object.keys(choices)) decided.add(id);
      dispatchEvent(
        new CustomEvent('tagwarden:consent', { detail: { state: { ...status }, method: 'other-tab' } }),
      );
    },
  };
}

/** The open consent dialog's shadow root (throws when none is open). */
export function shadow(): ShadowRoot {
  const roots = document.querySelectorAll('tagwarden-ui');
  if (roots.length !== 1) throw new Error(`expected one <tagwarden-ui>, found ${roots.length}`);
  return (roots[0] as HTMLElement).shadowRoot as ShadowRoot;
}

/** The dialog element of the open consent UI. */
export const dialog = () => shadow().querySelector('[role="dialog"]') as HTMLElement;

/** The button of the open dialog whose text is `text`. */
export function button(text: string): HTMLButtonElement {
  const found = [...shadow().querySelectorAll('button')].find((b) => b.textContent === text);
  if (!found) throw new Error(`no button "${text}"`);
  return found;
}

/** The switch labelled `label` in the preference centre. */
export function switchFor(label: string): HTMLButtonElement {
  const root = shadow();
  const found = [...root.querySelectorAll<HTMLButtonElement>('[role="switch"]')].find(
    (s) => root.getElementById(s.getAttribute('aria-labelledby') ?? '')?.textContent === label,
  );
  if (!found) throw new Error(`no switch "${label}"`);
  return found;
}

/** Presses `key` on the element focused inside the dialog (or the dialog itself). */
export function press(key: string, init: KeyboardEventInit = {}): void {
  const target = (shadow().activeElement as HTMLElement | null) ?? dialog();
  target.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, composed: true, ...init }));
}
