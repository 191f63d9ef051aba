/**
 * The second layer: every category and marketing purpose (purposes nested under their parent) with
 * its description, its vendors and a switch. Optional switches start off unless the visitor granted the
 * category (a default's grant is not the visitor's: no switch is pre-ticked); always-on ones show as on and
 * disabled. A parent's switch sets its purposes; a parent is on when all its purposes are. A decision made
 * elsewhere while it is open (another tab) moves the switches the visitor has not touched. "Save choices"
 * records every optional category.
 */
import { buildDeclaration, type DeclaredCategory } from '../declaration/build';
import { closeButton, current, mount, policyLinks } from './dialog';
import { h } from './h';
import type { UiHost, UiMethod } from './host';
import { textsFor, textVersion } from './texts';

/** Opens the preference centre (replacing the banner); focus returns to `back` when it closes. */
export function openPreferences(host: UiHost, back?: Element | null): void {
  const now = current();
  if (now?.kind === 'prefs') return;
  if (now) {
    back ??= now.back;
    now.close(false);
  }
  const t = textsFor(host);
  const version = textVersion(host, t);
  const { categories } = buildDeclaration(host.container, host.lang);
  /** The visitor's own grant (in `status`, read once per drawing), or always on. */
  const initial = (c: DeclaredCategory, status: ReturnType<UiHost['status']>) =>
    c.alwaysOn || (status[c.id] === 'granted' && host.decided(c.id));
  const status = host.status();
  const touched = new Set<string>();
  const on: Record<string, boolean> = {};
  const switches: Record<string, HTMLElement> = {};
  /** The categories in list order: each parent before its purposes (the order `decide` applies them in). */
  const order: DeclaredCategory[] = [];
  const kids = (id: string) => categories.filter((c) => c.parent === id);
  const set = (id: string, value: boolean) => {
    on[id] = value;
    switches[id]?.setAttribute('aria-checked', String(value));
  };

  const item = (c: DeclaredCategory): HTMLElement => {
    const n = order.push(c);
    const children = kids(c.id);
    on[c.id] = initial(c, status);
    const vendors = [...new Set([c, ...children].flatMap((x) => x.vendors))];
    const sw = h('button', {
      type: 'button',
      role: 'switch',
      class: 'sw',
      'aria-checked': String(on[c.id]),
      'aria-labelledby': `c${n}`,
      'aria-describedby': `d${n}`,
      disabled: c.alwaysOn,
      onclick: () => {
        for (const k of [c.id, c.parent, ...children.map((k) => k.id)]) if (k) touched.add(k);
        set(c.id, !on[c.id]);
        for (const k of children) set(k.id, !!on[c.id]);
        if (c.parent && switches[c.parent]) {
          set(
            c.parent,
            kids(c.parent).every((k) => on[k.id]),
          );
        }
      },
    });
    switches[c.id] = sw;
    return h(
      'li',
      { class: 'cat' },
      h(
        'div',
        { class: 'row' },
        h('h3', { id: `c${n}` }, c.label),
        c.alwaysOn && h('span', { class: 'on' }, t.alwaysOn),
        sw,
      ),
      h('p', { id: `d${n}`, class: 'desc' }, c.description),
      h('p', { class: 'ven' }, `${t.vendors}: ${vendors.join(', ') || t.none}`),
      children.length > 0 && h('ul', null, children.map(item)),
    );
  };

  const done = (choices: Record<string, boolean>, method: UiMethod) => () => {
    o.close();
    host.decide(choices, method, version);
  };
  const button = (text: string, onclick: () => void) =>
    h('button', { type: 'button', class: 'btn', onclick }, text);
  const ids = new Set(categories.map((c) => c.id));
  const list = h(
    'ul',
    { class: 'cats' },
    categories.filter((c) => !c.parent || !ids.has(c.parent)).map(item),
  );

  const o = mount(
    host,
    'prefs',
    h(
      'div',
      { class: 'dlg prefs' },
      h(
        'div',
        { class: 'head' },
        h('h2', { id: 't' }, t.prefsTitle),
        closeButton(t.close, () => o.close()),
      ),
      h('div', { class: 'body' }, h('p', { id: 'b' }, t.prefsBody), policyLinks(host, t), list),
      h(
        'div',
        { class: 'acts foot' },
        button(t.rejectAll, done({}, 'reject-all')),
        button(t.acceptAll, done({}, 'accept-all')),
        button(t.save, () =>
          done(
            Object.fromEntries(order.filter((c) => !c.alwaysOn).map((c) => [c.id, !!on[c.id]])),
            'custom',
          )(),
        ),
      ),
    ),
    true,
    back,
    () => {
      const now = host.status();
      for (const c of order) if (!touched.has(c.id)) set(c.id, initial(c, now));
    },
  );
}
