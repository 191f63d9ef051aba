// The `personalization` tag against a stubbed fetch: the rank request, the published decision
// (dataLayer push and getPersonalization), the fallback on timeout / errors / unknown actions,
// rewards, and withdrawal.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TagOf } from '../../../src/container/schema';
import personalization, {
  DEFAULT_TIMEOUT_MS,
  getPersonalization,
  PERSONALIZED_EVENT,
  rankRequest,
} from '../../../src/tags/personalization/index';
import type { TagContext } from '../../../src/tags/plugin';
import { type EventContext, getVariable } from '../../../src/triggers/variables';
import { demoContainer } from '../demo-container';

type PTag = TagOf<'personalization'>;

let n = 0;
function pTag(patch: Partial<PTag['settings']> = {}): PTag {
  const tag = demoContainer().tags.find((t): t is PTag => t.type === 'personalization')!;
  const id = `p-${++n}`;
  return { ...tag, id, settings: { ...tag.settings, slot: `slot-${id}`, ...patch } };
}

function event(name: string, over: Partial<EventContext> = {}): EventContext {
  return {
    name,
    id: `ev-${name}-${++n}`,
    time: Date.now(),
    model: { lastViewed: 'security', device: 'mobile' },
    page: { url: 'http://localhost:3000/', path: '/', hostname: 'localhost', referrer: '', title: 'Home' },
    ...over,
  };
}

let pushed: Record<string, unknown>[];
let reports: { code: string; detail?: string }[];
let ctx: TagContext;
type Call = { url: string; init: RequestInit; body: unknown };
let calls: Call[];
let answer: (call: Call) => Promise<Response>;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

beforeEach(() => {
  pushed = [];
  reports = [];
  calls = [];
  ctx = {
    nonce: '',
    scriptUrl: (u) => u,
    vars: (ev) => (name) => getVariable(name, ev),
    push: (m) => pushed.push(m),
    report: (code, detail) => reports.push({ code, ...(detail !== undefined && { detail }) }),
  };
  answer = async ({ body }) => {
    const b = body as { eventId: string };
    return json(201, {
      ranking: [
        { id: 'offer-ai', probability: 0.8 },
        { id: 'offer-cloud', probability: 0.1 },
      ],
      eventId: b.eventId,
      rewardActionId: 'offer-ai',
    });
  };
  vi.stubGlobal(
    'fetch',
    vi.fn((url: string, init: RequestInit) => {
      const call = { url: String(url), init, body: init.body ? JSON.parse(String(init.body)) : undefined };
      calls.push(call);
      return answer(call);
    }),
  );
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('personalization rank', () => {
  it('posts the rendered context features, the actions and the event id to {endpoint}/rank', async () => {
    const tag = pTag();
    const ev = event('page_view');
    await personalization.fire(tag, ev, ctx);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call!.url).toBe('http://localhost:3000/personalizer/v1.0/rank');
    expect(call!.init.method).toBe('POST');
    expect(new Headers(call!.init.headers).get('content-type')).toBe('application/json');
    expect(call!.init.credentials).toBe('same-origin');
    expect(call!.init.signal).toBeInstanceOf(AbortSignal);
    expect(call!.body).toEqual({
      contextFeatures: [{ lastViewed: 'security', device: 'mobile' }],
      actions: [
        { id: 'offer-cloud', features: [{ topic: 'cloud' }] },
        { id: 'offer-security', features: [{ topic: 'security' }] },
        { id: 'offer-ai', features: [{ topic: 'ai' }] },
      ],
      eventId: ev.id,
    });
    expect(rankRequest(tag, ev, ctx)).toEqual(call!.body);
  });

  it('publishes the chosen action: a tagwarden.personalized push and getPersonalization(slot)', async () => {
    const tag = pTag();
    const ev = event('page_view');
    await personalization.fire(tag, ev, ctx);
    const choice = { slot: tag.settings.slot, actionId: 'offer-ai', eventId: ev.id, fallback: false };
    expect(pushed).toEqual([{ event: PERSONALIZED_EVENT, personalization: choice }]);
    expect(getPersonalization(tag.settings.slot)).toEqual(choice);
    expect(reports).toEqual([]);
  });

  it('uses an endpoint with a trailing slash or an absolute URL as given', async () => {
    await personalization.fire(pTag({ endpoint: 'http://127.0.0.1:9/p/v1.0/' }), event('page_view'), ctx);
    expect(calls[0]!.url).toBe('http://127.0.0.1:9/p/v1.0/rank');
  });

  it('falls back on timeout (a service that never answers) and reports it', async () => {
    answer = () => new Promise<Response>(() => {});
    const tag = pTag({ timeoutMs: 50 });
    const ev = event('page_view');
    const t0 = Date.now();
    await personalization.fire(tag, ev, ctx);
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(getPersonalization(tag.settings.slot)).toEqual({
      slot: tag.settings.slot,
      actionId: 'offer-cloud',
      eventId: ev.id,
      fallback: true,
    });
    expect(pushed).toEqual([
      {
        event: PERSONALIZED_EVENT,
        personalization: expect.objectContaining({ actionId: 'offer-cloud', fallback: true }),
      },
    ]);
    expect(reports).toEqual([{ code: 'tag/timeout', detail: expect.stringContaining('50 ms') }]);
  });

  it('defaults the timeout to 1500 ms', async () => {
    expect(DEFAULT_TIMEOUT_MS).toBe(1500);
    const spy = vi.spyOn(AbortSignal, 'timeout');
    await personalization.fire(pTag({ timeoutMs: undefined }), event('page_view'), ctx);
    expect(spy).toHaveBeenCalledWith(1500);
    spy.mockRestore();
  });

  it('falls back on an action id that is not one of the actions', async () => {
    answer = async ({ body }) =>
      json(201, {
        ranking: [],
        eventId: (body as { eventId: string }).eventId,
        rewardActionId: 'offer-evil',
      });
    const tag = pTag();
    await personalization.fire(tag, event('page_view'), ctx);
    expect(getPersonalization(tag.settings.slot)).toMatchObject({ actionId: 'offer-cloud', fallback: true });
    expect(reports).toEqual([{ code: 'tag/threw', detail: expect.stringContaining('"offer-evil"') }]);
  });

  it.each([
    ['an HTTP error', async () => json(500, { error: { code: 'InternalServerError' } })],
    ['a network error', async () => Promise.reject(new TypeError('Failed to fetch'))],
    ['a body that is not JSON', async () => new Response('<html>', { status: 201 })],
    ['no rewardActionId', async () => json(201, { ranking: [] })],
  ])('falls back on %s', async (_name, fn) => {
    answer = fn as typeof answer;
    const tag = pTag();
    await personalization.fire(tag, event('page_view'), ctx);
    expect(getPersonalization(tag.settings.slot)).toMatchObject({ actionId: 'offer-cloud', fallback: true });
    expect(pushed).toHaveLength(1);
    expect(reports).toHaveLength(1);
  });
});

describe('personalization rewards', () => {
  it('posts {value} to {endpoint}/events/{eventId}/reward for the last decision, once per reward event', async () => {
    const tag = pTag();
    const rank = event('page_view');
    await personalization.fire(tag, rank, ctx);
    calls.length = 0;
    answer = async () => new Response(null, { status: 204 });
    await personalization.fire(tag, event('hero_click'), ctx);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.url).toBe(`http://localhost:3000/personalizer/v1.0/events/${rank.id}/reward`);
    expect(calls[0]!.body).toEqual({ value: 1 });
    expect(calls[0]!.init.keepalive).toBe(true);
    // A second click rewards nothing more; a reward event does not re-rank.
    await personalization.fire(tag, event('hero_click'), ctx);
    expect(calls).toHaveLength(1);
    expect(pushed).toHaveLength(1);
  });

  it('rewards the eventId the service answered with', async () => {
    answer = async () => json(201, { ranking: [], eventId: 'svc-42', rewardActionId: 'offer-security' });
    const tag = pTag();
    await personalization.fire(tag, event('page_view'), ctx);
    expect(getPersonalization(tag.settings.slot)).toMatchObject({
      actionId: 'offer-security',
      eventId: 'svc-42',
    });
    answer = async () => new Response(null, { status: 204 });
    await personalization.fire(tag, event('hero_click'), ctx);
    expect(calls[1]!.url).toMatch(/\/events\/svc-42\/reward$/);
  });

  it('sends no reward before a decision, nor for a fallback decision', async () => {
    const tag = pTag();
    await personalization.fire(tag, event('hero_click'), ctx);
    expect(calls).toEqual([]);
    answer = async () => json(503, {});
    await personalization.fire(tag, event('page_view'), ctx);
    await personalization.fire(tag, event('hero_click'), ctx);
    expect(calls.map((c) => c.url)).toEqual(['http://localhost:3000/personalizer/v1.0/rank']);
  });

  it('a failed reward call fails the tag (so the dispatcher records it)', async () => {
    const tag = pTag();
    await personalization.fire(tag, event('page_view'), ctx);
    answer = async () => json(500, {});
    await expect(personalization.fire(tag, event('hero_click'), ctx)).rejects.toThrow(
      'reward answered HTTP 500',
    );
  });
});

describe('personalization withdrawal', () => {
  it('forgets the decision and stores nothing on the device', async () => {
    localStorage.clear();
    sessionStorage.clear();
    const cookies = document.cookie;
    const tag = pTag();
    await personalization.fire(tag, event('page_view'), ctx);
    expect(localStorage.length + sessionStorage.length).toBe(0);
    expect(document.cookie).toBe(cookies);
    await personalization.revoke?.(tag, ctx);
    expect(getPersonalization(tag.settings.slot)).toBeUndefined();
    // No reward for a forgotten decision.
    calls.length = 0;
    await personalization.fire(tag, event('hero_click'), ctx);
    expect(calls).toEqual([]);
  });

  it('clears dl.personalization on withdrawal when it holds the tag’s decision, and only then', async () => {
    const a = pTag();
    const b = pTag();
    await personalization.fire(a, event('page_view'), ctx);
    await personalization.fire(b, event('page_view'), ctx);
    pushed.length = 0;
    // The model holds b's decision (each push replaces the last): withdrawing a leaves it.
    await personalization.revoke?.(a, ctx);
    expect(pushed).toEqual([]);
    await personalization.revoke?.(b, ctx);
    expect(pushed).toEqual([{ personalization: null }]);
  });

  it('drops an answer that arrives after the withdrawal', async () => {
    let release!: (r: Response) => void;
    answer = () => new Promise<Response>((r) => (release = r));
    const tag = pTag();
    const ev = event('page_view');
    const firing = personalization.fire(tag, ev, ctx);
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    await personalization.revoke?.(tag, ctx);
    release(json(201, { ranking: [], eventId: ev.id, rewardActionId: 'offer-ai' }));
    await expect(firing).rejects.toThrow('withdrawn');
    expect(pushed).toEqual([]);
    expect(getPersonalization(tag.settings.slot)).toBeUndefined();
  });
});
