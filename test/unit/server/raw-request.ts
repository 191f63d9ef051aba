/**
 * A tiny HTTP client for the server unit tests: sends the path exactly as given (no URL
 * normalisation, unlike fetch) with any headers, and returns status, headers and body bytes.
 */
import { type IncomingHttpHeaders, request } from 'node:http';

/** What `rawRequest` resolves with. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

/** Sends one request to `origin` + `path` (path sent verbatim). */
export function rawRequest(
  origin: string,
  path: string,
  init: { method?: string; headers?: Record<string, string | number>; body?: string | Buffer } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const req = request(
      { hostname, port, path, method: init.method ?? 'GET', headers: init.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text: body.toString('utf8') });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}
