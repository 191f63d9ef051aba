/**
 * Static files from a directory on disk: path resolution that cannot leave the directory,
 * content types, and the headers that let a second origin load scripts with `crossorigin` + SRI.
 * Owns: `resolveInside`, `contentTypeOf`, `serveFile`, and the caching headers of a cached mount. HTML
 * files go through `sendHtml` (nonce, CSP); everything else is sent as bytes. Does not own which URL
 * prefix maps to which directory.
 */
import { createHash } from 'node:crypto';
import { realpathSync, statSync } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, resolve, sep } from 'node:path';
import { sendHtml } from './html.js';
import type { RequestContext } from './route.js';
import { send, sendEmpty, sendText } from './send.js';

const TYPES: Readonly<Record<string, string>> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.woff2': 'font/woff2',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
};

/** The Content-Type for a file name, by extension; `application/octet-stream` when unknown. */
export function contentTypeOf(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** Why a URL path could not be mapped to a file inside the root. */
export type ResolveFailure = 'traversal' | 'bad-encoding';

/**
 * Maps a URL path (still percent-encoded, relative to the mount) to an absolute path inside
 * `root`, or a failure: `..` segments (also encoded ones such as `..%2f`), NUL bytes and
 * backslashes are traversal attempts; malformed percent-encoding is `bad-encoding`. A segment that starts
 * with a dot (`.dev-keys/`, `.env`, `.git/`) is `traversal` too: hidden files are never served.
 */
export function resolveInside(root: string, encodedPath: string): string | ResolveFailure {
  let decoded: string;
  try {
    decoded = decodeURIComponent(encodedPath);
  } catch {
    return 'bad-encoding';
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return 'traversal';
  if (decoded.split('/').some((segment) => segment.startsWith('.'))) return 'traversal';
  const base = resolve(root);
  const full = resolve(base, `.${sep}${decoded}`);
  if (full !== base && !full.startsWith(base + sep)) return 'traversal';
  return full;
}

/** True when `encodedPath` names a folder inside `root` (synchronously: only for a miss about to be a 404). */
export function resolveFolder(root: string, encodedPath: string): boolean {
  const full = resolveInside(root, encodedPath);
  if (full === 'traversal' || full === 'bad-encoding') return false;
  try {
    return statSync(full).isDirectory() && realpathSync(full).startsWith(realpathSync(root) + sep);
  } catch {
    return false;
  }
}

/**
 * Serves the file at `encodedPath` under `root` (GET and HEAD only). Resolves false when there is
 * no such regular file (the caller answers 404 or tries something else); answers 403 itself for
 * traversal attempts, including symlinks that point out of `root`.
 */
export async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  root: string,
  encodedPath: string,
  cached = false,
  cors = true,
): Promise<boolean> {
  const full = resolveInside(root, encodedPath);
  if (full === 'traversal') {
    sendText(req, res, 403, '403 Forbidden');
    return true;
  }
  if (full === 'bad-encoding') {
    sendText(req, res, 400, '400 Bad Request');
    return true;
  }
  let real: string;
  try {
    const info = await stat(full);
    if (!info.isFile()) return false;
    real = await realpath(full);
    const realRoot = await realpath(root);
    if (!real.startsWith(realRoot + sep)) {
      sendText(req, res, 403, '403 Forbidden');
      return true;
    }
  } catch {
    return false;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    sendText(req, res, 405, '405 Method Not Allowed', { Allow: 'GET, HEAD' });
    return true;
  }
  const bytes = await readFile(real);
  const type = contentTypeOf(real);
  if (type.startsWith('text/html')) {
    sendHtml(req, res, ctx, bytes.toString('utf8'));
    return true;
  }
  // A mount's files (the runtime, vendor scripts) get `Access-Control-Allow-Origin: *`, which lets pages on
  // another origin load them with `crossorigin` (needed for Subresource Integrity on cross-origin scripts).
  // A site's own page files do not: no other website may read them. An SVG opened as a page runs no script.
  const headers = {
    ...(cors && { 'Access-Control-Allow-Origin': '*' }),
    ...(type === 'image/svg+xml' && { 'Content-Security-Policy': "script-src 'none'" }),
  };
  if (!cached) {
    send(req, res, 200, bytes, type, headers);
    return true;
  }
  if (HASHED.test(real)) {
    send(req, res, 200, bytes, type, { ...headers, 'Cache-Control': IMMUTABLE });
    return true;
  }
  const etag = `"${createHash('sha256').update(bytes).digest('base64url').slice(0, 27)}"`;
  const validators = { ...headers, 'Cache-Control': 'no-cache', ETag: etag };
  const asked = String(req.headers['if-none-match'] ?? '');
  if (asked.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
    sendEmpty(res, 304, validators);
    return true;
  }
  send(req, res, 200, bytes, type, validators);
  return true;
}

/**
 * A file name that carries a content hash, as the runtime's chunks do (`chunks/queue-CwWqdg0x.js`): what it
 * names never changes, so a cached mount lets browsers keep it for a year without asking again.
 */
const HASHED = /-[\w-]{8}\.m?js$/;
const IMMUTABLE = 'public, max-age=31536000, immutable';
