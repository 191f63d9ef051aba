// The consent UI (banner, preference centre, cookie declaration) of the BUILT runtime in Chromium,
// on a product page under the strict CSP + Trusted Types header: what shows when, that "Accept all"
// and "Reject all" render identically, that closing records and fires nothing, that a partial choice
// fires exactly its categories, keyboard-only use, axe-core, layout shift, reduced motion and
// English. `UPDATE_SCREENSHOTS=1` also writes docs/screenshots/*.png.
// Run `npx rollup -c` first: the pages load dist/runtime.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContextOptions, Page, Response } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { TagRecord } from '../../src/runtime/emitter.js';
import { type CollectedRecord, type RouteHandler, STRICT_CSP, sendHtml } from '../../src/server/index.js';
import { runtimeIntegrity } from '../../src/snippet/files.js';
import { renderSnippet } from '../../src/snippet/render.js';
import { RUNTIME_ENTRY, sri, startTagwardenSite, type TagwardenSite, waitForMatching } from './fixtures.js';
import type { PageProbe } from './harness.js';

const SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
/** Long enough for a request that was going to be made to show up. */
const SETTLE_MS = 400;
const CONSENT_COOKIE = 'tw_consent';

let fx: TagwardenSite;
let thirdParty: string;
let pageCounter = 0;
const opened: PageProbe[] = [];

// ---------------------------------------------------------------------------------------------
// The page: the shop's product page in Swedish or English with a "Cookie settings" link in the
// footer and, optionally, the live declaration at the very end (so that rendering it moves nothing).

function productPage(lang: 'sv' | 'en', container: string, declaration: boolean): string {
  const snippet = renderSnippet({
    runtimeUrl: '/tagwarden/tagwarden.js',
    integrity: sri(readFileSync(RUNTIME_ENTRY)),
    chunks: runtimeIntegrity(RUNTIME_ENTRY).chunks,
    containerUrl: `/containers/${container}.json`,
    keys: [fx.key.publicB64],
    nonce: '{{nonce}}',
  });
  const sv = lang === 'sv';
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>${sv ? 'Kaffekvarn Pro – Exempelbutiken' : 'Coffee grinder Pro – Example shop'}</title>
<link rel="stylesheet" href="/ui-site.css">
${snippet}</head>
<body>
<main id="product" data-sku="KQ-200" data-name="Kaffekvarn Pro" data-price="499" data-currency="SEK">
<h1>${sv ? 'Kaffekvarn Pro' : 'Coffee grinder Pro'}</h1>
<p>${sv ? 'Malning i 40 steg, tyst motor och avtagbar behållare. 499 kr' : 'Forty grind settings, a quiet motor and a removable hopper. SEK 499'}</p>
<label>${sv ? 'Antal' : 'Quantity'} <input id="quantity" type="number" value="2" min="1"></label>
<button id="add-to-cart" type="button">${sv ? 'Lägg i varukorgen' : 'Add to cart'}</button>
<button id="buy" type="button">${sv ? 'Köp nu' : 'Buy now'}</button>
</main>
<footer><p><a id="settings-link" href="/cookies" data-tagwarden-preferences>${sv ? 'Cookieinställningar' : 'Cookie settings'}</a></p></footer>
${declaration ? `<section aria-labelledby="decl-title"><h2 id="decl-title">${sv ? 'Cookies på webbplatsen' : 'Cookies on this site'}</h2><div id="declaration" data-tagwarden-declaration></div></section>` : ''}
<script nonce="{{nonce}}" src="/assets/shop.js"></script>
</body>
</html>
`;
}

/** `/ui/<lang>/<n>` pages (`?c=` container name, `?decl` adds the declaration, `?style=strict`). */
const uiRoutes: RouteHandler = (req, res, ctx) => {
  const m = /^\/ui\/(sv|en)\/\d+$/.exec(ctx.url.pathname);
  if (!m) return false;
  const q = ctx.url.searchParams;
  // `style=strict`: also a style-src without 'unsafe-inline' (constructable sheets and CSSOM only).
  const csp = q.get('style') === 'strict' ? `${STRICT_CSP}; style-src 'self' 'nonce-{{nonce}}'` : ctx.csp;
  sendHtml(req, res, { ...ctx, csp }, productPage(m[1] as 'sv' | 'en', q.get('c') ?? 'ui', q.has('decl')));
  return true;
};

/** Init script: keeps every `tag` record of the document in `window.__uiTags`. */
function keepTagRecords(): void {
  const seen: unknown[] = [];
  Object.defineProperty(window, '__uiTags', { value: seen });
  let on = false;
  const subscribe = () => {
    const api = (window as { tagwarden?: { on?: (t: string, l: (r: unknown) => void) => void } }).tagwarden;
    if (on || typeof api?.on !== 'function') return;
    on = true;
    api.on('tag', (r) => seen.push(r));
  };
  addEventListener('tagwarden:consent', subscribe, true);
  document.addEventListener('DOMContentLoaded', subscribe, true);
}

interface UiPage {
  probe: PageProbe;
  page: Page;
  path: string;
  url: string;
  response: Response | null;
  /** Tag records of the current document. */
  tags(): Promise<TagRecord[]>;
  /** Pixels the collectors got from this page, by tag (`ads`, `stats`). */
  pixels(tag: string): CollectedRecord[];
  /** insight.js calls of this page. */
  insight(): CollectedRecord[];
  reload(): Promise<void>;
}

interface OpenOptions {
  lang?: 'sv' | 'en';
  container?: string;
  /** `false`: no CSP header; `'style'`: the strict CSP plus a strict style-src. */
  csp?: boolean | 'style';
  declaration?: boolean;
  context?: BrowserContextOptions;
  /** Runs before the page loads (routes, init scripts). */
  before?: (probe: PageProbe) => Promise<void>;
}

async function openUi(o: OpenOptions = {}): Promise<UiPage> {
  pageCounter += 1;
  const path = `/ui/${o.lang ?? 'sv'}/${pageCounter}`;
  const q = new URLSearchParams({ c: o.container ?? 'ui', utm_campaign: `ui-${pageCounter}` });
  if (o.csp === false) q.set('csp', 'none');
  if (o.csp === 'style') q.set('style', 'strict');
  if (o.declaration) q.set('decl', '1');
  const url = fx.site.url(`${path}?${q}`);
  const probe = await fx.site.newPage({ viewport: { width: 1280, height: 800 }, ...o.context });
  opened.push(probe);
  await probe.context.addInitScript(keepTagRecords);
  await o.before?.(probe);
  const campaign = `ui-${pageCounter}`;
  const ui: UiPage = {
    probe,
    page: probe.page,
    path,
    url,
    response: await probe.page.goto(url),
    tags: () => probe.page.evaluate(() => (window as unknown as { __uiTags: TagRecord[] }).__uiTags),
    pixels: (tag) =>
      fx.site.records.list('pixel').filter((r) => r.query.page === path && r.query.tag === tag),
    insight: () =>
      fx.site.records
        .list('insight')
        .filter((r) => (typeof r.body === 'string' ? r.body : JSON.stringify(r.body)).includes(campaign)),
    async reload() {
      ui.response = await probe.page.goto(url);
    },
  };
  return ui;
}

// ---------------------------------------------------------------------------------------------
// Reading the UI

const dialog = (p: Page) => p.getByRole('dialog');
const btn = (p: Page, name: string) => p.getByRole('button', { name, exact: true });

/** The open dialog, as the page sees it (undefined when none). */
function dialogState(page: Page) {
  return page.evaluate(() => {
    const root = document.querySelector('tagwarden-ui')?.shadowRoot;
    const d = root?.querySelector('[role="dialog"]');
    if (!root || !d) return undefined;
    return {
      modal: d.getAttribute('aria-modal'),
      title: root.getElementById(d.getAttribute('aria-labelledby') ?? '')?.textContent,
      description: root.getElementById(d.getAttribute('aria-describedby') ?? '')?.textContent,
      lang: d.getAttribute('lang'),
      switches: Object.fromEntries(
        [...root.querySelectorAll('[role="switch"]')].map((s) => [
          root.getElementById(s.getAttribute('aria-labelledby') ?? '')?.textContent,
          `${s.getAttribute('aria-checked')}${(s as HTMLButtonElement).disabled ? ' disabled' : ''}`,
        ]),
      ),
    };
  });
}

/** The deepest focused element (through shadow roots), described. */
function focused(page: Page) {
  return page.evaluate(() => {
    let el = document.activeElement;
    let inUi = false;
    while (el?.shadowRoot?.activeElement) {
      inUi ||= el.localName === 'tagwarden-ui';
      el = el.shadowRoot.activeElement;
    }
    const root = el?.getRootNode() as Document | ShadowRoot | undefined;
    const labelledby = el?.getAttribute('aria-labelledby');
    return {
      inUi,
      tag: el?.localName,
      id: el?.id,
      role: el?.getAttribute('role'),
      text:
        (labelledby && root?.getElementById(labelledby)?.textContent) ||
        el?.getAttribute('aria-label') ||
        el?.textContent?.trim(),
      checked: el?.getAttribute('aria-checked'),
    };
  });
}

/** Tab (or Shift+Tab) until the focused element's text is `text`; fails after `max` presses. */
async function tabTo(page: Page, text: string, shift = false, max = 40): Promise<void> {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    if ((await focused(page)).text === text) return;
  }
  throw new Error(`"${text}" never got focus within ${max} presses`);
}

async function consentCookie(ui: UiPage) {
  return (await ui.probe.context.cookies()).find((c) => c.name === CONSENT_COOKIE);
}

/** Layout-shift entries of the document so far (buffered). */
function layoutShifts(page: Page): Promise<number[]> {
  return page.evaluate(
    () =>
      new Promise<number[]>((resolve) => {
        const values: number[] = [];
        new PerformanceObserver((list) => {
          for (const e of list.getEntries()) values.push((e as unknown as { value: number }).value);
        }).observe({ type: 'layout-shift', buffered: true });
        setTimeout(() => resolve(values), 100);
      }),
  );
}

/** Button metrics and computed styles that must be equal for "Reject all" and "Accept all". */
function buttonLooks(page: Page, names: string[]) {
  return page.evaluate((names) => {
    const root = document.querySelector('tagwarden-ui')?.shadowRoot as ShadowRoot;
    return names.map((name) => {
      const b = [...root.querySelectorAll('button')].find((x) => x.textContent === name) as HTMLElement;
      const r = b.getBoundingClientRect();
      const s = getComputedStyle(b);
      return {
        element: b.localName,
        className: b.className,
        width: Math.round(r.width * 10) / 10,
        height: Math.round(r.height * 10) / 10,
        top: Math.round(r.top),
        fontWeight: s.fontWeight,
        fontSize: s.fontSize,
        fontFamily: s.fontFamily,
        padding: s.padding,
        color: s.color,
        backgroundColor: s.backgroundColor,
        border: s.border,
        borderRadius: s.borderRadius,
        opacity: s.opacity,
        textDecoration: s.textDecorationLine,
      };
    });
  }, names);
}

/** WCAG contrast ratio of two computed `rgb(...)` colours. */
function contrast(a: string, b: string): number {
  const lum = (c: string) => {
    const [r, g, bl] = (c.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((x) => {
      const v = Number(x) / 255;
      return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

/**
 * Runs axe-core on the page (all rules of its default run, open shadow roots included) and returns
 * its violations and the checks it could not decide ("incomplete"), both of which must be empty.
 * The source is evaluated through the DevTools protocol (Playwright's `page.evaluate`), which the
 * page's CSP does not govern, so the run happens under the strict CSP + Trusted Types header itself
 * (an injected `<script>` would be refused by script-src, and `?csp=none` is not needed).
 */
async function axe(page: Page, include?: string) {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async (include) => {
    type Result = {
      id: string;
      impact: string;
      help: string;
      nodes: { target: unknown; failureSummary: string }[];
    };
    const a = (window as unknown as { axe: { run: (c: unknown) => Promise<unknown> } }).axe;
    const r = (await a.run(include ? { include: [[include]] } : document)) as {
      violations: Result[];
      incomplete: Result[];
    };
    const brief = (v: Result) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target, summary: n.failureSummary })),
    });
    return { violations: r.violations.map(brief), incomplete: r.incomplete.map(brief) };
  }, include);
}

/** The page got the strict CSP and nothing was refused, threw, or logged an error. */
function expectStrictAndClean(ui: UiPage): void {
  expect(ui.response?.headers()['content-security-policy']).toMatch(
    /'strict-dynamic'.*require-trusted-types-for 'script'; trusted-types tagwarden default/,
  );
  expect(ui.probe.violations).toEqual([]);
  expect(ui.probe.pageErrors).toEqual([]);
  expect(ui.probe.consoleErrors).toEqual([]);
}

// ---------------------------------------------------------------------------------------------

beforeAll(async () => {
  fx = await startTagwardenSite({ handlers: [uiRoutes] });
  thirdParty = fx.site.thirdParty as string;
  // The fixture's container has the banner off (the runtime tests decide through the API): turn it on.
  const ui = fx.container();
  ui.consent.ui = { ...ui.consent.ui!, enabled: true };
  await fx.publish('ui', ui);
  const themed = structuredClone(ui);
  themed.consent.ui!.theme = { '--tw-accent': '#005a32', '--tw-radius': '2px' };
  await fx.publish('themed', themed);
  await fx.publish('banner-off', fx.container());
});

afterAll(async () => {
  await fx?.stop();
});

beforeEach(() => {
  fx.site.records.clear();
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((p) => p.close()));
});

describe('banner (first layer)', () => {
  test('appears on a first visit, fires nothing, and is gone after a decision (the UI chunk is not even loaded)', async () => {
    const ui = await openUi();
    await dialog(ui.page).waitFor();
    expect(await dialogState(ui.page)).toMatchObject({
      modal: null,
      title: 'Ditt val om cookies',
      lang: 'sv',
      switches: {},
    });
    expect(ui.probe.requestsTo(thirdParty)).toEqual([]);
    expect(await consentCookie(ui)).toBeUndefined();

    await btn(ui.page, 'Acceptera alla').click();
    await expect.poll(() => dialogState(ui.page)).toBeUndefined();
    expect((await consentCookie(ui))?.value).toBeTruthy();
    await waitForMatching(
      fx.site.records,
      'pixel',
      (r) => r.query.page === ui.path && r.query.tag === 'ads',
      1,
    );
    expectStrictAndClean(ui);

    await ui.reload();
    await ui.page.evaluate(() => window.tagwarden.ready);
    await ui.page.waitForTimeout(SETTLE_MS);
    expect(await ui.page.locator('tagwarden-ui').count()).toBe(0);
    expect(ui.probe.requests.filter((r) => r.url.includes('/chunks/ui-'))).toHaveLength(1);
    expectStrictAndClean(ui);
  });

  test('"Reject all" fires nothing, now or on the next page, and the banner stays away', async () => {
    const ui = await openUi();
    await btn(ui.page, 'Neka alla').click();
    await expect.poll(() => dialogState(ui.page)).toBeUndefined();
    expect(await consentCookie(ui)).toBeDefined();
    await ui.reload();
    await ui.page.evaluate(() => window.tagwarden.ready);
    await ui.page.click('#add-to-cart');
    await ui.page.waitForTimeout(SETTLE_MS);
    expect(await ui.page.locator('tagwarden-ui').count()).toBe(0);
    expect(ui.probe.requestsTo(thirdParty)).toEqual([]);
    expect([...ui.pixels('ads'), ...ui.pixels('stats'), ...ui.insight()]).toEqual([]);
    expectStrictAndClean(ui);
  });

  test('"Reject all" and "Accept all" render identically: element, class, box, weight, size, padding, colours', async () => {
    for (const viewport of [
      { width: 1280, height: 800 },
      { width: 360, height: 740 },
    ]) {
      const ui = await openUi({ context: { viewport } });
      await dialog(ui.page).waitFor();
      const [reject, accept, settings] = await buttonLooks(ui.page, [
        'Neka alla',
        'Acceptera alla',
        'Inställningar',
      ]);
      // Side by side on a wide screen, stacked (full width) on a narrow one; identical either way.
      if (viewport.width > 600) expect(reject!.top).toBe(accept!.top);
      else expect(reject!.top).toBeLessThan(accept!.top);
      expect({ ...reject, top: 0 }).toEqual({ ...accept, top: 0 });
      expect(reject!.height).toBeGreaterThanOrEqual(24); // WCAG 2.2 target size (2.5.8)
      expect(reject!.width).toBeGreaterThan(80);
      expect(contrast(reject!.color, reject!.backgroundColor)).toBeGreaterThanOrEqual(4.5);
      // "Settings" is a secondary action, still a full-size target.
      expect(settings!.height).toBeGreaterThanOrEqual(24);
      expectStrictAndClean(ui);
    }
  });

  test.each([
    ['Escape', async (p: Page) => p.keyboard.press('Escape')],
    ['the close button', async (p: Page) => btn(p, 'Stäng utan att välja').click()],
  ])('%s closes it and records and fires nothing; it comes back on the next page', async (_how, close) => {
    const ui = await openUi();
    await dialog(ui.page).waitFor();
    await close(ui.page);
    await expect.poll(() => dialogState(ui.page)).toBeUndefined();
    await ui.page.click('#add-to-cart');
    await ui.page.waitForTimeout(SETTLE_MS);
    expect(await consentCookie(ui)).toBeUndefined();
    expect(ui.probe.requestsTo(thirdParty)).toEqual([]);
    expect(fx.site.records.list('consent')).toEqual([]);
    expect((await ui.tags()).filter((t) => t.status === 'fired')).toEqual([]);
    expect(await ui.page.evaluate(() => window.tagwarden.consent.needsPrompt)).toBe(true);
    await ui.reload();
    await dialog(ui.page).waitFor();
    expectStrictAndClean(ui);
  });
});

describe('a UI chunk that does not load', () => {
  test('is an error record (runtime/ui), never an exception in the page, for the banner and for the settings link', async () => {
    const ui = await openUi({
      before: async (probe) => {
        await probe.context.route(/\/chunks\/ui-[\w-]+\.js$/, (route) => route.abort());
        await probe.context.addInitScript(() => {
          const seen: unknown[] = [];
          Object.defineProperty(window, '__uiErrors', { value: seen });
          addEventListener('tagwarden:error', (e) => seen.push((e as CustomEvent).detail));
        });
      },
    });
    const errors = () =>
      ui.page.evaluate(() => (window as unknown as { __uiErrors: { code: string }[] }).__uiErrors);
    expect(await ui.page.evaluate(() => window.tagwarden.ready)).toMatchObject({ ok: true });
    await expect.poll(async () => (await errors()).filter((e) => e.code === 'runtime/ui').length).toBe(1);
    expect(await ui.page.locator('tagwarden-ui').count()).toBe(0);

    // The settings link is still taken over (no navigation); its failure is one more record.
    await ui.page.locator('#settings-link').click();
    await expect.poll(async () => (await errors()).filter((e) => e.code === 'runtime/ui').length).toBe(2);
    expect(new URL(ui.page.url()).pathname).toBe(ui.path);
    // The rest of the runtime is unaffected: a decision through the API still applies.
    await ui.page.evaluate(() => window.tagwarden.consent.acceptAll());
    expect(await ui.page.evaluate(() => window.tagwarden.consent.get())).toMatchObject({
      analytics: 'granted',
    });
    expect(ui.probe.pageErrors).toEqual([]);
  });
});

describe('preference centre (second layer)', () => {
  test('"Settings" opens it modal, every optional switch off, always-on ones on and disabled', async () => {
    const ui = await openUi();
    await btn(ui.page, 'Inställningar').click();
    await expect.poll(async () => (await dialogState(ui.page))?.modal).toBe('true');
    expect(await dialogState(ui.page)).toMatchObject({
      title: 'Cookieinställningar',
      switches: {
        Nödvändiga: 'true disabled',
        Säkerhet: 'true disabled',
        Funktion: 'false',
        Analys: 'false',
        Marknadsföring: 'false',
        'Automatiserad marknadsföring': 'false',
        Marknadsanalys: 'false',
        Annonsering: 'false',
        Personanpassning: 'false',
      },
    });
    const [reject, accept, save] = await buttonLooks(ui.page, ['Neka alla', 'Acceptera alla', 'Spara val']);
    expect(reject).toEqual(accept);
    expect(save).toEqual(accept);
    // A click on the backdrop neither closes it nor lets focus (and then Tab) escape to the page.
    await ui.page.mouse.click(5, 5);
    expect((await dialogState(ui.page))?.modal).toBe('true');
    expect((await focused(ui.page)).inUi).toBe(true);
    await ui.page.keyboard.press('Shift+Tab');
    expect(await focused(ui.page)).toMatchObject({ inUi: true, text: 'Spara val' });
    expectStrictAndClean(ui);
  });

  test('saving a partial choice fires exactly the chosen categories and sends a proof with the text version', async () => {
    const ui = await openUi();
    await btn(ui.page, 'Inställningar').click();
    await ui.page.getByRole('switch', { name: 'Analys', exact: true }).click();
    await ui.page.getByRole('switch', { name: 'Marknadsanalys', exact: true }).click();
    await btn(ui.page, 'Spara val').click();
    await expect.poll(() => dialogState(ui.page)).toBeUndefined();

    // analytics → the stats pixel; marketing.analysis → insight.js; marketing.advertising (ads) not.
    await waitForMatching(
      fx.site.records,
      'pixel',
      (r) => r.query.page === ui.path && r.query.tag === 'stats',
      2,
    );
    await expect.poll(() => ui.insight().length).toBeGreaterThanOrEqual(1);
    await ui.page.click('#add-to-cart');
    await waitForMatching(
      fx.site.records,
      'pixel',
      (r) => r.query.page === ui.path && r.query.tag === 'stats',
      3,
    );
    await ui.page.waitForTimeout(SETTLE_MS);
    expect(ui.pixels('ads')).toEqual([]);
    const fired = new Set((await ui.tags()).filter((t) => t.status === 'fired').map((t) => t.tagId));
    expect([...fired].sort()).toEqual(['insight-script', 'stats-pixel']);
    expect(await ui.page.evaluate(() => window.tagwarden.consent.get())).toEqual({
      necessary: 'granted',
      security: 'granted',
      functional: 'denied',
      analytics: 'granted',
      marketing: 'denied',
      'marketing.automation': 'denied',
      'marketing.analysis': 'granted',
      'marketing.advertising': 'denied',
      'marketing.personalization': 'denied',
    });

    const [proof] = await waitForMatching(fx.site.records, 'consent', () => true, 1);
    expect(proof?.body).toMatchObject({
      method: 'custom',
      lang: 'sv',
      containerId: 'demo',
      textVersion: expect.stringMatching(/^[0-9a-f]{8}$/),
      choices: { analytics: 'granted', 'marketing.analysis': 'granted', 'marketing.advertising': 'denied' },
    });
    expectStrictAndClean(ui);
  });

  test('a data-tagwarden-preferences link reopens it with the stored choices, and a change applies at once', async () => {
    const ui = await openUi();
    await btn(ui.page, 'Inställningar').click();
    await ui.page.getByRole('switch', { name: 'Analys', exact: true }).click();
    await btn(ui.page, 'Spara val').click();
    await ui.reload();
    await ui.page.evaluate(() => window.tagwarden.ready);
    expect(await ui.page.locator('tagwarden-ui').count()).toBe(0);

    await ui.page.click('#settings-link');
    await expect.poll(async () => (await dialogState(ui.page))?.title).toBe('Cookieinställningar');
    expect(new URL(ui.page.url()).pathname).toBe(ui.path); // the link's navigation was prevented
    expect((await dialogState(ui.page))?.switches).toMatchObject({ Analys: 'true', Funktion: 'false' });
    await btn(ui.page, 'Neka alla').click();
    await expect.poll(() => ui.page.evaluate(() => window.tagwarden.consent.get().analytics)).toBe('denied');
    expectStrictAndClean(ui);
  });
});

describe('the data-tagwarden-preferences hook without the banner', () => {
  test('with the banner off (a banner of the site’s own), the link still opens the preference centre', async () => {
    const ui = await openUi({ container: 'banner-off' });
    await ui.page.evaluate(() => window.tagwarden.ready);
    expect(await ui.page.locator('tagwarden-ui').count()).toBe(0);
    await ui.page.click('#settings-link');
    await expect.poll(async () => (await dialogState(ui.page))?.title).toBe('Cookieinställningar');
    expect(new URL(ui.page.url()).pathname).toBe(ui.path);
    expectStrictAndClean(ui);
  });

  test('after a refused container the link is a plain link: it navigates to its href', async () => {
    const ui = await openUi({ container: 'no-such-container' });
    expect(await ui.page.evaluate(() => window.tagwarden.ready)).toMatchObject({ ok: false });
    await Promise.all([ui.page.waitForURL(/\/cookies$/), ui.page.click('#settings-link')]);
  });
});

describe('keyboard only', () => {
  test('Tab, Shift+Tab, Enter, Space and Escape work end to end; focus moves in and comes back', async () => {
    const ui = await openUi();
    const { page } = ui;
    await dialog(page).waitFor();
    // Focus is in the banner at once, on the dialog itself.
    expect(await focused(page)).toMatchObject({ inUi: true, role: 'dialog' });
    // Non-modal: Tab walks through it and on into the page (no trap)...
    await tabTo(page, 'Neka alla');
    await page.keyboard.press('Tab');
    expect((await focused(page)).text).toBe('Acceptera alla');
    await page.keyboard.press('Tab');
    expect((await focused(page)).text).toBe('Inställningar');
    await page.keyboard.press('Tab');
    expect((await focused(page)).inUi).toBe(false);
    // ...and Shift+Tab comes back.
    await page.keyboard.press('Shift+Tab');
    expect((await focused(page)).text).toBe('Inställningar');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await dialogState(page))?.modal).toBe('true');
    expect(await focused(page)).toMatchObject({ inUi: true, role: 'dialog' });

    // Space and Enter toggle switches.
    await tabTo(page, 'Analys');
    await page.keyboard.press('Space');
    expect((await focused(page)).checked).toBe('true');
    await tabTo(page, 'Marknadsföring');
    await page.keyboard.press('Enter');
    expect((await dialogState(page))?.switches).toMatchObject({
      Marknadsföring: 'true',
      Annonsering: 'true',
      Personanpassning: 'true',
    });
    await page.keyboard.press('Enter');
    expect((await dialogState(page))?.switches).toMatchObject({
      Marknadsföring: 'false',
      Annonsering: 'false',
    });

    // Modal: Tab wraps from the last control to the first and Shift+Tab back.
    await tabTo(page, 'Spara val');
    await page.keyboard.press('Tab');
    expect(await focused(page)).toMatchObject({ inUi: true, text: 'Stäng utan att välja' });
    await page.keyboard.press('Shift+Tab');
    expect(await focused(page)).toMatchObject({ inUi: true, text: 'Spara val' });
    await page.keyboard.press('Enter');
    await expect.poll(() => dialogState(page)).toBeUndefined();
    expect(await page.evaluate(() => window.tagwarden.consent.get().analytics)).toBe('granted');
    expect(await page.evaluate(() => window.tagwarden.consent.get().marketing)).toBe('denied');

    // The footer link, by keyboard: focus goes in, Escape closes without recording, focus comes back.
    await page.focus('#quantity');
    await tabTo(page, 'Cookieinställningar');
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focused(page)).role).toBe('dialog');
    await tabTo(page, 'Analys');
    await page.keyboard.press('Space');
    await page.keyboard.press('Escape');
    await expect.poll(() => dialogState(page)).toBeUndefined();
    expect(await focused(page)).toMatchObject({ inUi: false, id: 'settings-link' });
    expect(await page.evaluate(() => window.tagwarden.consent.get().analytics)).toBe('granted');
    expectStrictAndClean(ui);
  });
});

describe('accessibility, layout and CSP', () => {
  test('axe-core finds no violations in the banner, the preference centre or the declaration', async () => {
    const ui = await openUi({ declaration: true, context: { reducedMotion: 'reduce' } });
    await dialog(ui.page).waitFor();
    await ui.page.locator('#declaration table').first().waitFor();
    const clean = { violations: [], incomplete: [] };
    expect(await axe(ui.page)).toEqual(clean);
    await btn(ui.page, 'Inställningar').click();
    await expect.poll(async () => (await dialogState(ui.page))?.modal).toBe('true');
    expect(await axe(ui.page)).toEqual(clean);
    await ui.page.keyboard.press('Escape');
    expect(await axe(ui.page, '#declaration')).toEqual(clean);
    // The English page too.
    const en = await openUi({ lang: 'en', declaration: true, context: { reducedMotion: 'reduce' } });
    await btn(en.page, 'Settings').click();
    await en.page.locator('#declaration table').first().waitFor();
    expect(await axe(en.page)).toEqual(clean);
  });

  test('the page never shifts: no layout-shift entries through banner, preferences, declaration and decision', async () => {
    const ui = await openUi({ declaration: true });
    await dialog(ui.page).waitFor();
    await ui.page.locator('#declaration table').first().waitFor();
    await btn(ui.page, 'Inställningar').click();
    await ui.page.getByRole('switch', { name: 'Analys', exact: true }).click();
    await btn(ui.page, 'Spara val').click();
    await expect.poll(() => dialogState(ui.page)).toBeUndefined();
    await ui.page.waitForTimeout(SETTLE_MS);
    expect(await layoutShifts(ui.page)).toEqual([]);
    expectStrictAndClean(ui);
  });

  test('the declaration lists every category, tag and storage item, with the current choice', async () => {
    const ui = await openUi({ declaration: true });
    await ui.page.locator('#declaration table').first().waitFor();
    const text = (await ui.page.locator('#declaration').textContent()) ?? '';
    const c = fx.container();
    for (const cat of c.consent.categories) expect(text).toContain(cat.label.sv);
    for (const tag of c.tags) {
      expect(text).toContain(tag.name);
      expect(text).toContain(tag.vendor.name);
      for (const s of tag.storage) expect(text).toContain(s.name);
    }
    for (const own of [CONSENT_COOKIE, 'tagwarden:container:*']) expect(text).toContain(own);
    const choice = () => ui.page.locator('[data-category="analytics"] .tw-choice strong').textContent();
    expect(await choice()).toBe('Inget val ännu');
    await btn(ui.page, 'Acceptera alla').click();
    await expect.poll(choice).toBe('Tillåten');
    await btn(ui.page, 'Ändra dina val').click();
    await btn(ui.page, 'Neka alla').click();
    await expect.poll(choice).toBe('Nekad');
    // The redraw kept the focus where the preference centre gave it back.
    expect(await focused(ui.page)).toMatchObject({ inUi: false, text: 'Ändra dina val' });
    expect(await ui.page.locator('#declaration [style]').count()).toBe(0);
    expectStrictAndClean(ui);
  });

  test('under a strict style-src too: constructable stylesheet, theme through the CSSOM, no violations', async () => {
    const ui = await openUi({ csp: 'style', container: 'themed' });
    await dialog(ui.page).waitFor();
    expect(ui.response?.headers()['content-security-policy']).toContain("style-src 'self' 'nonce-");
    const looks = await ui.page.evaluate(() => {
      const host = document.querySelector('tagwarden-ui') as HTMLElement;
      const root = host.shadowRoot as ShadowRoot;
      const b = root.querySelector('.btn') as HTMLElement;
      return {
        adopted: root.adoptedStyleSheets.length,
        styleElements: root.querySelectorAll('style').length,
        styleAttributes: [host, ...root.querySelectorAll('*')].filter((e) => e.hasAttribute('style')).length,
        position: getComputedStyle(host).position,
        background: getComputedStyle(b).backgroundColor,
        radius: getComputedStyle(b).borderTopLeftRadius,
      };
    });
    expect(looks).toEqual({
      adopted: 1,
      styleElements: 0,
      styleAttributes: 0,
      position: 'fixed',
      background: 'rgb(0, 90, 50)',
      radius: '2px',
    });
    expectStrictAndClean(ui);
  });

  test('animates only without prefers-reduced-motion', async () => {
    const name = (p: Page) =>
      p.evaluate(() => {
        const d = document.querySelector('tagwarden-ui')?.shadowRoot?.querySelector('[role="dialog"]');
        return d ? getComputedStyle(d).animationName : undefined;
      });
    const still = await openUi({ context: { reducedMotion: 'reduce' } });
    await dialog(still.page).waitFor();
    expect(await name(still.page)).toBe('none');
    const moving = await openUi({ context: { reducedMotion: 'no-preference' } });
    await dialog(moving.page).waitFor();
    expect(await name(moving.page)).toBe('tw');
  });

  test('in forced-colours mode (Windows High Contrast) the switches keep a border and a knob in system colours', async () => {
    const ui = await openUi({ lang: 'en', context: { forcedColors: 'active', reducedMotion: 'reduce' } });
    await dialog(ui.page).waitFor();
    await btn(ui.page, 'Settings').click();
    await expect.poll(async () => (await dialogState(ui.page))?.title).toBe('Cookie settings');
    const looks = await ui.page.evaluate(() => {
      const root = document.querySelector('tagwarden-ui')!.shadowRoot!;
      const sw = root.querySelector<HTMLElement>('[role="switch"]:not([disabled])')!;
      const btn = root.querySelector<HTMLElement>('.btn')!;
      // The system colour CanvasText, resolved the way the page resolves it.
      const probe = document.createElement('span');
      probe.style.color = 'CanvasText';
      document.body.append(probe);
      const canvasText = getComputedStyle(probe).color;
      probe.remove();
      return {
        forced: matchMedia('(forced-colors: active)').matches,
        switchBorder: getComputedStyle(sw).borderTopStyle,
        knob: getComputedStyle(sw, '::after').backgroundColor,
        canvasText,
        buttonBorder: `${getComputedStyle(btn).borderTopStyle} ${getComputedStyle(btn).borderTopWidth}`,
      };
    });
    expect(looks.forced).toBe(true);
    // Backgrounds are dropped in forced colours: without a border the switch would vanish, and
    // without CanvasText its knob (the on/off position) would too.
    expect(looks.switchBorder).toBe('solid');
    expect(looks.knob).toBe(looks.canvasText);
    expect(looks.buttonBorder).toBe('solid 2px');
  });

  test('an English page gets English texts in the banner, the preference centre and the declaration', async () => {
    const ui = await openUi({ lang: 'en', declaration: true });
    await dialog(ui.page).waitFor();
    expect(await dialogState(ui.page)).toMatchObject({ title: 'Your choice about cookies', lang: 'en' });
    const [reject, accept] = await buttonLooks(ui.page, ['Reject all', 'Accept all']);
    expect(reject).toEqual(accept);
    await btn(ui.page, 'Settings').click();
    await expect.poll(async () => (await dialogState(ui.page))?.title).toBe('Cookie settings');
    expect((await dialogState(ui.page))?.switches).toMatchObject({
      Analytics: 'false',
      Personalisation: 'false',
    });
    await expect(btn(ui.page, 'Save choices').count()).resolves.toBe(1);
    const decl = (await ui.page.locator('#declaration').textContent()) ?? '';
    expect(decl).toContain('Change your choices');
    expect(decl).toContain('Web beacon (pixel)');
    expect(decl).not.toContain('Ändra');
    expectStrictAndClean(ui);
  });
});

test('the UI chunk, styles included, with the shared chunks it imports, stays within 8 KB brotli', () => {
  const sizes = JSON.parse(readFileSync('dist/sizes.json', 'utf8')) as Record<
    string,
    { file: string; brotli: number; imports: string[]; group: string; isEntry: boolean }
  >;
  const runtime = Object.values(sizes).filter((s) => s.group === 'runtime');
  const ui = runtime.filter((s) => /^chunks\/ui-[\w-]+\.js$/.test(s.file));
  expect(ui).toHaveLength(1);
  // Shared chunks it imports count too; the entry (already loaded when the UI is) does not.
  const total = (s: (typeof runtime)[number]): number =>
    s.brotli +
    s.imports
      .map((f) => runtime.find((r) => r.file === f)!)
      .filter((r) => !r.isEntry)
      .reduce((n, r) => n + total(r), 0);
  expect(total(ui[0]!)).toBeLessThanOrEqual(8 * 1024);
});

// The screenshots in docs/ are taken by this test: every run renders them (into a temp folder) and
// checks they are full-size PNGs; UPDATE_SCREENSHOTS=1 writes them to docs/screenshots instead.
describe('screenshots', () => {
  test.each(['sv', 'en'] as const)('renders the banner and the preference centre in %s', async (lang) => {
    const dir =
      process.env.UPDATE_SCREENSHOTS === '1' ? SCREENSHOTS : mkdtempSync(join(tmpdir(), 'tw-shots-'));
    mkdirSync(dir, { recursive: true });
    for (const [viewport, suffix] of [
      [{ width: 1280, height: 720 }, ''],
      [{ width: 390, height: 844 }, '-mobile'],
    ] as const) {
      const ui = await openUi({ lang, context: { viewport, reducedMotion: 'reduce' } });
      await dialog(ui.page).waitFor();
      const banner = await ui.page.screenshot({ path: `${dir}/banner-${lang}${suffix}.png` });
      // On the desktop, tall enough to show every category and purpose without scrolling.
      if (!suffix) await ui.page.setViewportSize({ width: viewport.width, height: 1340 });
      await btn(ui.page, lang === 'sv' ? 'Inställningar' : 'Settings').click();
      await expect.poll(async () => (await dialogState(ui.page))?.modal).toBe('true');
      await ui.page
        .getByRole('switch', { name: lang === 'sv' ? 'Analys' : 'Analytics', exact: true })
        .click();
      await ui.page.mouse.move(0, 0);
      const prefs = await ui.page.screenshot({ path: `${dir}/preferences-${lang}${suffix}.png` });
      for (const png of [banner, prefs]) {
        expect(png.subarray(1, 4).toString()).toBe('PNG');
        expect(png.readUInt32BE(16)).toBe(viewport.width); // IHDR width
      }
    }
  });
});
