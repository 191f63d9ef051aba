/**
 * Showing one consent dialog at a time: a fixed-position `<tagwarden-ui>` host appended to
 * `document.body` with an open shadow root (the page's layout never moves), focus moved in on open
 * and given back on close, Escape closing without recording anything, and Tab kept inside modal ones.
 */
import { h, safeUrl } from './h';
import type { UiHost } from './host';
import { adoptStyles } from './styles';
import type { Texts } from './texts';

/** The dialog on screen. */
export interface Open {
  kind: 'banner' | 'prefs';
  /** The element focused before the first dialog of this sequence opened (focus returns there). */
  back: Element | null;
  /** Removes the dialog; gives focus back unless `restore` is false (another dialog follows). */
  close(restore?: boolean): void;
}

let open: Open | undefined;

/** The dialog on screen, if any. */
export const current = (): Open | undefined => open;

const FOCUSABLE = 'a[href],button:not(:disabled)';

/**
 * Shows `dialog` (already holding its content, labelled by `#t` and described by `#b`) as the one
 * open dialog; `modal` puts it centred over a backdrop with `aria-modal` and keeps Tab inside. `onConsent` runs
 * on every consent change while it is open (a decision made elsewhere: the page's API, another tab).
 */
export function mount(
  host: UiHost,
  kind: Open['kind'],
  dialog: HTMLElement,
  modal: boolean,
  back: Element | null = document.activeElement,
  onConsent?: () => void,
): Open {
  const root = document.createElement('tagwarden-ui');
  const shadow = root.attachShadow({ mode: 'open' });
  document.body.append(root);
  adoptStyles(shadow, host);
  const attrs: Record<string, string> = {
    role: 'dialog',
    'aria-labelledby': 't',
    'aria-describedby': 'b',
    tabindex: '-1',
    lang: host.lang,
  };
  if (modal) attrs['aria-modal'] = 'true';
  for (const k in attrs) dialog.setAttribute(k, attrs[k] as string);
  const o: Open = {
    kind,
    back,
    close(restore = true) {
      if (onConsent) removeEventListener('tagwarden:consent', onConsent);
      root.remove();
      if (open === o) open = undefined;
      if (restore) (back as HTMLElement | null)?.focus?.();
    },
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      o.close();
    } else if (modal && e.key === 'Tab') {
      // Filtered in document order (a selector list's order is not, in every DOM implementation).
      const all = [...dialog.querySelectorAll<HTMLElement>('*')].filter((el) => el.matches(FOCUSABLE));
      const first = all[0];
      const last = all[all.length - 1];
      const at = shadow.activeElement;
      if (e.shiftKey ? at === first || at === dialog : at === last) {
        e.preventDefault();
        (e.shiftKey ? last : first)?.focus();
      }
    }
  };
  // A press on the backdrop must not move focus out of a modal dialog (to the page behind it).
  const backdrop = (e: Event) => e.target === e.currentTarget && e.preventDefault();
  shadow.append(modal ? h('div', { class: 'back', onmousedown: backdrop }, dialog) : dialog);
  shadow.addEventListener('keydown', onKey as EventListener);
  if (onConsent) addEventListener('tagwarden:consent', onConsent);
  open = o;
  dialog.focus();
  return o;
}

/** The × button (the sign is drawn by CSS; its name is `label`): closes without recording anything. */
export function closeButton(label: string, close: () => void): HTMLButtonElement {
  return h('button', { type: 'button', class: 'x', 'aria-label': label, onclick: close });
}

/** Links to the site's cookie and privacy policies in `host.lang`, when the container names them. */
export function policyLinks(host: UiHost, t: Texts): HTMLElement | false {
  const ui = host.container.consent.ui;
  const links = [
    [ui?.cookiePolicyUrl, t.cookies],
    [ui?.privacyPolicyUrl, t.privacy],
  ].flatMap(([u, text]) => {
    const href = safeUrl((u as Record<string, string> | undefined)?.[host.lang]);
    return href ? [h('a', { href }, text as string)] : [];
  });
  return links.length > 0 && h('p', { class: 'links' }, links);
}
