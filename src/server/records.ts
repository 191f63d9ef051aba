/**
 * The in-memory log of everything the collectors received, and its HTTP view for tests:
 * `GET /__records?kind=...` (JSON array, oldest first) and `POST /__records/clear`.
 * Owns: `CollectedRecord`, `RecordStore`, `recordsRoute`. Does not own how a record is made
 * from a request (collectors.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { refuseOtherOrigin } from './cors.js';
import type { RouteHandler } from './route.js';
import { sendEmpty, sendJson, sendText } from './send.js';

/** A JSON value (what a JSON body parses to). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One request a collector received. */
export interface CollectedRecord {
  /** The collector: `pixel` for `/collect/pixel`, otherwise the `:name` of `POST /collect/:name`. */
  kind: string;
  /** When it arrived, in ms since the epoch. */
  time: number;
  method: string;
  /** The URL path, e.g. `/collect/pixel`. */
  path: string;
  /** Query parameters (a repeated name keeps its last value). */
  query: Record<string, string>;
  /** The request headers of `RECORDED_HEADERS` that were present, lower-case names. */
  headers: Record<string, string>;
  /** Parsed JSON for JSON bodies, the text for other bodies, null when there is none. */
  body: JsonValue;
  /** Origin of the listener that received it (tells first- from third-party origin apart). */
  server: string;
}

/** The request headers kept in a record. */
export const RECORDED_HEADERS = [
  'host',
  'origin',
  'referer',
  'content-type',
  'cookie',
  'user-agent',
  'sec-fetch-site',
  'sec-fetch-mode',
  'sec-fetch-dest',
  'sec-gpc',
  'dnt',
] as const;

/** The `RECORDED_HEADERS` subset of `headers`. */
export function pickHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of RECORDED_HEADERS) {
    const value = headers[name];
    if (value !== undefined) picked[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return picked;
}

/** Options of `RecordStore.waitFor`. */
export interface WaitOptions {
  /** How many records of the kind to wait for (default 1). */
  count?: number;
  /** Give up after this many ms (default 5000) and reject. */
  timeoutMs?: number;
}

/**
 * The records, oldest first; bounded to `max` records and `maxBytes` of JSON (the oldest are dropped beyond
 * either), so that a stream of large bodies cannot exhaust the server's memory or make the list unanswerable.
 */
export class RecordStore {
  readonly #records: CollectedRecord[] = [];
  readonly #sizes: number[] = [];
  #bytes = 0;
  readonly #listeners = new Set<() => void>();
  readonly #max: number;
  readonly #maxBytes: number;

  /** @param max the most records kept (default 10,000); @param maxBytes the most JSON kept (default 32 MiB). */
  constructor(max = 10_000, maxBytes = 32 * 1024 * 1024) {
    this.#max = max;
    this.#maxBytes = maxBytes;
  }

  /** Appends a record and wakes up `waitFor` callers. */
  add(record: CollectedRecord): void {
    const size = JSON.stringify(record).length;
    this.#records.push(record);
    this.#sizes.push(size);
    this.#bytes += size;
    let drop = Math.max(0, this.#records.length - this.#max);
    for (let bytes = this.#bytes; bytes > this.#maxBytes && drop < this.#records.length - 1; drop++)
      bytes -= this.#sizes[drop] ?? 0;
    if (drop) {
      this.#records.splice(0, drop);
      for (const s of this.#sizes.splice(0, drop)) this.#bytes -= s;
    }
    for (const listener of [...this.#listeners]) listener();
  }

  /** A copy of the records, oldest first, only those of `kind` when given. */
  list(kind?: string): CollectedRecord[] {
    return kind === undefined ? [...this.#records] : this.#records.filter((r) => r.kind === kind);
  }

  /** Forgets every record. */
  clear(): void {
    this.#records.length = 0;
    this.#sizes.length = 0;
    this.#bytes = 0;
  }

  /** Resolves with the records of `kind` once there are at least `count` of them; rejects on timeout. */
  waitFor(kind: string, options: WaitOptions = {}): Promise<CollectedRecord[]> {
    const { count = 1, timeoutMs = 5000 } = options;
    return new Promise((resolveWait, reject) => {
      const check = (): boolean => {
        const found = this.list(kind);
        if (found.length < count) return false;
        this.#listeners.delete(listener);
        clearTimeout(timer);
        resolveWait(found);
        return true;
      };
      const listener = (): void => {
        check();
      };
      const timer = setTimeout(() => {
        this.#listeners.delete(listener);
        const got = this.list(kind).length;
        reject(
          new Error(`Timed out after ${timeoutMs} ms waiting for ${count} "${kind}" record(s); got ${got}.`),
        );
      }, timeoutMs);
      this.#listeners.add(listener);
      check();
    });
  }
}

/** `GET /__records?kind=...` answers the records as JSON; `POST /__records/clear` empties the store. */
export const recordsRoute: RouteHandler = (req, res, ctx) => {
  const path = ctx.url.pathname;
  if (path === '/__records') {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(req, res, 405, '405 Method Not Allowed', { Allow: 'GET, HEAD' });
      return true;
    }
    const kind = ctx.url.searchParams.get('kind') ?? undefined;
    sendJson(req, res, 200, ctx.records.list(kind));
    return true;
  }
  if (path === '/__records/clear') {
    if (req.method !== 'POST') {
      sendText(req, res, 405, '405 Method Not Allowed', { Allow: 'POST' });
      return true;
    }
    if (refuseOtherOrigin(req, res, ctx)) return true;
    ctx.records.clear();
    sendEmpty(res);
    return true;
  }
  return false;
};
