/**
 * The cookie policy page `tagwarden policy` writes, as a standalone HTML document or as Markdown.
 * Both formats render one document model built from the cookie declaration (declaration/build.ts),
 * so they hold the same content and cannot disagree with the banner or with what fires.
 * Every text from the container is escaped for the target format: HTML-escaped in HTML; in Markdown
 * backslash-escaped (no raw HTML, no emphasis, no table breaks) or put in code spans.
 */
import type { Container } from '../container/schema';
import {
  buildDeclaration,
  type Declaration,
  type DeclaredCategory,
  type DeclaredItem,
  type DeclaredTag,
  type Lang,
  lifetimeText,
} from '../declaration/build';
import {
  CONTROL_KEYS,
  POLICY_TEXTS,
  type PolicyTexts,
  SECTION_KEYS,
  type SectionKey,
  type Tally,
} from './texts';

export type PolicyFormat = 'html' | 'md';

export interface PolicyOptions {
  lang: Lang;
  format: PolicyFormat;
  /** Shown in the title and the introduction; "this website" when absent. */
  siteName?: string;
  /** Text of the settings control (an element with `data-tagwarden-preferences`); "Cookie settings". */
  settingsLinkText?: string;
}

/** Inline content: text, strong text, code (storage and cookie names), or a link. */
type Inline = string | { b: string } | { code: string } | { a: string; href: string };

type Block =
  | { t: 'h3'; id: string; text: string }
  | { t: 'p'; content: Inline[] }
  | { t: 'ul'; items: Inline[][] }
  /** The first cell of each row is its row header. */
  | { t: 'table'; caption: string; head: readonly string[]; rows: Inline[][] }
  /** The control that opens the cookie settings. */
  | { t: 'settings'; text: string };

interface Section {
  id: SectionKey;
  heading: string;
  blocks: Block[];
}

interface PolicyDocument {
  lang: Lang;
  title: string;
  intro: Block[];
  sections: Section[];
}

/** The headings of the page's sections (h2) and of the control section's parts (h3), in order. */
export function policyHeadings(lang: Lang): { sections: string[]; control: string[] } {
  const t = POLICY_TEXTS[lang];
  return { sections: SECTION_KEYS.map((k) => t.headings[k]), control: CONTROL_KEYS.map((k) => t.control[k]) };
}

/** The complete cookie policy page for `container`. */
export function renderPolicy(container: Container, options: PolicyOptions): string {
  const doc = policyDocument(container, options);
  return options.format === 'html' ? toHtml(doc) : toMarkdown(doc);
}

// ---------------------------------------------------------------------------------------------------
// The document model

const KIND_ORDER: DeclaredItem['kind'][] = ['cookie', 'pixel', 'localStorage', 'sessionStorage', 'indexedDB'];

/** `href` when it is safe to link: an http(s) URL or a root-relative path; otherwise undefined. */
function safeHref(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  return /^https?:\/\/[^\s\\/?#]+[^\s]*$/i.test(url) || /^\/(?![/\\])\S*$/.test(url) ? url : undefined;
}

/**
 * The category that lists tagwarden's own (strictly necessary) storage: a top-level always-on one,
 * `necessary` first. Without one, the storage has a section of its own (`OWN_IDS`), as in the in-page
 * declaration, which always lists it apart.
 */
function ownHome(decl: Declaration): DeclaredCategory | undefined {
  return (
    decl.categories.find((c) => c.id === 'necessary' && c.alwaysOn && !c.parent) ??
    decl.categories.find((c) => c.alwaysOn && !c.parent)
  );
}

/** Element ids of the own-storage parts. Category ids only follow `why-`, `purpose-` or `declaration-`. */
const OWN_IDS = { why: 'tagwarden-why', declaration: 'tagwarden-declaration' } as const;

function allItems(decl: Declaration): DeclaredItem[] {
  return [...decl.own, ...decl.categories.flatMap((c) => c.tags.flatMap((tag) => tag.items))];
}

function tally(items: DeclaredItem[]): Tally {
  const session = items.filter((i) => i.lifetime === 'session').length;
  const first = items.filter((i) => i.party === 'first').length;
  return {
    total: items.length,
    session,
    persistent: items.length - session,
    first,
    third: items.length - first,
  };
}

function serviceItem(tag: DeclaredTag): Inline[] {
  let text = ` (${tag.vendor})${tag.purpose ? `: ${tag.purpose}` : ''}`;
  if (tag.pausedNote) text += `${tag.purpose && !/[.!?]$/.test(tag.purpose) ? '.' : ''} ${tag.pausedNote}`;
  return [{ b: tag.name }, text];
}

/** "Services:" with a list of the category's tags, and its vendors with links to their policies. */
function servicesBlocks(cat: DeclaredCategory, t: PolicyTexts): Block[] {
  if (!cat.tags.length) return [];
  const vendors: Inline[] = [t.vendors];
  cat.vendors.forEach((v, i) => {
    if (i) vendors.push(', ');
    const href = safeHref(cat.tags.find((tag) => tag.vendor === v && tag.vendorPolicy)?.vendorPolicy);
    vendors.push(href ? { a: v, href } : v);
  });
  vendors.push('.');
  return [para(t.services), { t: 'ul', items: cat.tags.map(serviceItem) }, para(...vendors)];
}

/** A paragraph. */
function para(...content: Inline[]): Block {
  return { t: 'p', content };
}

/** What every section builder needs. */
interface Context {
  lang: Lang;
  t: PolicyTexts;
  decl: Declaration;
  consent: Container['consent'];
  /** The settings control's text. */
  settings: string;
  /** The category that lists tagwarden's own storage. */
  home: DeclaredCategory | undefined;
  /** Every declared item, tagwarden's own included. */
  items: DeclaredItem[];
  topLevel: DeclaredCategory[];
  childrenOf(c: DeclaredCategory): DeclaredCategory[];
}

function policyDocument(container: Container, options: PolicyOptions): PolicyDocument {
  const { lang } = options;
  const t = POLICY_TEXTS[lang];
  const decl = buildDeclaration(container, lang);
  const site = options.siteName?.trim() || undefined;
  const x: Context = {
    lang,
    t,
    decl,
    consent: container.consent,
    settings: options.settingsLinkText?.trim() || t.settingsLink,
    home: ownHome(decl),
    items: allItems(decl),
    topLevel: decl.categories.filter((c) => c.parent === undefined),
    childrenOf: (c) => decl.categories.filter((d) => d.parent === c.id),
  };

  const intro: Block[] = [para(t.intro(site ?? t.thisSite)), para(t.introConsent)];
  const privacy = safeHref(x.consent.ui?.privacyPolicyUrl?.[lang]);
  if (privacy) {
    intro.push(para(t.privacyPolicyBefore, { a: t.privacyPolicyLink, href: privacy }, t.privacyPolicyAfter));
  }
  return {
    lang,
    title: t.title(site),
    intro,
    sections: SECTION_KEYS.map((id) => ({ id, heading: t.headings[id], blocks: SECTIONS[id](x) })),
  };
}

const SECTIONS: Record<SectionKey, (x: Context) => Block[]> = {
  /** 1. What cookies and similar techniques are, and which of them this site uses. */
  what: ({ t, items }) => {
    const used = KIND_ORDER.map((k) => items.find((i) => i.kind === k)?.kindText).filter(
      (k): k is string => k !== undefined,
    );
    return [
      para(t.whatCookie),
      { t: 'ul', items: t.techniques.map((d) => [{ b: d.term }, `: ${d.text}`]) },
      para(`${t.usedHere}${used.join(', ')}.`),
    ];
  },

  /** 2. Session vs persistent, first vs third party, with the counts from the declaration. */
  kinds: ({ t, items }) => [
    para(t.kindsIntro),
    { t: 'ul', items: t.kinds.map((d) => [{ b: d.term }, ` ${d.text}`]) },
    para(t.tally(tally(items))),
  ],

  /** 3. Why, by top-level category: what for, whether consent is needed, which services. */
  why: ({ t, topLevel, home, childrenOf }) => {
    const out: Block[] = [para(t.whyIntro)];
    for (const c of topLevel) {
      const children = childrenOf(c);
      out.push(
        { t: 'h3', id: `why-${c.id}`, text: c.label },
        para(c.description),
        para(c.alwaysOn ? t.alwaysOn : t.optional, ...(c === home ? [` ${t.ownStorage}`] : [])),
      );
      if (children.length) out.push(para(t.hasPurposes(c.label, t.headings.marketing)));
      out.push(...servicesBlocks(c, t));
      if (!c.tags.length && !children.length && c !== home) out.push(para(t.noServices));
    }
    if (!home) out.push({ t: 'h3', id: OWN_IDS.why, text: t.ownHeading }, para(t.ownOnly), para(t.alwaysOn));
    return out;
  },

  /** 4. Each purpose of a divided category (the marketing purposes): what for, its services and vendors. */
  marketing: ({ t, topLevel, childrenOf }) => {
    const out: Block[] = [];
    for (const parent of topLevel) {
      const children = childrenOf(parent);
      if (!children.length) continue;
      out.push(para(t.purposesIntro(parent.label)));
      for (const c of children) {
        out.push({ t: 'h3', id: `purpose-${c.id}`, text: c.label }, para(c.description));
        if (c.alwaysOn) out.push(para(t.alwaysOn));
        const services = servicesBlocks(c, t);
        out.push(...(services.length ? services : [para(t.noPurposeServices)]));
      }
    }
    return out.length ? out : [para(t.noPurposes)];
  },

  /** 5. How the visitor controls them: the settings control, withdrawal, before a choice, the browser. */
  control: ({ t, lang, consent, settings, decl }): Block[] => [
    { t: 'h3', id: 'control-settings', text: t.control.settings },
    ...(consent.ui?.enabled ? [para(t.banner)] : []),
    para(t.settingsBefore(settings)),
    { t: 'settings', text: settings },
    para(
      t.rememberBefore(lifetimeText(consent.cookie.maxAgeDays, lang)),
      { code: consent.cookie.name },
      t.rememberAfter,
    ),
    // The runtime's GPC acts on the category with id `marketing` (and its purposes) only.
    ...(consent.gpc && decl.categories.some((c) => c.id === 'marketing') ? [para(t.gpc)] : []),
    { t: 'h3', id: 'control-withdraw', text: t.control.withdraw },
    para(t.withdraw(settings)),
    para(t.thirdParty),
    para(consent.reloadOnWithdrawal ? t.reload : t.noReload),
    { t: 'h3', id: 'control-before', text: t.control.before },
    para(
      consent.queue.storage === 'indexeddb'
        ? t.queueDevice(lifetimeText(consent.queue.ttlHours / 24, lang))
        : t.queueMemory,
    ),
    { t: 'h3', id: 'control-browser', text: t.control.browser },
    para(t.browser),
    para(t.browserBlockAll),
  ],

  /**
   * 6. The full declaration: a table per category; tagwarden's own storage under the necessary one,
   * or in a table of its own after them when there is none.
   */
  declaration: ({ t, decl, home, childrenOf }) => {
    const out: Block[] = [para(t.declarationIntro)];
    const row = (i: DeclaredItem): Inline[] => [
      { code: i.name },
      i.provider,
      i.kindText,
      i.partyText,
      i.lifetimeText,
      i.purpose || '–',
    ];
    for (const c of decl.categories) {
      const parent = decl.categories.find((p) => p.id === c.parent);
      const label = parent ? `${parent.label}: ${c.label}` : c.label;
      out.push({ t: 'h3', id: `declaration-${c.id}`, text: label });
      const rows = [...(c === home ? decl.own : []), ...c.tags.flatMap((tag) => tag.items)].map(row);
      // Services that declare no storage are named, so that every service of the category is accounted for.
      const storeless = c.tags.filter((tag) => !tag.items.length);
      if (rows.length) out.push({ t: 'table', caption: label, head: t.columns, rows });
      else if (!storeless.length) out.push(para(childrenOf(c).length ? t.emptyParent : t.emptyCategory));
      if (storeless.length) {
        const names = storeless.flatMap((tag, i): Inline[] => [
          ...(i ? [', '] : []),
          { b: tag.name },
          ` (${tag.vendor})`,
        ]);
        out.push(para(t.storesNothing(storeless.length), ...names, '.'));
      }
      for (const tag of c.tags) {
        if (tag.pausedNote) out.push(para({ b: tag.name }, ` (${tag.vendor}): ${tag.pausedNote}`));
      }
    }
    if (!home) {
      out.push(
        { t: 'h3', id: OWN_IDS.declaration, text: t.ownHeading },
        { t: 'table', caption: t.ownHeading, head: t.columns, rows: decl.own.map(row) },
      );
    }
    return out;
  },

  /** Which container (id, version, policy revision) the page was generated from. */
  about: ({ t, decl }) => [para(t.about(decl.containerId, decl.version, decl.revision)), para(t.aboutSame)],
};

// ---------------------------------------------------------------------------------------------------
// Shared text hygiene

/** C0/C1 control characters other than tab, newline and carriage return, and lone surrogates. */
const CONTROL =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point; they are replaced.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text with control characters and lone surrogates replaced, and runs of white space as one space. */
function clean(s: string): string {
  return s.replace(CONTROL, '\uFFFD').replace(/\s+/g, ' ');
}

// ---------------------------------------------------------------------------------------------------
// HTML

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  return clean(s).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

function htmlInline(parts: Inline[]): string {
  return parts
    .map((p) => {
      if (typeof p === 'string') return escapeHtml(p);
      if ('b' in p) return `<strong>${escapeHtml(p.b)}</strong>`;
      if ('code' in p) return `<code>${escapeHtml(p.code)}</code>`;
      return `<a href="${escapeHtml(p.href)}">${escapeHtml(p.a)}</a>`;
    })
    .join('');
}

function htmlBlock(b: Block): string {
  switch (b.t) {
    case 'h3':
      return `<h3 id="${escapeHtml(b.id)}">${escapeHtml(b.text)}</h3>`;
    case 'p':
      return `<p>${htmlInline(b.content)}</p>`;
    case 'ul':
      return `<ul>\n${b.items.map((i) => `  <li>${htmlInline(i)}</li>`).join('\n')}\n</ul>`;
    case 'table': {
      const head = b.head.map((h) => `<th scope="col">${escapeHtml(h)}</th>`).join('');
      const rows = b.rows.map(
        ([first, ...rest]) =>
          `    <tr><th scope="row">${htmlInline([first!])}</th>${rest.map((c) => `<td>${htmlInline([c])}</td>`).join('')}</tr>`,
      );
      return [
        '<table>',
        `  <caption>${escapeHtml(b.caption)}</caption>`,
        `  <thead><tr>${head}</tr></thead>`,
        '  <tbody>',
        ...rows,
        '  </tbody>',
        '</table>',
      ].join('\n');
    }
    case 'settings':
      return `<p><button type="button" data-tagwarden-preferences>${escapeHtml(b.text)}</button></p>`;
  }
}

const STYLE = `
  :root { color-scheme: light dark; }
  body { font: 1rem/1.6 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.25rem 3rem; }
  h1, h2, h3 { line-height: 1.25; }
  h2 { margin-top: 2.5rem; }
  table { border-collapse: collapse; margin: 0.5rem 0 1rem; width: 100%; }
  caption { font-weight: 600; padding: 0.5rem 0; text-align: left; }
  th, td { border: 1px solid; overflow-wrap: anywhere; padding: 0.375rem 0.5rem; text-align: left; vertical-align: top; }
  thead th { background: color-mix(in srgb, currentColor 8%, transparent); }
  button { cursor: pointer; font: inherit; padding: 0.5rem 1rem; }
  :focus-visible { outline: 3px solid; outline-offset: 2px; }
`;

function toHtml(doc: PolicyDocument): string {
  const out: string[] = [
    '<!doctype html>',
    `<html lang="${doc.lang}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="tagwarden policy">',
    `<title>${escapeHtml(doc.title)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<!-- Load the tagwarden snippet in <head> so that the button with data-tagwarden-preferences opens the cookie settings. -->',
    '<main>',
    `<h1>${escapeHtml(doc.title)}</h1>`,
    ...doc.intro.map(htmlBlock),
  ];
  for (const s of doc.sections) {
    out.push(
      `<section aria-labelledby="${s.id}">`,
      `<h2 id="${s.id}">${escapeHtml(s.heading)}</h2>`,
      ...s.blocks.map(htmlBlock),
      '</section>',
    );
  }
  out.push('</main>', '</body>', '</html>', '');
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------------
// Markdown (CommonMark with GFM tables)

/**
 * Escapes text for Markdown: backslash before every character that could start markup (emphasis,
 * code, links, raw HTML, entities, headings, table cells), and before a leading list or heading marker.
 */
export function escapeMarkdown(s: string): string {
  return clean(s)
    .replace(/[\\`*_[\]<>|&~#]/g, '\\$&')
    .replace(/^([-+=])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2');
}

/**
 * A code span holding `s` verbatim; in a table cell, backslash-escaped text instead when `s` holds a
 * backslash, a pipe or a backtick. GFM splits a row at pipes before it parses code spans, and parsers
 * disagree on a backslash before a pipe (`\\|`: an escaped backslash and a cell break in micromark and
 * marked, an escaped pipe in others), so a code span could end early and let the rest of a name out as
 * raw HTML. In escaped text every backslash is doubled and every pipe has one, so every pipe follows an
 * odd run of backslashes: escaped in every reading, and the cell renders the literal name.
 */
function codeSpan(s: string, inTable: boolean): string {
  const text = clean(s);
  if (inTable && /[\\|`]/.test(text)) return escapeMarkdown(text);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(text) ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** A link destination with the characters Markdown (or a table) would misread percent-encoded. */
function mdHref(url: string): string {
  return clean(url).replace(
    /[\s()<>\\`|[\]]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

function mdInline(parts: Inline[], inTable = false): string {
  return parts
    .map((p) => {
      if (typeof p === 'string') return escapeMarkdown(p);
      if ('b' in p) return `**${escapeMarkdown(p.b.trim())}**`;
      if ('code' in p) return codeSpan(p.code, inTable);
      return `[${escapeMarkdown(p.a)}](${mdHref(p.href)})`;
    })
    .join('');
}

function mdBlock(b: Block): string {
  switch (b.t) {
    case 'h3':
      return `### ${escapeMarkdown(b.text)}`;
    case 'p':
      return mdInline(b.content);
    case 'ul':
      return b.items.map((i) => `- ${mdInline(i)}`).join('\n');
    case 'table': {
      // The caption repeats the heading just above the table, so Markdown (which has no captions) omits it.
      const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
      return [
        row(b.head.map((h) => escapeMarkdown(h))),
        row(b.head.map(() => '---')),
        ...b.rows.map((r) => row(r.map((c) => mdInline([c], true)))),
      ].join('\n');
    }
    case 'settings':
      // Raw HTML on purpose: the element the runtime binds to. Its text is HTML-escaped.
      return `<button type="button" data-tagwarden-preferences>${escapeHtml(b.text)}</button>`;
  }
}

function toMarkdown(doc: PolicyDocument): string {
  const out: string[] = [`# ${escapeMarkdown(doc.title)}`, ...doc.intro.map(mdBlock)];
  for (const s of doc.sections) out.push(`## ${escapeMarkdown(s.heading)}`, ...s.blocks.map(mdBlock));
  return `${out.join('\n\n')}\n`;
}
