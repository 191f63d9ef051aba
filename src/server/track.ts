/**
 * A local Application Insights ingestion endpoint: `POST /v2/track` and `POST /v2.1/track`, the
 * protocol the JS SDK speaks. Bodies are a JSON array of envelopes or newline-delimited envelopes,
 * sent as `application/json`, `text/plain` (sendBeacon) or `application/x-json-stream`, optionally
 * `Content-Encoding: gzip`. The answer is `200 {itemsReceived, itemsAccepted, errors: []}`, or `206`
 * with `errors: [{index, statusCode, message}]` (index ascending, one per item not accepted) when an
 * item is invalid (400, not retried by the SDK) or made to fail by the switch (a retriable code, so
 * that the SDK resends only those items). A body that is not envelopes at all gets 400.
 * Owns: parsing, validation, the fail switch (`failNext`, or `POST /__collector/track/fail-next`
 * with the same JSON) and the records: one `appinsights` record per accepted envelope (body = the
 * envelope) and one `appinsights-batch` record per request (body = its answer and facts).
 */
import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { DEFAULT_MAX_BODY_BYTES } from './collectors.js';
import { corsHeaders, refuseOtherOrigin } from './cors.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { type CollectedRecord, type JsonValue, pickHeaders } from './records.js';
import type { RequestContext, RouteHandler } from './route.js';
import { type ResponseHeaders, sendEmpty, sendJson, sendText } from './send.js';

/** The ingestion paths. */
export const TRACK_PATHS: readonly string[] = ['/v2/track', '/v2.1/track'];
/** The switch's control path. */
export const TRACK_FAIL_PATH = '/__collector/track/fail-next';
/** Request headers the SDK may send cross-origin, allowed by the preflight. */
export const TRACK_ALLOWED_HEADERS = [
  'Content-Type',
  'Content-Encoding',
  'Sdk-Context',
  'Request-Id',
  'Request-Context',
  'traceparent',
  'tracestate',
  'X-Set-Cross-Origin-Resource-Policy',
] as const;
const CONTENT_TYPES = ['application/json', 'text/plain', 'application/x-json-stream'];

/** Which items of upcoming requests fail, and how. */
export interface TrackFailures {
  /** How many upcoming requests the switch applies to (default 1); 0 clears it. */
  requests?: number;
  /** Fail the first `count` items of each such request (default 1), unless `indexes` is given. */
  count?: number;
  /** Fail exactly these item indexes (those present in the request). */
  indexes?: number[];
  /** The per-item status code (default 503; 408, 429, 500, 502, 503 and 504 are retried by the SDK). */
  statusCode?: number;
}

/** One item error of a 206 answer. */
export interface TrackError {
  index: number;
  statusCode: number;
  message: string;
}

/** The ingestion answer. */
export interface TrackResponse {
  itemsReceived: number;
  itemsAccepted: number;
  errors: TrackError[];
}

/** Options of `trackCollector`. */
export interface TrackCollectorOptions {
  /** Bound on the body, compressed and decompressed alike (default 1 MiB); beyond it 413. */
  maxBodyBytes?: number;
  /** The switch's initial state (e.g. fail one item of the first request). */
  failNext?: TrackFailures;
}

/** The route handler, with the switch reachable in-process too. */
export type TrackCollector = RouteHandler & {
  /** Sets (replaces) the switch. */
  failNext(failures: TrackFailures): void;
  /** The switch's current state, undefined when off. */
  pendingFailures(): TrackFailures | undefined;
};

/** Why a body could not be read as envelopes. */
class BadBody extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

/** The items of a body: a JSON array, or one JSON value per non-blank line. Unparseable lines stay as `Error`s. */
export function parseEnvelopes(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new BadBody(400, 'Empty payload');
  if (trimmed.startsWith('[')) {
    try {
      const all: unknown = JSON.parse(trimmed);
      if (Array.isArray(all)) return all;
    } catch {
      // Not one JSON array: try line by line below.
    }
  }
  const items: unknown[] = [];
  for (const line of trimmed.split(/\r?\n/)) {
    if (line.trim() === '') continue;
    try {
      items.push(JSON.parse(line));
    } catch (e) {
      items.push(new Error(`Invalid JSON: ${(e as Error).message}`));
    }
  }
  if (items.length === 1 && items[0] instanceof Error && trimmed.startsWith('[')) {
    throw new BadBody(400, (items[0] as Error).message);
  }
  return items;
}

/** Why an item is not a valid envelope (as the service words it), or undefined when it is one. */
export function envelopeProblem(item: unknown): string | undefined {
  if (item instanceof Error) return item.message;
  if (typeof item !== 'object' || item === null || Array.isArray(item))
    return 'Item is not an envelope object';
  const env = item as Record<string, unknown>;
  for (const field of ['name', 'time', 'iKey'] as const) {
    if (typeof env[field] !== 'string' || env[field] === '') {
      return `Field '${field}' on type 'Envelope' is required but missing or empty. Expected: string, Actual: ${
        env[field] === undefined ? 'undefined' : typeof env[field]
      }`;
    }
  }
  if (Number.isNaN(Date.parse(env.time as string)))
    return `Field 'time' on type 'Envelope' is not a valid date`;
  const data = env.data as Record<string, unknown> | undefined;
  if (
    typeof data !== 'object' ||
    data === null ||
    typeof data.baseType !== 'string' ||
    data.baseType === ''
  ) {
    return "Field 'baseType' on type 'Data' is required but missing or empty";
  }
  return undefined;
}

/** The item indexes the switch fails in a request of `n` items. */
function failingIndexes(f: TrackFailures, n: number): number[] {
  if (f.indexes) return [...new Set(f.indexes)].filter((i) => Number.isInteger(i) && i >= 0 && i < n);
  return Array.from({ length: Math.min(n, Math.max(0, f.count ?? 1)) }, (_, i) => i);
}

function normalize(f: TrackFailures): TrackFailures | undefined {
  const requests = f.requests ?? 1;
  if (!(Number.isInteger(requests) && requests > 0)) return undefined;
  const statusCode = f.statusCode ?? 503;
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) {
    throw new BadBody(400, 'statusCode must be an HTTP status code');
  }
  if (f.count !== undefined && !(Number.isInteger(f.count) && f.count >= 0)) {
    throw new BadBody(400, 'count must be a non-negative integer');
  }
  if (f.indexes !== undefined && !(Array.isArray(f.indexes) && f.indexes.every((i) => Number.isInteger(i)))) {
    throw new BadBody(400, 'indexes must be an array of integers');
  }
  return { requests, count: f.count ?? 1, statusCode, ...(f.indexes && { indexes: [...f.indexes] }) };
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

function record(req: IncomingMessage, ctx: RequestContext, kind: string, body: JsonValue): CollectedRecord {
  const headers = pickHeaders(req.headers);
  for (const name of ['content-encoding', 'content-length', 'sdk-context', 'traceparent', 'request-id']) {
    const v = req.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  return {
    kind,
    time: Date.now(),
    method: req.method ?? 'POST',
    path: ctx.url.pathname,
    query: Object.fromEntries(ctx.url.searchParams),
    headers,
    body,
    server: ctx.origin,
  };
}

function preflightHeaders(req: IncomingMessage): ResponseHeaders {
  const requested = (req.headers['access-control-request-headers'] ?? '')
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  const allowed = [...new Set([...TRACK_ALLOWED_HEADERS, ...requested])];
  return {
    ...corsHeaders(req),
    'Access-Control-Allow-Methods': 'POST, OPTIONS',
    'Access-Control-Allow-Headers': allowed.join(', '),
    'Access-Control-Max-Age': 600,
    Vary: 'Origin, Access-Control-Request-Headers',
    ...(req.headers['access-control-request-private-network'] === 'true' && {
      'Access-Control-Allow-Private-Network': 'true',
    }),
  };
}

/** Creates the ingestion route (see the module header). */
export function trackCollector(options: TrackCollectorOptions = {}): TrackCollector {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  let failures = options.failNext ? normalize(options.failNext) : undefined;

  const control = async (req: IncomingMessage, res: Parameters<RouteHandler>[1]): Promise<void> => {
    const cors = corsHeaders(req);
    if (req.method !== 'POST') {
      sendText(req, res, 405, '405 Method Not Allowed', { ...cors, Allow: 'POST' });
      return;
    }
    try {
      const text = (await readBody(req, 64 * 1024)).toString('utf8').trim();
      const spec = (text === '' ? {} : JSON.parse(text)) as TrackFailures;
      if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
        throw new BadBody(400, 'expected an object');
      failures = normalize(spec);
    } catch (e) {
      sendText(req, res, 400, `400 Bad Request: ${(e as Error).message}`, cors);
      return;
    }
    sendJson(req, res, 200, { failNext: failures ?? null }, cors);
  };

  const handler: RouteHandler = async (req, res, ctx) => {
    const path = ctx.url.pathname;
    if (path === TRACK_FAIL_PATH) {
      if (!refuseOtherOrigin(req, res, ctx)) await control(req, res);
      return true;
    }
    if (!TRACK_PATHS.includes(path)) return false;
    if (req.method === 'OPTIONS') {
      sendEmpty(res, 204, preflightHeaders(req));
      return true;
    }
    const cors = corsHeaders(req);
    if (req.method !== 'POST') {
      sendText(req, res, 405, '405 Method Not Allowed', { ...cors, Allow: 'POST, OPTIONS' });
      return true;
    }
    const type = mediaType(req);
    if (type !== '' && !CONTENT_TYPES.includes(type)) {
      req.resume();
      sendJson(
        req,
        res,
        415,
        answerOf(0, [{ index: 0, statusCode: 415, message: `Unsupported Content-Type ${type}` }]),
        cors,
      );
      return true;
    }

    let items: unknown[];
    try {
      let bytes = await readBody(req, limit);
      const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
      if (encoding === 'gzip' || encoding === 'x-gzip') {
        try {
          bytes = gunzipSync(bytes, { maxOutputLength: limit });
        } catch (e) {
          if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError) {
            throw new BodyTooLargeError(limit);
          }
          throw new BadBody(400, 'Body is not valid gzip');
        }
      } else if (encoding !== 'identity' && encoding !== '') {
        throw new BadBody(415, `Unsupported Content-Encoding ${encoding}`);
      }
      items = parseEnvelopes(bytes.toString('utf8'));
    } catch (e) {
      if (e instanceof BodyTooLargeError) {
        sendText(req, res, 413, '413 Payload Too Large', { ...cors, Connection: 'close' });
        return true;
      }
      if (!(e instanceof BadBody)) throw e;
      ctx.records.add(record(req, ctx, 'appinsights-batch', { status: e.status, error: e.message }));
      sendJson(
        req,
        res,
        e.status,
        answerOf(0, [{ index: 0, statusCode: e.status, message: e.message }]),
        cors,
      );
      return true;
    }

    const errors: TrackError[] = [];
    const failing = new Set<number>();
    let failStatus = 503;
    if (failures) {
      const f = failures;
      for (const i of failingIndexes(f, items.length)) failing.add(i);
      failStatus = f.statusCode ?? failStatus;
      f.requests = (f.requests ?? 1) - 1;
      if (f.requests <= 0) failures = undefined;
    }
    const accepted: JsonValue[] = [];
    items.forEach((item, index) => {
      const problem = envelopeProblem(item);
      if (problem !== undefined) errors.push({ index, statusCode: 400, message: problem });
      else if (failing.has(index)) {
        errors.push({
          index,
          statusCode: failStatus,
          message: 'Failed by the collector switch (retry test)',
        });
      } else accepted.push(item as JsonValue);
    });
    const answer: TrackResponse = {
      itemsReceived: items.length,
      itemsAccepted: accepted.length,
      errors,
    };
    for (const env of accepted) ctx.records.add(record(req, ctx, 'appinsights', env));
    ctx.records.add(
      record(req, ctx, 'appinsights-batch', {
        status: errors.length ? 206 : 200,
        ...(answer as unknown as { [key: string]: JsonValue }),
      }),
    );
    sendJson(req, res, errors.length ? 206 : 200, answer, cors);
    return true;
  };

  return Object.assign(handler, {
    failNext(f: TrackFailures) {
      failures = normalize(f);
    },
    pendingFailures() {
      return failures && { ...failures };
    },
  });
}

/** An answer where every item of `errors` was refused. */
function answerOf(received: number, errors: TrackError[]): TrackResponse {
  return { itemsReceived: received, itemsAccepted: 0, errors };
}
