/**
 * Small response helpers shared by the routes: plain text, JSON and empty answers.
 * Owns: the headers common to every non-HTML answer (`Cache-Control: no-store`, `nosniff`).
 * Does not own HTML pages (html.ts) or static files (static-files.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Extra response headers. */
export type ResponseHeaders = Record<string, string | number>;

/** Sends `body` with `status` and `contentType`; HEAD requests get the headers only. */
export function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  headers: ResponseHeaders = {},
): void {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': bytes.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** Sends a one-line plain-text answer such as `404 Not Found`. */
export function sendText(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  text: string,
  headers: ResponseHeaders = {},
): void {
  send(req, res, status, `${text}\n`, 'text/plain; charset=utf-8', headers);
}

/** Sends `value` as JSON. */
export function sendJson(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: ResponseHeaders = {},
): void {
  send(req, res, status, JSON.stringify(value), 'application/json; charset=utf-8', headers);
}

/** Sends an empty answer (204 by default). */
export function sendEmpty(res: ServerResponse, status = 204, headers: ResponseHeaders = {}): void {
  res.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
  res.end();
}
