/**
 * The consent UI's stylesheet and how it reaches a shadow root: a constructable stylesheet
 * (`adoptedStyleSheets`), or a `<style nonce>` where that is missing; the container's `--tw-*` theme
 * is set through the CSSOM on the sheet's `:host` rule, so no `style` attribute is ever written.
 * Default colour pairs meet WCAG 2.2 AA (test/unit/ui/styles.test.ts checks them).
 */
import type { UiHost } from './host';

/** The stylesheet; its first rule must stay `:host` (the theme is set on it). */
export const CSS = `:host{all:initial;position:fixed;z-index:2147483646}
*{box-sizing:border-box}
.dlg{position:fixed;font:16px/1.5 var(--tw-font,system-ui,sans-serif);color:var(--tw-fg,#1f2328);background:var(--tw-bg,#fff);padding:1.25rem 1.5rem;box-shadow:0 0 0 1px var(--tw-line,#d0d7de),0 .5rem 2rem #0004;max-height:calc(100vh - 2rem);overflow:auto;outline:0}
.bottom{inset:auto 0 0;padding:1.25rem max(1.5rem,calc(50% - 30rem))}
.bottom-left,.bottom-right,.back .dlg{border-radius:var(--tw-radius,.5rem);width:min(26rem,calc(100vw - 2rem));bottom:1rem}
.bottom-left{left:1rem}
.bottom-right{right:1rem}
.back{position:fixed;inset:0;background:var(--tw-backdrop,#0009);display:grid;place-items:center;padding:1rem}
.back .dlg{position:relative;bottom:auto;width:min(40rem,100%)}
.prefs{display:flex;flex-direction:column;padding:0;overflow:hidden}
.head{padding:1.25rem 1.5rem .25rem}
.body{overflow:auto;padding:0 1.5rem}
.foot{padding:1rem 1.5rem;border-top:1px solid var(--tw-line,#d0d7de)}
h2{font-size:1.25rem;line-height:1.3;margin:0 2.5rem .5rem 0}
h3{font-size:1rem;margin:0;flex:1}
p{margin:0 0 .75rem}
.links{display:flex;flex-wrap:wrap;gap:.25rem 1rem}
a{color:var(--tw-link,#0b57d0);text-decoration:underline}
button{font:inherit;cursor:pointer}
.x{position:absolute;top:.5rem;right:.5rem;width:2.5rem;height:2.5rem;border:0;border-radius:.25rem;background:none;color:inherit;font-size:1.5rem;line-height:1}
.x::before{content:"×"}
.bottom .x{right:max(.5rem,calc(50% - 31rem))}
.acts{display:flex;flex-wrap:wrap;gap:.5rem}
.btn{flex:1 1 11rem;min-height:2.75rem;padding:.5rem 1rem;border:2px solid var(--tw-accent,#0b57d0);border-radius:var(--tw-radius,.5rem);background:var(--tw-accent,#0b57d0);color:var(--tw-accent-fg,#fff);font-weight:600}
.btn:hover{filter:brightness(.88)}
.alt{background:var(--tw-bg,#fff);color:var(--tw-link,#0b57d0)}
:focus-visible{outline:3px solid var(--tw-focus,#0b57d0);outline-offset:2px}
.dlg:focus{outline:0}
ul{list-style:none;margin:0;padding:0}
.cat{padding:.75rem 0;border-top:1px solid var(--tw-line,#d0d7de)}
.cat ul{margin-top:.5rem;padding-left:1.5rem}
.row{display:flex;align-items:center;gap:.75rem}
.desc,.ven,.on{font-size:.875rem;color:var(--tw-muted,#57606a)}
.desc,.ven{margin:.25rem 0 0}
.sw{position:relative;flex:none;width:2.75rem;height:1.5rem;border:0;border-radius:1rem;background:var(--tw-off,#6e7781);padding:0}
.sw::after{content:"";position:absolute;top:.1875rem;left:.1875rem;width:1.125rem;height:1.125rem;border-radius:50%;background:#fff}
.sw[aria-checked=true]{background:var(--tw-accent,#0b57d0)}
.sw[aria-checked=true]::after{transform:translateX(1.25rem)}
.sw:disabled{opacity:.6;cursor:default}
@media (prefers-reduced-motion:no-preference){.dlg{animation:tw .2s ease-out}.sw::after{transition:transform .15s}}
@keyframes tw{from{opacity:0;transform:translateY(1rem)}}
@media (forced-colors:active){.sw{border:1px solid}.sw::after{background:CanvasText}}`;

/** Styles `shadow` (whose host must already be in the document) and applies the container's theme. */
export function adoptStyles(shadow: ShadowRoot, host: UiHost): void {
  let sheet: CSSStyleSheet;
  if (shadow.adoptedStyleSheets) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    shadow.adoptedStyleSheets = [sheet];
  } else {
    const el = document.createElement('style');
    el.setAttribute('nonce', host.nonce);
    shadow.append(el);
    el.textContent = CSS;
    sheet = el.sheet as CSSStyleSheet;
  }
  const root = (sheet.cssRules[0] as CSSStyleRule).style;
  for (const [k, v] of Object.entries(host.container.consent.ui?.theme ?? {})) root.setProperty(k, v);
}
