// Proof of consent on the wire: each record is posted as JSON with keepalive, without cookies or Referer,
// taken out of storage when handed over, and stored again when its send fails.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type ConsentProof, sendProofs } from '../../../src/consent/record';

const proof = (n: number): ConsentProof => ({
  consentId: `c-${n}`,
  time: new Date(n).toISOString(),
  choices: { analytics: 'granted' },
  method: 'accept-all',
  containerId: 'demo',
  containerVersion: 1,
  policyRevision: 1,
  textVersion: null,
  lang: 'en',
});
const stored = () => JSON.parse(localStorage.getItem('tagwarden:records') ?? '[]') as ConsentProof[];
const settle = () => new Promise((r) => setTimeout(r, 10));

afterEach(() => {
  vi.unstubAllGlobals();
  localStorage.clear();
});

describe('proof-of-consent records', () => {
  it('are posted as JSON with keepalive, no cookie and no Referer, and leave storage once sent', async () => {
    const fetch = vi.fn(async () => new Response(null, { status: 204 }));
    vi.stubGlobal('fetch', fetch);
    localStorage.setItem('tagwarden:records', JSON.stringify([proof(1), proof(2)]));
    sendProofs('/collect/consent');
    expect(stored()).toEqual([]);
    await settle();
    expect(fetch).toHaveBeenCalledTimes(2);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/collect/consent');
    expect(init).toMatchObject({
      method: 'POST',
      keepalive: true,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      headers: { 'Content-Type': 'application/json' },
    });
    expect(JSON.parse(String(init.body))).toEqual(proof(1));
    expect(stored()).toEqual([]);
  });

  it('one whose send may succeed later (network error, 5xx, 429, 408, 425) waits for the next page; another 4xx does not', async () => {
    const answers = [0, 503, 429, 408, 425, 404, 204];
    let n = 0;
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => {
        const status = answers[n++]!;
        if (!status) throw new TypeError('offline');
        return new Response(null, { status });
      }),
    );
    localStorage.setItem('tagwarden:records', JSON.stringify(answers.map((_, i) => proof(i + 1))));
    sendProofs('/collect/consent');
    await settle();
    expect(stored().map((r) => r.consentId)).toEqual(['c-1', 'c-2', 'c-3', 'c-4', 'c-5']);
  });

  it('a fresh record is sent from memory when storage is refused', async () => {
    const fetch = vi.fn(async () => new Response(null, { status: 204 }));
    vi.stubGlobal('fetch', fetch);
    vi.spyOn(Storage.prototype, 'getItem').mockImplementation(() => {
      throw new DOMException('denied', 'SecurityError');
    });
    sendProofs('/collect/consent', proof(9));
    await settle();
    vi.restoreAllMocks();
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
