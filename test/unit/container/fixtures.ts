// Test fixtures for signed containers: real ECDSA P-256 key pairs from WebCrypto, a small valid
// container, and envelopes signed with the product's own signPayload over exact payload bytes.
import type { EnvelopeJson } from '../../../src/container/envelope.js';
import { ECDSA_P256, importPublicKeys, type PinnedKey } from '../../../src/container/keys.js';
import type { Container } from '../../../src/container/schema.js';
import { signPayload } from '../../../src/container/sign.js';
import { toBase64 } from '../../../src/lib/base64.js';

/** A fixed clock for every time check: 2026-01-01T00:00:00Z. */
export const NOW = Date.parse('2026-01-01T00:00:00Z');

/** A generated signing key pair with its public key in every form a test needs. */
export interface TestKey {
  /** Hex SHA-256 of the SPKI DER, as the product computes it (see keyIdOf). */
  keyid: string;
  /** The SPKI DER bytes of the public key. */
  spki: Uint8Array<ArrayBuffer>;
  /** Bare base64 SPKI, as the snippet's data-keys carries it. */
  spkiB64: string;
  /** PEM `PUBLIC KEY` block. */
  publicPem: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/** Creates a new ECDSA P-256 key pair. The private key is extractable only so node:crypto can reuse it. */
export async function makeKey(): Promise<TestKey> {
  const pair = await crypto.subtle.generateKey(ECDSA_P256, true, ['sign', 'verify']);
  const spki = new Uint8Array(await crypto.subtle.exportKey('spki', pair.publicKey));
  const spkiB64 = toBase64(spki);
  const keyid = Buffer.from(await crypto.subtle.digest('SHA-256', spki)).toString('hex');
  const publicPem = `-----BEGIN PUBLIC KEY-----\n${spkiB64.replace(/.{64}/g, '$&\n').replace(/\n$/, '')}\n-----END PUBLIC KEY-----\n`;
  return { keyid, spki, spkiB64, publicPem, privateKey: pair.privateKey, publicKey: pair.publicKey };
}

/** The pinned (verify-only) form of test keys, through the product's importPublicKeys. */
export async function pin(...keys: TestKey[]): Promise<PinnedKey[]> {
  const pinned = await importPublicKeys(keys.map((k) => k.spkiB64));
  if (pinned.length !== keys.length) throw new Error('fixture: a test key did not import');
  return pinned;
}

/** A small container that is valid by schema and rules, expiring long after NOW. */
export function container(overrides: Record<string, unknown> = {}): Container & Record<string, unknown> {
  return {
    schemaVersion: 1,
    id: 'www-example-se',
    version: 3,
    expires: '2099-01-01T00:00:00Z',
    origins: ['https://www.example.se'],
    consent: {
      revision: 1,
      categories: [
        {
          id: 'analytics',
          label: { sv: 'Analys', en: 'Analytics' },
          description: { sv: 'Statistik.', en: 'Statistics.' },
        },
      ],
      defaults: [],
      cookie: { name: 'tw_consent', maxAgeDays: 180 },
      queue: { storage: 'memory', ttlHours: 24, maxEntries: 500, maxEventBytes: 16384 },
    },
    tags: [],
    ...overrides,
  } as Container & Record<string, unknown>;
}

const utf8 = new TextEncoder();

/** Exact payload bytes: a string is UTF-8 encoded, an object JSON-serialised, bytes kept as they are. */
export function payloadBytes(payload: object | string | Uint8Array): Uint8Array<ArrayBuffer> {
  if (payload instanceof Uint8Array) return new Uint8Array(payload);
  return utf8.encode(typeof payload === 'string' ? payload : JSON.stringify(payload));
}

/** A signed envelope and what a verifier needs for it. */
export interface Signed {
  /** The envelope text as published (what verifyContainer reads). */
  text: string;
  /** The envelope as an object, for tests that tamper with it. */
  envelope: EnvelopeJson;
  /** The exact signed payload bytes. */
  payload: Uint8Array<ArrayBuffer>;
  /** The signing keys' public halves, pinned. */
  pinned: PinnedKey[];
}

/** Signs a container object (JSON-serialised), a JSON text or exact bytes with every key, using signPayload. */
export async function signed(payload: object | string | Uint8Array, ...keys: TestKey[]): Promise<Signed> {
  const bytes = payloadBytes(payload);
  const envelope = await signPayload(
    bytes,
    keys.map((k) => ({ keyid: k.keyid, key: k.privateKey })),
  );
  return { text: JSON.stringify(envelope), envelope, payload: bytes, pinned: await pin(...keys) };
}

/** Standard base64 to URL-safe base64 without padding. */
export function toUrlSafe(b64: string): string {
  return b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
