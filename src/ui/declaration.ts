/**
 * The live cookie declaration rendered into a page element (light DOM, so the site's CSS styles it):
 * per category its description, the visitor's current choice and each tag's vendor, purpose and
 * storage items in a captioned table (a paused tag says that it is paused); then tagwarden's own
 * necessary storage. Built from `buildDeclaration`; redrawn on every `tagwarden:consent` event. No
 * inline styles.
 */
import { buildDeclaration, type DeclaredItem } from '../declaration/build';
import { h, safeUrl } from './h';
import type { UiHost } from './host';
import { openPreferences } from './preferences';
import { textsFor } from './texts';

const shown = new Map<Element, UiHost>();

/** Renders the declaration into `element` and keeps it current as consent changes. */
export function renderDeclaration(element: Element, host: UiHost): void {
  if (!shown.size) {
    addEventListener('tagwarden:consent', () => {
      for (const [el, hst] of shown) {
        if (el.isConnected) draw(el, hst);
        else shown.delete(el);
      }
    });
  }
  shown.set(element, host);
  draw(element, host);
}

function draw(element: Element, host: UiHost): void {
  const t = textsFor(host);
  const d = buildDeclaration(host.container, host.lang);
  const status = host.status();
  const table = (caption: string, items: DeclaredItem[]) =>
    items.length
      ? h(
          'table',
          null,
          h('caption', null, caption),
          h(
            'thead',
            null,
            h(
              'tr',
              null,
              [t.name, t.kind, t.party, t.lifetime, t.purpose].map((x) => h('th', { scope: 'col' }, x)),
            ),
          ),
          h(
            'tbody',
            null,
            items.map((i) =>
              h(
                'tr',
                { 'data-kind': i.kind },
                h('th', { scope: 'row' }, i.name),
                [i.kindText, i.partyText, i.lifetimeText, i.purpose].map((x) => h('td', null, x)),
              ),
            ),
          ),
        )
      : h('p', null, t.noStorage);
  // A redraw must not drop the keyboard focus (it is on the old "change" button after the preference
  // centre closes): it moves to the new button.
  const hadFocus = element.contains(document.activeElement);
  const change = h(
    'button',
    { type: 'button', class: 'tw-change', onclick: () => openPreferences(host, change) },
    t.change,
  );
  // In the UI's language, which may differ from the page's.
  element.setAttribute('lang', host.lang);
  element.replaceChildren(
    h('p', null, change),
    ...d.categories.map((c) => {
      const level = c.parent ? 3 : 2;
      return h(
        'section',
        { class: 'tw-category', 'data-category': c.id },
        h(`h${level}` as 'h2', null, c.label),
        h('p', null, c.description),
        h(
          'p',
          { class: 'tw-choice' },
          `${t.yourChoice}: `,
          h('strong', null, c.alwaysOn ? t.alwaysOn : t[status[c.id] ?? 'pending']),
        ),
        c.tags.map((tag) => {
          const policy = safeUrl(tag.vendorPolicy);
          return h(
            'div',
            { class: 'tw-tag', 'data-tag': tag.id },
            h(`h${level + 1}` as 'h3', null, tag.name),
            h(
              'p',
              null,
              `${t.vendor}: ${tag.vendor}`,
              policy && [' · ', h('a', { href: policy }, `${t.privacy}: ${tag.vendor}`)],
            ),
            tag.purpose && h('p', null, tag.purpose),
            tag.pausedNote && h('p', { class: 'tw-paused' }, tag.pausedNote),
            table(`${t.storage}: ${tag.name}`, tag.items),
          );
        }),
      );
    }),
    h(
      'section',
      { class: 'tw-category', 'data-category': 'tagwarden' },
      h('h2', null, t.own),
      table(`${t.storage}: tagwarden`, d.own),
    ),
  );
  if (hadFocus) change.focus();
}
