/**
 * Base64 to and from bytes, standard and URL-safe alphabets, strict about everything else.
 * Web-standard only (atob/btoa exist in browsers and Node 20), so the verifier runs in both.
 */

const STRICT = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decodes standard or URL-safe base64 (padding optional). Returns undefined for anything else. */
export function fromBase64(s: string): Uint8Array<ArrayBuffer> | undefined {
  if (typeof s !== 'string' || !STRICT.test(s)) return undefined;
  const std = s.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (std.length % 4 === 1) return undefined;
  try {
    const bin = atob(std + '='.repeat((4 - (std.length % 4)) % 4));
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return undefined;
  }
}

/** Encodes bytes as standard, padded base64. */
export function toBase64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** Lower-case hex of `bytes`. */
export function toHex(bytes: ArrayBuffer | Uint8Array): string {
  let s = '';
  for (const b of new Uint8Array(bytes)) s += (b < 16 ? '0' : '') + b.toString(16);
  return s;
}
