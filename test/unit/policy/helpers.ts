// Helpers for the cookie policy tests: the demo container, a hostile variant of it, and a small
// reader for the Markdown the policy writes (backslash escapes and GFM pipe tables).
import type { Container } from '../../../src/container/schema';
import { validateContainer } from '../../../src/container/validate';
import { demoContainer } from '../demo-container';

export const LANGS = ['sv', 'en'] as const;
export const FORMATS = ['html', 'md'] as const;

/** The site name the committed examples are generated with. */
export const EXAMPLE_SITE = 'www.example.se';

/** Section headings (h2) every policy must have, in order, with the ids of the HTML sections. */
export const SECTION_HEADINGS = {
  en: {
    what: 'Cookies and similar techniques',
    kinds: 'Session and persistent cookies, first and third party',
    why: 'Why we use cookies',
    marketing: 'Marketing purposes in detail',
    control: 'How you control cookies',
    declaration: 'Cookie declaration',
    about: 'About this policy',
  },
  sv: {
    what: 'Cookies och liknande tekniker',
    kinds: 'Sessionscookies och varaktiga cookies, förstaparts- och tredjepartscookies',
    why: 'Varför vi använder cookies',
    marketing: 'Marknadsföringens ändamål i detalj',
    control: 'Så bestämmer du över cookies',
    declaration: 'Förteckning över cookies',
    about: 'Om den här policyn',
  },
} as const;

/** The parts of "how you control cookies": the settings link, withdrawal, before a choice, the browser. */
export const CONTROL_HEADINGS = {
  en: [
    'Your choice and the cookie settings',
    'Withdrawing consent',
    'Before you have chosen',
    'Browser settings',
  ],
  sv: [
    'Ditt val och cookieinställningarna',
    'Återkalla samtycke',
    'Innan du har valt',
    'Webbläsarens inställningar',
  ],
} as const;

export { demoContainer };

/** Every text a visitor must find in the policy, taken from the container (not hard-coded). */
export function expectedTexts(c: Container, lang: 'sv' | 'en') {
  return {
    tagNames: c.tags.map((t) => t.name),
    vendors: [...new Set(c.tags.map((t) => t.vendor.name))],
    categoryLabels: c.consent.categories.map((x) => x.label[lang]),
    categoryDescriptions: c.consent.categories.map((x) => x.description[lang]),
    tagPurposes: c.tags.flatMap((t) => (t.purpose ? [t.purpose[lang]] : [])),
    storageNames: c.tags.flatMap((t) => t.storage.map((s) => s.name)),
  };
}

/** The demo container with markup, Markdown syntax and control characters in every text a visitor sees. */
export function hostileContainer(): Container {
  const c = structuredClone(demoContainer()) as Container;
  const tag = c.tags[0]!;
  tag.name = '<script>alert(1)</script>';
  tag.vendor.name = 'Evil & Co "quoted" <img src=x onerror=alert(2)>';
  tag.purpose = { sv: '# not a heading', en: '- not a list item' };
  tag.storage[0]!.name = 'a|b<script>x</script>';
  tag.storage[1]!.name = 'x`y|z\nw';
  tag.storage[1]!.purpose = { sv: '1. not a list | with a pipe', en: '1. not a list | with a pipe' };
  const analytics = c.consent.categories.find((x) => x.id === 'analytics')!;
  analytics.label = {
    sv: '*Stars* | [link](javascript:alert(3)) <b>bold</b> #',
    en: '*Stars* | [link](javascript:alert(3)) <b>bold</b> #',
  };
  analytics.description = { sv: 'Tom &amp; Jerry\r\n\r\n---', en: 'Tom &amp; Jerry\r\n\r\n---' };
  c.consent.ui!.privacyPolicyUrl = { sv: 'javascript:alert(4)', en: 'javascript:alert(4)' };
  const v = validateContainer(c);
  if (!v.container) throw new Error(`hostile container is invalid: ${JSON.stringify(v.problems)}`);
  return v.container;
}

/** Markdown text with backslash escapes removed (CommonMark: any ASCII punctuation may be escaped). */
export function unescapeMarkdown(md: string): string {
  return md.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/** Splits a GFM table row into its cells at unescaped pipes (GFM splits inside code spans too). */
export function tableCells(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === '\\' && i + 1 < line.length) {
      cell += ch + line[i + 1];
      i++;
    } else if (ch === '|') {
      cells.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  cells.push(cell.trim());
  // A row starts and ends with a pipe: drop the empty edges.
  return cells.slice(1, -1);
}

/** The pipe tables in `md`: each a list of rows (header, delimiter, body) of cells. */
export function markdownTables(md: string): string[][][] {
  const tables: string[][][] = [];
  let current: string[][] | undefined;
  for (const line of md.split('\n')) {
    if (line.startsWith('|')) {
      if (!current) {
        current = [];
        tables.push(current);
      }
      current.push(tableCells(line));
    } else current = undefined;
  }
  return tables;
}

/** `md` with its code spans (CommonMark: a backtick run closed by a run of the same length) blanked out. */
export function withoutCodeSpans(md: string): string {
  let out = '';
  let i = 0;
  while (i < md.length) {
    const ch = md[i]!;
    if (ch === '\\') {
      out += md.slice(i, i + 2);
      i += 2;
    } else if (ch === '`') {
      let n = 0;
      while (md[i + n] === '`') n++;
      let close = -1;
      for (let j = i + n; j < md.length && close < 0; ) {
        if (md[j] !== '`') {
          j++;
          continue;
        }
        let m = 0;
        while (md[j + m] === '`') m++;
        if (m === n) close = j;
        j += m;
      }
      if (close < 0) {
        out += md.slice(i, i + n);
        i += n;
      } else {
        out += ' ';
        i = close + n;
      }
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}
