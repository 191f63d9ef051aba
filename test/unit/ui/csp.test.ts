// The UI must work under `require-trusted-types-for 'script'` and a style-src without
// 'unsafe-inline': no HTML parsing sinks, no style attributes, styles from a stylesheet only,
// and default colours that meet WCAG 2.2 AA.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { current } from '../../../src/ui/dialog';
import { renderDeclaration, showBanner, showPreferences } from '../../../src/ui/index';
import { CSS } from '../../../src/ui/styles';
import { makeHost, shadow } from './helpers';

afterEach(() => {
  current()?.close(false);
  document.body.replaceChildren();
});

const UI_DIR = resolve(__dirname, '../../../src/ui');
const sources = readdirSync(UI_DIR)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => [f, readFileSync(resolve(UI_DIR, f), 'utf8')] as const);

const themed = () =>
  makeHost({
    edit: (c) => {
      c.consent.ui!.theme = { '--tw-accent': '#005a32', '--tw-radius': '0' };
    },
  });

/** Every element of the page, including those inside open shadow roots. */
function allElements(root: ParentNode = document): Element[] {
  return [...root.querySelectorAll('*')].flatMap((el) => [
    el,
    ...(el.shadowRoot ? allElements(el.shadowRoot) : []),
  ]);
}

describe('CSP and Trusted Types safety', () => {
  it('the UI sources use no HTML-parsing sink, no eval and never write a style attribute', () => {
    expect(sources.length).toBeGreaterThanOrEqual(8);
    for (const [file, text] of sources) {
      const code = text.replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const sink of [
        /\binnerHTML\b/,
        /\bouterHTML\b/,
        /\binsertAdjacentHTML\b/,
        /\bdocument\.write/,
        /\bsetHTMLUnsafe\b/,
        /\bcreateContextualFragment\b/,
        /\bDOMParser\b/,
        /\beval\b/,
        /\bnew Function\b/,
        /['"]style['"]\s*,/, // setAttribute('style', …)
        /[{,]\s*['"]?style['"]?\s*:/, // h('div', { style: … })
        /\.style\.(?!setProperty)/,
        /\.cssText\b/,
      ]) {
        expect(code, `${file} uses ${sink}`).not.toMatch(sink);
      }
    }
  });

  it('no element of the banner, the preference centre or the declaration has a style attribute, even themed', () => {
    const host = themed();
    showBanner(host);
    const decl = document.createElement('section');
    document.body.append(decl);
    renderDeclaration(decl, host);
    expect(allElements().filter((el) => el.hasAttribute('style'))).toEqual([]);
    current()?.close(false);
    showPreferences(host);
    expect(allElements().length).toBeGreaterThan(50);
    expect(allElements().filter((el) => el.hasAttribute('style'))).toEqual([]);
  });

  it('never touches an HTML-parsing sink at run time (spied)', () => {
    const used: string[] = [];
    const restore: (() => void)[] = [];
    for (const [proto, name] of [
      [Element.prototype, 'innerHTML'],
      [Element.prototype, 'outerHTML'],
      [ShadowRoot.prototype, 'innerHTML'],
    ] as const) {
      const d = Object.getOwnPropertyDescriptor(proto, name)!;
      Object.defineProperty(proto, name, {
        configurable: true,
        get: d.get,
        set(v: string) {
          used.push(name);
          d.set?.call(this, v);
        },
      });
      restore.push(() => Object.defineProperty(proto, name, d));
    }
    const adjacent = Element.prototype.insertAdjacentHTML;
    Element.prototype.insertAdjacentHTML = function (this: Element, ...a) {
      used.push('insertAdjacentHTML');
      return adjacent.apply(this, a);
    };
    try {
      const host = themed();
      showBanner(host);
      current()?.close(false);
      showPreferences(host);
      renderDeclaration(document.body.appendChild(document.createElement('div')), host);
    } finally {
      for (const r of restore) r();
      Element.prototype.insertAdjacentHTML = adjacent;
    }
    expect(used).toEqual([]);
  });

  it('without adoptedStyleSheets it falls back to a nonce-carrying <style> holding the theme on :host', () => {
    showBanner(themed());
    const style = shadow().querySelector('style') as HTMLStyleElement;
    expect('adoptedStyleSheets' in shadow()).toBe(false); // jsdom: the fallback path
    expect(style.getAttribute('nonce')).toBe('test-nonce');
    const hostRule = style.sheet?.cssRules[0] as CSSStyleRule;
    expect(hostRule.selectorText).toBe(':host');
    expect(hostRule.style.getPropertyValue('--tw-accent').trim()).toBe('#005a32');
    expect(hostRule.style.getPropertyValue('--tw-radius').trim()).toBe('0');
  });

  it('uses constructable stylesheets where the browser has them', () => {
    const proto = ShadowRoot.prototype as unknown as { adoptedStyleSheets?: CSSStyleSheet[] };
    let adopted: CSSStyleSheet[] = [];
    Object.defineProperty(proto, 'adoptedStyleSheets', {
      configurable: true,
      get: () => adopted,
      set: (v: CSSStyleSheet[]) => {
        adopted = v;
      },
    });
    try {
      showBanner(themed());
      expect(shadow().querySelector('style')).toBeNull();
      expect(adopted).toHaveLength(1);
      const hostRule = adopted[0]!.cssRules[0] as CSSStyleRule;
      expect(hostRule.selectorText).toBe(':host');
      expect(hostRule.style.getPropertyValue('--tw-accent').trim()).toBe('#005a32');
    } finally {
      delete proto.adoptedStyleSheets;
    }
  });

  it('animates only when the visitor has not asked for reduced motion', () => {
    const outside = CSS.replace(
      /@media \(prefers-reduced-motion:no-preference\)\{(?:[^{}]*\{[^{}]*\})*\}/,
      '',
    );
    expect(outside).not.toMatch(/animation|transition/);
    expect(CSS).toMatch(/@media \(prefers-reduced-motion:no-preference\)\{\.dlg\{animation/);
  });
});

/** WCAG 2.x contrast ratio of two #rrggbb colours. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const v = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

describe('default colours (WCAG 2.2 AA)', () => {
  const fallback = (name: string) => {
    const m = new RegExp(`var\\(${name},(#[0-9a-f]{3,6})\\)`).exec(CSS);
    if (!m) throw new Error(`no fallback for ${name}`);
    const v = m[1] as string;
    return v.length === 4 ? `#${[...v.slice(1)].map((c) => c + c).join('')}` : v;
  };
  const bg = () => fallback('--tw-bg');

  it.each([
    ['text', '--tw-fg', 4.5],
    ['secondary text', '--tw-muted', 4.5],
    ['links', '--tw-link', 4.5],
    ['focus ring (non-text)', '--tw-focus', 3],
    ['switch off track (non-text)', '--tw-off', 3],
    ['switch on track (non-text)', '--tw-accent', 3],
  ])('%s on the dialog background', (_what, name, min) => {
    expect(contrast(fallback(name), bg())).toBeGreaterThanOrEqual(min);
  });

  it('button text on the button colour, the same pair for "Accept all" and "Reject all"', () => {
    expect(contrast(fallback('--tw-accent-fg'), fallback('--tw-accent'))).toBeGreaterThanOrEqual(4.5);
    // The switch knob is white on either track.
    expect(contrast('#ffffff', fallback('--tw-off'))).toBeGreaterThanOrEqual(3);
  });

  it('every colour variable has one default only (no drift between rules)', () => {
    for (const name of ['--tw-accent', '--tw-fg', '--tw-bg', '--tw-line', '--tw-link']) {
      const values = new Set([...CSS.matchAll(new RegExp(`var\\(${name},([^)]+)\\)`, 'g'))].map((m) => m[1]));
      expect(values.size, name).toBe(1);
    }
  });
});
