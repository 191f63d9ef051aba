/**
 * The cookie declaration as data, built from the verified container: per category, each tag's vendor
 * and purpose and every storage item it declares, plus tagwarden's own strictly necessary storage.
 * The banner, the in-page declaration and `tagwarden policy` all render this one model, so what is
 * declared and what fires can never disagree. Owns wording of lifetimes and kinds, in sv and en.
 */
import type { Container, StorageItem } from '../container/schema';

/** Languages the product speaks. */
export type Lang = 'sv' | 'en';

/** One storage item (cookie, web storage key, database or web beacon). */
export interface DeclaredItem {
  name: string;
  kind: StorageItem['kind'];
  /** `Cookie`, `Webbfyr (pixel)` … in the chosen language. */
  kindText: string;
  party: 'first' | 'third';
  partyText: string;
  /** 'session', days, or 'until-replaced' (the stored container). */
  lifetime: 'session' | number | 'until-replaced';
  lifetimeText: string;
  purpose: string;
  /** Who sets it: a tag's vendor, or tagwarden itself. */
  provider: string;
}

/** A tag as the visitor sees it. */
export interface DeclaredTag {
  id: string;
  name: string;
  vendor: string;
  vendorPolicy: string | undefined;
  purpose: string;
  items: DeclaredItem[];
  /**
   * For a paused tag (it cannot fire), the sentence saying so; undefined for one that can. A paused tag
   * stays declared: a grant of its category covers it (the consent fingerprint includes it), so resuming
   * it does not ask again, and the visitor must have been told about it when granting.
   */
  pausedNote: string | undefined;
}

/** A category or marketing purpose with its tags. */
export interface DeclaredCategory {
  id: string;
  label: string;
  description: string;
  alwaysOn: boolean;
  parent: string | undefined;
  tags: DeclaredTag[];
  /** Distinct vendor names of the category's tags. */
  vendors: string[];
}

/** The whole declaration. */
export interface Declaration {
  lang: Lang;
  containerId: string;
  version: number;
  revision: number;
  categories: DeclaredCategory[];
  /** tagwarden's own storage: strictly necessary, first party. */
  own: DeclaredItem[];
}

const T = {
  sv: {
    cookie: 'Cookie',
    localStorage: 'Lokal lagring (localStorage)',
    sessionStorage: 'Sessionslagring (sessionStorage)',
    indexedDB: 'Databas i webbläsaren (IndexedDB)',
    pixel: 'Webbfyr (pixel)',
    first: 'Förstapart',
    third: 'Tredjepart',
    session: 'Session',
    hour: 'timme',
    hours: 'timmar',
    day: 'dag',
    days: 'dagar',
    year: 'år',
    years: 'år',
    untilReplaced: 'Tills en nyare version ersätter den',
    untilSent: 'Tills kvittot har skickats',
    untilNextPage: 'Tills nästa sida har lagt dem i databasen',
    untilEmpty: 'Tills inga händelser väntar',
    untilWithdrawn: 'Tills återkallelsen är genomförd',
    consentPurpose:
      'Sparar ditt val om cookies och när du gjorde det, så att vi inte frågar igen i onödan, med ett slumpat id som kopplar valet till vårt bevis på ditt samtycke.',
    containerPurpose: 'Sparar den senast verifierade, signerade konfigurationen så att sidan startar snabbt.',
    recordsPurpose:
      'Håller ett kvitto på ditt val tills det har skickats till oss, så att vi kan visa vad du valde och när.',
    queuePurpose:
      'Håller händelser som inträffar innan du har valt, så att de bara skickas om och när du samtycker. Töms om du nekar. Det som är äldre än livslängden skickas aldrig och tas bort vid ditt nästa besök.',
    spillPurpose:
      'Håller de senaste väntande händelserna när du lämnar en sida innan de hunnit sparas i databasen. Töms om du nekar.',
    flagPurpose: 'Anger att händelser kan vänta i databasen, så att sidorna inte öppnar den i onödan.',
    withdrawPurpose:
      'Skrivs medan ett återkallat samtycke verkställs (tjänsterna stoppas och deras lagring tas bort) och tas bort när det är klart. Lämnar du sidan innan dess, eller kunde en tjänst inte stoppas, gör nästa sida det som återstår.',
    paused:
      'Pausad: används inte just nu. Den redovisas ändå, eftersom ditt samtycke till kategorin också gäller den om den återupptas.',
  },
  en: {
    cookie: 'Cookie',
    localStorage: 'Local storage (localStorage)',
    sessionStorage: 'Session storage (sessionStorage)',
    indexedDB: 'Browser database (IndexedDB)',
    pixel: 'Web beacon (pixel)',
    first: 'First party',
    third: 'Third party',
    session: 'Session',
    hour: 'hour',
    hours: 'hours',
    day: 'day',
    days: 'days',
    year: 'year',
    years: 'years',
    untilReplaced: 'Until a newer version replaces it',
    untilSent: 'Until the receipt has been sent',
    untilNextPage: 'Until the next page has moved them into the database',
    untilEmpty: 'Until no event is waiting',
    untilWithdrawn: 'Until the withdrawal is complete',
    consentPurpose:
      'Keeps your cookie choice and when you made it, so that you are not asked again needlessly, with a random id that links the choice to our record of your consent.',
    containerPurpose: 'Keeps the last verified, signed configuration so that the page starts quickly.',
    recordsPurpose:
      'Keeps a receipt of your choice until it has been sent to us, so that we can show what you chose and when.',
    queuePurpose:
      'Holds events that happen before you choose, so that they are sent only if and when you consent. Emptied if you refuse. What is older than its lifetime is never sent and is removed on your next visit.',
    spillPurpose:
      'Holds the last waiting events when you leave a page before they were saved in the database. Emptied if you refuse.',
    flagPurpose: 'Says that events may be waiting in the database, so that pages do not open it needlessly.',
    withdrawPurpose:
      'Written while a withdrawal of consent is carried out (the services are stopped and their storage removed), and removed when it is done. If you leave the page before then, or a service could not be stopped, the next page does what is left.',
    paused:
      'Paused: not in use at present. It is listed all the same, because your consent to the category would also cover it if it is resumed.',
  },
} as const;

/** A number in the language's own format: at most one decimal, "1,5" in Swedish, "1.5" in English. */
function formatNumber(n: number, lang: Lang): string {
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 1 }).format(n);
}

/**
 * A lifetime in words: "Session", "1 hour", "25 hours", "1 day", "2,5 dagar", "1 year", "2 years".
 * `lifetime` is in days. Under two days a lifetime that is not a whole number of days is told in whole
 * hours (at least 1); otherwise in days with at most one decimal, or in years when it is a whole number
 * of 365-day years.
 */
export function lifetimeText(lifetime: 'session' | number, lang: Lang): string {
  const t = T[lang];
  if (lifetime === 'session') return t.session;
  const count = (n: number, one: string, many: string) => `${formatNumber(n, lang)} ${n === 1 ? one : many}`;
  const hours = Math.max(1, Math.round(lifetime * 24));
  if (hours < 48 && hours % 24 !== 0) return count(hours, t.hour, t.hours);
  const days = Math.round(lifetime * 10) / 10;
  if (days >= 365 && days % 365 === 0) return count(days / 365, t.year, t.years);
  return count(days, t.day, t.days);
}

/** Builds the declaration of `container` in `lang`. */
export function buildDeclaration(container: Container, lang: Lang): Declaration {
  const t = T[lang];
  const item = (s: Omit<StorageItem, 'purpose'> & { purpose: string }, provider: string): DeclaredItem => ({
    name: s.name,
    kind: s.kind,
    kindText: t[s.kind],
    party: s.party,
    partyText: t[s.party],
    lifetime: s.lifetime,
    lifetimeText: lifetimeText(s.lifetime, lang),
    purpose: s.purpose,
    provider,
  });
  const categories = container.consent.categories.map((c): DeclaredCategory => {
    const tags = container.tags
      .filter((tag) => tag.category === c.id)
      .map(
        (tag): DeclaredTag => ({
          id: tag.id,
          name: tag.name,
          vendor: tag.vendor.name,
          vendorPolicy: tag.vendor.privacyPolicy,
          purpose: tag.purpose?.[lang] ?? '',
          items: tag.storage.map((s) =>
            item({ ...s, purpose: s.purpose?.[lang] ?? tag.purpose?.[lang] ?? '' }, tag.vendor.name),
          ),
          pausedNote: tag.paused ? t.paused : undefined,
        }),
      );
    return {
      id: c.id,
      label: c.label[lang],
      description: c.description[lang],
      alwaysOn: !!c.alwaysOn,
      parent: c.parent,
      tags,
      vendors: [...new Set(tags.map((x) => x.vendor))],
    };
  });
  const { cookie, queue } = container.consent;
  const own: DeclaredItem[] = [
    item(
      {
        kind: 'cookie',
        name: cookie.name,
        party: 'first',
        lifetime: cookie.maxAgeDays,
        purpose: t.consentPurpose,
      },
      'tagwarden',
    ),
    {
      ...item(
        {
          kind: 'localStorage',
          name: 'tagwarden:container:*',
          party: 'first',
          lifetime: 'session',
          purpose: t.containerPurpose,
        },
        'tagwarden',
      ),
      lifetime: 'until-replaced',
      lifetimeText: t.untilReplaced,
    },
  ];
  if (container.consent.recordEndpoint !== undefined) {
    own.push({
      ...item(
        {
          kind: 'localStorage',
          name: 'tagwarden:records',
          party: 'first',
          lifetime: 'session',
          purpose: t.recordsPurpose,
        },
        'tagwarden',
      ),
      lifetime: 'until-replaced',
      lifetimeText: t.untilSent,
    });
  }
  // Set by the dispatcher (tags/dispatch.ts) while it withdraws the tags of a refused category, and
  // removed when done; a page left mid-way, or a script left running, leaves it for the next page.
  if (
    container.tags.some((tag) => !container.consent.categories.find((c) => c.id === tag.category)?.alwaysOn)
  ) {
    own.push({
      ...item(
        {
          kind: 'localStorage',
          name: 'tagwarden:withdraw',
          party: 'first',
          lifetime: 'session',
          purpose: t.withdrawPurpose,
        },
        'tagwarden',
      ),
      lifetime: 'until-replaced',
      lifetimeText: t.untilWithdrawn,
    });
  }
  if (queue.storage === 'indexeddb') {
    own.push(
      item(
        {
          kind: 'indexedDB',
          name: 'tagwarden',
          party: 'first',
          lifetime: queue.ttlHours / 24,
          purpose: t.queuePurpose,
        },
        'tagwarden',
      ),
      {
        ...item(
          {
            kind: 'localStorage',
            name: 'tagwarden:queue:*',
            party: 'first',
            lifetime: 'session',
            purpose: t.spillPurpose,
          },
          'tagwarden',
        ),
        lifetime: 'until-replaced',
        lifetimeText: t.untilNextPage,
      },
      {
        ...item(
          {
            kind: 'localStorage',
            name: 'tagwarden:queue',
            party: 'first',
            lifetime: 'session',
            purpose: t.flagPurpose,
          },
          'tagwarden',
        ),
        lifetime: 'until-replaced',
        lifetimeText: t.untilEmpty,
      },
    );
  }
  return {
    lang,
    containerId: container.id,
    version: container.version,
    revision: container.consent.revision,
    categories,
    own,
  };
}
