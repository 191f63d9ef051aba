// @vitest-environment node
// The Application Insights ingestion collector over real sockets: every body form (JSON array,
// newline-delimited, text/plain beacons, gzip), the CORS preflight, the {itemsReceived,
// itemsAccepted, errors} answers, invalid envelopes (206 with 400 items), the fail switch (206 with
// retriable items) and what gets recorded.
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { type App, createApp, listen, trackCollector } from '../../../src/server/index.js';
import { envelopeProblem, parseEnvelopes } from '../../../src/server/track.js';
import { rawRequest } from './raw-request.js';

let app: App;
let origin: string;
const track = trackCollector({ maxBodyBytes: 64 * 1024 });

beforeAll(async () => {
  app = createApp({ handlers: [track], collectors: false });
  origin = await listen(app);
});

afterAll(() => app.close());

beforeEach(() => {
  app.records.clear();
  track.failNext({ requests: 0 });
});

let n = 0;
function envelope(over: Record<string, unknown> = {}): Record<string, unknown> {
  n++;
  return {
    name: 'Microsoft.ApplicationInsights.00000000000040008000000000000001.Event',
    time: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, n)).toISOString(),
    iKey: '00000000-0000-4000-8000-000000000001',
    tags: { 'ai.cloud.role': 'www-example-se', 'ai.internal.sdkVersion': 'javascript:3.4.4' },
    data: {
      baseType: 'EventData',
      baseData: { ver: 2, name: `event-${n}`, properties: { eventId: `e${n}` } },
    },
    ...over,
  };
}

function post(body: string | Buffer, headers: Record<string, string> = {}, path = '/v2/track') {
  return rawRequest(origin, path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body,
  });
}

const answer = (text: string) =>
  JSON.parse(text) as {
    itemsReceived: number;
    itemsAccepted: number;
    errors: { index: number; statusCode: number; message: string }[];
  };

describe('track collector: body forms', () => {
  test('a JSON array of envelopes: 200, counts, one record per envelope', async () => {
    const items = [envelope(), envelope(), envelope()];
    const res = await post(JSON.stringify(items), { origin: 'http://localhost:5555' });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5555');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(answer(res.text)).toEqual({ itemsReceived: 3, itemsAccepted: 3, errors: [] });
    const records = app.records.list('appinsights');
    expect(records.map((r) => r.body)).toEqual(items);
    expect(records[0]).toMatchObject({
      kind: 'appinsights',
      method: 'POST',
      path: '/v2/track',
      headers: { 'content-type': 'application/json', origin: 'http://localhost:5555' },
      server: origin,
    });
    expect(app.records.list('appinsights-batch')).toMatchObject([
      { body: { status: 200, itemsReceived: 3, itemsAccepted: 3, errors: [] } },
    ]);
  });

  test('newline-delimited envelopes (application/x-json-stream), blank lines ignored', async () => {
    const items = [envelope(), envelope()];
    const body = `${items.map((i) => JSON.stringify(i)).join('\n')}\n\n`;
    const res = await post(body, { 'content-type': 'application/x-json-stream' });
    expect(res.status).toBe(200);
    expect(answer(res.text)).toEqual({ itemsReceived: 2, itemsAccepted: 2, errors: [] });
    expect(app.records.list('appinsights').map((r) => r.body)).toEqual(items);
  });

  test('a text/plain beacon with a JSON array', async () => {
    const items = [envelope()];
    const res = await post(JSON.stringify(items), { 'content-type': 'text/plain;charset=UTF-8' });
    expect(res.status).toBe(200);
    expect(answer(res.text).itemsAccepted).toBe(1);
    expect(app.records.list('appinsights')[0]?.headers['content-type']).toBe('text/plain;charset=UTF-8');
  });

  test('a gzip body (Content-Encoding: gzip), JSON array and newline-delimited', async () => {
    const items = [envelope(), envelope()];
    const a = await post(gzipSync(JSON.stringify(items)), { 'content-encoding': 'gzip' });
    expect(a.status).toBe(200);
    expect(answer(a.text)).toEqual({ itemsReceived: 2, itemsAccepted: 2, errors: [] });
    const b = await post(gzipSync(items.map((i) => JSON.stringify(i)).join('\r\n')), {
      'content-encoding': 'gzip',
      'content-type': 'application/x-json-stream',
    });
    expect(answer(b.text).itemsAccepted).toBe(2);
    const records = app.records.list('appinsights');
    expect(records.map((r) => r.body)).toEqual([...items, ...items]);
    expect(records[0]?.headers['content-encoding']).toBe('gzip');
  });

  test('/v2.1/track is the same endpoint', async () => {
    const res = await post(JSON.stringify([envelope()]), {}, '/v2.1/track');
    expect(res.status).toBe(200);
    expect(app.records.list('appinsights')[0]?.path).toBe('/v2.1/track');
  });

  test('parseEnvelopes: one JSON array, or one value per line', () => {
    expect(parseEnvelopes('[{"a":1},{"a":2}]')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseEnvelopes('{"a":1}\n{"a":2}\n')).toEqual([{ a: 1 }, { a: 2 }]);
    expect(parseEnvelopes('{"a":1}')).toEqual([{ a: 1 }]);
    const mixed = parseEnvelopes('{"a":1}\n{oops\n{"a":3}');
    expect(mixed[1]).toBeInstanceOf(Error);
    expect(() => parseEnvelopes('  ')).toThrow('Empty payload');
  });
});

describe('track collector: CORS', () => {
  test('the preflight allows POST and the SDK headers, echoing the origin', async () => {
    const res = await rawRequest(origin, '/v2/track', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5555',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,sdk-context,x-custom',
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('http://localhost:5555');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-allow-methods']).toContain('POST');
    const allowed = String(res.headers['access-control-allow-headers'])
      .split(',')
      .map((h) => h.trim().toLowerCase());
    for (const h of [
      'content-type',
      'content-encoding',
      'sdk-context',
      'request-id',
      'traceparent',
      'x-custom',
    ]) {
      expect(allowed).toContain(h);
    }
    expect(app.records.list()).toEqual([]);
  });
});

describe('track collector: partial success', () => {
  test('an invalid envelope is a 400 item in a 206 answer; the others are accepted', async () => {
    const ok1 = envelope();
    const noTime = envelope({ time: undefined });
    const ok2 = envelope();
    const noBaseType = envelope({ data: { baseData: {} } });
    const res = await post(JSON.stringify([ok1, noTime, ok2, noBaseType, 'x', { iKey: 'k' }]));
    expect(res.status).toBe(206);
    const a = answer(res.text);
    expect(a.itemsReceived).toBe(6);
    expect(a.itemsAccepted).toBe(2);
    expect(a.errors.length).toBe(a.itemsReceived - a.itemsAccepted);
    expect(a.errors.map((e) => [e.index, e.statusCode])).toEqual([
      [1, 400],
      [3, 400],
      [4, 400],
      [5, 400],
    ]);
    expect(a.errors[0]?.message).toContain("'time'");
    expect(a.errors[1]?.message).toContain("'baseType'");
    expect(app.records.list('appinsights').map((r) => r.body)).toEqual([ok1, ok2]);
  });

  test('envelopeProblem checks name, time, iKey and data.baseType', () => {
    expect(envelopeProblem(envelope())).toBeUndefined();
    expect(envelopeProblem(envelope({ name: '' }))).toContain("'name'");
    expect(envelopeProblem(envelope({ iKey: 1 }))).toContain("'iKey'");
    expect(envelopeProblem(envelope({ time: 'yesterday' }))).toContain('valid date');
    expect(envelopeProblem([])).toBeDefined();
  });

  test('an unparseable line of a newline-delimited body is a 400 item', async () => {
    const res = await post(`${JSON.stringify(envelope())}\n{broken\n`, {
      'content-type': 'application/x-json-stream',
    });
    expect(res.status).toBe(206);
    expect(answer(res.text)).toMatchObject({
      itemsReceived: 2,
      itemsAccepted: 1,
      errors: [{ index: 1, statusCode: 400 }],
    });
  });

  test('the switch (POST /__collector/track/fail-next) fails the first `count` items with a retriable code, once', async () => {
    const set = await rawRequest(origin, '/__collector/track/fail-next', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ count: 2, statusCode: 500 }),
    });
    expect(set.status).toBe(200);
    expect(JSON.parse(set.text)).toEqual({ failNext: { requests: 1, count: 2, statusCode: 500 } });
    const items = [envelope(), envelope(), envelope()];
    const res = await post(JSON.stringify(items));
    expect(res.status).toBe(206);
    const a = answer(res.text);
    expect(a).toMatchObject({ itemsReceived: 3, itemsAccepted: 1 });
    expect(a.errors.length).toBe(a.itemsReceived - a.itemsAccepted);
    expect(a.errors.map((e) => [e.index, e.statusCode])).toEqual([
      [0, 500],
      [1, 500],
    ]);
    expect(app.records.list('appinsights').map((r) => r.body)).toEqual([items[2]]);
    // The retry of the failed items is accepted: the switch is used up.
    const retry = await post(JSON.stringify(items.slice(0, 2)));
    expect(retry.status).toBe(200);
    expect(answer(retry.text)).toEqual({ itemsReceived: 2, itemsAccepted: 2, errors: [] });
    expect(app.records.list('appinsights').map((r) => r.body)).toEqual([items[2], items[0], items[1]]);
    expect(app.records.list('appinsights-batch').map((r) => (r.body as { status: number }).status)).toEqual([
      206, 200,
    ]);
  });

  test('the switch with indexes, a default 503, over several requests (in-process API)', async () => {
    track.failNext({ indexes: [1, 7], requests: 2 });
    expect(track.pendingFailures()).toMatchObject({ requests: 2, statusCode: 503, indexes: [1, 7] });
    for (let i = 0; i < 2; i++) {
      const res = await post(JSON.stringify([envelope(), envelope()]));
      expect(res.status).toBe(206);
      expect(answer(res.text).errors).toEqual([
        { index: 1, statusCode: 503, message: expect.stringContaining('switch') },
      ]);
    }
    expect(track.pendingFailures()).toBeUndefined();
    expect((await post(JSON.stringify([envelope(), envelope()]))).status).toBe(200);
  });

  test('an invalid item next to a switched one: both reported, ascending', async () => {
    track.failNext({ indexes: [2], statusCode: 429 });
    const res = await post(JSON.stringify([envelope(), envelope({ iKey: '' }), envelope()]));
    expect(answer(res.text).errors.map((e) => [e.index, e.statusCode])).toEqual([
      [1, 400],
      [2, 429],
    ]);
  });

  test('another website cannot arm the switch: a foreign Origin gets 403', async () => {
    const res = await rawRequest(origin, '/__collector/track/fail-next', {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
      body: '{"count": 1}',
    });
    expect(res.status).toBe(403);
    expect(track.pendingFailures()).toBeUndefined();
  });

  test('the switch refuses a malformed setting', async () => {
    const res = await rawRequest(origin, '/__collector/track/fail-next', {
      method: 'POST',
      body: '{"statusCode": "soon"}',
    });
    expect(res.status).toBe(400);
    expect(track.pendingFailures()).toBeUndefined();
  });
});

describe('track collector: refused requests', () => {
  test('bodies that are not envelopes at all: 400', async () => {
    expect((await post('')).status).toBe(400);
    expect((await post('[1, 2')).status).toBe(400);
    expect((await post(Buffer.from('not gzip'), { 'content-encoding': 'gzip' })).status).toBe(400);
    expect(app.records.list('appinsights')).toEqual([]);
  });

  test('unsupported content type or encoding: 415; wrong method: 405; too large: 413', async () => {
    expect((await post('[]', { 'content-type': 'application/xml' })).status).toBe(415);
    expect((await post('[]', { 'content-encoding': 'br' })).status).toBe(415);
    expect((await rawRequest(origin, '/v2/track')).status).toBe(405);
    const big = JSON.stringify([envelope({ pad: 'x'.repeat(70 * 1024) })]);
    expect((await post(big)).status).toBe(413);
    // A gzip bomb: small on the wire, too large once decompressed.
    expect((await post(gzipSync('['.padEnd(200 * 1024, ' ')), { 'content-encoding': 'gzip' })).status).toBe(
      413,
    );
  });

  test('other paths are left to the next handler', async () => {
    expect((await rawRequest(origin, '/v2/other', { method: 'POST', body: '[]' })).status).toBe(404);
  });
});
