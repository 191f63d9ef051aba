/**
 * Variables a trigger condition or a template can read: `event`, `eventId`, `timestamp`,
 * `page.url|path|hostname|referrer|title`, `dl.<model path>` and `consent.<category>`.
 * Owns the event context a tag receives (also what the queue stores) and name resolution.
 */
import { getParts } from '../datalayer/path';
import { navigations } from '../lib/navigation';

/** The page facts a `page.<fact>` variable reads (validation lists them; rules.ts). */
export const PAGE_FACTS = ['url', 'path', 'hostname', 'referrer', 'title'] as const;

/** Page facts captured when the event happened. */
export type PageInfo = Record<(typeof PAGE_FACTS)[number], string>;

/** Everything a tag may read about one event; a held or stored event carries a snapshot of it. */
export interface EventContext {
  /** Event name. */
  name: string;
  /** Random id, the same for every tag and on replay (vendors de-duplicate by it). */
  id: string;
  /** When the event happened, ms since epoch; kept on replay. */
  time: number;
  /** The model (live, or a snapshot of the paths the tag reads). */
  model: Record<string, unknown>;
  page: PageInfo;
  /** True when the event is delivered after a later grant rather than when it happened. */
  replay?: boolean;
}

/** Captures the page facts now. */
export function pageInfo(): PageInfo {
  // Every event needs these and Location's getters are slow, so they are read again only after a
  // same-document navigation (a title changed without one shows from the next navigation on).
  const at = navigations();
  if (!page || pageAt !== at) {
    pageAt = at;
    page = {
      url: location.href,
      path: location.pathname,
      hostname: location.hostname,
      referrer: document.referrer,
      title: document.title,
    };
  }
  return page;
}
let page: PageInfo | undefined;
let pageAt = 0;

/**
 * `dl.` variable names split into path segments, once per name (a replay reads the same few names for
 * every event). Names come from the verified container's settings and triggers; the bound is only a guard.
 */
const dlPaths = new Map<string, string[]>();

/** The model path a `dl.` variable name reads: `dl.ecommerce.value` → `['ecommerce', 'value']` (shared: read only). */
export function dlPath(name: string): readonly string[] {
  let parts = dlPaths.get(name);
  if (!parts) {
    parts = name.slice(3).split('.');
    if (dlPaths.size < 512) dlPaths.set(name, parts);
  }
  return parts;
}

/** The value of variable `name` for `ev`; `consent` supplies `consent.<category>`. */
export function getVariable(name: string, ev: EventContext, consent?: (category: string) => string): unknown {
  switch (name) {
    case 'event':
      return ev.name;
    case 'eventId':
      return ev.id;
    case 'timestamp':
      return ev.time;
  }
  if (name.startsWith('dl.')) return getParts(ev.model, dlPath(name));
  if (name.startsWith('page.')) {
    const k = name.slice(5) as keyof PageInfo;
    return Object.hasOwn(ev.page, k) ? ev.page[k] : undefined;
  }
  if (name.startsWith('consent.')) return consent?.(name.slice(8));
  return undefined;
}
