/**
 * The container schema, defined once with zod/mini: the TypeScript types, the runtime check and
 * containers/container.schema.json are all derived from it. Owns structure and per-field rules.
 * Cross-field rules (unknown categories, duplicate ids, ISO regions, SRI policy) live in rules.ts;
 * field documentation for the JSON Schema lives in json-schema.ts so that the runtime does not ship it.
 */
import * as z from 'zod/mini';
import { SCHEMA_VERSION } from './version';

export { SCHEMA_VERSION };

const nonEmpty = z.string().check(z.minLength(1), z.maxLength(2000));
const id = z.string().check(z.regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/));

/**
 * A URL the runtime may load or call: absolute `https:`, `http:` only on localhost / 127.0.0.1
 * (development), or a root-relative path on the site's own origin. The allowed forms are checked in
 * rules.ts with a message that says which; the schema only bounds the string.
 */
const url = z.string().check(z.minLength(1), z.maxLength(4096));

/** Text in both languages the product speaks. */
const text = z.strictObject({ sv: nonEmpty, en: nonEmpty });
/** Text where each language may be overridden independently. */
const partialText = z.strictObject({ sv: z.optional(nonEmpty), en: z.optional(nonEmpty) });

/** Consent Mode v2 types a gtag `consent` command may carry. */
export const CONSENT_MODE_TYPES = [
  'ad_storage',
  'ad_user_data',
  'ad_personalization',
  'analytics_storage',
  'functionality_storage',
  'personalization_storage',
  'security_storage',
] as const;
const consentModeType = z.enum(CONSENT_MODE_TYPES);

const category = z.strictObject({
  id,
  label: text,
  description: text,
  /** Strictly necessary: always granted, never asked for, cannot be refused. */
  alwaysOn: z.optional(z.boolean()),
  /** Parent category of a purpose (e.g. `marketing` for `marketing.advertising`). */
  parent: z.optional(id),
  /** Consent Mode v2 types that together grant this category from a gtag `consent` command. */
  consentMode: z.optional(z.array(consentModeType)),
});

/** ISO 3166-1 alpha-2 or ISO 3166-2 subdivision code; membership is checked in rules.ts. */
const region = z.string().check(z.regex(/^[A-Z]{2}(-[A-Z0-9]{1,3})?$/));
const decision = z.enum(['granted', 'denied']);

const consentDefaults = z.strictObject({
  /** Where this default applies (from the snippet's `data-region`); absent means everywhere. */
  region: z.optional(z.array(region).check(z.minLength(1))),
  /** Category id → default; a `denied` or unnamed optional category is pending (asked) until decided. */
  categories: z.record(id, decision),
});

const cookieSettings = z.strictObject({
  name: z.string().check(z.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  maxAgeDays: z.int().check(z.minimum(1), z.maximum(400)),
  domain: z.optional(z.string().check(z.regex(/^\.?[a-z0-9.-]+$/))),
});

const queueSettings = z.strictObject({
  storage: z.enum(['indexeddb', 'memory']),
  ttlHours: z.number().check(z.positive(), z.maximum(24 * 30)),
  maxEntries: z.int().check(z.minimum(1), z.maximum(100_000)),
  maxEventBytes: z.int().check(z.minimum(256), z.maximum(1_048_576)),
});

const uiTexts = z.strictObject({
  title: z.optional(partialText),
  body: z.optional(partialText),
  acceptAll: z.optional(partialText),
  rejectAll: z.optional(partialText),
  settings: z.optional(partialText),
  save: z.optional(partialText),
});

const uiSettings = z.strictObject({
  enabled: z.boolean(),
  position: z.optional(z.enum(['bottom', 'bottom-left', 'bottom-right', 'center'])),
  /** `auto` reads the page's `lang`. */
  language: z.optional(z.enum(['auto', 'sv', 'en'])),
  privacyPolicyUrl: z.optional(partialText),
  cookiePolicyUrl: z.optional(partialText),
  texts: z.optional(uiTexts),
  theme: z.optional(z.record(z.string().check(z.regex(/^--tw-[a-z0-9-]{1,40}$/)), nonEmpty)),
});

const consentSettings = z.strictObject({
  /** Bumped by the site when its policy text changes in a way that requires asking again. */
  revision: z.int().check(z.minimum(1)),
  categories: z.array(category).check(z.minLength(1), z.maxLength(64)),
  defaults: z.array(consentDefaults).check(z.maxLength(64)),
  /** Honour Global Privacy Control: marketing is denied by default when the browser sends it. */
  gpc: z.optional(z.boolean()),
  cookie: cookieSettings,
  queue: queueSettings,
  ui: z.optional(uiSettings),
  /** First-party endpoint receiving proof-of-consent records. */
  recordEndpoint: z.optional(url),
  /** Reload the page on withdrawal when a running script cannot be stopped. */
  reloadOnWithdrawal: z.optional(z.boolean()),
});

/** Operators of a trigger condition. */
export const CONDITION_OPS = [
  'equals',
  'notEquals',
  'contains',
  'startsWith',
  'endsWith',
  'matches',
  'eq',
  'ne',
  'gt',
  'gte',
  'lt',
  'lte',
  'exists',
] as const;

const condition = z.strictObject({
  /** A variable name such as `dl.ecommerce.value`, `page.path` or `event`. */
  variable: z.string().check(z.minLength(1), z.maxLength(200)),
  op: z.enum(CONDITION_OPS),
  value: z.optional(z.union([z.string().check(z.maxLength(1000)), z.number(), z.boolean()])),
  negate: z.optional(z.boolean()),
});

const trigger = z.strictObject({
  /** An event name, a list of names, or `*` for every event. */
  event: z.union([nonEmpty, z.array(nonEmpty).check(z.minLength(1))]),
  /** All must hold. */
  conditions: z.optional(z.array(condition)),
});

const storageItem = z.strictObject({
  kind: z.enum(['cookie', 'localStorage', 'sessionStorage', 'indexedDB', 'pixel']),
  /** Exact name, or a pattern with `*` wildcards (`_pk_id.*`). */
  name: nonEmpty,
  party: z.enum(['first', 'third']),
  /** `session`, or the lifetime in days. */
  lifetime: z.union([z.literal('session'), z.number().check(z.positive())]),
  purpose: z.optional(text),
});

const vendor = z.strictObject({
  name: nonEmpty,
  privacyPolicy: z.optional(url),
});

const tagBase = {
  id,
  name: nonEmpty,
  vendor,
  category: id,
  purpose: z.optional(text),
  triggers: z.array(trigger).check(z.minLength(1)),
  exceptions: z.optional(z.array(trigger)),
  storage: z.array(storageItem),
  /** Turned off without removing it from the container. */
  paused: z.optional(z.boolean()),
};

/** A templated value: strings may hold `{{variable}}` references; objects and arrays nest. */
type Templated = string | number | boolean | null | Templated[] | { [key: string]: Templated };
const templated: z.ZodMiniType<Templated> = z.union([
  z.string().check(z.maxLength(4096)),
  z.number(),
  z.boolean(),
  z.null(),
  z.array(z.lazy(() => templated)),
  z.record(
    z.string(),
    z.lazy(() => templated),
  ),
]);

const functionCall = z.strictObject({
  /** Global function path, e.g. `fbq` or `analytics.track`; resolved by path, never evaluated. */
  function: z.string().check(z.regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/)),
  args: z.array(templated),
});

const pixelTag = z.strictObject({
  ...tagBase,
  type: z.literal('pixel'),
  settings: z.strictObject({
    url,
    transport: z.optional(z.enum(['image', 'beacon'])),
  }),
});

const scriptTag = z.strictObject({
  ...tagBase,
  type: z.literal('script'),
  settings: z.strictObject({
    src: url,
    integrity: nonEmpty,
    /** Called once after the script loaded. */
    init: z.optional(functionCall),
    /** Called for every event the tag receives. */
    call: z.optional(functionCall),
    /** Globals the script creates, removed on withdrawal where possible. */
    globals: z.optional(z.array(z.string().check(z.regex(/^[A-Za-z_$][\w$]*$/)))),
  }),
});

const appInsightsTag = z.strictObject({
  ...tagBase,
  type: z.literal('appinsights'),
  settings: z.strictObject({
    connectionString: nonEmpty,
    sku: z.optional(z.enum(['full', 'basic'])),
    cloudRole: z.optional(nonEmpty),
    samplingPercentage: z.optional(z.number().check(z.minimum(0), z.maximum(100))),
    autoCollect: z.optional(
      z.strictObject({
        ajax: z.optional(z.boolean()),
        fetch: z.optional(z.boolean()),
        exceptions: z.optional(z.boolean()),
        routes: z.optional(z.boolean()),
      }),
    ),
    /** Events sent as page views (`trackPageView`); all others become `trackEvent`. */
    pageEvents: z.optional(z.array(nonEmpty)),
    /** Custom properties: name → templated value. */
    properties: z.optional(z.record(z.string(), templated)),
  }),
});

const personalizationTag = z.strictObject({
  ...tagBase,
  type: z.literal('personalization'),
  settings: z.strictObject({
    /** Base URL of a Personalizer-compatible service (`.../personalizer/v1.0`), the site's own backend. */
    endpoint: url,
    /** Name the chosen action is published under. */
    slot: nonEmpty,
    actions: z
      .array(z.strictObject({ id, features: z.optional(z.array(z.record(z.string(), templated))) }))
      .check(z.minLength(1)),
    contextFeatures: z.optional(z.array(z.record(z.string(), templated))),
    fallbackAction: id,
    timeoutMs: z.optional(z.int().check(z.minimum(50), z.maximum(10_000))),
    rewards: z.optional(
      z.array(z.strictObject({ event: nonEmpty, value: z.number().check(z.minimum(0), z.maximum(1)) })),
    ),
  }),
});

/** One tag: a discriminated union on `type`. */
export const tagSchema = z.discriminatedUnion('type', [
  pixelTag,
  scriptTag,
  appInsightsTag,
  personalizationTag,
]);

/** The container document a marketer writes in `containers/<id>.json`. */
export const containerSchema = z.strictObject({
  $schema: z.optional(z.string()),
  schemaVersion: z.literal(SCHEMA_VERSION),
  id,
  /** Monotonic publication counter: a safe integer above 0. */
  version: z.int().check(z.minimum(1)),
  /** UTC timestamp after which the runtime refuses the container. */
  expires: z.iso.datetime(),
  /** Site origins allowed to run the container (`https://www.example.se`). */
  origins: z.array(url).check(z.minLength(1)),
  consent: consentSettings,
  tags: z.array(tagSchema).check(z.maxLength(500)),
});

export type Container = z.infer<typeof containerSchema>;
export type Tag = z.infer<typeof tagSchema>;
export type TagType = Tag['type'];
export type Category = z.infer<typeof category>;
export type Trigger = z.infer<typeof trigger>;
export type Condition = z.infer<typeof condition>;
export type StorageItem = z.infer<typeof storageItem>;
export type ConsentSettings = z.infer<typeof consentSettings>;
export type ConsentDefaults = z.infer<typeof consentDefaults>;
export type FunctionCall = z.infer<typeof functionCall>;
export type ConsentModeType = (typeof CONSENT_MODE_TYPES)[number];
export type { Templated };
export type TagOf<T extends TagType> = Extract<Tag, { type: T }>;
