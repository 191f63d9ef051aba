// @vitest-environment node
// The collectors and the records view over real sockets: what gets recorded, size bounds,
// CORS (preflight and actual responses), and GET /__records / POST /__records/clear.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  type App,
  type CollectedRecord,
  createApp,
  DEFAULT_MAX_BODY_BYTES,
  listen,
  PIXEL_GIF,
  RecordStore,
} from '../../../src/server/index.js';
import { rawRequest } from './raw-request.js';

let app: App;
let origin: string;
let small: App;
let smallOrigin: string;

beforeAll(async () => {
  app = createApp();
  origin = await listen(app);
  small = createApp({ collectors: { maxBodyBytes: 16 } });
  smallOrigin = await listen(small);
});

afterAll(async () => {
  await Promise.all([app.close(), small.close()]);
});

beforeEach(() => {
  app.records.clear();
  small.records.clear();
});

describe('pixel collector', () => {
  test('GET records the query parameters and answers an uncached 1×1 GIF', async () => {
    const res = await rawRequest(origin, '/collect/pixel?e=page_view&v=1&e2=%C3%A9', {
      headers: { referer: 'http://127.0.0.1/page', cookie: 'a=1', 'x-not-kept': 'x' },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('image/gif');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.body.equals(PIXEL_GIF)).toBe(true);
    expect(PIXEL_GIF.subarray(0, 6).toString('latin1')).toBe('GIF89a');
    const [record] = app.records.list('pixel');
    expect(record).toMatchObject({
      kind: 'pixel',
      method: 'GET',
      path: '/collect/pixel',
      query: { e: 'page_view', v: '1', e2: 'é' },
      body: null,
      server: origin,
    });
    expect(record?.headers).toMatchObject({ referer: 'http://127.0.0.1/page', cookie: 'a=1' });
    expect(record?.headers).not.toHaveProperty('x-not-kept');
    expect(typeof record?.time).toBe('number');
  });

  test('POST (sendBeacon) records the body text', async () => {
    const res = await rawRequest(origin, '/collect/pixel?via=beacon', {
      method: 'POST',
      headers: { 'content-type': 'text/plain;charset=UTF-8' },
      body: '{"not":"parsed"}',
    });
    expect(res.status).toBe(204);
    expect(app.records.list('pixel')).toMatchObject([
      { method: 'POST', query: { via: 'beacon' }, body: '{"not":"parsed"}' },
    ]);
  });
});

describe('named collectors', () => {
  test('a JSON body is recorded parsed under the collector name', async () => {
    const res = await rawRequest(origin, '/collect/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ event: 'purchase', items: [1, 2] }),
    });
    expect(res.status).toBe(204);
    expect(app.records.list('events')).toMatchObject([
      { kind: 'events', body: { event: 'purchase', items: [1, 2] } },
    ]);
    expect(app.records.list('pixel')).toEqual([]);
  });

  test('a text body is recorded as text and an empty body as null', async () => {
    await rawRequest(origin, '/collect/logs', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'hi',
    });
    await rawRequest(origin, '/collect/logs', { method: 'POST' });
    expect(app.records.list('logs').map((r) => r.body)).toEqual(['hi', null]);
  });

  test('malformed JSON is a 400 and is not recorded', async () => {
    const res = await rawRequest(origin, '/collect/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(res.status).toBe(400);
    expect(app.records.list()).toEqual([]);
  });

  test('a body over the bound is a 413 and is not recorded', async () => {
    const declared = await rawRequest(smallOrigin, '/collect/events', {
      method: 'POST',
      body: 'x'.repeat(17),
    });
    expect(declared.status).toBe(413);
    const exact = await rawRequest(smallOrigin, '/collect/events', { method: 'POST', body: 'x'.repeat(16) });
    expect(exact.status).toBe(204);
    expect(small.records.list().map((r) => r.body)).toEqual(['x'.repeat(16)]);
  });

  test('a chunked body that grows over the bound while streaming is a 413', async () => {
    const res = await rawRequest(smallOrigin, '/collect/pixel', {
      method: 'POST',
      headers: { 'transfer-encoding': 'chunked' },
      body: 'y'.repeat(64),
    });
    expect(res.status).toBe(413);
    expect(small.records.list()).toEqual([]);
  });

  test('the default bound is 1 MiB', async () => {
    expect(DEFAULT_MAX_BODY_BYTES).toBe(1024 * 1024);
    const over = await rawRequest(origin, '/collect/big', {
      method: 'POST',
      body: 'z'.repeat(1024 * 1024 + 1),
    });
    expect(over.status).toBe(413);
    const fits = await rawRequest(origin, '/collect/big', { method: 'POST', body: 'z'.repeat(1024 * 1024) });
    expect(fits.status).toBe(204);
  });

  test('other methods get 405 and bad names are not collectors', async () => {
    const get = await rawRequest(origin, '/collect/events');
    expect(get.status).toBe(405);
    expect(get.headers.allow).toBe('POST, OPTIONS');
    expect((await rawRequest(origin, '/collect/a%20b', { method: 'POST', body: 'x' })).status).toBe(404);
    expect(app.records.list()).toEqual([]);
  });
});

describe('CORS', () => {
  test('a preflight from another origin is allowed with credentials and the requested headers', async () => {
    const res = await rawRequest(origin, '/collect/events', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5555',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type',
        'access-control-request-private-network': 'true',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers).toMatchObject({
      'access-control-allow-origin': 'http://localhost:5555',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'POST, OPTIONS',
      'access-control-allow-headers': 'content-type',
      'access-control-allow-private-network': 'true',
    });
    expect(res.headers.vary).toContain('Origin');
    expect(app.records.list()).toEqual([]);
  });

  test('actual responses reflect the Origin, and answer * without one', async () => {
    const withOrigin = await rawRequest(origin, '/collect/pixel', {
      headers: { origin: 'http://localhost:1' },
    });
    expect(withOrigin.headers['access-control-allow-origin']).toBe('http://localhost:1');
    expect(withOrigin.headers['access-control-allow-credentials']).toBe('true');
    const post = await rawRequest(origin, '/collect/events', {
      method: 'POST',
      headers: { origin: 'http://localhost:1' },
      body: 'x',
    });
    expect(post.headers['access-control-allow-origin']).toBe('http://localhost:1');
    const without = await rawRequest(origin, '/collect/pixel');
    expect(without.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('records', () => {
  test('GET /__records lists records as JSON, filtered by kind', async () => {
    await rawRequest(origin, '/collect/pixel?n=1');
    await rawRequest(origin, '/collect/events', { method: 'POST', body: 'e' });
    const all = JSON.parse((await rawRequest(origin, '/__records')).text) as CollectedRecord[];
    expect(all.map((r) => r.kind)).toEqual(['pixel', 'events']);
    const res = await rawRequest(origin, '/__records?kind=events');
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-store');
    expect((JSON.parse(res.text) as CollectedRecord[]).map((r) => r.body)).toEqual(['e']);
  });

  test('POST /__records/clear empties the store and GET on it is 405', async () => {
    await rawRequest(origin, '/collect/pixel');
    expect((await rawRequest(origin, '/__records/clear')).status).toBe(405);
    expect((await rawRequest(origin, '/__records/clear', { method: 'POST' })).status).toBe(204);
    expect(app.records.list()).toEqual([]);
  });

  test('another website cannot clear the records (its Origin is refused); the own origin can', async () => {
    await rawRequest(origin, '/collect/pixel');
    const foreign = { method: 'POST', headers: { origin: 'https://evil.example' } };
    expect((await rawRequest(origin, '/__records/clear', foreign)).status).toBe(403);
    expect(app.records.list()).toHaveLength(1);
    const own = { method: 'POST', headers: { origin } };
    expect((await rawRequest(origin, '/__records/clear', own)).status).toBe(204);
    expect(app.records.list()).toEqual([]);
  });

  test('the store keeps at most its byte bound of JSON, dropping the oldest, and always the newest', () => {
    const store = new RecordStore(100, 5000);
    const big = (n: number) => ({
      kind: 'k',
      time: n,
      method: 'POST',
      path: '/',
      query: {},
      headers: {},
      body: 'x'.repeat(2000),
      server: '',
    });
    for (const n of [1, 2, 3, 4]) store.add(big(n));
    expect(store.list().map((r) => r.time)).toEqual([3, 4]);
    store.add({ ...big(5), body: 'y'.repeat(9000) });
    expect(store.list().map((r) => r.time)).toEqual([5]);
    store.clear();
    for (const n of [6, 7]) store.add(big(n));
    expect(store.list().map((r) => r.time)).toEqual([6, 7]);
  });

  test('waitFor resolves once enough records arrived and rejects on timeout', async () => {
    const store = new RecordStore();
    const waiting = store.waitFor('a', { count: 2, timeoutMs: 1000 });
    const record = { time: 0, method: 'GET', path: '/', query: {}, headers: {}, body: null, server: '' };
    store.add({ ...record, kind: 'a' });
    store.add({ ...record, kind: 'b' });
    store.add({ ...record, kind: 'a' });
    expect((await waiting).length).toBe(2);
    await expect(store.waitFor('c', { timeoutMs: 10 })).rejects.toThrow(/waiting for 1 "c" record/);
  });

  test('the store keeps at most its bound, dropping the oldest', () => {
    const store = new RecordStore(2);
    for (const n of [1, 2, 3]) {
      store.add({
        kind: 'k',
        time: n,
        method: 'GET',
        path: '/',
        query: {},
        headers: {},
        body: null,
        server: '',
      });
    }
    expect(store.list().map((r) => r.time)).toEqual([2, 3]);
  });
});
