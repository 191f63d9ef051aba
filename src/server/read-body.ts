/**
 * Reading a request body with a size bound.
 * Owns: `readBody` and `BodyTooLargeError` (the 413 case, detected from Content-Length before
 * reading or while streaming). Does not own what the body means.
 */
import type { IncomingMessage } from 'node:http';

/** The body (or its declared Content-Length) exceeds the bound. */
export class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`Request body larger than ${limit} bytes.`);
    this.name = 'BodyTooLargeError';
    this.limit = limit;
  }
}

/**
 * Reads the whole body of `req`, rejecting with `BodyTooLargeError` as soon as it is known to be
 * longer than `limit` bytes. The rest of an oversized body is drained and discarded, so the
 * client can still read the 413 answer.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const declared = Number(req.headers['content-length'] ?? '0');
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new BodyTooLargeError(limit));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return;
      size += chunk.length;
      if (size > limit) {
        tooLarge = true;
        chunks.length = 0;
        reject(new BodyTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!tooLarge) resolveBody(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
