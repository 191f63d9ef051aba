/**
 * The collectors tags send to: `GET /collect/pixel?...` (answers a 1×1 GIF), `POST /collect/pixel`
 * (sendBeacon) and `POST /collect/:name` (JSON or text bodies, size-bounded, 413 beyond).
 * Owns: turning those requests into records and their CORS answers (a second origin may post).
 * Does not own storage or the `/__records` view (records.ts).
 */
import type { IncomingMessage } from 'node:http';
import { answerPreflight, corsHeaders } from './cors.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { type CollectedRecord, type JsonValue, pickHeaders } from './records.js';
import type { RequestContext, RouteHandler } from './route.js';
import { send, sendEmpty, sendText } from './send.js';

/** A transparent 1×1 GIF (43 bytes). */
export const PIXEL_GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

/** The default bound on a collected body: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/** Options of `collectorsRoute`. */
export interface CollectorOptions {
  /** Bodies longer than this get 413 and are not recorded (default `DEFAULT_MAX_BODY_BYTES`). */
  maxBodyBytes?: number;
}

const PREFIX = '/collect/';
const NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || type.endsWith('+json');
}

function makeRecord(
  req: IncomingMessage,
  ctx: RequestContext,
  kind: string,
  body: JsonValue,
): CollectedRecord {
  return {
    kind,
    time: Date.now(),
    method: req.method ?? 'GET',
    path: ctx.url.pathname,
    query: Object.fromEntries(ctx.url.searchParams),
    headers: pickHeaders(req.headers),
    body,
    server: ctx.origin,
  };
}

/** The collector routes as one handler; see the module header for the URLs. */
export function collectorsRoute(options: CollectorOptions = {}): RouteHandler {
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  return async (req, res, ctx) => {
    const path = ctx.url.pathname;
    if (!path.startsWith(PREFIX)) return false;
    const kind = path.slice(PREFIX.length);
    if (!NAME.test(kind)) return false;
    const isPixel = kind === 'pixel';
    const methods = isPixel ? ['GET', 'POST', 'OPTIONS'] : ['POST', 'OPTIONS'];

    if (req.method === 'OPTIONS') {
      answerPreflight(req, res, methods);
      return true;
    }
    const cors = corsHeaders(req);
    if (isPixel && req.method === 'GET') {
      ctx.records.add(makeRecord(req, ctx, kind, null));
      send(req, res, 200, PIXEL_GIF, 'image/gif', cors);
      return true;
    }
    if (req.method !== 'POST') {
      sendText(req, res, 405, '405 Method Not Allowed', { ...cors, Allow: methods.join(', ') });
      return true;
    }

    let bytes: Buffer;
    try {
      bytes = await readBody(req, limit);
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      sendText(req, res, 413, '413 Payload Too Large', { ...cors, Connection: 'close' });
      return true;
    }
    const text = bytes.toString('utf8');
    let body: JsonValue = bytes.length === 0 ? null : text;
    if (!isPixel && bytes.length > 0 && isJsonType(req.headers['content-type'])) {
      try {
        body = JSON.parse(text) as JsonValue;
      } catch {
        sendText(req, res, 400, '400 Bad Request: body is not valid JSON', cors);
        return true;
      }
    }
    ctx.records.add(makeRecord(req, ctx, kind, body));
    sendEmpty(res, 204, cors);
    return true;
  };
}
