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
