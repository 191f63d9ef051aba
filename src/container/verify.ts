/**
 * Verifies a signed container, the one code path used by the CLI and the browser runtime.
 * Checks, in order: size and envelope shape, payload type, a signature by a pinned key, UTF-8 and
 * JSON of the verified bytes only, schema version, schema, id and origin, version (rollback,
 * equivocation), expiry. Each failure throws a TagwardenError with a stable `container/*` code.
 * Does not fetch or store anything: the caller supplies the last verified state and keeps the result.
 */
import { toHex } from '../lib/base64';
import { TagwardenError } from '../lib/errors';
import { PAYLOAD_TYPE, pae, parseEnvelope } from './envelope';
import { ECDSA_SHA256, type PinnedKey } from './keys';
import type { Container } from './schema';
import { SCHEMA_VERSION } from './version';

/** What verification needs besides the envelope text. */
export interface VerifyOptions {
  /** Pinned public keys (see importPublicKeys). */
  keys: readonly PinnedKey[];
  /** Distinct pinned keys whose signatures must verify (default 1). */
  threshold?: number;
  /** Checks the parsed JSON against the container schema; throws `container/invalid`. */
  check: (json: unknown) => Container;
  /** The page origin; when given, the container must list it. */
  origin?: string;
  /** When given, the container id must equal it. */
  id?: string;
  /** A version floor from the page (`data-min-version`). */
  minVersion?: number;
  /** The highest version verified before for this id, and the SHA-256 of its payload. */
  last?: { version: number; digest: string } | undefined;
  /** One clock reading for every time check (ms since epoch). */
  now?: number;
  /** Envelope size bound in bytes. */
  maxBytes?: number;
}

/** A verified container with the facts a caller stores or prints. */
export interface Verified {
  container: Container;
  /** The exact verified payload bytes. */
  payload: Uint8Array<ArrayBuffer>;
  /** Hex SHA-256 of the payload: identifies these bytes for the equivocation check. */
  digest: string;
  /** Ids of the pinned keys whose signatures verified. */
  keyids: string[];
}

/** Verifies `text` (a DSSE envelope) and returns the container, or throws a `container/*` error. */
export async function verifyContainer(text: string, opts: VerifyOptions): Promise<Verified> {
  const now = opts.now ?? Date.now();
  const env = parseEnvelope(text, opts.maxBytes);
  if (env.payloadType !== PAYLOAD_TYPE)
    throw new TagwardenError('container/bad-payload-type', env.payloadType.slice(0, 80));
  if (!opts.keys.length) throw new TagwardenError('container/no-keys');

  const signed = pae(env.payloadType, env.payload);
  const keyids: string[] = [];
  for (const { keyid, sig } of env.signatures) {
    // The envelope's keyid is only a hint: try the key it names first, then every other pinned key.
    // Count distinct keys, so one key's signature listed twice counts once.
    const order = [...opts.keys].sort((a, b) => Number(b.keyid === keyid) - Number(a.keyid === keyid));
    for (const k of order) {
      if (keyids.includes(k.keyid) || sig.length !== 64) continue;
      // A promise-returning WebCrypto method rejects rather than throws (WebIDL).
      if (await crypto.subtle.verify(ECDSA_SHA256, k.key, sig, signed).catch(() => false)) {
        keyids.push(k.keyid);
        break;
      }
    }
  }
  // The detail tells a threshold not met (some pinned key signed) from no pinned signature at all.
  if (keyids.length < (opts.threshold ?? 1))
    throw new TagwardenError(
      'container/bad-signature',
      keyids.length ? `${keyids.length} of ${opts.threshold} keys` : undefined,
    );

  // Only the verified bytes are parsed; a BOM or invalid UTF-8 is refused, never repaired.
  let json: unknown;
  try {
    const s = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(env.payload);
    if (s.charCodeAt(0) === 0xfeff) throw new Error('BOM');
    json = JSON.parse(s);
  } catch {
    throw new TagwardenError('container/bad-encoding');
  }
  const sv = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (sv !== SCHEMA_VERSION)
    throw new TagwardenError('container/unsupported-schema', String(sv).slice(0, 20));
  const container = opts.check(json);

  if (opts.id !== undefined && container.id !== opts.id)
    throw new TagwardenError('container/wrong-id', container.id);
  if (opts.origin !== undefined && !container.origins.includes(opts.origin)) {
    throw new TagwardenError('container/wrong-origin', opts.origin);
  }

  const digest = toHex(await crypto.subtle.digest('SHA-256', env.payload));
  const floor = Math.max(opts.minVersion ?? 0, opts.last?.version ?? 0);
  if (container.version < floor) {
    throw new TagwardenError('container/rollback', `version ${container.version} < ${floor}`);
  }
  if (opts.last && container.version === opts.last.version && digest !== opts.last.digest) {
    throw new TagwardenError('container/equivocation', `version ${container.version}`);
  }
  if (!(Date.parse(container.expires) > now))
    throw new TagwardenError('container/expired', container.expires);

  return { container, payload: env.payload, digest, keyids };
}
