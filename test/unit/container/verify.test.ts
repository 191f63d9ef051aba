// @vitest-environment node
// verifyContainer over real envelopes: keys made with WebCrypto, payloads signed with signPayload,
// every refusal checked by its stable `container/*` code. Also importPublicKeys and keyIdOf.
import { createHash, KeyObject, sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { MAX_ENVELOPE_BYTES, PAYLOAD_TYPE, pae } from '../../../src/container/envelope.js';
import { importPublicKeys, keyIdOf, type PinnedKey } from '../../../src/container/keys.js';
import { checkContainer } from '../../../src/container/validate.js';
import { type VerifyOptions, verifyContainer } from '../../../src/container/verify.js';
import { toBase64 } from '../../../src/lib/base64.js';
import { isTagwardenError } from '../../../src/lib/errors.js';
import { container, makeKey, NOW, payloadBytes, signed, type TestKey, toUrlSafe } from './fixtures.js';

let keyA: TestKey;
let keyB: TestKey;
let keyC: TestKey;

beforeAll(async () => {
  [keyA, keyB, keyC] = await Promise.all([makeKey(), makeKey(), makeKey()]);
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Verifies with the runtime's schema check and the fixed clock unless the test says otherwise. */
function verify(text: string, opts: Partial<VerifyOptions> & { keys: readonly PinnedKey[] }) {
  return verifyContainer(text, { check: checkContainer, now: NOW, ...opts });
}

/** The `code` of the TagwardenError that `promise` rejects with (fails when it resolves). */
async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    if (!isTagwardenError(e)) throw e;
    return e.code;
  }
  throw new Error('expected a TagwardenError, but verification passed');
}

/** Replaces one byte of base64-encoded data with its bitwise complement. */
function flipByte(b64: string, index: number): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[index] = bytes[index]! ^ 0xff;
  return bytes.toString('base64');
}

describe('a correctly signed container', () => {
  test('verifies and returns the container, the SHA-256 of its exact bytes and the signing key id', async () => {
    const c = container();
    const s = await signed(c, keyA);
    const v = await verify(s.text, { keys: s.pinned });
    expect(v.container).toEqual(c);
    expect(Buffer.from(v.payload).equals(Buffer.from(s.payload))).toBe(true);
    expect(v.digest).toBe(createHash('sha256').update(s.payload).digest('hex'));
    expect(v.keyids).toEqual([keyA.keyid]);
  });

  test('verifies when the pinned keys are given as PEM instead of base64', async () => {
    const s = await signed(container(), keyA);
    const v = await verify(s.text, { keys: await importPublicKeys([keyA.publicPem]) });
    expect(v.keyids).toEqual([keyA.keyid]);
  });

  test('accepts URL-safe base64 without padding for the payload and the signature', async () => {
    // "~~~" and "???" encode to "/" and "+" in standard base64, so the URL-safe text really differs.
    const s = await signed(
      container({ id: 'url-safe', origins: ['https://www.example.se'], $schema: '~~~???' }),
      keyA,
    );
    const payload = toUrlSafe(s.envelope.payload);
    const sig = toUrlSafe(s.envelope.signatures[0]!.sig);
    expect(payload).toMatch(/[-_]/);
    expect(payload).not.toBe(s.envelope.payload);
    expect(sig).not.toBe(s.envelope.signatures[0]!.sig);
    const text = JSON.stringify({ ...s.envelope, payload, signatures: [{ keyid: keyA.keyid, sig }] });
    const v = await verify(text, { keys: s.pinned });
    expect(v.container.id).toBe('url-safe');
  });

  test('verifies even when the envelope keyid hint names no pinned key', async () => {
    const s = await signed(container(), keyA);
    const text = JSON.stringify({
      ...s.envelope,
      signatures: [{ keyid: 'not-a-key-id', sig: s.envelope.signatures[0]!.sig }],
    });
    const v = await verify(text, { keys: await importPublicKeys([keyB.spkiB64, keyA.spkiB64]) });
    expect(v.keyids).toEqual([keyA.keyid]);
  });
});

describe('tampering and foreign signatures', () => {
  test('a payload with one byte changed after signing is refused as a bad signature', async () => {
    const s = await signed(container(), keyA);
    const text = JSON.stringify({ ...s.envelope, payload: flipByte(s.envelope.payload, 20) });
    expect(await codeOf(verify(text, { keys: s.pinned }))).toBe('container/bad-signature');
  });

  test('an envelope whose payloadType was changed is refused before any signature is checked', async () => {
    const s = await signed(container(), keyA);
    const text = JSON.stringify({ ...s.envelope, payloadType: 'application/json' });
    expect(await codeOf(verify(text, { keys: s.pinned }))).toBe('container/bad-payload-type');
  });

  test('a signature made over another payloadType does not verify under the tagwarden payloadType', async () => {
    // PAE binds the type: the same bytes signed as application/json must not pass as a container.
    const bytes = payloadBytes(container());
    const sig = new Uint8Array(
      await crypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        keyA.privateKey,
        pae('application/json', bytes),
      ),
    );
    const text = JSON.stringify({
      payloadType: PAYLOAD_TYPE,
      payload: toBase64(bytes),
      signatures: [{ keyid: keyA.keyid, sig: toBase64(sig) }],
    });
    expect(await codeOf(verify(text, { keys: await importPublicKeys([keyA.spkiB64]) }))).toBe(
      'container/bad-signature',
    );
  });

  test('a DER-encoded signature from node:crypto is refused even though it is a real signature', async () => {
    const bytes = payloadBytes(container());
    const signedBytes = pae(PAYLOAD_TYPE, bytes);
    const der = nodeSign('sha256', signedBytes, { key: KeyObject.from(keyA.privateKey), dsaEncoding: 'der' });
    // It is the real signer's output: node verifies it as DER over the same PAE bytes.
    expect(
      nodeVerify('sha256', signedBytes, { key: KeyObject.from(keyA.publicKey), dsaEncoding: 'der' }, der),
    ).toBe(true);
    expect(der.length).toBeGreaterThanOrEqual(68);
    expect(der[0]).toBe(0x30);
    const text = JSON.stringify({
      payloadType: PAYLOAD_TYPE,
      payload: toBase64(bytes),
      signatures: [{ keyid: keyA.keyid, sig: der.toString('base64') }],
    });
    expect(await codeOf(verify(text, { keys: await importPublicKeys([keyA.spkiB64]) }))).toBe(
      'container/bad-signature',
    );
  });

  test('the same signature in IEEE-P1363 form from node:crypto verifies', async () => {
    const bytes = payloadBytes(container());
    const p1363 = nodeSign('sha256', pae(PAYLOAD_TYPE, bytes), {
      key: KeyObject.from(keyA.privateKey),
      dsaEncoding: 'ieee-p1363',
    });
    const text = JSON.stringify({
      payloadType: PAYLOAD_TYPE,
      payload: toBase64(bytes),
      signatures: [{ keyid: keyA.keyid, sig: p1363.toString('base64') }],
    });
    const v = await verify(text, { keys: await importPublicKeys([keyA.spkiB64]) });
    expect(v.keyids).toEqual([keyA.keyid]);
  });

  test('a container signed by a key the page did not pin is refused', async () => {
    const s = await signed(container(), keyB);
    expect(await codeOf(verify(s.text, { keys: await importPublicKeys([keyA.spkiB64]) }))).toBe(
      'container/bad-signature',
    );
  });

  test('an unpinned signer cannot pass by claiming a pinned key id in the envelope', async () => {
    const s = await signed(container(), keyB);
    const text = JSON.stringify({
      ...s.envelope,
      signatures: [{ keyid: keyA.keyid, sig: s.envelope.signatures[0]!.sig }],
    });
    expect(await codeOf(verify(text, { keys: await importPublicKeys([keyA.spkiB64]) }))).toBe(
      'container/bad-signature',
    );
  });
});

describe('thresholds count distinct pinned keys', () => {
  test('one key signature listed twice does not meet a threshold of 2', async () => {
    const s = await signed(container(), keyA);
    const sig = s.envelope.signatures[0]!;
    const text = JSON.stringify({ ...s.envelope, signatures: [sig, sig] });
    const pinned = await importPublicKeys([keyA.spkiB64, keyB.spkiB64]);
    expect(await codeOf(verify(text, { keys: pinned, threshold: 2 }))).toBe('container/bad-signature');
  });

  test('one key pinned twice, once in compressed form, counts once and has the key id the CLI gives it', async () => {
    // The same P-256 key as a compressed point: other SPKI bytes, so a key id over the pinned bytes differs.
    const raw = new Uint8Array(await crypto.subtle.exportKey('raw', keyA.publicKey));
    const point = [2 + (raw[64]! & 1), ...raw.subarray(1, 33)];
    const prefix = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');
    const compressed = Buffer.concat([prefix, Buffer.from(point)]).toString('base64');
    expect((await importPublicKeys([compressed])).map((k) => k.keyid)).toEqual([keyA.keyid]);
    const pinned = await importPublicKeys([keyA.spkiB64, compressed]);
    expect(pinned.map((k) => k.keyid)).toEqual([keyA.keyid]);
    const s = await signed(container(), keyA);
    const sig = s.envelope.signatures[0]!;
    const text = JSON.stringify({ ...s.envelope, signatures: [sig, sig] });
    expect(await codeOf(verify(text, { keys: pinned, threshold: 2 }))).toBe('container/bad-signature');
  });

  test('one key signature listed twice meets a threshold of 1 and is reported once', async () => {
    const s = await signed(container(), keyA);
    const sig = s.envelope.signatures[0]!;
    const text = JSON.stringify({ ...s.envelope, signatures: [sig, sig] });
    const v = await verify(text, { keys: s.pinned, threshold: 1 });
    expect(v.keyids).toEqual([keyA.keyid]);
  });

  test('signatures by two distinct pinned keys meet a threshold of 2', async () => {
    const s = await signed(container(), keyA, keyB);
    const v = await verify(s.text, { keys: s.pinned, threshold: 2 });
    expect(v.keyids.sort()).toEqual([keyA.keyid, keyB.keyid].sort());
  });
});

describe('key rotation: a container signed with the old and the new key', () => {
  test('verifies on a page that pins only the old key', async () => {
    const s = await signed(container(), keyA, keyB);
    const v = await verify(s.text, { keys: await importPublicKeys([keyA.spkiB64]) });
    expect(v.keyids).toEqual([keyA.keyid]);
  });

  test('verifies on a page that pins only the new key', async () => {
    const s = await signed(container(), keyA, keyB);
    const v = await verify(s.text, { keys: await importPublicKeys([keyB.spkiB64]) });
    expect(v.keyids).toEqual([keyB.keyid]);
  });

  test('reports both key ids on a page that pins both', async () => {
    const s = await signed(container(), keyA, keyB);
    const v = await verify(s.text, {
      keys: await importPublicKeys([keyB.spkiB64, keyA.spkiB64, keyC.spkiB64]),
    });
    expect(v.keyids.sort()).toEqual([keyA.keyid, keyB.keyid].sort());
  });
});

describe('payload encoding', () => {
  test('a signed payload starting with a byte order mark is refused', async () => {
    const json = payloadBytes(container());
    const s = await signed(new Uint8Array([0xef, 0xbb, 0xbf, ...json]), keyA);
    expect(await codeOf(verify(s.text, { keys: s.pinned }))).toBe('container/bad-encoding');
  });

  test('a signed payload with invalid UTF-8 is refused, not repaired', async () => {
    const text = JSON.stringify(container({ $schema: 'XX' }));
    const bytes = payloadBytes(text);
    const at = text.indexOf('"XX"') + 1;
    bytes[at] = 0xff; // a lone 0xFF is never valid UTF-8
    bytes[at + 1] = 0xfe;
    const s = await signed(bytes, keyA);
    expect(await codeOf(verify(s.text, { keys: s.pinned }))).toBe('container/bad-encoding');
  });

  test('a signed payload that is not JSON is refused as a bad encoding', async () => {
    const s = await signed('{"schemaVersion":1,', keyA);
    expect(await codeOf(verify(s.text, { keys: s.pinned }))).toBe('container/bad-encoding');
  });
});

describe('the version field', () => {
  test.each([
    ['0', '0'],
    ['7.5', '7.5'],
    ['the string "7"', '"7"'],
    ['2^53+1, which JSON.parse cannot represent', '9007199254740993'],
  ])('a version of %s is refused as invalid', async (_label, literal) => {
    const text = JSON.stringify(container({ version: 424242 })).replace(
      '"version":424242',
      `"version":${literal}`,
    );
    expect(text).toContain(`"version":${literal},`);
    const s = await signed(text, keyA);
    expect(await codeOf(verify(s.text, { keys: s.pinned }))).toBe('container/invalid');
  });

  test('the largest safe integer is an acceptable version', async () => {
    const s = await signed(container({ version: Number.MAX_SAFE_INTEGER }), keyA);
    const v = await verify(s.text, { keys: s.pinned });
    expect(v.container.version).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('schema, identity and origin', () => {
  test('a container written for schema version 2 is refused as unsupported', async () => {
    const s = await signed(container({ schemaVersion: 2 }), keyA);
    expect(await codeOf(verify(s.text, { keys: s.pinned }))).toBe('container/unsupported-schema');
  });

  test('a container that breaks the schema is refused as invalid', async () => {
    const s = await signed(container({ unexpected: true }), keyA);
    expect(await codeOf(verify(s.text, { keys: s.pinned }))).toBe('container/invalid');
  });

  test('a container that does not list the page origin is refused', async () => {
    const s = await signed(container(), keyA);
    expect(await codeOf(verify(s.text, { keys: s.pinned, origin: 'https://evil.example' }))).toBe(
      'container/wrong-origin',
    );
    const v = await verify(s.text, { keys: s.pinned, origin: 'https://www.example.se' });
    expect(v.container.origins).toContain('https://www.example.se');
  });

  test('a container with another id than the page expects is refused', async () => {
    const s = await signed(container(), keyA);
    expect(await codeOf(verify(s.text, { keys: s.pinned, id: 'other-site' }))).toBe('container/wrong-id');
    const v = await verify(s.text, { keys: s.pinned, id: 'www-example-se' });
    expect(v.container.id).toBe('www-example-se');
  });
});

describe('freshness: expiry, rollback and equivocation', () => {
  test('an expired container is refused at the given time and accepted just before it expires', async () => {
    const s = await signed(container({ expires: '2026-01-01T00:00:00Z' }), keyA);
    expect(await codeOf(verify(s.text, { keys: s.pinned, now: NOW }))).toBe('container/expired');
    expect(await codeOf(verify(s.text, { keys: s.pinned, now: NOW + 1 }))).toBe('container/expired');
    const v = await verify(s.text, { keys: s.pinned, now: NOW - 1 });
    expect(v.container.expires).toBe('2026-01-01T00:00:00Z');
  });

  test('a container older than the last verified version is refused as a rollback', async () => {
    const s = await signed(container({ version: 3 }), keyA);
    expect(
      await codeOf(verify(s.text, { keys: s.pinned, last: { version: 4, digest: 'x'.repeat(64) } })),
    ).toBe('container/rollback');
  });

  test('a container below the page minimum version is refused as a rollback, and one at it is accepted', async () => {
    const s = await signed(container({ version: 3 }), keyA);
    expect(await codeOf(verify(s.text, { keys: s.pinned, minVersion: 4 }))).toBe('container/rollback');
    const v = await verify(s.text, { keys: s.pinned, minVersion: 3 });
    expect(v.container.version).toBe(3);
  });

  test('different bytes under the last verified version are refused as an equivocation', async () => {
    const first = await signed(container({ version: 3 }), keyA);
    const { digest } = await verify(first.text, { keys: first.pinned });
    const other = await signed(container({ version: 3, origins: ['https://shop.example.se'] }), keyA);
    expect(await codeOf(verify(other.text, { keys: other.pinned, last: { version: 3, digest } }))).toBe(
      'container/equivocation',
    );
  });

  test('the same bytes under the last verified version verify again', async () => {
    const first = await signed(container({ version: 3 }), keyA);
    const { digest } = await verify(first.text, { keys: first.pinned });
    // Signed again: a new ECDSA signature over the same payload bytes is the same container.
    const again = await signed(first.payload, keyA);
    expect(again.envelope.signatures[0]!.sig).not.toBe(first.envelope.signatures[0]!.sig);
    const v = await verify(again.text, { keys: again.pinned, last: { version: 3, digest } });
    expect(v.digest).toBe(digest);
  });

  test('a higher version than the last verified one is accepted', async () => {
    const s = await signed(container({ version: 4 }), keyA);
    const v = await verify(s.text, { keys: s.pinned, last: { version: 3, digest: 'x'.repeat(64) } });
    expect(v.container.version).toBe(4);
  });
});

describe('size bound', () => {
  test('an envelope above the size bound is refused before any key or crypto is used', async () => {
    const s = await signed(container(), keyA);
    const text = s.text + ' '.repeat(MAX_ENVELOPE_BYTES); // still a valid, correctly signed envelope
    const verifySpy = vi.spyOn(crypto.subtle, 'verify');
    const digestSpy = vi.spyOn(crypto.subtle, 'digest');
    const untouchable = new Proxy([] as PinnedKey[], {
      get() {
        throw new Error('keys were read');
      },
    });
    expect(await codeOf(verifyContainer(text, { keys: untouchable, check: checkContainer, now: NOW }))).toBe(
      'container/too-large',
    );
    expect(verifySpy).not.toHaveBeenCalled();
    expect(digestSpy).not.toHaveBeenCalled();
    // Without the padding the same envelope verifies: the size alone refused it.
    expect((await verify(s.text, { keys: s.pinned })).keyids).toEqual([keyA.keyid]);
  });

  test('the bound counts UTF-8 bytes, not characters', async () => {
    const s = await signed(container(), keyA);
    const text = JSON.stringify({ ...s.envelope, note: 'ö'.repeat(100) });
    const chars = text.length;
    expect(await codeOf(verify(text, { keys: s.pinned, maxBytes: chars }))).toBe('container/too-large');
    expect((await verify(text, { keys: s.pinned, maxBytes: chars + 100 })).keyids).toEqual([keyA.keyid]);
  });
});

describe('malformed envelopes', () => {
  test.each([
    ['text that is not JSON', () => 'not json {'],
    ['a JSON array', () => '[]'],
    ['null', () => 'null'],
    [
      'an envelope without signatures',
      (e: Record<string, unknown>) => JSON.stringify({ ...e, signatures: undefined }),
    ],
    [
      'an envelope with an empty signature list',
      (e: Record<string, unknown>) => JSON.stringify({ ...e, signatures: [] }),
    ],
    [
      'an envelope with 17 signatures',
      (e: Record<string, unknown>) =>
        JSON.stringify({ ...e, signatures: Array(17).fill((e.signatures as unknown[])[0]) }),
    ],
    [
      'a signature that is not base64',
      (e: Record<string, unknown>) =>
        JSON.stringify({ ...e, signatures: [{ keyid: 'k', sig: 'not base64!' }] }),
    ],
    [
      'a signature without a keyid',
      (e: Record<string, unknown>) =>
        JSON.stringify({ ...e, signatures: [{ sig: (e.signatures as { sig: string }[])[0]!.sig }] }),
    ],
    [
      'a payload that is not base64',
      (e: Record<string, unknown>) => JSON.stringify({ ...e, payload: '{"id":1}' }),
    ],
    [
      'a missing payloadType',
      (e: Record<string, unknown>) => JSON.stringify({ ...e, payloadType: undefined }),
    ],
  ])('%s is refused as a bad envelope', async (_label, make) => {
    const s = await signed(container(), keyA);
    const text = make(s.envelope as unknown as Record<string, unknown>);
    expect(await codeOf(verify(text, { keys: s.pinned }))).toBe('container/bad-envelope');
  });

  test('an envelope with 16 signatures, one of them valid, is still accepted', async () => {
    const s = await signed(container(), keyA);
    const other = await signed(container(), keyB);
    const sigs = [...Array(15).fill(other.envelope.signatures[0]), s.envelope.signatures[0]];
    const v = await verify(JSON.stringify({ ...s.envelope, signatures: sigs }), { keys: s.pinned });
    expect(v.keyids).toEqual([keyA.keyid]);
  });
});

describe('pinned keys', () => {
  test('verification with no pinned key fails with no-keys', async () => {
    const s = await signed(container(), keyA);
    expect(await codeOf(verify(s.text, { keys: [] }))).toBe('container/no-keys');
  });

  test('pinning only undecodable keys leaves none, so verification fails with no-keys', async () => {
    const s = await signed(container(), keyA);
    const keys = await importPublicKeys(['garbage!', toBase64(new Uint8Array([1, 2, 3]))]);
    expect(keys).toEqual([]);
    expect(await codeOf(verify(s.text, { keys }))).toBe('container/no-keys');
  });

  test('importPublicKeys accepts PEM and bare base64 SPKI and drops garbage and duplicates', async () => {
    const keys = await importPublicKeys([
      keyA.publicPem,
      'not a key',
      keyB.spkiB64,
      keyA.spkiB64, // duplicate of the PEM above
      `-----BEGIN PUBLIC KEY-----\n${toBase64(new Uint8Array(91))}\n-----END PUBLIC KEY-----`,
      keyB.publicPem, // duplicate of the base64 above
      '',
    ]);
    expect(keys.map((k) => k.keyid)).toEqual([keyA.keyid, keyB.keyid]);
    for (const k of keys) {
      expect(k.key.type).toBe('public');
      expect(k.key.usages).toEqual(['verify']);
    }
  });

  test('importPublicKeys drops a key on another curve', async () => {
    const p384 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, [
      'sign',
      'verify',
    ]);
    const spki = new Uint8Array(await crypto.subtle.exportKey('spki', p384.publicKey));
    expect(await importPublicKeys([toBase64(spki), keyC.spkiB64])).toEqual([
      expect.objectContaining({ keyid: keyC.keyid }),
    ]);
  });

  test('keyIdOf is the hex SHA-256 of the SPKI DER', async () => {
    const der = KeyObject.from(keyA.publicKey).export({ type: 'spki', format: 'der' });
    const expected = createHash('sha256').update(der).digest('hex');
    expect(await keyIdOf(new Uint8Array(der))).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    const [pinned] = await importPublicKeys([keyA.publicPem]);
    expect(pinned!.keyid).toBe(expected);
  });
});
