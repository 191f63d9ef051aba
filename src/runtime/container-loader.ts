/**
 * Gets a verified container for this page: the last verified one from localStorage at once when it
 * is still valid (refreshing it in the background for the next page view), else a bounded,
 * credential-less download. Never falls back to anything unverified or expired. Owns the stored
 * last-good state (which is also the rollback floor); verification itself is container/verify.ts.
 */
import { MAX_ENVELOPE_BYTES } from '../container/envelope';
import type { PinnedKey } from '../container/keys';
import type { Container } from '../container/schema';
import { type Verified, verifyContainer } from '../container/verify';
import { TagwardenError } from '../lib/errors';
import type { RuntimeConfig } from './config';

/** The stored last-good state for one container URL. */
interface Stored {
  env: string;
  version: number;
  digest: string;
  /** The schema check `env` passed: another runtime's schema may have been looser. */
  schema?: string;
}

const FETCH_TIMEOUT_MS = 10_000;
/**
 * A stored copy refused with this error no pinned key signed (or it is not an envelope at all): its version is
 * trusted for nothing. `bad-signature` with a detail is a threshold not met: some pinned key did sign it.
 */
const unsigned = (e: TagwardenError) =>
  ['container/too-large', 'container/bad-envelope', 'container/bad-payload-type'].includes(e.code) ||
  (e.code === 'container/bad-signature' && e.detail === undefined);

/** What loading needs from the runtime. */
export interface LoadOptions {
  config: RuntimeConfig;
  keys: PinnedKey[];
  /** Loads the schema check (a lazy chunk); called only for bytes not verified on this device before. */
  loadCheck: () => Promise<(json: unknown) => Container>;
  now: number;
  /** Reports a problem that does not stop loading (a failed background refresh, storage errors). */
  report: (e: unknown) => void;
}

/** Resolves with a verified container, or rejects with a TagwardenError (`container/*`). */
export async function loadContainer(o: LoadOptions): Promise<Verified> {
  const key = `tagwarden:container:${o.config.container}`;
  let stored = read(key, o.report);
  // One download, started at once: it is the refresh when the stored container is good, and the
  // container itself otherwise (then the schema chunk loads beside it).
  const fresh = download(o.config.container);
  fresh.catch(() => {}); // its failure is reported where it is awaited
  let check: Promise<(json: unknown) => Container> | undefined;
  const schemaCheck = () => (check ??= o.loadCheck());
  // Bytes stored by a runtime with another schema check (an update) are checked in full once, then marked.
  const checked = stored?.schema === __SCHEMA_ID__;
  if (!checked) schemaCheck();
  const verify = async (text: string, last: Stored | undefined, schema: (json: unknown) => Container) =>
    verifyContainer(text, {
      keys: o.keys,
      threshold: o.config.threshold,
      check: schema,
      origin: location.origin,
      id: o.config.id,
      minVersion: o.config.minVersion,
      last,
      now: o.now,
    });
  const save = (v: Verified, env: string) =>
    write(key, { env, version: v.container.version, digest: v.digest, schema: __SCHEMA_ID__ }, o.report);

  const last = stored;
  if (last) {
    try {
      // These exact bytes passed this schema check when they were stored; the signature, origin,
      // version and expiry are checked again, every time. Skipping it spares repeat views its cost.
      const v = await verify(
        last.env,
        undefined,
        checked ? (json) => json as Container : await schemaCheck(),
      );
      if (!checked) save(v, last.env);
      // Refresh for the next page view; this page keeps the container it started with.
      fresh
        .then(async (env) => {
          if (env === last.env) return;
          const next = await verify(env, last, await schemaCheck());
          if (next.container.version > last.version) save(next, env);
        })
        .catch(o.report);
      return v;
    } catch (e) {
      o.report(e);
      // Expired or no longer acceptable: fall through to the network, keeping its floor. A copy no pinned key
      // signed (its key was removed, or storage was edited) is trusted for nothing, its version included: a
      // high version signed by a retired, leaked key would otherwise refuse every later container for good.
      if (unsigned(e as TagwardenError)) {
        // Deleted, unless another tab has replaced it meanwhile with a copy it verified: that one is the floor.
        stored = read(key, () => {});
        if (stored?.env === last.env) {
          stored = undefined;
          write(key, undefined, o.report);
        }
      }
    }
  }
  const schema = schemaCheck();
  const env = await fresh;
  const v = await verify(env, stored, await schema);
  save(v, env);
  return v;
}

/** Downloads the envelope without credentials, bounded in time and size. */
async function download(url: string): Promise<string> {
  let res: Response;
  try {
    res = await fetch(url, {
      credentials: 'omit',
      cache: 'no-cache',
      signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
    });
  } catch (e) {
    throw new TagwardenError('container/fetch-failed', (e as Error).name);
  }
  if (!res.ok || !res.body) throw new TagwardenError('container/fetch-failed', `HTTP ${res.status}`);
  if (Number(res.headers.get('content-length')) > MAX_ENVELOPE_BYTES)
    throw new TagwardenError('container/too-large');
  const reader = res.body.getReader();
  // Decoded as it streams (the same text as decoding the whole body at once), bounded in bytes.
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read(); // the timeout covers the body too: a stalled body is a failed download
    } catch (e) {
      throw new TagwardenError('container/fetch-failed', (e as Error).name);
    }
    if (chunk.done) return text + decoder.decode();
    size += chunk.value.length;
    if (size > MAX_ENVELOPE_BYTES) {
      reader.cancel().catch(() => {});
      throw new TagwardenError('container/too-large');
    }
    text += decoder.decode(chunk.value, { stream: true });
  }
}

function read(key: string, report: (e: unknown) => void): Stored | undefined {
  try {
    const s = JSON.parse(localStorage.getItem(key) ?? 'null') as Stored | null;
    return s && typeof s.env === 'string' && Number.isSafeInteger(s.version) && typeof s.digest === 'string'
      ? s
      : undefined;
  } catch (e) {
    report(new TagwardenError('runtime/storage', (e as Error).name));
    return undefined;
  }
}

/**
 * Stores `value` (or removes the record). Another tab may have stored a newer container since this page read
 * the record: a lower version never replaces a higher one, nor another digest at the same version, so the
 * rollback floor only rises.
 */
function write(key: string, value: Stored | undefined, report: (e: unknown) => void) {
  try {
    if (!value) return localStorage.removeItem(key);
    const now = read(key, () => {}); // unreadable: reported when it was read at the start
    if (
      now &&
      (now.version > value.version || (now.version === value.version && now.digest !== value.digest))
    )
      return;
    localStorage.setItem(key, JSON.stringify(value));
  } catch (e) {
    report(new TagwardenError('runtime/storage', (e as Error).name));
  }
}
