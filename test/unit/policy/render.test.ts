// The cookie policy page (src/policy/render.ts) for containers/demo.json in Swedish and English, as HTML
// and Markdown: everything the container declares appears, every section is there, the HTML is a valid,
// accessible, script-free standalone document, and hostile container texts stay text in both formats.
// Runs under jsdom for DOMParser and axe-core; parse5 (jsdom's HTML parser) reports syntax errors.
import axe from 'axe-core';
import { parse as parseHtml5 } from 'parse5';
import { describe, expect, test } from 'vitest';
import type { Container } from '../../../src/container/schema';
import { buildDeclaration } from '../../../src/declaration/build';
import { escapeHtml, escapeMarkdown, policyHeadings, renderPolicy } from '../../../src/policy/render';
import {
  CONTROL_HEADINGS,
  demoContainer,
  expectedTexts,
  hostileContainer,
  LANGS,
  markdownTables,
  SECTION_HEADINGS,
  unescapeMarkdown,
  withoutCodeSpans,
} from './helpers';

const demo = demoContainer();

function parse(html: string): Document {
  return new DOMParser().parseFromString(html, 'text/html');
}

/** Text content with white space collapsed, as a reader sees it. */
function text(node: Node): string {
  return (node.textContent ?? '').replace(/\s+/g, ' ');
}

/** Every text from the container a visitor must find, plus tagwarden's own storage. */
function mustAppear(c: Container, lang: 'sv' | 'en'): string[] {
  const e = expectedTexts(c, lang);
  const own = buildDeclaration(c, lang).own.map((i) => i.name);
  return [
    ...e.tagNames,
    ...e.vendors,
    ...e.categoryLabels,
    ...e.categoryDescriptions,
    ...e.tagPurposes,
    ...e.storageNames,
    ...own,
    c.consent.cookie.name,
  ].map((s) => s.replace(/\s+/g, ' '));
}

describe.each(LANGS)('HTML policy, %s', (lang) => {
  const html = renderPolicy(demo, { lang, format: 'html' });
  const doc = parse(html);
  const body = text(doc.body);

  test('is a standalone document: doctype, lang, charset, title, one h1, and parses without errors', () => {
    expect(html.startsWith('<!doctype html>\n')).toBe(true);
    expect(doc.doctype?.name).toBe('html');
    expect(doc.documentElement.getAttribute('lang')).toBe(lang);
    expect(doc.querySelector('head > meta[charset="utf-8"]')).not.toBeNull();
    expect(doc.title).toBe(lang === 'sv' ? 'Cookiepolicy' : 'Cookie policy');
    expect(doc.querySelectorAll('h1')).toHaveLength(1);
    expect(text(doc.querySelector('h1')!)).toBe(doc.title);
    const errors: string[] = [];
    parseHtml5(html, { onParseError: (e) => errors.push(`${e.code} at line ${e.startLine}`) });
    expect(errors).toEqual([]);
  });

  test('names every tag, vendor, category (label and description), tag purpose and storage item', () => {
    for (const s of mustAppear(demo, lang)) expect(body, s).toContain(s);
  });

  test('has every required section, in order, each a <section> labelled by its h2', () => {
    const sections = [...doc.querySelectorAll('main > section')];
    expect(sections.map((s) => s.getAttribute('aria-labelledby'))).toEqual(
      Object.keys(SECTION_HEADINGS[lang]),
    );
    expect(sections.map((s) => text(s.querySelector('h2')!))).toEqual(Object.values(SECTION_HEADINGS[lang]));
    for (const s of sections) expect(s.querySelector('h2')!.id).toBe(s.getAttribute('aria-labelledby'));
    const control = doc.querySelector('section[aria-labelledby="control"]')!;
    expect([...control.querySelectorAll('h3')].map(text)).toEqual([...CONTROL_HEADINGS[lang]]);
    expect(policyHeadings(lang)).toEqual({
      sections: Object.values(SECTION_HEADINGS[lang]),
      control: [...CONTROL_HEADINGS[lang]],
    });
  });

  test('headings never skip a level and ids are unique', () => {
    const levels = [...doc.querySelectorAll('h1, h2, h3, h4, h5, h6')].map((h) => Number(h.tagName[1]));
    levels.forEach((l, i) => {
      if (i) expect(l - levels[i - 1]!).toBeLessThanOrEqual(1);
    });
    const ids = [...doc.querySelectorAll('[id]')].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  test('"why" explains each top-level category, and always-on ones as strictly necessary and consent-exempt', () => {
    const why = doc.querySelector('section[aria-labelledby="why"]')!;
    for (const c of demo.consent.categories.filter((x) => !x.parent)) {
      const h = why.querySelector(`h3[id="why-${c.id}"]`)!;
      expect(text(h)).toBe(c.label[lang]);
      // The paragraphs up to the next heading.
      let part = '';
      for (let n = h.nextElementSibling; n && n.tagName !== 'H3'; n = n.nextElementSibling) part += text(n);
      expect(part).toContain(c.description[lang]);
      const exempt =
        lang === 'sv' ? 'undantagen från kravet på samtycke' : 'exempt from the consent requirement';
      const needsConsent = lang === 'sv' ? 'bara med ditt samtycke' : 'only with your consent';
      expect(part.includes(exempt)).toBe(!!c.alwaysOn);
      expect(part.includes(needsConsent)).toBe(!c.alwaysOn);
      for (const t of demo.tags.filter((x) => x.category === c.id)) {
        expect(part).toContain(t.name);
        expect(part).toContain(t.vendor.name);
      }
    }
  });

  test('"marketing" details each purpose: description, its tags, their vendors with privacy policy links', () => {
    const section = doc.querySelector('section[aria-labelledby="marketing"]')!;
    const purposes = demo.consent.categories.filter((c) => c.id.startsWith('marketing.'));
    expect(purposes.length).toBeGreaterThan(0);
    for (const c of purposes) {
      const h = section.querySelector(`h3[id="purpose-${c.id}"]`)!;
      expect(text(h)).toBe(c.label[lang]);
      let part = '';
      const links: string[] = [];
      for (let n = h.nextElementSibling; n && n.tagName !== 'H3'; n = n.nextElementSibling) {
        part += text(n);
        links.push(...[...n.querySelectorAll('a')].map((a) => a.getAttribute('href')!));
      }
      expect(part).toContain(c.description[lang]);
      for (const t of demo.tags.filter((x) => x.category === c.id)) {
        expect(part).toContain(t.name);
        expect(part).toContain(t.vendor.name);
        if (t.purpose) expect(part).toContain(t.purpose[lang]);
        if (t.vendor.privacyPolicy) expect(links).toContain(t.vendor.privacyPolicy);
      }
    }
  });

  test('the declaration has a captioned table per category holding exactly its items, as the model words them', () => {
    const decl = buildDeclaration(demo, lang);
    const section = doc.querySelector('section[aria-labelledby="declaration"]')!;
    for (const c of decl.categories) {
      const h = section.querySelector(`h3[id="declaration-${c.id}"]`)!;
      expect(text(h)).toContain(c.label);
      const items = [...(c.id === 'necessary' ? decl.own : []), ...c.tags.flatMap((t) => t.items)];
      const table = h.nextElementSibling?.tagName === 'TABLE' ? h.nextElementSibling : null;
      if (!items.length) {
        expect(table).toBeNull();
        continue;
      }
      expect(table, c.id).not.toBeNull();
      expect(table!.firstElementChild!.tagName).toBe('CAPTION');
      expect(text(table!.querySelector('caption')!)).toBe(text(h));
      const head = [...table!.querySelectorAll('thead th')];
      expect(head).toHaveLength(6);
      for (const th of head) expect(th.getAttribute('scope')).toBe('col');
      const rows = [...table!.querySelectorAll('tbody tr')];
      expect(
        rows.map((r) => {
          expect(r.firstElementChild!.tagName).toBe('TH');
          expect(r.firstElementChild!.getAttribute('scope')).toBe('row');
          return [...r.children].map(text);
        }),
      ).toEqual(items.map((i) => [i.name, i.provider, i.kindText, i.partyText, i.lifetimeText, i.purpose]));
    }
  });

  test("tagwarden's own storage is declared as strictly necessary, first party", () => {
    const table = doc.querySelector('h3[id="declaration-necessary"] + table')!;
    const names = [...table.querySelectorAll('tbody th')].map(text);
    for (const own of buildDeclaration(demo, lang).own) expect(names).toContain(own.name);
    expect(names).toContain(demo.consent.cookie.name);
  });

  test('the settings control is a <button type="button" data-tagwarden-preferences>, in the control section', () => {
    const buttons = doc.querySelectorAll('[data-tagwarden-preferences]');
    expect(buttons).toHaveLength(1);
    const b = buttons[0]!;
    expect(b.tagName).toBe('BUTTON');
    expect(b.getAttribute('type')).toBe('button');
    expect(text(b)).toBe(lang === 'sv' ? 'Cookieinställningar' : 'Cookie settings');
    expect(b.closest('section')!.getAttribute('aria-labelledby')).toBe('control');
  });

  test('has no script, no inline style attribute, no event handler attribute, one <style> block', () => {
    expect(doc.querySelectorAll('script')).toHaveLength(0);
    expect(doc.querySelectorAll('[style]')).toHaveLength(0);
    expect(doc.querySelectorAll('style')).toHaveLength(1);
    for (const el of doc.querySelectorAll('*')) {
      for (const a of el.attributes) expect(a.name.startsWith('on'), `${el.tagName} ${a.name}`).toBe(false);
    }
    expect(html).not.toMatch(/javascript:/i);
  });

  test('shows the container id, version and policy revision, and says it is generated from the signed container', () => {
    const about = text(doc.querySelector('section[aria-labelledby="about"]')!);
    expect(about).toContain(`${demo.id},`);
    expect(about).toContain(`version ${demo.version}`);
    expect(about).toContain(String(demo.consent.revision));
    expect(about).toContain(lang === 'sv' ? 'signerade container' : 'signed container');
  });
});

describe.each(LANGS)('Markdown policy, %s', (lang) => {
  const md = renderPolicy(demo, { lang, format: 'md' });
  const plain = unescapeMarkdown(md);

  test('names every tag, vendor, category (label and description), tag purpose and storage item', () => {
    for (const s of mustAppear(demo, lang)) expect(plain, s).toContain(s);
  });

  test('storage names are code spans in table rows', () => {
    for (const name of [...expectedTexts(demo, lang).storageNames, demo.consent.cookie.name]) {
      expect(md).toMatch(new RegExp(`^\\| \`${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\` \\|`, 'm'));
    }
  });

  test('has the title, every section heading (##) in order and the control sub-headings (###)', () => {
    expect(md.startsWith(`# ${lang === 'sv' ? 'Cookiepolicy' : 'Cookie policy'}\n`)).toBe(true);
    const h2 = md.split('\n').filter((l) => l.startsWith('## '));
    expect(h2.map((l) => unescapeMarkdown(l.slice(3)))).toEqual(Object.values(SECTION_HEADINGS[lang]));
    for (const h of CONTROL_HEADINGS[lang]) expect(md.split('\n')).toContain(`### ${h}`);
    for (const c of demo.consent.categories) expect(plain).toContain(`### ${c.label[lang]}`);
  });

  test('tables are well-formed: header, delimiter, same column count in every row', () => {
    const tables = markdownTables(md);
    const withItems = buildDeclaration(demo, lang).categories.filter(
      (c) => c.id === 'necessary' || c.tags.some((t) => t.items.length),
    );
    expect(tables).toHaveLength(withItems.length);
    for (const t of tables) {
      const width = t[0]!.length;
      expect(width).toBe(6);
      expect(t[1]).toEqual(Array(width).fill('---'));
      for (const row of t) expect(row).toHaveLength(width);
    }
    for (const line of md.split('\n').filter((l) => l.startsWith('|'))) expect(line).toMatch(/[^\\]\|$/);
  });

  test('has the settings control with data-tagwarden-preferences, and no other raw HTML', () => {
    const button = `<button type="button" data-tagwarden-preferences>${lang === 'sv' ? 'Cookieinställningar' : 'Cookie settings'}</button>`;
    expect(md.split('\n')).toContain(button);
    expect(withoutCodeSpans(md.replace(button, ''))).not.toMatch(/(^|[^\\])<[a-z/!]/im);
  });

  test('shows the container id, version and policy revision', () => {
    expect(plain).toContain(`${demo.id}, version ${demo.version}`);
    expect(plain).toContain(String(demo.consent.revision));
  });
});

test('the Swedish HTML page has no axe-core violations (WCAG 2.2 A/AA and best practice)', async () => {
  // One language: both render the same structure, and axe under jsdom takes seconds.
  const html = renderPolicy(demo, { lang: 'sv', format: 'html' });
  // The test's own jsdom document becomes the page, so that axe (which reads the global one) checks it.
  const page = parse(html);
  document.replaceChild(document.importNode(page.documentElement, true), document.documentElement);
  expect(document.documentElement.lang).toBe('sv');
  const result = await axe.run(document, {
    runOnly: {
      type: 'tag',
      values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
    },
    // jsdom does not lay out or paint: contrast cannot be measured here.
    rules: { 'color-contrast': { enabled: false } },
  });
  expect(result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(' ')}`)).toEqual([]);
  expect(result.passes.length).toBeGreaterThan(10);
}, 60_000);

describe('options', () => {
  test('siteName goes into the title and the introduction, escaped', () => {
    const site = 'Shop <b>&</b> Co';
    const doc = parse(renderPolicy(demo, { lang: 'en', format: 'html', siteName: site }));
    expect(doc.title).toBe(`Cookie policy – ${site}`);
    expect(text(doc.querySelector('main > p')!)).toContain(`used on ${site}:`);
    expect(doc.querySelector('b')).toBeNull();
    const md = renderPolicy(demo, { lang: 'sv', format: 'md', siteName: site });
    expect(md.startsWith('# Cookiepolicy – Shop \\<b\\>\\&\\</b\\> Co\n')).toBe(true);
  });

  test('settingsLinkText names the control and is used in the text that refers to it', () => {
    const doc = parse(
      renderPolicy(demo, { lang: 'en', format: 'html', settingsLinkText: 'Privacy choices' }),
    );
    expect(text(doc.querySelector('[data-tagwarden-preferences]')!)).toBe('Privacy choices');
    expect(text(doc.body)).toContain('“Privacy choices” link');
  });

  test('the output is deterministic', () => {
    for (const format of ['html', 'md'] as const) {
      expect(renderPolicy(demoContainer(), { lang: 'sv', format })).toBe(
        renderPolicy(demo, { lang: 'sv', format }),
      );
    }
  });

  test('a memory-only queue, reload on withdrawal, no GPC and no banner UI change what the page promises', () => {
    const c = structuredClone(demo);
    c.consent.queue.storage = 'memory';
    c.consent.reloadOnWithdrawal = true;
    c.consent.gpc = false;
    c.consent.ui!.enabled = false;
    const body = text(parse(renderPolicy(c, { lang: 'en', format: 'html' })).body);
    expect(body).toContain('never on your device');
    expect(body).toContain('the page reloads');
    expect(body).not.toContain('Global Privacy Control');
    expect(body).not.toContain('On your first visit');
    const names = [
      ...parse(renderPolicy(c, { lang: 'en', format: 'html' })).querySelectorAll('tbody th'),
    ].map(text);
    expect(names).not.toContain('tagwarden'); // no IndexedDB queue to declare
  });
});

describe('hostile container texts', () => {
  const c = hostileContainer();

  test.each(LANGS)('HTML (%s): markup in names renders as text; nothing executable is created', (lang) => {
    const html = renderPolicy(c, { lang, format: 'html' });
    const doc = parse(html);
    expect(doc.querySelectorAll('script, img, b')).toHaveLength(0);
    for (const el of doc.querySelectorAll('*')) {
      for (const a of el.attributes) expect(a.name.startsWith('on')).toBe(false);
    }
    const body = text(doc.body);
    for (const s of mustAppear(c, lang)) expect(body, s).toContain(s);
    expect(body).toContain('<script>alert(1)</script>');
    // The privacy policy URL is not http(s) or a path: it is not linked.
    expect(doc.querySelectorAll('a[href^="javascript"]')).toHaveLength(0);
    expect(html).not.toContain('javascript:alert(4)');
    const errors: string[] = [];
    parseHtml5(html, { onParseError: (e) => errors.push(e.code) });
    expect(errors).toEqual([]);
  });

  test.each(LANGS)(
    'Markdown (%s): no raw HTML, no links, headings or lists from data; tables hold',
    (lang) => {
      const md = renderPolicy(c, { lang, format: 'md' });
      const button = md.split('\n').find((l) => l.startsWith('<button'))!;
      // Outside code spans (where markup is literal), every "<" is escaped.
      expect(withoutCodeSpans(md.replace(button, ''))).not.toMatch(/(^|[^\\])<[a-z/!]/im);
      expect(md).not.toMatch(/(^|[^\\])\]\(javascript/);
      expect(md).not.toMatch(/^(#+ )?(# not a heading|- not a list|1\. not a list|---)/m);
      for (const t of markdownTables(md)) for (const row of t) expect(row).toHaveLength(6);
      const plain = unescapeMarkdown(md);
      for (const s of mustAppear(c, lang)) expect(plain, s).toContain(s);
    },
  );

  test('escapers', () => {
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>`)).toBe(
      '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
    expect(escapeHtml('a\u0000b\u0085c\nd')).toBe('a\uFFFDb\uFFFDc d');
    expect(escapeMarkdown('*a* _b_ `c` [d](e) <f> g|h &i; #j ~k~ \\')).toBe(
      '\\*a\\* \\_b\\_ \\`c\\` \\[d\\](e) \\<f\\> g\\|h \\&i; \\#j \\~k\\~ \\\\',
    );
    expect(escapeMarkdown('- x')).toBe('\\- x');
    expect(escapeMarkdown('12. x')).toBe('12\\. x');
    expect(escapeMarkdown('line\n\nbreak')).toBe('line break');
  });
});

describe("tagwarden's own storage without an always-on category", () => {
  /** The demo container without its always-on categories, as a site with only optional ones has. */
  function noAlwaysOn(): Container {
    const c = structuredClone(demo);
    c.consent.categories = c.consent.categories.filter((x) => !x.alwaysOn);
    return c;
  }
  const OWN_HEADING = {
    en: 'Storage used by consent management (strictly necessary)',
    sv: 'Samtyckeshanteringens egen lagring (nödvändig)',
  } as const;

  test.each(LANGS)(
    'HTML (%s): a section and a table of their own, explained as strictly necessary',
    (lang) => {
      const c = noAlwaysOn();
      const doc = parse(renderPolicy(c, { lang, format: 'html' }));
      const own = buildDeclaration(c, lang).own;
      const h = doc.querySelector('section[aria-labelledby="declaration"] h3[id="tagwarden-declaration"]')!;
      expect(text(h)).toBe(OWN_HEADING[lang]);
      const table = h.nextElementSibling!;
      expect(table.tagName).toBe('TABLE');
      expect(text(table.querySelector('caption')!)).toBe(OWN_HEADING[lang]);
      expect([...table.querySelectorAll('tbody th')].map(text)).toEqual(own.map((i) => i.name));
      // Every item the tally counts is in some table.
      const rows = doc.querySelectorAll('section[aria-labelledby="declaration"] tbody tr');
      const expected = own.length + c.tags.reduce((n, t) => n + t.storage.length, 0);
      expect(rows).toHaveLength(expected);
      expect(text(doc.body)).toContain(
        lang === 'sv' ? `omfattar ${expected} poster` : `lists ${expected} items`,
      );
      const why = doc.querySelector('section[aria-labelledby="why"] h3[id="tagwarden-why"]')!;
      expect(text(why)).toBe(OWN_HEADING[lang]);
      let part = '';
      for (let n = why.nextElementSibling; n && n.tagName !== 'H3'; n = n.nextElementSibling) part += text(n);
      expect(part).toContain('tagwarden');
      expect(part).toContain(
        lang === 'sv' ? 'undantagen från kravet på samtycke' : 'exempt from the consent requirement',
      );
      const ids = [...doc.querySelectorAll('[id]')].map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
    },
  );

  test.each(LANGS)('Markdown (%s): the same section and table', (lang) => {
    const c = noAlwaysOn();
    const md = renderPolicy(c, { lang, format: 'md' });
    const lines = md.split('\n');
    const at = lines.lastIndexOf(`### ${OWN_HEADING[lang]}`);
    expect(at).toBeGreaterThan(lines.indexOf(`## ${SECTION_HEADINGS[lang].declaration}`));
    expect(lines.filter((l) => l === `### ${OWN_HEADING[lang]}`)).toHaveLength(2); // "why" and the declaration
    const table = markdownTables(lines.slice(at).join('\n'))[0]!;
    expect(table.slice(2).map((r) => r[0])).toEqual(
      buildDeclaration(c, lang).own.map((i) => `\`${i.name}\``),
    );
  });

  test('with an always-on category, the storage stays in its table and has no section of its own', () => {
    const doc = parse(renderPolicy(demo, { lang: 'en', format: 'html' }));
    expect(doc.querySelector('[id^="tagwarden-"]')).toBeNull();
    expect(text(doc.body)).not.toContain(OWN_HEADING.en);
  });
});

describe('Markdown table cells with backslashes, pipes and backticks in storage names', () => {
  // Names that break out of a code span under GFM: parsers split a row at pipes before they parse code
  // spans, and disagree on a backslash before a pipe (micromark and marked read `\\|` as an escaped
  // backslash and a cell break). Such names are written as escaped text, where every backslash is
  // doubled and every pipe has one, so each pipe follows an odd run of backslashes in every reading.
  const cases: [name: string, cell: string][] = [
    ['x\\|<img src=x onerror=alert(1)>', 'x\\\\\\|\\<img src=x onerror=alert(1)\\>'],
    ['a\\\\|<b>z</b>', 'a\\\\\\\\\\|\\<b\\>z\\</b\\>'],
    ['\\', '\\\\'],
    ['a\\', 'a\\\\'],
    ['|', '\\|'],
    ['`', '\\`'],
    ['a`|`<img src=x onerror=alert(3)>`', 'a\\`\\|\\`\\<img src=x onerror=alert(3)\\>\\`'],
    ['x|y\\z`w', 'x\\|y\\\\z\\`w'],
    // Without those characters a name stays a code span, where everything else is literal.
    ['plain<img src=x onerror=alert(6)>', '`plain<img src=x onerror=alert(6)>`'],
    ['*em* _u_', '`*em* _u_`'],
  ];
  const c = structuredClone(demo);
  c.tags[0]!.storage = cases.map(([name]) => ({ kind: 'cookie', name, party: 'first', lifetime: 1 }));

  test.each(LANGS)('%s: each name is one escaped cell that reads back as the name', (lang) => {
    const md = renderPolicy(c, { lang, format: 'md' });
    for (const [name, cell] of cases)
      expect(md.split('\n'), name).toContain(
        `| ${cell} | ${c.tags[0]!.vendor.name} | Cookie | ${lang === 'sv' ? 'Förstapart' : 'First party'} | ${lang === 'sv' ? '1 dag' : '1 day'} | ${c.tags[0]!.purpose![lang]} |`,
      );
    const rows = markdownTables(md).flatMap((t) => t.slice(2));
    for (const row of rows) expect(row).toHaveLength(6);
    const firstCells = rows.map((r) => r[0]!);
    for (const [name, cell] of cases) {
      expect(firstCells).toContain(cell);
      if (!cell.startsWith('`')) expect(unescapeMarkdown(cell)).toBe(name);
    }
    // Outside code spans, no "<" is left unescaped, so no raw HTML.
    const button = md.split('\n').find((l) => l.startsWith('<button'))!;
    expect(withoutCodeSpans(md.replace(button, ''))).not.toMatch(/(^|[^\\])<[a-z/!]/im);
  });
});

describe('Global Privacy Control', () => {
  const GPC = { en: 'Global Privacy Control', sv: 'Global Privacy Control' };
  test.each(LANGS)(
    '%s: promised only when a "marketing" category exists, which is all GPC acts on',
    (lang) => {
      expect(text(parse(renderPolicy(demo, { lang, format: 'html' })).body)).toContain(GPC[lang]);
      const c = structuredClone(demo);
      c.consent.categories = c.consent.categories
        .filter((x) => x.parent !== 'marketing')
        .map((x) => (x.id === 'marketing' ? { ...x, id: 'ads' } : x));
      c.tags = c.tags.map((t) => ({
        ...t,
        category: t.category.startsWith('marketing') ? 'ads' : t.category,
      }));
      expect(c.consent.gpc).toBe(true);
      expect(text(parse(renderPolicy(c, { lang, format: 'html' })).body)).not.toContain(GPC[lang]);
      expect(renderPolicy(c, { lang, format: 'md' })).not.toContain(GPC[lang]);
    },
  );
});
