/**
 * Node only: the SRI hashes of a built runtime, read from its folder (the entry file and every
 * `chunks/*.js` beside it), for the snippet's integrity attribute and import map. Owns no markup.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** `sha384-…` of `bytes`. */
export const sri = (bytes: string | Uint8Array): string =>
  `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

/** The runtime entry's SRI and each chunk's, by its path relative to the entry's folder. */
export function runtimeIntegrity(entryFile: string): { integrity: string; chunks: Record<string, string> } {
  const dir = join(dirname(entryFile), 'chunks');
  const chunks: Record<string, string> = {};
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.js'));
  } catch {
    // A runtime without lazy chunks.
  }
  for (const n of names.sort()) chunks[`chunks/${n}`] = sri(readFileSync(join(dir, n)));
  return { integrity: sri(readFileSync(entryFile)), chunks };
}
