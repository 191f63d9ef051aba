/**
 * A tiny DOM builder for the consent UI: `h(tag, props, ...children)` with createElement,
 * setAttribute and text nodes only, so nothing goes through an HTML parser (no innerHTML: a Trusted
 * Types sink) and no `style` attribute is ever written (the UI is styled by stylesheets only).
 */

/** What `h` accepts as a child: nodes, text, nested lists; false/null/undefined are skipped. */
export type Child = Node | string | false | null | undefined | Child[];

/** Attributes (`true` → empty attribute, false/null/undefined → absent) and `on<event>` listeners. */
export type Props = Record<string, string | boolean | null | undefined | ((e: Event) => void)>;

/** Creates `<tag>` with `props` and `children`. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const k in props) {
    const v = props[k];
    if (typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (v != null && v !== false) el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...(children.flat(9) as (Node | string)[]).filter((c) => c != null && (c as unknown) !== false));
  return el;
}

/** `url` when it is http(s) or relative to the page (never `javascript:` or `data:`), else undefined. */
export function safeUrl(url: string | undefined): string | undefined {
  try {
    return url && /^https?:$/.test(new URL(url, location.href).protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}
