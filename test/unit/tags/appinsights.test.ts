// The `appinsights` tag with the REAL Application Insights SDK in jsdom: payloads are captured by
// the channel's httpXHROverride (no network), so these tests check the envelopes the SDK builds
// from our events (types, names, properties, original time, cloud role) and the withdrawal cleanup.
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TagOf } from '../../../src/container/schema';
import appinsights, {
  eventProperties,
  flushAll,
  sdkConfig,
  setSdkOverrides,
} from '../../../src/tags/appinsights/index';
import type { TagContext } from '../../../src/tags/plugin';
import { type EventContext, getVariable } from '../../../src/triggers/variables';
import { demoContainer } from '../demo-container';

type AiTag = TagOf<'appinsights'>;

interface Envelope {
  name: string;
  time: string;
  iKey: string;
  tags: Record<string, string>;
  data: {
    baseType: string;
    baseData: { name: string; url?: string; properties?: Record<string, string> };
  };
}

const sent: Envelope[] = [];
const urls: string[] = [];

setSdkOverrides({
  extensionConfig: {
    AppInsightsChannelPlugin: {
      httpXHROverride: {
        sendPOST(
          payload: { urlString: string; data: string | Uint8Array },
          done: (s: number, h: object, r?: string) => void,
        ) {
          urls.push(payload.urlString);
          const text =
            typeof payload.data === 'string' ? payload.data : new TextDecoder().decode(payload.data);
          sent.push(...(JSON.parse(text) as Envelope[]));
          done(200, {}, '');
        },
      },
      alwaysUseXhrOverride: true,
    },
  },
});

let n = 0;
/** The demo container's appinsights tag under a fresh id (one SDK instance per tag id). */
function aiTag(patch: Partial<AiTag['settings']> = {}): AiTag {
  const tag = demoContainer().tags.find((t): t is AiTag => t.type === 'appinsights')!;
  return { ...tag, id: `ai-${++n}`, settings: { ...tag.settings, ...patch } };
}

const ctx: TagContext = {
  nonce: '',
  scriptUrl: (u) => u,
  vars: (ev) => (name) => getVariable(name, ev),
  push: () => {},
  report: () => {},
};

function event(name: string, over: Partial<EventContext> = {}): EventContext {
  return {
    name,
    id: `id-${name}-${++n}`,
    time: Date.now(),
    model: { page: { type: 'product' }, ecommerce: { currency: 'SEK', value: 59.9 } },
    page: {
      url: 'http://localhost:3000/product/42?x=1',
      path: '/product/42',
      hostname: 'localhost',
      referrer: 'http://localhost:3000/',
      title: 'Product 42',
    },
    ...over,
  };
}

/** The value of cookie `name`, or undefined. */
function cookie(name: string): string | undefined {
  return document.cookie
    .split('; ')
    .find((c) => c.startsWith(`${name}=`))
    ?.slice(name.length + 1);
}

function clearCookies() {
  for (const c of document.cookie.split('; ')) {
    if (c) document.cookie = `${c.split('=')[0]}=; max-age=0; path=/`;
  }
}

const live: AiTag[] = [];
async function fire(tag: AiTag, ev: EventContext) {
  if (!live.includes(tag)) live.push(tag);
  await appinsights.fire(tag, ev, ctx);
}

/** Flushes until the envelope for `eventId` arrived (a page view may wait in the SDK for timing data). */
function envelopeOf(eventId: string, baseType?: string): Promise<Envelope> {
  return vi.waitFor(
    async () => {
      await flushAll(200);
      const found = sent.find(
        (e) => e.data.baseData.properties?.eventId === eventId && (!baseType || e.data.baseType === baseType),
      );
      if (!found) throw new Error(`no envelope for ${eventId} yet`);
      return found;
    },
    { timeout: 5000, interval: 50 },
  );
}

beforeEach(() => {
  sent.length = 0;
  urls.length = 0;
});

afterEach(async () => {
  for (const tag of live.splice(0)) await appinsights.revoke?.(tag, ctx);
  clearCookies();
  sessionStorage.clear();
  localStorage.clear();
});

afterAll(() => setSdkOverrides(undefined));

describe('appinsights configuration', () => {
  it('turns off the CDN config fetch, ajax/fetch tracking and SdkStats; maps the other settings', () => {
    const cfg = sdkConfig(aiTag({ autoCollect: undefined, samplingPercentage: 50 }));
    expect(cfg).toMatchObject({
      connectionString: expect.stringContaining('IngestionEndpoint=http://127.0.0.1:8080/'),
      disableCookiesUsage: false,
      disableAjaxTracking: true,
      disableFetchTracking: true,
      disableExceptionTracking: false,
      enableAutoRouteTracking: false,
      samplingPercentage: 50,
      featureOptIn: { SdkStats: { mode: 2 } },
      extensionConfig: { AppInsightsCfgSyncPlugin: { blkCdnCfg: true } },
    });
    const on = sdkConfig(
      aiTag({ autoCollect: { ajax: true, fetch: true, exceptions: false, routes: true } }),
    );
    expect(on).toMatchObject({
      disableAjaxTracking: false,
      disableFetchTracking: false,
      disableExceptionTracking: true,
      enableAutoRouteTracking: true,
    });
  });

  it('renders properties as text, drops missing values, adds eventId and replayed', () => {
    const tag = aiTag({
      properties: { ...aiTag().settings.properties, missing: '{{dl.nope}}', obj: '{{dl.page}}' },
    });
    const ev = event('add_to_cart', { replay: true });
    expect(eventProperties(tag, ev, ctx)).toEqual({
      pageType: 'product',
      currency: 'SEK',
      value: '59.9',
      obj: '{"type":"product"}',
      eventId: ev.id,
      replayed: 'true',
    });
    expect(eventProperties(tag, event('x'), ctx)).not.toHaveProperty('replayed');
  });
});

describe('appinsights auto-collected requests', () => {
  it('adds no correlation header to the site’s own requests when fetch and ajax are auto-collected', async () => {
    const headers: Headers[] = [];
    const stub = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
      headers.push(new Headers(init?.headers));
      return new Response('{}', { status: 201 });
    });
    vi.stubGlobal('fetch', stub);
    const tag = aiTag({ autoCollect: { fetch: true, ajax: true } });
    try {
      await fire(tag, event('view_item'));
      // The SDK wraps the fetch it found: this request goes through its instrumentation.
      expect(globalThis.fetch).not.toBe(stub);
      await fetch('/personalizer/v1.0/rank', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(headers).toHaveLength(1);
      expect([...headers[0]!.keys()]).toEqual(['content-type']);
    } finally {
      await appinsights.revoke?.(tag, ctx);
      vi.unstubAllGlobals();
    }
  });
});

describe('appinsights envelopes (real SDK, full SKU)', () => {
  it('sends a page event as PageviewData to the connection string endpoint', async () => {
    const tag = aiTag();
    const ev = event('page_view', { model: { page: { type: 'home' } } });
    await fire(tag, ev);
    const env = await envelopeOf(ev.id, 'PageviewData');
    expect(urls[0]).toBe('http://127.0.0.1:8080/v2/track');
    expect(env.iKey).toBe('00000000-0000-4000-8000-000000000001');
    expect(env.name).toBe('Microsoft.ApplicationInsights.00000000000040008000000000000001.Pageview');
    expect(env.data.baseData).toMatchObject({
      name: 'Product 42',
      url: 'http://localhost:3000/product/42?x=1',
    });
    expect(env.data.baseData.properties).toMatchObject({ pageType: 'home', eventId: ev.id });
    expect(env.data.baseData.properties).not.toHaveProperty('currency');
    expect(env.tags['ai.cloud.role']).toBe('www-example-se');
    expect(env.tags['ai.user.id']).toBeTruthy();
    expect(env.tags['ai.session.id']).toBeTruthy();
    expect(env.time).toBe(new Date(ev.time).toISOString());
  });

  it('sends other events as EventData named after the event, with rendered properties', async () => {
    const tag = aiTag();
    const ev = event('add_to_cart');
    await fire(tag, ev);
    const env = await envelopeOf(ev.id);
    expect(env.name).toBe('Microsoft.ApplicationInsights.00000000000040008000000000000001.Event');
    expect(env.data.baseType).toBe('EventData');
    expect(env.data.baseData.name).toBe('add_to_cart');
    expect(env.data.baseData.properties).toEqual({
      pageType: 'product',
      currency: 'SEK',
      value: '59.9',
      eventId: ev.id,
    });
    expect(env.tags['ai.cloud.role']).toBe('www-example-se');
  });

  it('keeps the ORIGINAL time of a replayed event (page view and event) and marks it replayed', async () => {
    const tag = aiTag();
    const then = Date.now() - 3 * 60 * 60 * 1000 - 123;
    const pv = event('page_view', { time: then, replay: true });
    const ev = event('purchase', { time: then + 5, replay: true });
    await fire(tag, pv);
    await fire(tag, ev);
    const pvEnv = await envelopeOf(pv.id, 'PageviewData');
    const evEnv = await envelopeOf(ev.id, 'EventData');
    expect(pvEnv.time).toBe(new Date(then).toISOString());
    expect(evEnv.time).toBe(new Date(then + 5).toISOString());
    expect(evEnv.data.baseData.properties).toMatchObject({ eventId: ev.id, replayed: 'true' });
    expect(pvEnv.data.baseData.properties).toMatchObject({ eventId: pv.id, replayed: 'true' });
  });

  it('creates one SDK per tag, on the first event', async () => {
    const tag = aiTag();
    const a = event('view_item');
    const b = event('add_to_cart');
    await fire(tag, a);
    await fire(tag, b);
    await envelopeOf(b.id);
    // Same instance: same user id on both.
    const users = new Set(sent.map((e) => e.tags['ai.user.id']));
    expect(users.size).toBe(1);
  });
});

describe('appinsights sampling 0', () => {
  it('sends nothing and loads nothing (the SDK would read 0 as 100)', async () => {
    const tag = aiTag({ samplingPercentage: 0 });
    await fire(tag, event('add_to_cart'));
    await flushAll();
    expect(sent).toEqual([]);
    expect(document.cookie).not.toMatch(/ai_user=/);
  });
});

describe('appinsights basic SKU', () => {
  it('maps events the same way, keeps the original time and sets no cookie', async () => {
    const tag = aiTag({ sku: 'basic' });
    const then = Date.now() - 60_000;
    const pv = event('page_view', { time: then, replay: true });
    const ev = event('add_to_cart');
    await fire(tag, pv);
    await fire(tag, ev);
    const pvEnv = await envelopeOf(pv.id, 'PageviewData');
    const evEnv = await envelopeOf(ev.id, 'EventData');
    expect(pvEnv.time).toBe(new Date(then).toISOString());
    expect(pvEnv.data.baseData).toMatchObject({
      name: 'Product 42',
      url: 'http://localhost:3000/product/42?x=1',
    });
    expect(evEnv.data.baseData).toMatchObject({ name: 'add_to_cart', properties: { value: '59.9' } });
    expect(evEnv.tags['ai.cloud.role']).toBe('www-example-se');
    expect(document.cookie).not.toMatch(/ai_(user|session)=/);
  });

  it('stores nothing in sessionStorage, not even the buffer of unsent items', async () => {
    await fire(aiTag({ sku: 'basic' }), event('add_to_cart'));
    expect(Object.keys(sessionStorage)).toEqual([]);
  });
});

describe('appinsights withdrawal', () => {
  it('purges ai_user / ai_session, the session buffers and the ai_session backup, then recreates on a new grant', async () => {
    const tag = aiTag();
    const first = event('page_view');
    await fire(tag, first);
    const firstEnv = await envelopeOf(first.id);
    expect(document.cookie).toMatch(/(^|; )ai_user=/);
    expect(document.cookie).toMatch(/(^|; )ai_session=/);
    expect(Object.keys(sessionStorage).some((k) => k.startsWith('AI_'))).toBe(true);
    localStorage.setItem('ai_session', 'x|1|2');
    localStorage.setItem('unrelated', '1');
    sessionStorage.setItem('AI_buffer_1', '[]');

    await appinsights.revoke?.(tag, ctx);
    expect(document.cookie).not.toMatch(/ai_(user|session)=/);
    expect(Object.keys(sessionStorage).filter((k) => /^AI_(sent)?buffer/i.test(k))).toEqual([]);
    expect(localStorage.getItem('ai_session')).toBeNull();
    expect(localStorage.getItem('unrelated')).toBe('1');

    // Nothing more is sent by the old instance.
    sent.length = 0;
    await flushAll();
    await new Promise((r) => setTimeout(r, 50));
    expect(sent).toEqual([]);

    // A later grant: a fresh SDK, a fresh user id (the old cookie is gone).
    const again = event('add_to_cart');
    await fire(tag, again);
    const env = await envelopeOf(again.id);
    expect(env.data.baseData.name).toBe('add_to_cart');
    expect(env.tags['ai.user.id']).toBeTruthy();
    expect(env.tags['ai.user.id']).not.toBe(firstEnv.tags['ai.user.id']);
    expect(document.cookie).toMatch(/(^|; )ai_user=/);
  });

  it('granted again while the SDK chunk loads: the new instance keeps its cookies, the withdrawn event is not sent', async () => {
    const tag = aiTag();
    const withdrawn = event('add_to_cart');
    const first = fire(tag, withdrawn);
    const revoking = appinsights.revoke?.(tag, ctx);
    const again = event('view_item');
    const second = fire(tag, again);
    await expect(first).rejects.toThrow('consent withdrawn');
    await second;
    await revoking;
    const env = await envelopeOf(again.id);
    expect(cookie('ai_user')?.split('|')[0]).toBe(env.tags['ai.user.id']);
    expect(document.cookie).toMatch(/(^|; )ai_session=/);
    expect(sent.map((e) => e.data.baseData.properties?.eventId)).not.toContain(withdrawn.id);
  });

  it('a revoke without an instance still cleans up what the SDK may have left', async () => {
    document.cookie = 'ai_user=abc; path=/';
    sessionStorage.setItem('AI_sentBuffer', '[]');
    await appinsights.revoke?.(aiTag(), ctx);
    expect(document.cookie).not.toContain('ai_user');
    expect(sessionStorage.getItem('AI_sentBuffer')).toBeNull();
  });
});
