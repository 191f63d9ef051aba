/**
 * The `appinsights` tag type: Application Insights (full SKU by default, `sku: "basic"` for the
 * basic one), imported and created once per tag on the first event it fires for, so that before a
 * grant the page has no SDK code, cookie or request. Events named in `pageEvents` become page views,
 * others custom events; properties are the tag's templated `properties` plus `eventId` (and
 * `replayed` for a held event), every value as text. The envelope keeps the event's own time: a
 * telemetry initializer sets `baseData.startTime`, which the channel copies to the envelope's `time`
 * (applicationinsights-channel-js EnvelopeCreator `_createEnvelope`: `if (isDate(startTime))
 * envelope.time = toISOString(startTime)`; otherwise the Envelope constructor stamps `new Date()`).
 * Withdrawal stops cookies, flushes what was collected under consent, unloads the SDK, purges
 * `ai_user` / `ai_session` and the SDK's storage buffers, and forgets the instance.
 */
import type { TagOf } from '../../container/schema';
import { asText, renderValue } from '../../triggers/template';
import type { EventContext } from '../../triggers/variables';
import type { TagContext, TagPlugin } from '../plugin';

type AppInsightsTag = TagOf<'appinsights'>;

/** The part of a telemetry item the initializer touches (both SKUs' `ITelemetryItem`). */
interface Item {
  time?: string;
  tags?: unknown;
  baseData?: { [key: string]: unknown };
  data?: { [key: string]: unknown };
}

/** The part of the SDK cookie manager used on withdrawal. */
interface CookieMgr {
  setEnabled(value: boolean): void;
  purge(name: string, path?: string): boolean;
}

/** What this plugin needs from either SKU. */
interface Sdk {
  page(name: string, uri: string, refUri: string, properties: Record<string, string>): void;
  event(name: string, properties: Record<string, string>): void;
  addTelemetryInitializer(fn: (item: Item) => boolean | undefined): unknown;
  flush(isAsync: boolean, done: () => void): unknown;
  unload(isAsync: boolean, done: () => void, timeoutMs: number): unknown;
  cookies(): CookieMgr | undefined;
}

interface Instance {
  sdk: Sdk;
  /** eventId → original event time (ms), read by the telemetry initializer. */
  times: Map<string, number>;
}

/** The cookies the SDK writes (declared in the container's `storage`). */
export const AI_COOKIES = ['ai_user', 'ai_session'] as const;
/** How long withdrawal waits for the flush and for the unload, each. */
export const REVOKE_WAIT_MS = 2000;
/** At most this many event times are kept per instance (page events are few; replays bounded by the queue). */
const MAX_TIMES = 1000;
/** `FeatureOptInMode.disable` (a const enum in the SDK's types, so not importable at run time). */
const FEATURE_DISABLE = 2;

const instances = new Map<string, Promise<Instance>>();
let overrides: Record<string, unknown> | undefined;

/**
 * Extra SDK configuration merged into every instance created afterwards: for tests, e.g.
 * `{ extensionConfig: { AppInsightsChannelPlugin: { httpXHROverride, alwaysUseXhrOverride: true } } }`.
 * `extensionConfig` entries are merged per extension; `undefined` clears.
 */
export function setSdkOverrides(extra: Record<string, unknown> | undefined): void {
  overrides = extra;
}

/** The SDK configuration for `tag` (what `new ApplicationInsights(...)` receives). */
export function sdkConfig(tag: AppInsightsTag): Record<string, unknown> {
  const s = tag.settings;
  const auto = s.autoCollect ?? {};
  const { extensionConfig: extraExt, ...extra } = overrides ?? {};
  return {
    connectionString: s.connectionString,
    // Only ever created after analytics consent: the container declares ai_user / ai_session.
    disableCookiesUsage: false,
    disableAjaxTracking: auto.ajax !== true,
    disableFetchTracking: auto.fetch !== true,
    // With ajax/fetch tracking on, the SDK would otherwise add `Request-Id` / `traceparent` headers to the
    // site's own requests (the personalization tag's rank call too): tracking reports, it does not change them.
    disableCorrelationHeaders: true,
    disableExceptionTracking: auto.exceptions === false,
    enableAutoRouteTracking: auto.routes === true,
    ...(s.samplingPercentage !== undefined && { samplingPercentage: s.samplingPercentage }),
    // SdkStats would track its own metrics, also on unload, i.e. after a withdrawal.
    featureOptIn: { SdkStats: { mode: FEATURE_DISABLE } },
    // The basic SKU keeps no session buffer (AI_buffer_1, AI_sentBuffer_1): it stores nothing at all.
    ...(s.sku === 'basic' && { enableSessionStorageBuffer: false }),
    ...extra,
    extensionConfig: {
      // No remote configuration fetch from Microsoft's CDN.
      AppInsightsCfgSyncPlugin: { blkCdnCfg: true },
      // A copy per instance: the SDK writes its defaults into the extension objects it gets (e.g. the
      // channel's enableSessionStorageBuffer: true), which would otherwise carry over to later instances.
      ...Object.fromEntries(
        Object.entries((extraExt ?? {}) as Record<string, object>).map(([k, v]) => [k, { ...v }]),
      ),
    },
  };
}

/**
 * Loads the SKU and creates the SDK for `tag`; the initializer keeps original times and the cloud role.
 * `current` says whether this instance is still the tag's: withdrawn while the chunk loaded, it is not
 * built (an SDK created then would write cookies a newer instance shares, and its revoke purge them).
 */
async function create(tag: AppInsightsTag, current: () => boolean): Promise<Instance> {
  const config = sdkConfig(tag);
  const gone = () => new Error('consent withdrawn while Application Insights loaded');
  let sdk: Sdk;
  if (tag.settings.sku === 'basic') {
    const { ApplicationInsights } = await import('@microsoft/applicationinsights-web-basic');
    if (!current()) throw gone();
    const ai = new ApplicationInsights(config as ConstructorParameters<typeof ApplicationInsights>[0]);
    const track = (
      baseType: string,
      envelope: string,
      baseData: Record<string, unknown>,
      data: Record<string, string>,
    ) => ai.track({ name: `Microsoft.ApplicationInsights.{0}.${envelope}`, baseType, baseData, data });
    sdk = {
      page: (name, uri, refUri, props) => track('PageviewData', 'Pageview', { name, uri, refUri }, props),
      event: (name, props) => track('EventData', 'Event', { name }, props),
      addTelemetryInitializer: (fn) => ai.addTelemetryInitializer(fn as never),
      // The basic SKU proxies flush to the core, whose flush takes a callback (its typing omits it).
      flush: (isAsync, done) => (ai as unknown as Pick<Sdk, 'flush'>).flush(isAsync, done),
      unload: (isAsync, done, ms) => ai.unload(isAsync, done, ms),
      cookies: () => undefined,
    };
  } else {
    const { ApplicationInsights } = await import('@microsoft/applicationinsights-web');
    if (!current()) throw gone();
    const ai = new ApplicationInsights({ config } as ConstructorParameters<typeof ApplicationInsights>[0]);
    ai.loadAppInsights();
    sdk = {
      page: (name, uri, refUri, properties) => ai.trackPageView({ name, uri, refUri, properties }),
      event: (name, props) => ai.trackEvent({ name }, props),
      addTelemetryInitializer: (fn) => ai.addTelemetryInitializer(fn as never),
      flush: (isAsync, done) => ai.flush(isAsync, done),
      unload: (isAsync, done, ms) => ai.unload(isAsync, done, ms),
      cookies: () => ai.getCookieMgr() as CookieMgr,
    };
  }
  const times = new Map<string, number>();
  const role = tag.settings.cloudRole;
  sdk.addTelemetryInitializer((item) => {
    const id = item.data?.eventId ?? (item.baseData?.properties as Item['data'])?.eventId;
    const time = typeof id === 'string' ? times.get(id) : undefined;
    if (time !== undefined) {
      const date = new Date(time);
      item.time = date.toISOString();
      // The envelope's `time` is taken from baseData.startTime when it is a Date (see the header).
      if (item.baseData) item.baseData.startTime = date;
    }
    if (role) {
      item.tags ??= [];
      (item.tags as Record<string, string>)['ai.cloud.role'] = role;
    }
    return undefined;
  });
  return { sdk, times };
}

/** The tag's properties for `ev`, as text (Application Insights properties are strings). */
export function eventProperties(
  tag: AppInsightsTag,
  ev: EventContext,
  ctx: TagContext,
): Record<string, string> {
  const get = ctx.vars(ev);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(tag.settings.properties ?? {})) {
    const v = renderValue(value, get);
    if (v !== undefined && v !== null) out[key] = typeof v === 'string' ? v : asText(v);
  }
  out.eventId = ev.id;
  if (ev.replay) out.replayed = 'true';
  return out;
}

/** Resolves after `fn(done)` calls `done` or after `ms`, whichever is first; a throw counts as done. */
function settle(fn: (done: () => void) => unknown, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    try {
      fn(done);
    } catch {
      done();
    }
  });
}

/** Removes the SDK's session buffers (`AI_buffer*`, `AI_sentBuffer*`) and its `ai_session` backup. */
export function clearAiStorage(): void {
  try {
    for (let i = sessionStorage.length - 1; i >= 0; i--) {
      const key = sessionStorage.key(i);
      if (key && /^AI_(sent)?buffer/i.test(key)) sessionStorage.removeItem(key);
    }
  } catch {
    // Storage may be unavailable (privacy mode, sandbox); nothing was stored then.
  }
  try {
    localStorage.removeItem('ai_session');
  } catch {
    // As above.
  }
}

const appinsights: TagPlugin<AppInsightsTag> = {
  async fire(tag, ev, ctx) {
    // The SDK takes samplingPercentage 0 as invalid and falls back to 100: 0 means send nothing.
    if (tag.settings.samplingPercentage === 0) return;
    let p = instances.get(tag.id);
    if (!p) {
      const created: Promise<Instance> = create(tag, () => instances.get(tag.id) === created);
      instances.set(tag.id, created);
      // A failed load or init may be retried by a later event.
      created.catch(() => {
        if (instances.get(tag.id) === created) instances.delete(tag.id);
      });
      p = created;
    }
    const { sdk, times } = await p;
    // Withdrawn (and possibly granted again) while the chunk was loading: this instance is gone.
    if (instances.get(tag.id) !== p) throw new Error('consent withdrawn while Application Insights loaded');
    const props = eventProperties(tag, ev, ctx);
    times.set(ev.id, ev.time);
    if (times.size > MAX_TIMES) times.delete(times.keys().next().value as string);
    if (tag.settings.pageEvents?.includes(ev.name))
      sdk.page(ev.page.title, ev.page.url, ev.page.referrer, props);
    else sdk.event(ev.name, props);
  },

  async revoke(tag) {
    const p = instances.get(tag.id);
    instances.delete(tag.id);
    const instance = await p?.catch(() => undefined);
    if (instance) {
      const { sdk } = instance;
      const cookies = sdk.cookies();
      // From now on the SDK writes no cookie (its writes are deferred in memory, then dropped by unload),
      // so the purge holds; setEnabled(false) alone deletes nothing.
      cookies?.setEnabled(false);
      // Granted again meanwhile: the cookies now belong to the new instance (same names), so they stay.
      if (!instances.has(tag.id)) for (const name of AI_COOKIES) cookies?.purge(name);
      // What was collected under consent is sent; a callback is required (flush(false) without one throws).
      await settle((done) => sdk.flush(true, done), REVOKE_WAIT_MS);
      await settle((done) => sdk.unload(true, done, REVOKE_WAIT_MS), REVOKE_WAIT_MS);
    }
    // Granted again while this revoke waited: the new instance's cookies and buffers stay.
    if (instances.has(tag.id)) return;
    // Also without an instance (e.g. a failed init, a reload): what the SDK left behind goes.
    for (const name of AI_COOKIES) document.cookie = `${name}=; max-age=0; path=/`;
    clearAiStorage();
  },
};

/** Flushes every live instance (tests and previews); resolves once sent or after `timeoutMs`. */
export async function flushAll(timeoutMs = REVOKE_WAIT_MS): Promise<void> {
  const live = await Promise.all([...instances.values()].map((p) => p.catch(() => undefined)));
  await Promise.all(live.map((i) => i && settle((done) => i.sdk.flush(true, done), timeoutMs)));
}

export default appinsights;
