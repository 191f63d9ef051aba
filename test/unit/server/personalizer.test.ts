// @vitest-environment node
// The Personalizer-compatible service over real sockets: rank (validation, 201 answer, bandit
// choice), reward and activate (204), what is learnt, the delay switch and the records.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type App, createApp, listen, personalizerCollector } from '../../../src/server/index.js';
import { validateRank } from '../../../src/server/personalizer.js';
import { rawRequest } from './raw-request.js';

let app: App;
let origin: string;
const service = personalizerCollector({ seed: 42, epsilon: 0.2 });
const greedy = personalizerCollector({ seed: 1, epsilon: 0, basePath: '/greedy/v1.0' });

beforeAll(async () => {
  app = createApp({ handlers: [service, greedy], collectors: false });
  origin = await listen(app);
});

afterAll(() => app.close());

beforeEach(() => {
  app.records.clear();
  service.reset();
  greedy.reset();
  service.setDelay(0);
});

const actions = [
  { id: 'offer-cloud', features: [{ topic: 'cloud' }] },
  { id: 'offer-security', features: [{ topic: 'security' }] },
  { id: 'offer-ai', features: [{ topic: 'ai' }] },
];

function post(path: string, body: unknown, headers: Record<string, string> = {}) {
  return rawRequest(origin, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

interface RankAnswer {
  ranking: { id: string; probability: number }[];
  eventId: string;
  rewardActionId: string;
}

async function rank(body: Record<string, unknown>, base = '/personalizer/v1.0'): Promise<RankAnswer> {
  const res = await post(`${base}/rank`, body);
  expect(res.status).toBe(201);
  return JSON.parse(res.text) as RankAnswer;
}

describe('rank', () => {
  test('201 with a ranking of every action, the eventId and a rewardActionId among the actions', async () => {
    const res = await post(
      '/personalizer/v1.0/rank',
      { contextFeatures: [{ device: 'mobile' }], actions, eventId: 'ev-1' },
      { origin: 'http://localhost:5555' },
    );
    expect(res.status).toBe(201);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5555');
    const a = JSON.parse(res.text) as RankAnswer;
    expect(a.eventId).toBe('ev-1');
    expect(actions.map((x) => x.id)).toContain(a.rewardActionId);
    expect(a.ranking[0]?.id).toBe(a.rewardActionId);
    expect(a.ranking.map((r) => r.id).sort()).toEqual(actions.map((x) => x.id).sort());
    const total = a.ranking.reduce((s, r) => s + r.probability, 0);
    expect(total).toBeCloseTo(1, 5);
    // Epsilon-greedy with ε = 0.2 over 3 actions: the chosen one 0.8 + 0.2/3, the others 0.2/3.
    expect(a.ranking[0]?.probability).toBeCloseTo(0.8 + 0.2 / 3, 5);
    expect(app.records.list('personalizer-rank')).toMatchObject([
      {
        kind: 'personalizer-rank',
        path: '/personalizer/v1.0/rank',
        body: { eventId: 'ev-1', actions },
        eventId: 'ev-1',
        answer: a,
      },
    ]);
  });

  test('generates an eventId when none is given, and honours excludedActions', async () => {
    const a = await rank({ actions, excludedActions: ['offer-cloud', 'offer-ai'] });
    expect(a.eventId).toMatch(/^[0-9a-f]{32}$/);
    expect(a.rewardActionId).toBe('offer-security');
    expect(a.ranking.find((r) => r.id === 'offer-cloud')?.probability).toBe(0);
  });

  test('the same seed gives the same decisions', async () => {
    const first: string[] = [];
    for (let i = 0; i < 20; i++) first.push((await rank({ actions })).rewardActionId);
    service.reset();
    const again: string[] = [];
    for (let i = 0; i < 20; i++) again.push((await rank({ actions })).rewardActionId);
    expect(again).toEqual(first);
    // ε = 0.2 explores now and then.
    expect(new Set(first).size).toBeGreaterThan(1);
  });

  test.each([
    ['no actions', { actions: [] }],
    ['actions not an array', { actions: 'offer-ai' }],
    ['an action without id', { actions: [{ features: [] }] }],
    ['duplicate ids', { actions: [{ id: 'a' }, { id: 'a' }] }],
    ['features not an array', { actions: [{ id: 'a', features: {} }] }],
    ['every action excluded', { actions: [{ id: 'a' }], excludedActions: ['a'] }],
    ['a bad eventId', { actions: [{ id: 'a' }], eventId: '' }],
  ])('400 for %s', async (_name, body) => {
    const res = await post('/personalizer/v1.0/rank', body);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({
      error: { code: 'BadRequest', message: expect.any(String) },
    });
    expect(app.records.list('personalizer-rank')).toHaveLength(1);
  });

  test('400 for a body that is not JSON', async () => {
    expect((await post('/personalizer/v1.0/rank', '{nope')).status).toBe(400);
  });

  test('validateRank accepts the documented shape', () => {
    expect(() =>
      validateRank({
        actions,
        contextFeatures: [],
        excludedActions: [],
        eventId: 'x',
        deferActivation: true,
      }),
    ).not.toThrow();
  });
});

describe('reward and activate', () => {
  test('the bandit learns from rewards: epsilon 0 picks the best-rewarded action', async () => {
    // Reward offer-ai whenever it is shown, nothing else.
    for (let i = 0; i < 3; i++) {
      const a = await rank({ actions, excludedActions: ['offer-cloud', 'offer-security'] }, '/greedy/v1.0');
      const res = await post(`/greedy/v1.0/events/${a.eventId}/reward`, { value: 1 });
      expect(res.status).toBe(204);
    }
    const cloud = await rank({ actions, excludedActions: ['offer-ai', 'offer-security'] }, '/greedy/v1.0');
    await post(`/greedy/v1.0/events/${cloud.eventId}/reward`, { value: 0.2 });
    expect(greedy.stats()).toEqual({
      'offer-ai': { count: 3, total: 3, mean: 1 },
      'offer-cloud': { count: 1, total: 0.2, mean: 0.2 },
    });
    for (let i = 0; i < 5; i++)
      expect((await rank({ actions }, '/greedy/v1.0')).rewardActionId).toBe('offer-ai');
  });

  test('a reward counts once per event; unknown events are accepted and ignored', async () => {
    const a = await rank({ actions, eventId: 'once' }, '/greedy/v1.0');
    await post('/greedy/v1.0/events/once/reward', { value: 1 });
    await post('/greedy/v1.0/events/once/reward', { value: 1 });
    expect((await post('/greedy/v1.0/events/unknown/reward', { value: 1 })).status).toBe(204);
    expect(greedy.stats()).toEqual({ [a.rewardActionId]: { count: 1, total: 1, mean: 1 } });
    expect(app.records.list('personalizer-reward')).toMatchObject([
      { eventId: 'once', body: { value: 1 }, path: '/greedy/v1.0/events/once/reward' },
      { eventId: 'once' },
      { eventId: 'unknown' },
    ]);
  });

  test('a deferred event learns only after activate (204)', async () => {
    const a = await rank({ actions, eventId: 'deferred', deferActivation: true }, '/greedy/v1.0');
    await post('/greedy/v1.0/events/deferred/reward', { value: 1 });
    expect(greedy.stats()).toEqual({});
    const act = await post('/greedy/v1.0/events/deferred/activate', '');
    expect(act.status).toBe(204);
    await post('/greedy/v1.0/events/deferred/reward', { value: 0.5 });
    expect(greedy.stats()).toEqual({ [a.rewardActionId]: { count: 1, total: 0.5, mean: 0.5 } });
    expect(app.records.list('personalizer-activate')).toMatchObject([
      { kind: 'personalizer-activate', eventId: 'deferred', body: null },
    ]);
  });

  test('a reward value outside 0..1 or missing: 400', async () => {
    for (const body of [{ value: 2 }, { value: -0.1 }, { value: '1' }, {}]) {
      expect((await post('/personalizer/v1.0/events/x/reward', body)).status).toBe(400);
    }
  });

  test('event ids are URL-decoded', async () => {
    await rank({ actions, eventId: 'a b/c' }, '/greedy/v1.0');
    await post(`/greedy/v1.0/events/${encodeURIComponent('a b/c')}/reward`, { value: 1 });
    expect(Object.values(greedy.stats())).toEqual([{ count: 1, total: 1, mean: 1 }]);
  });
});

describe('switches and plumbing', () => {
  test('the delay switch (POST /__collector/personalizer/delay) delays rank answers', async () => {
    const set = await post('/__collector/personalizer/delay', { ms: 300 });
    expect(set.status).toBe(200);
    expect(JSON.parse(set.text)).toEqual({ delayMs: 300 });
    const t0 = Date.now();
    await rank({ actions });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(280);
    // Recorded on arrival, before the answer.
    expect(app.records.list('personalizer-rank')).toHaveLength(1);
    await post('/__collector/personalizer/delay', { ms: 0 });
    const t1 = Date.now();
    await rank({ actions });
    expect(Date.now() - t1).toBeLessThan(250);
    expect((await post('/__collector/personalizer/delay', { ms: -1 })).status).toBe(400);
    // Longer than a Node timer can wait (it would fire after 1 ms): refused, not accepted and ignored.
    expect((await post('/__collector/personalizer/delay', { ms: 3_000_000_000 })).status).toBe(400);
  });

  test('another website cannot drive the switches: a foreign Origin gets 403 and changes nothing', async () => {
    const foreign = { origin: 'https://evil.example' };
    expect((await post('/__collector/personalizer/delay', { ms: 300 }, foreign)).status).toBe(403);
    const t0 = Date.now();
    await rank({ actions });
    expect(Date.now() - t0).toBeLessThan(250);
    await rank({ actions });
    expect((await post('/__collector/personalizer/reset', '', foreign)).status).toBe(403);
    expect(
      Object.keys(service.stats()).length + app.records.list('personalizer-rank').length,
    ).toBeGreaterThan(0);
    expect((await post('/__collector/personalizer/delay', { ms: 0 }, { origin })).status).toBe(200);
  });

  test('a client that gives up during the delay does not break the service', async () => {
    service.setDelay(200);
    const { request } = await import('node:http');
    const { hostname, port } = new URL(origin);
    await new Promise<void>((resolve) => {
      const req = request({ hostname, port, path: '/personalizer/v1.0/rank', method: 'POST' });
      req.on('error', () => resolve());
      req.end(JSON.stringify({ actions }));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    await new Promise((r) => setTimeout(r, 250));
    service.setDelay(0);
    expect((await rank({ actions })).rewardActionId).toBeTruthy();
  });

  test('reset forgets what was learnt (POST /__collector/personalizer/reset)', async () => {
    const a = await rank({ actions });
    await post(`/personalizer/v1.0/events/${a.eventId}/reward`, { value: 1 });
    expect(Object.keys(service.stats())).toHaveLength(1);
    expect((await post('/__collector/personalizer/reset', '')).status).toBe(204);
    expect(service.stats()).toEqual({});
  });

  test('preflight, wrong methods and other paths', async () => {
    const pre = await rawRequest(origin, '/personalizer/v1.0/rank', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5555',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('http://localhost:5555');
    expect(pre.headers['access-control-allow-headers']).toBe('content-type');
    expect((await rawRequest(origin, '/personalizer/v1.0/rank')).status).toBe(405);
    expect((await post('/personalizer/v1.0/other', {})).status).toBe(404);
  });
});
