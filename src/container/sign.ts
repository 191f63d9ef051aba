/**
 * Produces a DSSE envelope over exact payload bytes with one or more ECDSA P-256 keys (WebCrypto,
 * so signatures are the 64-byte IEEE-P1363 form that browsers verify). Owns signing only: the CLI
 * validates the container before calling it, and never re-serialises what it signs.
 */
import { toBase64 } from '../lib/base64';
import { type EnvelopeJson, PAYLOAD_TYPE, pae } from './envelope';
import { ECDSA_SHA256 } from './keys';

/** A private signing key and the key id of its public half. */
export interface SigningKey {
  keyid: string;
  key: CryptoKey;
}

/** Signs `payload` (the container's exact UTF-8 bytes) with every key; one signature per key. */
export async function signPayload(
  payload: Uint8Array<ArrayBuffer>,
  keys: readonly SigningKey[],
): Promise<EnvelopeJson> {
  const signed = pae(PAYLOAD_TYPE, payload);
  const signatures = [];
  for (const { keyid, key } of keys) {
    const sig = new Uint8Array(await crypto.subtle.sign(ECDSA_SHA256, key, signed));
    signatures.push({ keyid, sig: toBase64(sig) });
  }
  return { payloadType: PAYLOAD_TYPE, payload: toBase64(payload), signatures };
}
