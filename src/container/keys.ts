/**
 * Public keys pinned by a page or given to the CLI: ECDSA P-256 SPKI, as PEM or bare base64.
 * Owns decoding, importing for verification and the key id (hex SHA-256 of the SPKI DER).
 * Web-standard only; private keys are handled in src/node/keyfiles.ts, never here.
 */
import { fromBase64, toHex } from '../lib/base64';

/** The signature algorithm of every tagwarden key: ECDSA P-256 with SHA-256. */
export const ECDSA_P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;
/** Parameters of sign/verify with SHA-256. WebCrypto signatures are IEEE-P1363 `r||s` (64 bytes). */
export const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

/** A public key ready to verify with, and its key id. */
export interface PinnedKey {
  keyid: string;
  key: CryptoKey;
}

/** The DER bytes of a PEM block (any label), or of bare base64; undefined when it is neither. */
export function pemToDer(text: string): Uint8Array<ArrayBuffer> | undefined {
  const body = text.replace(/-----(BEGIN|END) [A-Z ]+-----/g, '').replace(/\s+/g, '');
  return fromBase64(body);
}

/** Hex SHA-256 of a public key's SPKI DER: the key id used in envelopes and by the CLI. */
export async function keyIdOf(spki: Uint8Array<ArrayBuffer>): Promise<string> {
  return toHex(await crypto.subtle.digest('SHA-256', spki));
}

/**
 * Imports ECDSA P-256 public keys given as PEM or base64 SPKI. Keys that cannot be decoded or
 * imported are left out (the caller reports `container/no-keys` when none remain); duplicates too,
 * in whatever encoding of the point they were given.
 */
export async function importPublicKeys(keys: readonly string[]): Promise<PinnedKey[]> {
  const out: PinnedKey[] = [];
  for (const text of keys) {
    const spki = pemToDer(text);
    if (!spki) continue;
    try {
      const key = await crypto.subtle.importKey('spki', spki, ECDSA_P256, true, ['verify']);
      // The key id of the key, not of the bytes it was pinned as: a compressed point is the same key (and
      // must not count twice towards a threshold). The export is the uncompressed SPKI that the CLI hashes.
      const keyid = await keyIdOf(new Uint8Array(await crypto.subtle.exportKey('spki', key)));
      if (!out.some((k) => k.keyid === keyid)) out.push({ keyid, key });
    } catch {
      // not a P-256 SPKI: skipped
    }
  }
  return out;
}
