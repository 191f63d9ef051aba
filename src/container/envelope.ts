/**
 * The DSSE envelope that carries a signed container: its shape, the size bound and PAE (the exact
 * bytes a signature covers). Owns parsing the envelope, not checking signatures (verify.ts) or
 * producing them (sign.ts). Spec: DSSE v1.0.2, github.com/secure-systems-lab/dsse/blob/master/protocol.md
 */
import { fromBase64 } from '../lib/base64';
import { TagwardenError } from '../lib/errors';

/** The DSSE payloadType of a tagwarden container. */
export const PAYLOAD_TYPE = 'application/vnd.tagwarden.container+json';

/** Largest signed container the runtime and CLI accept, in bytes of envelope text. */
export const MAX_ENVELOPE_BYTES = 1_048_576;

/** A parsed envelope: the payload's exact bytes and the raw signatures. */
export interface Envelope {
  payloadType: string;
  payload: Uint8Array<ArrayBuffer>;
  signatures: { keyid: string; sig: Uint8Array<ArrayBuffer> }[];
}

/** The wire form of an envelope, as JSON. */
export interface EnvelopeJson {
  payloadType: string;
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

const utf8 = new TextEncoder();

/** DSSE Pre-Authentication Encoding: `"DSSEv1" SP len(type) SP type SP len(body) SP body`. */
export function pae(payloadType: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const type = utf8.encode(payloadType);
  const head = utf8.encode(`DSSEv1 ${type.length} ${payloadType} ${body.length} `);
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

/**
 * Parses envelope text: checks the size bound and shape (payloadType string, base64 payload,
 * 1–16 signatures each with a string keyid and a base64 sig). Throws `container/too-large` or
 * `container/bad-envelope`. Does not look at the payload type's value or the signatures' validity.
 */
export function parseEnvelope(text: string, maxBytes = MAX_ENVELOPE_BYTES): Envelope {
  // A UTF-16 length above the bound is above it in UTF-8 too; the reverse needs the encoded size.
  if (text.length > maxBytes || utf8.encode(text).length > maxBytes) {
    throw new TagwardenError('container/too-large', `bound ${maxBytes} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new TagwardenError('container/bad-envelope', 'not JSON');
  }
  const e = json as Partial<EnvelopeJson> | null;
  if (!e || typeof e !== 'object' || Array.isArray(e))
    throw new TagwardenError('container/bad-envelope', 'not an object');
  if (typeof e.payloadType !== 'string') throw new TagwardenError('container/bad-envelope', 'payloadType');
  // fromBase64 refuses anything that is not a string.
  const payload = fromBase64(e.payload as string);
  if (!payload) throw new TagwardenError('container/bad-envelope', 'payload is not base64');
  const sigs = e.signatures;
  if (!Array.isArray(sigs) || sigs.length < 1 || sigs.length > 16) {
    throw new TagwardenError('container/bad-envelope', 'signatures');
  }
  const signatures = sigs.map((s: unknown, i) => {
    const { keyid, sig } = (s ?? {}) as { keyid?: unknown; sig?: unknown };
    const bytes = fromBase64(sig as string);
    if (typeof keyid !== 'string' || !bytes)
      throw new TagwardenError('container/bad-envelope', `signatures[${i}]`);
    return { keyid, sig: bytes };
  });
  return { payloadType: e.payloadType, payload, signatures };
}
