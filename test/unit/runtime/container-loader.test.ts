// The container loader's stored last-good state: a repeat view starts from the stored container without the
// schema check only when this runtime's schema check passed those bytes; bytes stored by a runtime with
// another schema check are checked in full once, and the stored version stays the rollback floor.
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { checkContainer } from '../../../src/container/check.js';
import type { Container } from '../../../src/container/schema.js';
import type { RuntimeConfig } from '../../../src/runtime/config.js';
import { loadContainer } from '../../../src/runtime/container-loader.js';
import { container, makeKey, type Signed, signed, type TestKey } from '../container/fixtures.js';

const URL_ = 'https://cdn.example.se/container.json';
const KEY = `tagwarden:container:${URL_}`;
let key: TestKey;
let served: string;

beforeEach(async () => {
  localStorage.clear();
  key ??= await makeKey();
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(served)),
  );
});
afterEach(() => vi.unstubAllGlobals());

const make = (version: number): Promise<Signed> =>
  signed(container({ version, origins: [location.origin] }), key);

/** Loads `s`'s container as the runtime does, with `schema` as the schema check (by default the real one). */
async function load(s: Signed, schema: (json: unknown) => Container = checkContainer) {
  const check = vi.fn(schema);
  const loadCheck = vi.fn(async () => check);
  const config = { container: URL_, keys: [], threshold: undefined } as unknown as RuntimeConfig;
  const v = await loadContainer({ config, keys: s.pinned, loadCheck, now: Date.now(), report: () => {} });
  return { v, loadCheck, check };
}

describe('the stored container', () => {
  test('is used without loading the schema check when this runtime checked it', async () => {
    const s = await make(3);
    served = s.text;
    expect((await load(s)).check).toHaveBeenCalledTimes(1); // first view: downloaded and checked
    const repeat = await load(s);
    expect(repeat.v.container.version).toBe(3);
    expect(repeat.loadCheck).not.toHaveBeenCalled();
  });

  test('stored by a runtime with another schema check is checked in full, and stored again', async () => {
    const s = await make(3);
    served = s.text;
    await load(s);
    const stored = JSON.parse(localStorage.getItem(KEY)!);
    localStorage.setItem(KEY, JSON.stringify({ ...stored, schema: 'an-older-schema' }));
    const next = await load(s);
    expect(next.v.container.version).toBe(3);
    expect(next.check).toHaveBeenCalledTimes(1);
    expect(JSON.parse(localStorage.getItem(KEY)!).schema).toBe(stored.schema);
    expect((await load(s)).loadCheck).not.toHaveBeenCalled();
  });

  test('stored without a schema id (an earlier runtime) is checked in full and used, not an older download', async () => {
    const newer = await make(5);
    served = newer.text;
    await load(newer);
    const { schema: _, ...old } = JSON.parse(localStorage.getItem(KEY)!);
    localStorage.setItem(KEY, JSON.stringify(old));
    served = (await make(4)).text; // the server now offers an older version: the stored one stays the floor
    const next = await load(newer);
    expect(next.v.container.version).toBe(5);
    expect(next.check).toHaveBeenCalledTimes(1);
    expect(JSON.parse(localStorage.getItem(KEY)!).version).toBe(5);
  });

  test('fails the schema check and is not used when it no longer passes', async () => {
    const s = await make(3);
    served = s.text;
    await load(s);
    const stored = JSON.parse(localStorage.getItem(KEY)!);
    localStorage.setItem(KEY, JSON.stringify({ ...stored, schema: 'a-looser-schema' }));
    const strict = vi.fn((): Container => {
      throw Object.assign(new Error('tightened'), { code: 'container/invalid' });
    });
    await expect(load(s, strict)).rejects.toMatchObject({ code: 'container/invalid' });
    expect(strict).toHaveBeenCalled();
  });
});

describe('the rollback floor', () => {
  test('a stored copy no pinned key signed sets no floor: a lower container signed by the pinned key is used and stored', async () => {
    // A leaked key, since removed from data-keys, signed a very high version that this browser stored.
    const leaked = await makeKey();
    const high = await signed(container({ version: 900, origins: [location.origin] }), leaked);
    const s = await make(4);
    localStorage.setItem(KEY, JSON.stringify({ env: high.text, version: 900, digest: 'x' }));
    served = s.text;
    const reports: unknown[] = [];
    const config = { container: URL_, keys: [], threshold: undefined } as unknown as RuntimeConfig;
    const v = await loadContainer({
      config,
      keys: s.pinned,
      loadCheck: async () => checkContainer,
      now: Date.now(),
      report: (e) => reports.push(e),
    });
    expect(v.container.version).toBe(4);
    expect(reports).toMatchObject([{ code: 'container/bad-signature' }]);
    expect(JSON.parse(localStorage.getItem(KEY)!).version).toBe(4);
  });

  test('a stored copy signed by fewer pinned keys than a raised data-threshold keeps its floor', async () => {
    const second = await makeKey();
    const high = await signed(container({ version: 10, origins: [location.origin] }), key);
    localStorage.setItem(
      KEY,
      JSON.stringify({ env: high.text, version: 10, digest: 'x', schema: 'test-schema' }),
    );
    const both = await signed(container({ version: 8, origins: [location.origin] }), key, second);
    served = both.text;
    const config = { container: URL_, keys: [], threshold: 2 } as unknown as RuntimeConfig;
    const loading = loadContainer({
      config,
      keys: both.pinned,
      loadCheck: async () => checkContainer,
      now: Date.now(),
      report: () => {},
    });
    await expect(loading).rejects.toMatchObject({ code: 'container/rollback' });
    expect(JSON.parse(localStorage.getItem(KEY)!).version).toBe(10);
  });

  test('a refused unsigned copy gives way to the verified one another tab stored meanwhile: that is the floor', async () => {
    const leaked = await makeKey();
    const high = await signed(container({ version: 10, origins: [location.origin] }), leaked);
    localStorage.setItem(KEY, JSON.stringify({ env: high.text, version: 10, digest: 'x', schema: 'old' }));
    const s11 = await make(11);
    served = (await make(9)).text; // an older container, validly signed, replayed to this page
    const other = { env: s11.text, version: 11, digest: 'eleven', schema: 'test-schema' };
    // The schema chunk arrives late (the stored copy's schema id is another runtime's); meanwhile the other tab
    // stores v11.
    const check = (json: unknown) => checkContainer(json);
    const config = { container: URL_, keys: [], threshold: undefined } as unknown as RuntimeConfig;
    const loading = loadContainer({
      config,
      keys: s11.pinned,
      loadCheck: async () => {
        localStorage.setItem(KEY, JSON.stringify(other));
        return check;
      },
      now: Date.now(),
      report: () => {},
    });
    await expect(loading).rejects.toMatchObject({ code: 'container/rollback' });
    expect(JSON.parse(localStorage.getItem(KEY)!)).toEqual(other);
  });

  test('an expired stored copy still sets the floor: an older download is refused as container/rollback', async () => {
    const old = await signed(
      container({ version: 7, origins: [location.origin], expires: '2020-01-01T00:00:00Z' }),
      key,
    );
    localStorage.setItem(KEY, JSON.stringify({ env: old.text, version: 7, digest: 'x', schema: 'any' }));
    served = (await make(5)).text;
    await expect(load(old)).rejects.toMatchObject({ code: 'container/rollback' });
    expect(JSON.parse(localStorage.getItem(KEY)!).version).toBe(7);
  });

  test('a newer container another tab stored meanwhile is not replaced by this page’s older one', async () => {
    const s3 = await make(3);
    const s5 = await make(5);
    served = s3.text;
    await load(s3);
    // This page's runtime has a new schema check: it checks the stored v3 again and stores it again. While it
    // does, another tab stores v5.
    const stored = JSON.parse(localStorage.getItem(KEY)!);
    localStorage.setItem(KEY, JSON.stringify({ ...stored, schema: 'an-older-schema' }));
    const other = { env: s5.text, version: 5, digest: 'five', schema: stored.schema };
    const check = (json: unknown) => {
      localStorage.setItem(KEY, JSON.stringify(other));
      return checkContainer(json);
    };
    expect((await load(s3, check)).v.container.version).toBe(3);
    expect(JSON.parse(localStorage.getItem(KEY)!)).toEqual(other);
  });
});

describe('the download', () => {
  const refusal = async (response: () => Response) => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => response()),
    );
    const config = { container: URL_, keys: [], threshold: undefined } as unknown as RuntimeConfig;
    return loadContainer({
      config,
      keys: (await make(3)).pinned,
      loadCheck: async () => checkContainer,
      now: Date.now(),
      report: () => {},
    }).then(
      () => 'loaded',
      (e: { code: string; detail?: string }) => `${e.code} ${e.detail}`,
    );
  };

  test('a body that stalls or breaks after the headers is container/fetch-failed with the error’s name', async () => {
    const stalled = () =>
      new Response(
        new ReadableStream({
          start(c) {
            c.enqueue(new TextEncoder().encode('{"payloadType":'));
          },
          pull(c) {
            c.error(new DOMException('The operation timed out.', 'TimeoutError'));
          },
        }),
      );
    expect(await refusal(stalled)).toBe('container/fetch-failed TimeoutError');
  });

  test('a success without a body is container/fetch-failed, not too-large', async () => {
    expect(await refusal(() => new Response(null, { status: 204 }))).toBe('container/fetch-failed HTTP 204');
  });
});
