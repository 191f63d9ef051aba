/**
 * The wording of the cookie policy page, in Swedish and English. Owns every sentence `tagwarden policy`
 * writes; the names of kinds, parties and lifetimes come from the declaration model (declaration/build.ts).
 * Section structure after a real Swedish cookie policy: what the techniques are, session vs persistent and
 * first vs third party, why by category, marketing purposes in detail, how the visitor controls them.
 */
import type { Lang } from '../declaration/build';

/** Keys of the page's sections, in order; also their HTML ids. */
export const SECTION_KEYS = ['what', 'kinds', 'why', 'marketing', 'control', 'declaration', 'about'] as const;
export type SectionKey = (typeof SECTION_KEYS)[number];

/** Keys of the sub-headings of "How you control cookies", in order. */
export const CONTROL_KEYS = ['settings', 'withdraw', 'before', 'browser'] as const;
export type ControlKey = (typeof CONTROL_KEYS)[number];

/** Counts of the declared items, for the sentence in "kinds". */
export interface Tally {
  total: number;
  session: number;
  persistent: number;
  first: number;
  third: number;
}

export interface PolicyTexts {
  title(site: string | undefined): string;
  /** The site in running text when no name is given. */
  thisSite: string;
  settingsLink: string;
  headings: Record<SectionKey, string>;
  control: Record<ControlKey, string>;
  intro(site: string): string;
  introConsent: string;
  privacyPolicyBefore: string;
  privacyPolicyLink: string;
  privacyPolicyAfter: string;
  // what
  whatCookie: string;
  techniques: { term: string; text: string }[];
  usedHere: string;
  // kinds
  kindsIntro: string;
  kinds: { term: string; text: string }[];
  tally(t: Tally): string;
  // why
  whyIntro: string;
  alwaysOn: string;
  optional: string;
  hasPurposes(label: string, marketingHeading: string): string;
  ownStorage: string;
  /** Heading of the consent tool's own storage when no always-on category lists it (as the in-page declaration). */
  ownHeading: string;
  /** What that section holds. */
  ownOnly: string;
  services: string;
  noServices: string;
  vendors: string;
  // marketing
  purposesIntro(parent: string): string;
  noPurposes: string;
  noPurposeServices: string;
  // control
  banner: string;
  settingsBefore(settings: string): string;
  rememberBefore(lifetime: string): string;
  rememberAfter: string;
  gpc: string;
  withdraw(settings: string): string;
  thirdParty: string;
  reload: string;
  noReload: string;
  queueDevice(lifetime: string): string;
  queueMemory: string;
  browser: string;
  browserBlockAll: string;
  // declaration
  declarationIntro: string;
  columns: [string, string, string, string, string, string];
  emptyCategory: string;
  emptyParent: string;
  storesNothing(count: number): string;
  // about
  about(id: string, version: number, revision: number): string;
  aboutSame: string;
}

const en: PolicyTexts = {
  title: (site) => (site ? `Cookie policy – ${site}` : 'Cookie policy'),
  thisSite: 'this website',
  settingsLink: 'Cookie settings',
  headings: {
    what: 'Cookies and similar techniques',
    kinds: 'Session and persistent cookies, first and third party',
    why: 'Why we use cookies',
    marketing: 'Marketing purposes in detail',
    control: 'How you control cookies',
    declaration: 'Cookie declaration',
    about: 'About this policy',
  },
  control: {
    settings: 'Your choice and the cookie settings',
    withdraw: 'Withdrawing consent',
    before: 'Before you have chosen',
    browser: 'Browser settings',
  },
  intro: (site) =>
    `This policy describes the cookies and similar techniques used on ${site}: what they are, why we use them and how you decide which of them we may use.`,
  introConsent:
    'We use strictly necessary cookies without asking. All others are used only if you agree, and you can change your mind at any time.',
  privacyPolicyBefore: 'How we handle personal data in general is described in our ',
  privacyPolicyLink: 'privacy policy',
  privacyPolicyAfter: '.',
  whatCookie:
    'A cookie is a small text file that a website asks your browser to save and to send back with later requests. Websites also use other techniques that store or read information on your device. The law treats them the same way as cookies, and so does this policy: when we say cookies, we mean all of them.',
  techniques: [
    {
      term: 'Web beacons (pixels)',
      text: 'tiny, usually invisible images or requests to another server that report that a page was viewed or that something happened, such as a purchase. They can also read and set that server’s cookies.',
    },
    {
      term: 'Local storage (localStorage)',
      text: 'data the browser keeps for a website until it is deleted.',
    },
    {
      term: 'Session storage (sessionStorage)',
      text: 'like local storage, but for one browser tab only; it is removed when the tab is closed.',
    },
    {
      term: 'Browser database (IndexedDB)',
      text: 'a database in the browser for larger amounts of structured data.',
    },
  ],
  usedHere: 'This site uses: ',
  kindsIntro: 'Cookies differ in how long they stay on your device and in who sets them.',
  kinds: [
    {
      term: 'Session cookies',
      text: 'are deleted when you close the browser. Session storage works the same way for a single tab.',
    },
    {
      term: 'Persistent cookies',
      text: 'stay on your device for a set time, shown as the lifetime in the declaration below, or until you delete them. They let a site recognise your browser on a later visit.',
    },
    {
      term: 'First-party cookies',
      text: 'belong to the domain of the site you are visiting. A partner’s script running on the page can still set them; the declaration names the provider of each one.',
    },
    {
      term: 'Third-party cookies',
      text: 'are set by another company’s domain, for example an ad network whose code or image is on the page. That company can read them on every site where it is present, and so recognise your browser across sites.',
    },
  ],
  tally: (t) =>
    `The declaration below lists ${t.total} items: ${t.session} session and ${t.persistent} persistent, ${t.first} first-party and ${t.third} third-party.`,
  whyIntro:
    'We group cookies by what they are for. Each category below says what it is used for, whether it needs your consent and which services use it.',
  alwaysOn:
    'Strictly necessary, and therefore always on. Storage that is strictly necessary to provide the service you ask for is exempt from the consent requirement, so it cannot be switched off in the cookie settings.',
  optional: 'Used only with your consent, and off until you agree.',
  hasPurposes: (label, heading) =>
    `This category is divided into purposes, described under “${heading}”. Accepting “${label}” accepts all of its purposes; you can also accept each purpose on its own.`,
  ownStorage: 'It includes the storage of the site’s consent tool, tagwarden, which remembers your choice.',
  ownHeading: 'Storage used by consent management (strictly necessary)',
  ownOnly:
    'The site’s consent tool, tagwarden, stores what it needs to remember your choice and to carry it out.',
  services: 'Services:',
  noServices: 'No services use this category at present.',
  vendors: 'Vendors and their privacy policies: ',
  purposesIntro: (parent) =>
    `“${parent}” is divided into the purposes below. You can accept “${parent}” as a whole, which accepts all of its purposes, or each purpose on its own. Each purpose is off until you agree.`,
  noPurposes: 'This site uses no separate marketing purposes.',
  noPurposeServices: 'No services use this purpose at present.',
  banner:
    'On your first visit we ask which categories you accept. Rejecting is as easy as accepting, nothing optional is switched on in advance, and closing the question without choosing is not consent.',
  settingsBefore: (settings) =>
    `You can change your choice or withdraw your consent at any time with the “${settings}” link on every page, or with this button:`,
  rememberBefore: (lifetime) => `We remember your choice, a refusal too, for ${lifetime} in the cookie `,
  rememberAfter:
    '. After that, or if we start using new purposes or vendors that need your consent, we ask again.',
  gpc: 'If your browser sends the Global Privacy Control signal, we treat marketing as refused until you choose otherwise.',
  withdraw: (settings) =>
    `Withdrawing consent is as easy as giving it: open “${settings}” and switch the category off, or reject all. From then on, the category’s services receive no more information from this site, events waiting to be sent to them are deleted, and the cookies and storage they placed on this site’s own domain are removed.`,
  thirdParty:
    'Third-party cookies belong to the other company’s domain, so we cannot remove them from here. Delete them in your browser, or use the vendor’s own privacy settings.',
  reload:
    'If a service’s script is already running and cannot be stopped, the page reloads so that it stops.',
  noReload:
    'A service’s script that is already running on the open page gets no further events from us, but it stops completely only when you leave or reload the page.',
  queueDevice: (lifetime) =>
    `Until you choose, nothing is sent to services that need your consent, and none of them can store anything on your device. So that a page view or a purchase before your answer is not lost, events are held on your device, in the browser database, for at most ${lifetime}. No identifier is created for you before you agree, and if you refuse, the held events are deleted.`,
  queueMemory:
    'Until you choose, nothing is sent to services that need your consent, and none of them can store anything on your device. Events from before your answer are held only in the open page’s memory, never on your device, and are lost when you leave the page. If you refuse, they are deleted.',
  browser:
    'You can also control cookies in your browser’s settings: block all cookies, block only third-party cookies, delete cookies when you close the browser, or delete those already stored. The same settings usually cover local storage and similar techniques, often under “site data”. How to do it depends on the browser; its help pages explain it.',
  browserBlockAll:
    'If you block all cookies, we cannot remember your choice and will ask again on every visit, and parts of the site may not work.',
  declarationIntro:
    'Every cookie and similar technique the site can use, by category. A * in a name stands for any characters, for example a number that differs between visitors.',
  columns: ['Name', 'Provider', 'Kind', 'Party', 'Lifetime', 'Purpose'],
  emptyCategory: 'Nothing in this category is stored on or read from your device.',
  emptyParent: 'Listed under each of its purposes below.',
  storesNothing: (n) =>
    n === 1
      ? 'This service stores nothing on your device: '
      : 'These services store nothing on your device: ',
  about: (id, version, revision) =>
    `This page was generated by tagwarden from the signed container that controls what the site loads: container ${id}, version ${version}, policy revision ${revision}.`,
  aboutSame:
    'The consent question, the cookie settings and this policy all come from that one container, so they describe exactly what the site can use.',
};

const sv: PolicyTexts = {
  title: (site) => (site ? `Cookiepolicy – ${site}` : 'Cookiepolicy'),
  thisSite: 'den här webbplatsen',
  settingsLink: 'Cookieinställningar',
  headings: {
    what: 'Cookies och liknande tekniker',
    kinds: 'Sessionscookies och varaktiga cookies, förstaparts- och tredjepartscookies',
    why: 'Varför vi använder cookies',
    marketing: 'Marknadsföringens ändamål i detalj',
    control: 'Så bestämmer du över cookies',
    declaration: 'Förteckning över cookies',
    about: 'Om den här policyn',
  },
  control: {
    settings: 'Ditt val och cookieinställningarna',
    withdraw: 'Återkalla samtycke',
    before: 'Innan du har valt',
    browser: 'Webbläsarens inställningar',
  },
  intro: (site) =>
    `Den här policyn beskriver de cookies och liknande tekniker som används på ${site}: vad de är, varför vi använder dem och hur du bestämmer vilka av dem vi får använda.`,
  introConsent:
    'Nödvändiga cookies använder vi utan att fråga. Alla andra används bara om du samtycker, och du kan ändra dig när som helst.',
  privacyPolicyBefore: 'Hur vi i övrigt behandlar personuppgifter beskriver vi i vår ',
  privacyPolicyLink: 'integritetspolicy',
  privacyPolicyAfter: '.',
  whatCookie:
    'En cookie är en liten textfil som en webbplats ber din webbläsare att spara och skicka tillbaka vid senare anrop. Webbplatser använder också andra tekniker som lagrar eller läser information på din enhet. Lagen behandlar dem på samma sätt som cookies, och det gör även den här policyn: när vi skriver cookies menar vi alla dessa tekniker.',
  techniques: [
    {
      term: 'Webbfyrar (pixlar)',
      text: 'små, oftast osynliga bilder eller anrop till en annan server som talar om att en sida har visats eller att något har hänt, till exempel ett köp. De kan också läsa och sätta den serverns cookies.',
    },
    {
      term: 'Lokal lagring (localStorage)',
      text: 'uppgifter som webbläsaren sparar åt en webbplats tills de raderas.',
    },
    {
      term: 'Sessionslagring (sessionStorage)',
      text: 'som lokal lagring, men bara för en flik; uppgifterna försvinner när fliken stängs.',
    },
    {
      term: 'Databas i webbläsaren (IndexedDB)',
      text: 'en databas i webbläsaren för större mängder strukturerade uppgifter.',
    },
  ],
  usedHere: 'Den här webbplatsen använder: ',
  kindsIntro: 'Cookies skiljer sig åt i hur länge de finns kvar på din enhet och i vem som sätter dem.',
  kinds: [
    {
      term: 'Sessionscookies',
      text: 'raderas när du stänger webbläsaren. Sessionslagring fungerar likadant, men för en enskild flik.',
    },
    {
      term: 'Varaktiga cookies',
      text: 'ligger kvar på din enhet under en bestämd tid, den livslängd som anges i förteckningen nedan, eller tills du själv tar bort dem. De gör att en webbplats kan känna igen din webbläsare vid ett senare besök.',
    },
    {
      term: 'Förstapartscookies',
      text: 'hör till domänen för den webbplats du besöker. De kan ändå sättas av en partners skript som körs på sidan; förteckningen anger vem som står bakom varje post.',
    },
    {
      term: 'Tredjepartscookies',
      text: 'sätts av ett annat företags domän, till exempel ett annonsnätverk vars kod eller bild finns på sidan. Företaget kan läsa dem på alla webbplatser där det finns med och på så sätt känna igen din webbläsare mellan olika webbplatser.',
    },
  ],
  tally: (t) =>
    `Förteckningen nedan omfattar ${t.total} poster: ${t.session} som bara finns under sessionen och ${t.persistent} varaktiga, ${t.first} från förstapart och ${t.third} från tredjepart.`,
  whyIntro:
    'Vi delar in cookies efter vad de används till. För varje kategori nedan står vad den används till, om den kräver ditt samtycke och vilka tjänster som använder den.',
  alwaysOn:
    'Nödvändiga och därför alltid på. Lagring som är nödvändig för att leverera den tjänst du efterfrågar är undantagen från kravet på samtycke, så den går inte att stänga av i cookieinställningarna.',
  optional: 'Används bara med ditt samtycke och är avstängda tills du samtycker.',
  hasPurposes: (label, heading) =>
    `Kategorin är uppdelad i ändamål som beskrivs under ”${heading}”. Om du godkänner ”${label}” godkänner du alla dess ändamål; du kan också godkänna varje ändamål för sig.`,
  ownStorage: 'Hit hör lagringen för webbplatsens samtyckesverktyg, tagwarden, som kommer ihåg ditt val.',
  ownHeading: 'Samtyckeshanteringens egen lagring (nödvändig)',
  ownOnly:
    'Webbplatsens samtyckesverktyg, tagwarden, lagrar det som behövs för att komma ihåg ditt val och verkställa det.',
  services: 'Tjänster:',
  noServices: 'Inga tjänster använder den här kategorin just nu.',
  vendors: 'Leverantörer och deras integritetspolicyer: ',
  purposesIntro: (parent) =>
    `”${parent}” är uppdelad i ändamålen nedan. Du kan godkänna ”${parent}” i sin helhet, vilket godkänner alla ändamål, eller varje ändamål för sig. Varje ändamål är avstängt tills du samtycker.`,
  noPurposes: 'Webbplatsen använder inga separata marknadsföringsändamål.',
  noPurposeServices: 'Inga tjänster använder det här ändamålet just nu.',
  banner:
    'Vid ditt första besök frågar vi vilka kategorier du godkänner. Det är lika enkelt att neka som att godkänna, inget valfritt är förvalt, och att stänga frågan utan att välja räknas inte som samtycke.',
  settingsBefore: (settings) =>
    `Du kan när som helst ändra ditt val eller återkalla ditt samtycke via länken ”${settings}” som finns på varje sida, eller med den här knappen:`,
  rememberBefore: (lifetime) => `Vi kommer ihåg ditt val, även ett nej, i ${lifetime} i cookien `,
  rememberAfter:
    '. Därefter, eller om vi börjar använda nya ändamål eller leverantörer som kräver ditt samtycke, frågar vi igen.',
  gpc: 'Om din webbläsare skickar signalen Global Privacy Control behandlar vi marknadsföring som nekad tills du väljer något annat.',
  withdraw: (settings) =>
    `Det är lika enkelt att återkalla ett samtycke som att ge det: öppna ”${settings}” och stäng av kategorin, eller neka alla. Därefter får kategorins tjänster ingen mer information från webbplatsen, händelser som väntar på att skickas till dem raderas, och de cookies och den lagring de har lagt på webbplatsens egen domän tas bort.`,
  thirdParty:
    'Tredjepartscookies hör till det andra företagets domän, så dem kan vi inte ta bort härifrån. Radera dem i din webbläsare, eller använd leverantörens egna integritetsinställningar.',
  reload: 'Om en tjänsts skript redan körs och inte går att stoppa laddas sidan om så att det upphör.',
  noReload:
    'En tjänsts skript som redan körs på den öppna sidan får inga fler händelser från oss, men upphör helt först när du lämnar sidan eller laddar om den.',
  queueDevice: (lifetime) =>
    `Innan du har valt skickas ingenting till tjänster som kräver ditt samtycke, och ingen av dem kan lagra något på din enhet. För att en sidvisning eller ett köp före ditt svar inte ska gå förlorat sparas händelserna på din enhet, i webbläsarens databas, i högst ${lifetime}. Ingen identifierare skapas för dig innan du samtycker, och om du nekar raderas de sparade händelserna.`,
  queueMemory:
    'Innan du har valt skickas ingenting till tjänster som kräver ditt samtycke, och ingen av dem kan lagra något på din enhet. Händelser från tiden före ditt svar hålls bara i den öppna sidans minne, aldrig på din enhet, och försvinner när du lämnar sidan. Om du nekar raderas de.',
  browser:
    'Du kan också styra cookies i webbläsarens inställningar: blockera alla cookies, blockera bara tredjepartscookies, radera cookies när du stänger webbläsaren eller radera dem som redan har sparats. Samma inställningar gäller oftast även lokal lagring och liknande tekniker, ofta under ”webbplatsdata”. Hur du gör beror på webbläsaren; dess hjälpsidor beskriver det.',
  browserBlockAll:
    'Om du blockerar alla cookies kan vi inte komma ihåg ditt val och frågar därför igen vid varje besök, och delar av webbplatsen kanske inte fungerar.',
  declarationIntro:
    'Alla cookies och liknande tekniker som webbplatsen kan använda, per kategori. En * i ett namn står för valfria tecken, till exempel ett nummer som skiljer sig mellan besökare.',
  columns: ['Namn', 'Leverantör', 'Typ', 'Förstapart eller tredjepart', 'Livslängd', 'Ändamål'],
  emptyCategory: 'Inget i den här kategorin lagras på eller läses från din enhet.',
  emptyParent: 'Redovisas under vart och ett av dess ändamål nedan.',
  storesNothing: (n) =>
    n === 1
      ? 'Den här tjänsten lagrar ingenting på din enhet: '
      : 'De här tjänsterna lagrar ingenting på din enhet: ',
  about: (id, version, revision) =>
    `Sidan har tagits fram av tagwarden ur den signerade container som styr vad webbplatsen laddar: container ${id}, version ${version}, policyrevision ${revision}.`,
  aboutSame:
    'Frågan om samtycke, cookieinställningarna och den här policyn kommer alla från samma container och beskriver därför exakt vad webbplatsen kan använda.',
};

/** The policy's wording in `lang`. */
export const POLICY_TEXTS: Record<Lang, PolicyTexts> = { sv, en };
