/**
 * CORS for the collectors, so that a page on a second origin can post to them, with credentials
 * (sendBeacon always sends credentials) and with non-safelisted content types (preflighted).
 * Owns: the response headers and the preflight answer. This is a test/demo server holding no
 * secrets, which is why any requesting origin is reflected.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestContext } from './route.js';
import type { ResponseHeaders } from './send.js';
import { sendEmpty, sendText } from './send.js';

/**
 * The control endpoints (clear the records, inject failures, set a delay) answer their own origin only: a
 * request that names another Origin gets 403, so that no website the developer visits can drive them. Tools
 * (curl, the tests' Node fetch) send no Origin. Resolves true when it answered.
 */
export function refuseOtherOrigin(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): boolean {
  const origin = req.headers.origin;
  if (origin === undefined || origin === ctx.origin) return false;
  sendText(req, res, 403, '403 Forbidden: a control endpoint answers its own origin only');
  return true;
}

/**
 * CORS headers for an actual (non-preflight) response: the request's Origin reflected with
 * credentials allowed, or `*` when there is no Origin header.
 */
export function corsHeaders(req: IncomingMessage): ResponseHeaders {
  const origin = req.headers.origin;
  if (origin === undefined) return { 'Access-Control-Allow-Origin': '*' };
  return {
    'Access-Control-Allow-Origin': origin,
    'Access-Control-Allow-Credentials': 'true',
    Vary: 'Origin',
  };
}

/**
 * Answers a CORS preflight (OPTIONS) with 204: allows `methods`, the requested headers, and a
 * Private Network Access request when one is made.
 * See https://fetch.spec.whatwg.org/#cors-preflight-fetch and https://wicg.github.io/private-network-access/.
 */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, methods: readonly string[]): void {
  const headers: ResponseHeaders = {
    ...corsHeaders(req),
    'Access-Control-Allow-Methods': methods.join(', '),
    'Access-Control-Max-Age': 600,
    Vary: 'Origin, Access-Control-Request-Headers',
  };
  const requested = req.headers['access-control-request-headers'];
  if (requested !== undefined) headers['Access-Control-Allow-Headers'] = requested;
  if (req.headers['access-control-request-private-network'] === 'true') {
    headers['Access-Control-Allow-Private-Network'] = 'true';
  }
  sendEmpty(res, 204, headers);
}
