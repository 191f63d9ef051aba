/**
 * Cross-field rules a container must follow beyond its schema: references to categories, unique
 * ids, URL policy, SRI policy, ISO 3166 regions, storage claims that contradict a category.
 * Owns the rule list and its messages; runs on a schema-valid container (validate.ts calls it).
 */
import { REF, references } from '../triggers/template';
import { PAGE_FACTS } from '../triggers/variables';
import { ISO_3166_1_ALPHA_2 } from './iso3166';
import type { Container } from './schema';

/** One problem found in a container: where (a path into the JSON), what, and how serious. */
export interface Problem {
  path: (string | number)[];
  message: string;
  severity: 'error' | 'warning';
}

const LOOPBACK = /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/;

/**
 * Why `url` may not be loaded or called, or undefined when it may: absolute `https:`, `http:` on
 * loopback (development), or root-relative (`/path`, same origin as the page). A `{{variable}}` may
 * appear in the path or query, never in the scheme or host, so no variable can choose where data goes.
 */
export function urlProblem(url: string, { relative = true } = {}): string | undefined {
  // The URL parser reads `\` as `/` and drops tabs and newlines: `/\evil.example` is another host.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
  if (/[\\\0-\x1f\x7f]/.test(url)) return 'must not contain a backslash or a control character';
  const brace = url.indexOf('{{');
  if (relative && url.startsWith('/') && !url.startsWith('//'))
    // An empty value right after the leading `/` would make `//host/…`: another host.
    return url.startsWith('/{{')
      ? 'a path may not start with a {{variable}}: put a fixed segment first'
      : undefined;
  let parsed: URL;
  try {
    parsed = new URL(brace < 0 ? url : url.slice(0, brace));
  } catch {
    // `https://{{dl.host}}/px`: what comes before the variable is a scheme and (part of) a host.
    if (brace >= 0 && /^[a-z][a-z\d+.-]*:\/\/[^/?#]*$/i.test(url.slice(0, brace)))
      return 'a {{variable}} may not appear in the host';
    return relative
      ? 'must be an absolute https: URL or a path starting with /'
      : 'must be an absolute https: URL';
  }
  if (parsed.protocol !== 'https:' && !LOOPBACK.test(url)) {
    return 'must use https: (http: is allowed only for localhost and 127.0.0.1)';
  }
  if (parsed.username || parsed.password) return 'must not carry credentials';
  if (brace >= 0 && !/^https?:\/\/[^/?#{]+[/?#]/.test(url))
    return 'a {{variable}} may not appear in the host';
  return undefined;
}

/** A whole SHA-384 (48 bytes: 64 base64 characters) or SHA-512 (64 bytes: 86 and `==`) digest. */
const SRI = /^(sha384-[A-Za-z\d+/]{64}|sha512-[A-Za-z\d+/]{86}==)$/;

/** The optional top-level categories the banner's built-in body text names (ui/texts.ts), sorted. */
const BUILT_IN_BODY_CATEGORIES = 'analytics,functional,marketing';

const VARIABLES = `event, eventId, timestamp, page.${PAGE_FACTS.join('|')}, dl.<path>, consent.<category>`;

/**
 * The cookies the Application Insights SDK always sets (`AI_COOKIES` in tags/appinsights, not imported
 * so that validation does not pull in a tag plugin; a unit test keeps the two equal).
 */
export const APPINSIGHTS_COOKIES = ['ai_user', 'ai_session'] as const;

/** The category id Global Privacy Control acts on (consent/state.ts), with its purposes. */
const GPC_CATEGORY = 'marketing';

/**
 * Runs every cross-field rule; returns all problems (errors and warnings), in document order. `now` is the
 * clock the expiry warning reads.
 */
export function checkRules(c: Container, now = Date.now()): Problem[] {
  const out: Problem[] = [];
  const err = (path: Problem['path'], message: string) => out.push({ path, message, severity: 'error' });
  const warn = (path: Problem['path'], message: string) => out.push({ path, message, severity: 'warning' });

  if (Date.parse(c.expires) <= now)
    warn(['expires'], `${c.expires} is already past: the runtime refuses this container (container/expired)`);

  c.origins.forEach((o, i) => {
    const p = urlProblem(o, { relative: false });
    if (p) err(['origins', i], `origin ${p}`);
    else if (new URL(o).origin !== o)
      err(['origins', i], `must be an origin such as https://www.example.se (got ${o})`);
  });

  const cats = new Map<string, (typeof c.consent.categories)[number]>();
  c.consent.categories.forEach((cat, i) => {
    if (cats.has(cat.id)) err(['consent', 'categories', i, 'id'], `duplicate category id "${cat.id}"`);
    cats.set(cat.id, cat);
  });
  const known = (id: string) => cats.has(id);
  const unknown = (id: string) => `unknown category "${id}" (defined: ${[...cats.keys()].join(', ')})`;
  c.consent.categories.forEach((cat, i) => {
    if (cat.parent === undefined) return;
    const parent = cats.get(cat.parent);
    if (!parent) err(['consent', 'categories', i, 'parent'], unknown(cat.parent));
    else if (parent.id === cat.id)
      err(['consent', 'categories', i, 'parent'], 'a category cannot be its own parent');
    else if (parent.parent !== undefined)
      err(['consent', 'categories', i, 'parent'], 'purposes nest one level only');
    else if (!!parent.alwaysOn !== !!cat.alwaysOn) {
      err(['consent', 'categories', i, 'alwaysOn'], 'a purpose must be always-on exactly when its parent is');
    }
  });

  c.consent.defaults.forEach((d, i) => {
    d.region?.forEach((r, j) => {
      if (!ISO_3166_1_ALPHA_2.has(r.slice(0, 2))) {
        err(['consent', 'defaults', i, 'region', j], `"${r}" is not an ISO 3166 country or subdivision code`);
      }
    });
    for (const [id, v] of Object.entries(d.categories)) {
      if (!known(id)) err(['consent', 'defaults', i, 'categories', id], unknown(id));
      else if (cats.get(id)?.alwaysOn && v === 'denied') {
        warn(
          ['consent', 'defaults', i, 'categories', id],
          `"${id}" is always on; a denied default has no effect`,
        );
      }
    }
  });
  if (c.consent.gpc && !cats.has(GPC_CATEGORY)) {
    warn(
      ['consent', 'gpc'],
      `Global Privacy Control acts only on the category with id "${GPC_CATEGORY}" and its purposes; there is none, so it has no effect`,
    );
  }

  // The banner's built-in text speaks of statistics, features and marketing, some through partners
  // (ui/texts.ts): with other optional categories it would tell the visitor something untrue before consent.
  const ui = c.consent.ui;
  const optionalTop = c.consent.categories
    .filter((k) => !k.alwaysOn && k.parent === undefined)
    .map((k) => k.id);
  if (
    ui?.enabled &&
    !(ui.texts?.body?.sv && ui.texts.body.en) &&
    [...new Set(optionalTop)].sort().join() !== BUILT_IN_BODY_CATEGORIES
  ) {
    warn(
      ['consent', 'ui', 'texts', 'body'],
      `the banner's built-in text names statistics, features and marketing; this container's optional categories are ${optionalTop.join(', ') || 'none'}: write consent.ui.texts.body (sv and en) for them`,
    );
  }

  if (c.consent.recordEndpoint !== undefined) {
    const p = urlProblem(c.consent.recordEndpoint);
    if (p) err(['consent', 'recordEndpoint'], p);
    else if (
      !c.consent.recordEndpoint.startsWith('/') &&
      !c.origins.includes(new URL(c.consent.recordEndpoint).origin)
    ) {
      err(['consent', 'recordEndpoint'], 'must be first-party: a path, or a URL on one of the origins');
    }
  }

  /**
   * Every `{{…}}` in a tag's settings must be a variable reference (an unclosed `{{` or an expression would
   * reach the vendor as text), and a reference should name a variable there is (an unknown one is always empty).
   */
  const templates = (value: unknown, path: Problem['path']): void => {
    if (Array.isArray(value)) for (let i = 0; i < value.length; i++) templates(value[i], [...path, i]);
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) templates(v, [...path, k]);
    if (typeof value !== 'string' || !/\{\{|\}\}/.test(value)) return;
    if (/\{\{|\}\}/.test(value.replace(REF, ''))) {
      err(
        path,
        'a {{ without its }}, or a {{…}} that is not a variable name (letters, digits, _ . $ -); no expressions',
      );
      return;
    }
    for (const name of references(value)) {
      const [root, rest] = [name.split('.')[0], name.slice(name.indexOf('.') + 1)];
      const ok =
        name === 'event' ||
        name === 'eventId' ||
        name === 'timestamp' ||
        (root === 'page' && (PAGE_FACTS as readonly string[]).includes(rest)) ||
        (root === 'dl' && name.length > 3) ||
        (root === 'consent' && cats.has(rest));
      if (!ok) warn(path, `{{${name}}} is no variable, so it is always empty (variables: ${VARIABLES})`);
    }
  };

  const tagIds = new Set<string>();
  c.tags.forEach((t, i) => {
    const at = (...p: Problem['path']) => ['tags', i, ...p];
    if (tagIds.has(t.id)) err(at('id'), `duplicate tag id "${t.id}"`);
    tagIds.add(t.id);
    const cat = cats.get(t.category);
    if (!cat) err(at('category'), unknown(t.category));
    if (cat?.alwaysOn) {
      t.storage.forEach((s, j) => {
        if (s.party === 'third') {
          warn(
            at('storage', j),
            `third-party storage in always-on category "${t.category}": it cannot be strictly necessary`,
          );
        }
      });
    }
    if (t.vendor.privacyPolicy !== undefined) {
      const p = urlProblem(t.vendor.privacyPolicy, { relative: false });
      if (p) err(at('vendor', 'privacyPolicy'), p);
    }
    const checkUrl = (path: Problem['path'], url: string) => {
      const p = urlProblem(url);
      if (p) err(path, p);
    };
    templates(t.settings, at('settings'));
    switch (t.type) {
      case 'pixel':
        checkUrl(at('settings', 'url'), t.settings.url);
        // The request is itself a web beacon: the declaration would otherwise say the tag stores nothing.
        if (!t.storage.some((s) => s.kind === 'pixel')) {
          warn(
            at('storage'),
            'a pixel tag is a web beacon: declare it with a storage item of kind "pixel" (name: its host and path)',
          );
        }
        break;
      case 'script':
        checkUrl(at('settings', 'src'), t.settings.src);
        if (t.settings.src.includes('{{'))
          err(at('settings', 'src'), 'a script URL may not contain variables');
        for (const h of t.settings.integrity.trim().split(/\s+/)) {
          if (!SRI.test(h)) {
            err(
              at('settings', 'integrity'),
              `"${h.slice(0, 20)}" is not a whole sha384- or sha512- SRI hash (a sha384 digest is 64 base64 characters; sha256 and sha1 are refused)`,
            );
          }
        }
        break;
      case 'personalization': {
        checkUrl(at('settings', 'endpoint'), t.settings.endpoint);
        const ids = t.settings.actions.map((a) => a.id);
        if (!ids.includes(t.settings.fallbackAction)) {
          err(
            at('settings', 'fallbackAction'),
            `"${t.settings.fallbackAction}" is not one of the actions (${ids.join(', ')})`,
          );
        }
        break;
      }
      case 'appinsights': {
        // One SDK per page: two instances share its storage names (ai_user, ai_session, AI_buffer_1,
        // AI_sentBuffer_1), so one takes over the other's unsent items and one's withdrawal deletes the other's.
        const first = c.tags.findIndex((x) => x.type === 'appinsights');
        if (first !== i) {
          err(
            at('type'),
            `only one appinsights tag per container (the first is tags.${first}): two would share the SDK's cookies and buffers, so one could send the other's items and withdrawing one would delete the other's cookies`,
          );
        }
        // The connection string as exact keys (the key before the first `=`, trimmed, in any case): a
        // pattern search would also match inside another key (`XIngestionEndpoint=`).
        const fields = t.settings.connectionString.split(';').map((f) => {
          const eq = f.indexOf('=');
          const key = (eq < 0 ? f : f.slice(0, eq)).trim().toLowerCase();
          return [key, eq < 0 ? '' : f.slice(eq + 1)] as const;
        });
        const keys = fields.map(([k]) => k);
        // The SDK keeps the last of a key given twice: the endpoint checked must be the one it uses.
        if (keys.some((k, j) => k && keys.indexOf(k) !== j))
          err(at('settings', 'connectionString'), 'must not give a key twice');
        const value = (key: string) => fields.find(([k]) => k === key)?.[1];
        const ep = value('ingestionendpoint');
        if (ep) checkUrl(at('settings', 'connectionString'), ep);
        if (!/^[0-9a-f-]{36}$/i.test(value('instrumentationkey') ?? '')) {
          err(at('settings', 'connectionString'), 'must hold InstrumentationKey=<GUID>');
        }
        // The full SDK always sets these cookies (the basic SKU sets none); undeclared, the declaration would
        // say the tag stores nothing.
        const missing = (t.settings.sku === 'basic' ? [] : APPINSIGHTS_COOKIES).filter(
          (name) => !t.storage.some((s) => s.kind === 'cookie' && s.name === name),
        );
        if (missing.length) {
          warn(
            at('storage'),
            `the Application Insights SDK sets the cookies ai_user and ai_session: declare ${missing.join(' and ')} (kind "cookie")`,
          );
        }
        break;
      }
    }
  });
  return out;
}
