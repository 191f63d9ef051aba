// The `appinsights` tag with the REAL SDK talking to the REAL local collector (src/server/track.ts)
// over jsdom's asynchronous XHR, cross-origin (page http://localhost:3000, collector 127.0.0.1), so
// with the CORS preflight. Not through httpXHROverride: an override's answer bypasses the SDK's
// partial-success handling (Sender `_getOnComplete` treats every non-200 as an error), so a 206
// retry can only be seen on a real transport. Checks the end-to-end envelope, the retry of only the
// items a 206 failed, and the SDK's gzip payloads.
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TagOf } from '../../../src/container/schema';
import { type App, createApp, listen, type RouteHandler, trackCollector } from '../../../src/server/index';
import appinsights, { flushAll, setSdkOverrides } from '../../../src/tags/appinsights/index';
import type { TagContext } from '../../../src/tags/plugin';
import { type EventContext, getVariable } from '../../../src/triggers/variables';
import { demoContainer } from '../demo-container';

type AiTag = TagOf<'appinsights'>;
const statuses: number[] = [];

/** Records each answer status the collector gives (the SDK reads the same answer over its XHR). */
const statusRoute: RouteHandler = (req, res) => {
  if (req.method === 'POST' && req.url?.startsWith('/v2/track')) {
    res.on('finish', () => statuses.push(res.statusCode));
  }
  return false;
};

let app: App;
let origin: string;
const track = trackCollector();

function sdk(zip: boolean) {
  setSdkOverrides(zip ? { featureOptIn: { SdkStats: { mode: 2 }, zipPayload: { mode: 3 } } } : undefined);
}

const ctx: TagContext = {
  nonce: '',
  scriptUrl: (u) => u,
  vars: (ev) => (name) => getVariable(name, ev),
  push: () => {},
  report: () => {},
};

let n = 0;
function aiTag(): AiTag {
  const tag = demoContainer().tags.find((t): t is AiTag => t.type === 'appinsights')!;
  const connectionString = `InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=${origin}/`;
  return { ...tag, id: `aic-${++n}`, settings: { ...tag.settings, connectionString } };
}

function event(name: string, time = Date.now()): EventContext {
  return {
    name,
    id: `c-${name}-${++n}`,
    time,
    model: { page: { type: 'product' }, ecommerce: { currency: 'SEK', value: 10 } },
    page: { url: 'http://localhost:3000/p', path: '/p', hostname: 'localhost', referrer: '', title: 'P' },
  };
}

const ids = (kind = 'appinsights') =>
  app.records
    .list(kind)
    .map(
      (r) =>
        (r.body as { data: { baseData: { properties: { eventId: string } } } }).data.baseData.properties
          .eventId,
    );

beforeAll(async () => {
  app = createApp({ handlers: [statusRoute, track], collectors: false });
  origin = await listen(app);
});

afterAll(async () => {
  setSdkOverrides(undefined);
  await app.close();
});

beforeEach(() => {
  app.records.clear();
  statuses.length = 0;
  track.failNext({ requests: 0 });
});

describe('appinsights → local collector', () => {
  it('delivers the events with their original times, and retries only the items a 206 failed', async () => {
    sdk(false);
    const tag = aiTag();
    const then = Date.now() - 10 * 60_000;
    const evs = [event('view_item', then), event('add_to_cart', then + 1), event('purchase', then + 2)];
    track.failNext({ indexes: [1], statusCode: 503 });
    for (const ev of evs) await appinsights.fire(tag, ev, ctx);
    await flushAll();
    await vi.waitFor(() => expect(statuses).toEqual([206]), { timeout: 5000 });
    expect(ids()).toEqual([evs[0]!.id, evs[2]!.id]);
    // The SDK re-queues the failed item once it has read the 206 (after the collector answered, so
    // poll); a flush then sends it (and only it) now instead of after its 10 s backoff.
    await vi.waitFor(
      async () => {
        await flushAll(200);
        expect(statuses).toEqual([206, 200]);
      },
      { timeout: 5000, interval: 100 },
    );
    expect(ids()).toEqual([evs[0]!.id, evs[2]!.id, evs[1]!.id]);
    const batches = app.records.list('appinsights-batch').map((r) => r.body as Record<string, unknown>);
    expect(batches).toMatchObject([
      { status: 206, itemsReceived: 3, itemsAccepted: 2, errors: [{ index: 1, statusCode: 503 }] },
      { status: 200, itemsReceived: 1, itemsAccepted: 1 },
    ]);
    const retried = app.records.list('appinsights')[2]!.body as {
      time: string;
      tags: Record<string, string>;
    };
    expect(retried.time).toBe(new Date(then + 1).toISOString());
    expect(retried.tags['ai.cloud.role']).toBe('www-example-se');
    await appinsights.revoke?.(tag, ctx);
  });

  it('an invalid-item style 400 in a 206 is not retried', async () => {
    sdk(false);
    const tag = aiTag();
    const evs = [event('view_item'), event('add_to_cart')];
    track.failNext({ indexes: [0], statusCode: 400 });
    for (const ev of evs) await appinsights.fire(tag, ev, ctx);
    await flushAll();
    await vi.waitFor(() => expect(statuses).toEqual([206]), { timeout: 5000 });
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      await flushAll(200);
    }
    expect(statuses).toEqual([206]);
    expect(ids()).toEqual([evs[1]!.id]);
    await appinsights.revoke?.(tag, ctx);
  });

  it('accepts the SDK gzip payloads (featureOptIn zipPayload)', async () => {
    sdk(true);
    const tag = aiTag();
    const ev = event('purchase');
    await appinsights.fire(tag, ev, ctx);
    await flushAll();
    await vi.waitFor(() => expect(ids()).toEqual([ev.id]), { timeout: 5000 });
    expect(app.records.list('appinsights')[0]?.headers['content-encoding']).toBe('gzip');
    await appinsights.revoke?.(tag, ctx);
  });
});
