/**
 * The first layer: a short text, "Reject all" and "Accept all" as equal buttons (same element, class
 * and style), and "Settings" (same size, outlined), which opens the preference centre. Closing it (× or Escape) records
 * nothing. Non-modal at the bottom or a corner; modal when the container places it in the centre.
 */
import { closeButton, current, mount, policyLinks } from './dialog';
import { h } from './h';
import type { UiHost, UiMethod } from './host';
import { openPreferences } from './preferences';
import { textsFor, textVersion } from './texts';

/**
 * Shows the banner unless a consent dialog is already open or nothing is left to decide (a decision made while
 * the chunk loaded). A decision made elsewhere while it is open (the page's API, another tab) closes it.
 */
export function showBanner(host: UiHost): void {
  if (current() || !host.needsPrompt()) return;
  const t = textsFor(host);
  const version = textVersion(host, t);
  const position = host.container.consent.ui?.position ?? 'bottom';
  const choose = (method: UiMethod) => () => {
    o.close();
    host.decide({}, method, version);
  };
  const button = (text: string, method: UiMethod) =>
    h('button', { type: 'button', class: 'btn', onclick: choose(method) }, text);
  const o = mount(
    host,
    'banner',
    h(
      'div',
      { class: `dlg ${position}` },
      closeButton(t.close, () => o.close()),
      h('h2', { id: 't' }, t.title),
      h('p', { id: 'b' }, t.body),
      policyLinks(host, t),
      h(
        'div',
        { class: 'acts' },
        button(t.rejectAll, 'reject-all'),
        button(t.acceptAll, 'accept-all'),
        h(
          'button',
          {
            type: 'button',
            class: 'btn alt',
            onclick: () => {
              o.close(false);
              openPreferences(host, o.back);
            },
          },
          t.settings,
        ),
      ),
    ),
    position === 'center',
    undefined,
    () => host.needsPrompt() || o.close(),
  );
}
