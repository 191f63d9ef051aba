/**
 * The consent UI's words in Swedish and English, the container's per-field overrides
 * (`consent.ui.texts`), and the text version: a hash of exactly what the visitor is shown, which
 * proof-of-consent records carry. Category labels and descriptions come from the container.
 */
import { buildDeclaration } from '../declaration/build';
import type { UiHost } from './host';

const sv = {
  title: 'Ditt val om cookies',
  body:
    'Vi använder cookies och liknande tekniker. De nödvändiga behövs för att webbplatsen ska fungera. ' +
    'Övriga, för statistik, funktioner och marknadsföring (en del via våra partner), använder vi bara ' +
    'om du tillåter det. Du kan ändra dig när som helst.',
  acceptAll: 'Acceptera alla',
  rejectAll: 'Neka alla',
  settings: 'Inställningar',
  save: 'Spara val',
  close: 'Stäng utan att välja',
  prefsTitle: 'Cookieinställningar',
  prefsBody:
    'Välj vad vi får använda. Allt som är valfritt är avstängt tills du slår på det, och du kan ändra dig när som helst.',
  alwaysOn: 'Alltid på',
  vendors: 'Leverantörer',
  none: 'inga',
  privacy: 'Integritetspolicy',
  cookies: 'Cookiepolicy',
  yourChoice: 'Ditt val',
  change: 'Ändra dina val',
  granted: 'Tillåten',
  denied: 'Nekad',
  pending: 'Inget val ännu',
  vendor: 'Leverantör',
  name: 'Namn',
  kind: 'Typ',
  party: 'Part',
  lifetime: 'Lagringstid',
  purpose: 'Syfte',
  storage: 'Lagring',
  noStorage: 'Sparar inget på din enhet.',
  own: 'Samtyckeshanteringens egen lagring (nödvändig)',
};

/** Every text the UI shows, by field. */
export type Texts = typeof sv;

const en: Texts = {
  title: 'Your choice about cookies',
  body:
    'We use cookies and similar techniques. The necessary ones keep the site working. The others, for ' +
    'statistics, features and marketing (some through our partners), we use only if you allow it. ' +
    'You can change your mind at any time.',
  acceptAll: 'Accept all',
  rejectAll: 'Reject all',
  settings: 'Settings',
  save: 'Save choices',
  close: 'Close without choosing',
  prefsTitle: 'Cookie settings',
  prefsBody:
    'Choose what we may use. Everything optional stays off until you switch it on, and you can change your mind at any time.',
  alwaysOn: 'Always on',
  vendors: 'Vendors',
  none: 'none',
  privacy: 'Privacy policy',
  cookies: 'Cookie policy',
  yourChoice: 'Your choice',
  change: 'Change your choices',
  granted: 'Allowed',
  denied: 'Refused',
  pending: 'Not chosen yet',
  vendor: 'Vendor',
  name: 'Name',
  kind: 'Type',
  party: 'Party',
  lifetime: 'Duration',
  purpose: 'Purpose',
  storage: 'Storage',
  noStorage: 'Stores nothing on your device.',
  own: 'Storage used by consent management (strictly necessary)',
};

/** The built-in texts of each language. */
export const TEXTS = { sv, en };

/** The texts in `host.lang`: built-in, with the container's overrides for that language applied. */
export function textsFor(host: UiHost): Texts {
  const t = { ...TEXTS[host.lang] };
  const over = host.container.consent.ui?.texts ?? {};
  for (const k in over) {
    const v = over[k as keyof typeof over]?.[host.lang];
    if (v) t[k as keyof Texts] = v;
  }
  return t;
}

/** 32-bit FNV-1a of the UTF-8 bytes of `s`, as 8 hex digits. */
export function fnv1a(s: string): string {
  let x = 0x811c9dc5;
  for (const b of new TextEncoder().encode(s)) x = Math.imul(x ^ b, 0x01000193);
  return (x >>> 0).toString(16).padStart(8, '0');
}

/**
 * The text version: FNV-1a of the JSON of [language, texts, each category's id, label, description
 * and vendors], i.e. every word the banner and the preference centre can show.
 */
export function textVersion(host: UiHost, t: Texts = textsFor(host)): string {
  const d = buildDeclaration(host.container, host.lang);
  return fnv1a(
    JSON.stringify([host.lang, t, d.categories.map((c) => [c.id, c.label, c.description, c.vendors])]),
  );
}
