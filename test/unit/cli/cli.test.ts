// @vitest-environment node
// The `tagwarden` CLI through run(argv, io) in a temp dir: keygen, validate, sign, verify, snippet and
// schema on containers/demo.json, with exit codes, the exact lines users read and what lands on disk.
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { run } from '../../../src/cli/app.js';
import { help } from '../../../src/cli/help-text.js';
import { PAYLOAD_TYPE } from '../../../src/container/envelope.js';
import { INLINE_SNIPPET } from '../../../src/snippet/inline.js';

const DEMO = fileURLToPath(new URL('../../../containers/demo.json', import.meta.url));
const SCHEMA = fileURLToPath(new URL('../../../containers/container.schema.json', import.meta.url));
const demoBytes = readFileSync(DEMO);
const demoText = demoBytes.toString('utf8');

/** Every line any command printed in this file, for the checks on secrets and stack traces. */
const printed: string[] = [];

interface Result {
  code: number;
  out: string[];
  err: string[];
}

/** Runs the CLI as a user would type it (without "tagwarden"), collecting what it prints. */
async function tw(...argv: string[]): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(argv, { out: (l) => out.push(l), err: (l) => err.push(l) });
  if (!argv.includes('--debug')) printed.push(...out, ...err);
  return { code, out, err };
}

let dir: string;
let keys: string;
let key1: { keyid: string; result: Result };
let key2: { keyid: string; result: Result };

const p = (...parts: string[]) => join(dir, ...parts);
/** The base64 body of a PEM file, without its BEGIN/END lines. */
const pemBody = (path: string) =>
  readFileSync(path, 'utf8')
    .replace(/-----[A-Z ]+-----/g, '')
    .replace(/\s+/g, '');
/** demo.json with `version` changed, byte for byte otherwise. */
const demoWithVersion = (v: number) => demoText.replace('"version": 1,', `"version": ${v},`);
/** The decoded payload bytes of an envelope file. */
const payloadOf = (path: string) => Buffer.from(JSON.parse(readFileSync(path, 'utf8')).payload, 'base64');

beforeAll(async () => {
  // Demo expires 2027-11-30: pin the clock so that verification stays meaningful after that date.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
  dir = mkdtempSync(join(tmpdir(), 'tagwarden-cli-'));
  keys = p('keys');
  const r1 = await tw('keygen', '--out', keys);
  const r2 = await tw('keygen', '--out', keys, '--name', 'next');
  const id = (r: Result) => /^key id:\s+([0-9a-f]{64})$/.exec(r.out[0] ?? '')?.[1] ?? '';
  key1 = { keyid: id(r1), result: r1 };
  key2 = { keyid: id(r2), result: r2 };
  expect(demoWithVersion(2)).not.toBe(demoText);
});

afterAll(() => {
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

describe('keygen', () => {
  test('creates a private key readable only by its owner and a public key, and prints the key id', () => {
    expect(key1.result.code).toBe(0);
    expect(statSync(join(keys, 'tagwarden.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(keys, 'tagwarden.key'), 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(readFileSync(join(keys, 'tagwarden.pub'), 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const spki = Buffer.from(pemBody(join(keys, 'tagwarden.pub')), 'base64');
    expect(key1.keyid).toBe(createHash('sha256').update(spki).digest('hex'));
    expect(key1.result.out.join('\n')).toContain(join(keys, 'tagwarden.key'));
    expect(key1.result.err).toEqual([]);
  });

  test('--name chooses the file names, and each key pair is new', () => {
    expect(key2.result.code).toBe(0);
    expect(existsSync(join(keys, 'next.key'))).toBe(true);
    expect(existsSync(join(keys, 'next.pub'))).toBe(true);
    expect(key2.keyid).toMatch(/^[0-9a-f]{64}$/);
    expect(key2.keyid).not.toBe(key1.keyid);
  });

  test('never prints the private key', () => {
    const secret = pemBody(join(keys, 'tagwarden.key'));
    const all = [...key1.result.out, ...key1.result.err].join('\n');
    expect(all).not.toContain('PRIVATE KEY-----');
    for (const chunk of secret.match(/.{1,40}/g)!) expect(all).not.toContain(chunk);
  });

  test('refuses to overwrite an existing key and leaves it unchanged', async () => {
    const before = readFileSync(join(keys, 'tagwarden.key'));
    const pubBefore = readFileSync(join(keys, 'tagwarden.pub'));
    const r = await tw('keygen', '--out', keys);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toContain('refusing to overwrite');
    expect(readFileSync(join(keys, 'tagwarden.key')).equals(before)).toBe(true);
    expect(readFileSync(join(keys, 'tagwarden.pub')).equals(pubBefore)).toBe(true);
  });

  test('refuses when only the public key file exists, and leaves no unmatched private key behind', async () => {
    const only = p('only-pub');
    mkdirSync(only);
    writeFileSync(join(only, 'tagwarden.pub'), 'an older public key\n');
    const r = await tw('keygen', '--out', only);
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toContain('refusing to overwrite');
    expect(readFileSync(join(only, 'tagwarden.pub'), 'utf8')).toBe('an older public key\n');
    // A new private key next to an older public key would sign envelopes that key never verifies.
    expect(readdirSync(only)).toEqual(['tagwarden.pub']);
  });
});

describe('validate', () => {
  test('reports containers/demo.json as valid', async () => {
    const r = await tw('validate', DEMO);
    expect(r).toEqual({ code: 0, out: [`${DEMO}: valid`], err: [] });
  });

  test('prints every rule problem of a broken container as "file: path.to.field: message"', async () => {
    const c = JSON.parse(demoText);
    c.tags[1].settings.url = 'http://ads.example.net/px';
    c.tags[2].category = 'nope';
    c.tags[3].id = c.tags[0].id;
    const file = p('broken-rules.json');
    writeFileSync(file, JSON.stringify(c, null, 2));
    const r = await tw('validate', file);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([
      `${file}: tags.1.settings.url: must use https: (http: is allowed only for localhost and 127.0.0.1)`,
      expect.stringMatching(new RegExp(`^${file}: tags\\.2\\.category: unknown category "nope"`)),
      `${file}: tags.3.id: duplicate tag id "appinsights"`,
    ]);
  });

  test('prints every schema problem of a broken container, naming unknown fields', async () => {
    const c = JSON.parse(demoText);
    c.colour = 'blue';
    c.version = 0;
    delete c.tags[2].settings.integrity;
    const file = p('broken-schema.json');
    writeFileSync(file, JSON.stringify(c));
    const r = await tw('validate', file);
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(3);
    expect(r.err).toEqual(
      expect.arrayContaining([
        `${file}: (root): Unrecognized key: "colour"`,
        expect.stringMatching(new RegExp(`^${file}: version: .+`)),
        expect.stringMatching(new RegExp(`^${file}: tags\\.2\\.settings\\.integrity: .+`)),
      ]),
    );
  });

  test('marks warnings and still exits 0 for a container with warnings only', async () => {
    const c = JSON.parse(demoText);
    c.tags[1].category = 'necessary'; // third-party storage in an always-on category
    const file = p('warnings.json');
    writeFileSync(file, JSON.stringify(c));
    const r = await tw('validate', file);
    expect(r.code).toBe(0);
    expect(r.err).toHaveLength(2);
    for (const line of r.err)
      expect(line).toMatch(new RegExp(`^${file}: tags\\.1\\.storage\\.\\d: warning: `));
    expect(r.out).toEqual([`${file}: valid (2 warnings)`]);
  });

  test('explains in one line a file that is not JSON, has a BOM or is missing, and checks the other files', async () => {
    const notJson = p('not-json.json');
    const bom = p('bom.json');
    writeFileSync(notJson, '{ "id": ');
    writeFileSync(bom, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), demoBytes]));
    const r = await tw('validate', notJson, bom, p('missing.json'), DEMO);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      expect.stringMatching(new RegExp(`^${notJson}: \\(root\\): invalid JSON`)),
      expect.stringMatching(new RegExp(`^${bom}: \\(root\\): starts with a byte order mark`)),
      `${p('missing.json')}: no such file`,
    ]);
    expect(r.out).toEqual([`${DEMO}: valid`]);
  });

  test('gives the line and column of a JSON syntax error, for the editor', async () => {
    const file = p('trailing-comma.json');
    writeFileSync(file, '{\n  "id": "demo",\n  }\n');
    const r = await tw('validate', file);
    expect(r.code).toBe(1);
    expect(r.err).toEqual([expect.stringMatching(/ at position 20 \(line 3, column 3\)$/)]);
  });
});

describe('sign', () => {
  test('writes a DSSE envelope whose payload is exactly the bytes of the input file', async () => {
    const out = p('signed.json');
    const r = await tw('sign', DEMO, '--key', join(keys, 'tagwarden.key'), '--out', out);
    expect(r.code).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.out[0]).toBe(`signed demo version 1 (expires 2027-11-30T00:00:00Z) -> ${out}`);
    const env = JSON.parse(readFileSync(out, 'utf8'));
    expect(Object.keys(env).sort()).toEqual(['payload', 'payloadType', 'signatures']);
    expect(env.payloadType).toBe(PAYLOAD_TYPE);
    expect(payloadOf(out).equals(demoBytes)).toBe(true);
    expect(env.signatures).toHaveLength(1);
    expect(env.signatures[0].keyid).toBe(key1.keyid);
    expect(Buffer.from(env.signatures[0].sig, 'base64')).toHaveLength(64);
  });

  test('signs with every --key during a rotation: two keys, two signatures', async () => {
    const out = p('signed-two.json');
    const r = await tw(
      'sign',
      DEMO,
      '--key',
      join(keys, 'tagwarden.key'),
      '--key',
      join(keys, 'next.key'),
      '--out',
      out,
    );
    expect(r.code).toBe(0);
    expect(r.out.slice(1)).toEqual([`  key id ${key1.keyid}`, `  key id ${key2.keyid}`]);
    const env = JSON.parse(readFileSync(out, 'utf8'));
    expect(env.signatures.map((s: { keyid: string }) => s.keyid)).toEqual([key1.keyid, key2.keyid]);
    const v = await tw('verify', out, '--pub', join(keys, 'next.pub'));
    expect(v.code).toBe(0);
    expect(v.out).toContain(`signed by ${key2.keyid}`);
  });

  test('refuses an invalid container, prints its problems and writes nothing', async () => {
    const c = JSON.parse(demoText);
    c.tags[2].settings.integrity = `sha256-${'A'.repeat(43)}=`;
    const file = p('invalid.json');
    writeFileSync(file, JSON.stringify(c));
    const out = p('invalid.signed.json');
    const r = await tw('sign', file, '--key', join(keys, 'tagwarden.key'), '--out', out);
    expect(r.code).toBe(1);
    expect(r.err[0]).toMatch(new RegExp(`^${file}: tags\\.2\\.settings\\.integrity: `));
    expect(r.err.at(-1)).toBe(`tagwarden sign: ${file} is invalid; not signed`);
    expect(existsSync(out)).toBe(false);
  });

  test('refuses a container whose signed envelope the runtime would refuse as too large, and writes nothing', async () => {
    const file = p('big.json');
    writeFileSync(file, demoText + ' '.repeat(800_000)); // valid JSON; 4/3 of it once base64-encoded
    expect((await tw('validate', file)).code).toBe(0);
    const out = p('big.signed.json');
    const r = await tw('sign', file, '--key', join(keys, 'tagwarden.key'), '--out', out);
    expect(r.code).toBe(1);
    expect(r.err.at(-1)).toMatch(
      /the signed envelope would be \d+ bytes; the runtime accepts at most 1048576; not signed$/,
    );
    expect(existsSync(out)).toBe(false);
  });

  test('refuses an --out that is its container or its key, and leaves both as they were', async () => {
    const file = p('own.json');
    writeFileSync(file, demoText);
    const key = join(keys, 'tagwarden.key');
    const keyBytes = readFileSync(key);
    for (const out of [file, key]) {
      const r = await tw('sign', file, '--key', key, '--out', out);
      expect(r.code).toBe(1);
      expect(r.err.at(-1)).toBe(
        `tagwarden sign: --out ${out} is also an input (${out}); choose another file`,
      );
    }
    expect(readFileSync(file, 'utf8')).toBe(demoText);
    expect(readFileSync(key)).toEqual(keyBytes);
  });

  test('replaces an earlier envelope at --out in one rename, leaving no temporary file', async () => {
    const out = p('published', 'demo.signed.json');
    mkdirSync(p('published'), { recursive: true });
    writeFileSync(out, 'an earlier envelope');
    expect((await tw('sign', DEMO, '--key', join(keys, 'tagwarden.key'), '--out', out)).code).toBe(0);
    expect(payloadOf(out)).toEqual(demoBytes);
    expect(readdirSync(p('published'))).toEqual(['demo.signed.json']);
  });

  test('with --previous, refuses the same or a lower version and accepts a higher one', async () => {
    const v1 = p('v1.json');
    const v2 = p('v2.json');
    writeFileSync(v1, demoWithVersion(1));
    writeFileSync(v2, demoWithVersion(2));
    const key = join(keys, 'tagwarden.key');
    expect((await tw('sign', v1, '--key', key, '--out', p('v1.signed.json'))).code).toBe(0);

    const same = await tw(
      'sign',
      v1,
      '--key',
      key,
      '--out',
      p('again.signed.json'),
      '--previous',
      p('v1.signed.json'),
    );
    expect(same.code).toBe(1);
    expect(same.err).toEqual([
      'tagwarden sign: version 1 is not above the previously published 1; raise "version"',
    ]);
    expect(existsSync(p('again.signed.json'))).toBe(false);

    const higher = await tw(
      'sign',
      v2,
      '--key',
      key,
      '--out',
      p('v2.signed.json'),
      '--previous',
      p('v1.signed.json'),
    );
    expect(higher.code).toBe(0);
    expect(payloadOf(p('v2.signed.json')).toString('utf8')).toBe(demoWithVersion(2));

    const lower = await tw(
      'sign',
      v1,
      '--key',
      key,
      '--out',
      p('lower.signed.json'),
      '--previous',
      p('v2.signed.json'),
    );
    expect(lower.code).toBe(1);
    expect(lower.err[0]).toContain('not above the previously published 2');
    expect(existsSync(p('lower.signed.json'))).toBe(false);
  });

  test('refuses a --previous file that is not a signed container', async () => {
    writeFileSync(p('not-signed.json'), '{"hello":"world"}');
    const r = await tw(
      'sign',
      DEMO,
      '--key',
      join(keys, 'tagwarden.key'),
      '--out',
      p('x.json'),
      '--previous',
      p('not-signed.json'),
    );
    expect(r.code).toBe(1);
    expect(r.err).toEqual([`tagwarden sign: ${p('not-signed.json')}: not a signed tagwarden container`]);
  });

  test('refuses a --key file that is not a private key, without printing its content', async () => {
    const r = await tw('sign', DEMO, '--key', join(keys, 'tagwarden.pub'), '--out', p('y.json'));
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      `tagwarden sign: ${join(keys, 'tagwarden.pub')} is not an ECDSA P-256 private key in PKCS#8 PEM form`,
    ]);
    expect(existsSync(p('y.json'))).toBe(false);
  });
});

describe('verify', () => {
  beforeAll(async () => {
    if (!existsSync(p('signed.json')))
      await tw('sign', DEMO, '--key', join(keys, 'tagwarden.key'), '--out', p('signed.json'));
  });

  test('prints id, version, expiry and the signing key id of a good envelope', async () => {
    const r = await tw('verify', p('signed.json'), '--pub', join(keys, 'tagwarden.pub'));
    expect(r.code).toBe(0);
    expect(r.err).toEqual([]);
    expect(r.out).toEqual([
      'id:       demo',
      'version:  1',
      'expires:  2027-11-30T00:00:00Z',
      'origins:  https://www.example.se http://127.0.0.1:8080',
      `digest:   sha256:${createHash('sha256').update(demoBytes).digest('hex')}`,
      `signed by ${key1.keyid}`,
    ]);
  });

  test('accepts a listed --origin and refuses another with container/wrong-origin', async () => {
    const ok = await tw(
      'verify',
      p('signed.json'),
      '--pub',
      join(keys, 'tagwarden.pub'),
      '--origin',
      'https://www.example.se',
    );
    expect(ok.code).toBe(0);
    const r = await tw(
      'verify',
      p('signed.json'),
      '--pub',
      join(keys, 'tagwarden.pub'),
      '--origin',
      'https://evil.example',
    );
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^tagwarden verify: container\/wrong-origin: /);
  });

  test('refuses a wrong --id and a --min-version above the version', async () => {
    const id = await tw('verify', p('signed.json'), '--pub', join(keys, 'tagwarden.pub'), '--id', 'other');
    expect(id.code).toBe(1);
    expect(id.err[0]).toContain('container/wrong-id');
    const min = await tw(
      'verify',
      p('signed.json'),
      '--pub',
      join(keys, 'tagwarden.pub'),
      '--min-version',
      '2',
    );
    expect(min.code).toBe(1);
    expect(min.err[0]).toContain('container/rollback');
  });

  test('decodes the envelope file as the runtime decodes the download: a byte order mark (an editor’s) is not an error', async () => {
    writeFileSync(p('bom.json'), `\uFEFF${readFileSync(p('signed.json'), 'utf8')}`);
    const r = await tw('verify', p('bom.json'), '--pub', join(keys, 'tagwarden.pub'));
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
  });

  test('refuses a tampered envelope with container/bad-signature', async () => {
    const env = JSON.parse(readFileSync(p('signed.json'), 'utf8'));
    const tampered = demoText.replace('"origins": [', '"origins": ["https://evil.example", ');
    expect(tampered).not.toBe(demoText);
    env.payload = Buffer.from(tampered).toString('base64');
    writeFileSync(p('tampered.json'), JSON.stringify(env));
    const r = await tw('verify', p('tampered.json'), '--pub', join(keys, 'tagwarden.pub'));
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      'tagwarden verify: container/bad-signature: No signature on the envelope verifies with a pinned public key (or fewer than data-threshold different keys signed).',
    ]);
  });

  test('refuses an envelope signed by a key that was not given with --pub', async () => {
    const r = await tw('verify', p('signed.json'), '--pub', join(keys, 'next.pub'));
    expect(r.code).toBe(1);
    expect(r.err[0]).toContain('container/bad-signature');
  });

  test('--threshold requires signatures by that many of the --pub keys', async () => {
    const two = p('signed-threshold.json');
    const k = (name: string) => join(keys, name);
    await tw('sign', DEMO, '--key', k('tagwarden.key'), '--key', k('next.key'), '--out', two);
    const pubs = ['--pub', k('tagwarden.pub'), '--pub', k('next.pub')];
    const both = await tw('verify', two, ...pubs, '--threshold', '2');
    expect(both.code).toBe(0);
    expect(both.out.filter((l) => l.startsWith('signed by'))).toHaveLength(2);
    // Signed by one of the two pinned keys only: not enough.
    const one = await tw('verify', p('signed.json'), ...pubs, '--threshold', '2');
    expect(one.code).toBe(1);
    expect(one.err[0]).toContain('container/bad-signature');
    expect((await tw('verify', p('signed.json'), ...pubs, '--threshold', '1')).code).toBe(0);
  });

  test('refuses a --threshold that is not a whole number or above the number of --pub keys', async () => {
    const pub = ['--pub', join(keys, 'tagwarden.pub')];
    const high = await tw('verify', p('signed.json'), ...pub, '--threshold', '2');
    expect(high.code).toBe(2);
    expect(high.err.join('\n')).toContain('--threshold 2 needs at least 2 different --pub keys, got 1');
    const zero = await tw('verify', p('signed.json'), ...pub, '--threshold', '0');
    expect(zero.code).toBe(2);
    expect(zero.err.join('\n')).toContain('--threshold takes a whole number above 0');
  });

  test('refuses a private key given as --pub, naming the file and pointing to its .pub file', async () => {
    const key = join(keys, 'tagwarden.key');
    const r = await tw('verify', p('signed.json'), '--pub', key);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([`tagwarden verify: ${key}: this is a private key; pass its .pub file`]);
  });

  test('refuses a --pub file that is not a public key even beside a good one, naming it', async () => {
    writeFileSync(p('not-a-key.pub'), 'this is not a key');
    const r = await tw(
      'verify',
      p('signed.json'),
      '--pub',
      join(keys, 'tagwarden.pub'),
      '--pub',
      p('not-a-key.pub'),
    );
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([
      `tagwarden verify: ${p('not-a-key.pub')}: not an ECDSA P-256 public key (PEM or base64 SPKI)`,
    ]);
  });

  test('says that an unsigned container must be signed first, keeping the error code', async () => {
    const r = await tw('verify', DEMO, '--pub', join(keys, 'tagwarden.pub'));
    expect(r.code).toBe(1);
    expect(r.err).toEqual([
      'tagwarden verify: container/bad-envelope: The signed container is not a DSSE envelope of the expected shape. (payloadType); this looks like an unsigned container: sign it first (tagwarden sign)',
    ]);
  });

  test('refuses an expired container by the current clock', async () => {
    vi.setSystemTime(new Date('2027-12-01T00:00:00Z'));
    try {
      const r = await tw('verify', p('signed.json'), '--pub', join(keys, 'tagwarden.pub'));
      expect(r.code).toBe(1);
      expect(r.err[0]).toContain('container/expired');
    } finally {
      vi.setSystemTime(new Date('2026-01-01T00:00:00Z'));
    }
  });
});

describe('snippet', () => {
  const runtimeBody = 'export const tagwarden = "runtime under test";\n';
  const snippetArgs = () => [
    'snippet',
    '--runtime-url',
    'https://cdn.example.se/tagwarden.js',
    '--container-url',
    '/containers/demo.signed.json',
    '--pub',
    join(keys, 'tagwarden.pub'),
    '--runtime-file',
    p('runtime.js'),
  ];

  beforeAll(() => {
    writeFileSync(p('runtime.js'), runtimeBody);
  });

  test('prints the inline bootstrap and the runtime element with its SRI hash and pinned key', async () => {
    const r = await tw(...snippetArgs(), '--min-version', '3', '--nonce-placeholder');
    expect(r.code).toBe(0);
    expect(r.err).toEqual([]);
    const html = r.out.join('\n');
    const [inline, module] = html.split('\n');
    expect(inline).toBe(`<script nonce="{{CSP_NONCE}}">${INLINE_SNIPPET}</script>`);
    const sri = `sha384-${createHash('sha384')
      .update(readFileSync(p('runtime.js')))
      .digest('base64')}`;
    expect(module).toContain(`integrity="${sri}"`);
    expect(module).toContain(`data-keys="${pemBody(join(keys, 'tagwarden.pub'))}"`);
    expect(module).toContain('data-min-version="3"');
    expect(module).toContain('src="https://cdn.example.se/tagwarden.js"');
    expect(module).toContain('data-container="/containers/demo.signed.json"');
    expect(module).toMatch(/^<script type="module" nonce="\{\{CSP_NONCE\}\}" /);
    expect(html.match(/<script[^>]* nonce="\{\{CSP_NONCE\}\}"/g)).toHaveLength(2);
  });

  test('--threshold becomes data-threshold; it cannot exceed the pinned keys', async () => {
    const r = await tw(...snippetArgs(), '--pub', join(keys, 'next.pub'), '--threshold', '2');
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toContain('data-threshold="2"');
    const high = await tw(...snippetArgs(), '--threshold', '2');
    expect(high.code).toBe(2);
    expect(high.out).toEqual([]);
  });

  test('has no nonce attribute unless asked for one', async () => {
    const r = await tw(...snippetArgs());
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).not.toContain('nonce');
    expect(r.out.join('\n')).not.toContain('data-min-version');
  });

  test('changes the SRI hash when the runtime file changes', async () => {
    const a = (await tw(...snippetArgs())).out.join('\n');
    writeFileSync(p('runtime.js'), `${runtimeBody}// changed\n`);
    try {
      const b = (await tw(...snippetArgs())).out.join('\n');
      expect(b).not.toBe(a);
      const sri = `sha384-${createHash('sha384')
        .update(readFileSync(p('runtime.js')))
        .digest('base64')}`;
      expect(b).toContain(`integrity="${sri}"`);
    } finally {
      writeFileSync(p('runtime.js'), runtimeBody);
    }
  });

  test('pins every chunk beside the runtime in an import map, by SHA-384, resolved against the runtime URL', async () => {
    mkdirSync(p('rt/chunks'), { recursive: true });
    writeFileSync(p('rt/tagwarden.js'), runtimeBody);
    writeFileSync(p('rt/chunks/ui-Ab1.js'), 'export const ui = 1;\n');
    writeFileSync(p('rt/chunks/pixel-Cd2.js'), 'export const pixel = 2;\n');
    writeFileSync(p('rt/chunks/notes.txt'), 'not a chunk');
    const args = snippetArgs();
    args[args.indexOf('--runtime-file') + 1] = p('rt/tagwarden.js');
    args[args.indexOf('--runtime-url') + 1] = 'https://cdn.example.se/tw/1.2.0/tagwarden.js?v=1';
    const r = await tw(...args, '--nonce', 'n0nce');
    expect(r.code).toBe(0);
    const lines = r.out.join('\n').split('\n');
    expect(lines).toHaveLength(3);
    const m = /^<script type="importmap" nonce="n0nce">(.*)<\/script>$/.exec(lines[1]!);
    expect(m).not.toBeNull();
    const hash = (f: string) =>
      `sha384-${createHash('sha384')
        .update(readFileSync(p(f)))
        .digest('base64')}`;
    expect(JSON.parse(m![1]!)).toEqual({
      integrity: {
        'https://cdn.example.se/tw/1.2.0/chunks/pixel-Cd2.js': hash('rt/chunks/pixel-Cd2.js'),
        'https://cdn.example.se/tw/1.2.0/chunks/ui-Ab1.js': hash('rt/chunks/ui-Ab1.js'),
      },
    });
    expect(lines[2]).toMatch(/^<script type="module" nonce="n0nce" /);
  });

  test('refuses a --pub file that is not a public key, naming the file', async () => {
    writeFileSync(p('garbage.pub'), 'this is not a key');
    const args = snippetArgs();
    args[args.indexOf('--pub') + 1] = p('garbage.pub');
    const r = await tw(...args);
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([
      `tagwarden snippet: ${p('garbage.pub')}: not an ECDSA P-256 public key (PEM or base64 SPKI)`,
    ]);
  });

  test('refuses a private key given as --pub, pointing to its .pub file', async () => {
    const r = await tw(...snippetArgs(), '--pub', join(keys, 'next.key'));
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([
      `tagwarden snippet: ${join(keys, 'next.key')}: this is a private key; pass its .pub file`,
    ]);
  });
});

describe('serve', () => {
  test('refuses a --pages path that is missing or not a folder, naming it, and serves nothing', async () => {
    const serve = (pages: string) =>
      tw('serve', DEMO, '--key', join(keys, 'tagwarden.key'), '--port', '0', '--pages', pages);
    const missing = await serve(p('no-such-pages'));
    expect(missing).toEqual({
      code: 1,
      out: [],
      err: [`tagwarden serve: --pages ${p('no-such-pages')}: no such folder`],
    });
    const file = await serve(DEMO);
    expect(file).toEqual({ code: 1, out: [], err: [`tagwarden serve: --pages ${DEMO}: not a folder`] });
  });
});

describe('schema', () => {
  test('prints the container JSON Schema, the same as the committed file', async () => {
    const r = await tw('schema');
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    const schema = JSON.parse(text);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['schemaVersion', 'id', 'version', 'expires', 'origins', 'consent', 'tags']),
    );
    expect(`${text}\n`).toBe(readFileSync(SCHEMA, 'utf8'));
  });

  test('writes the schema to --out', async () => {
    const r = await tw('schema', '--out', p('schema.json'));
    expect(r).toEqual({ code: 0, out: [`wrote ${p('schema.json')}`], err: [] });
    expect(readFileSync(p('schema.json'), 'utf8')).toBe(readFileSync(SCHEMA, 'utf8'));
  });
});

describe('usage', () => {
  // Files named here exist where a real check would read them, so that only the usage is wrong.
  const pub = () => join(keys, 'tagwarden.pub');
  test.each([
    ['an unknown command', () => ['publish', 'x.json'], /^tagwarden: unknown command "publish"/],
    ['keygen without --out', () => ['keygen'], /^tagwarden keygen: --out <dir> is required/],
    [
      'sign without --out',
      () => ['sign', DEMO, '--key', 'k.key'],
      /^tagwarden sign: --out <signed\.json> is required/,
    ],
    ['an unknown flag', () => ['validate', '--frobnicate', DEMO], /^tagwarden validate: .*--frobnicate/],
    [
      'verify with --min-version 0',
      () => ['verify', DEMO, '--pub', pub(), '--min-version', '0'],
      /^tagwarden verify: --min-version takes a whole number above 0/,
    ],
    [
      'snippet with --min-version 0',
      () => [
        'snippet',
        '--runtime-url',
        '/r.js',
        '--container-url',
        '/c.json',
        '--pub',
        pub(),
        '--runtime-file',
        DEMO,
        '--min-version',
        '0',
      ],
      /^tagwarden snippet: --min-version takes a whole number above 0/,
    ],
    ['validate without a file', () => ['validate'], /^tagwarden validate: name at least one container file/],
    [
      'sign with two files',
      () => ['sign', DEMO, DEMO, '--key', 'k', '--out', 'o'],
      /name exactly one container file/,
    ],
  ])('%s exits 2 with one line', async (_label, argv, message) => {
    const r = await tw(...argv());
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
  });

  test.each(['https://www.example.se/', 'https://www.example.se/shop', 'www.example.se'])(
    'verify --origin %s exits 2 saying that an origin has no path or trailing /',
    async (origin) => {
      const r = await tw('verify', DEMO, '--pub', pub(), '--origin', origin);
      expect(r).toEqual({
        code: 2,
        out: [],
        err: [
          'tagwarden verify: --origin must be an origin such as https://shop.example.com (no path or trailing /). Run "tagwarden verify --help".',
        ],
      });
    },
  );

  test('no command prints the overview and exits 2', async () => {
    const r = await tw();
    expect(r.code).toBe(2);
    expect(r.out).toEqual([help['']]);
  });

  test.each(['keygen', 'validate', 'sign', 'verify', 'snippet', 'schema'])(
    '%s --help prints its usage and exits 0',
    async (command) => {
      const r = await tw(command, '--help');
      expect(r).toEqual({ code: 0, out: [help[command]], err: [] });
      expect(r.out[0]).toMatch(new RegExp(`^Usage: tagwarden ${command}`));
    },
  );

  test('--help and help print the overview and exit 0', async () => {
    for (const argv of [['--help'], ['-h'], ['help']]) {
      const r = await tw(...argv);
      expect(r.code).toBe(0);
      expect(r.out[0]).toContain('Commands:');
    }
  });

  test('--version prints the package version', async () => {
    const pkg = JSON.parse(
      readFileSync(fileURLToPath(new URL('../../../package.json', import.meta.url)), 'utf8'),
    );
    expect(await tw('--version')).toEqual({ code: 0, out: [pkg.version], err: [] });
  });
});

describe('errors are one line, never a stack trace', () => {
  test('an unexpected failure prints one line, and its stack trace only with --debug', async () => {
    writeFileSync(p('a-file'), ''); // a folder that cannot be made: a file of that name is in the way
    const target = p('a-file', 'schema.json');
    const plain = await tw('schema', '--out', target);
    expect(plain.code).toBe(1);
    expect(plain.err).toHaveLength(1);
    expect(plain.err[0]).toMatch(/^tagwarden schema: E[A-Z]+: /);
    expect(plain.err.join('\n')).not.toContain('    at ');

    const debug = await tw('schema', '--out', target, '--debug');
    expect(debug.code).toBe(1);
    expect(debug.err[0]).toBe(plain.err[0]);
    expect(debug.err.join('\n')).toContain('    at ');
  });

  test('no line printed by any command in this file holds a stack trace or private key material', () => {
    expect(printed.length).toBeGreaterThan(20);
    const secrets = ['tagwarden.key', 'next.key'].flatMap((f) => pemBody(join(keys, f)).match(/.{1,40}/g)!);
    for (const line of printed) {
      expect(line).not.toContain('    at ');
      expect(line).not.toContain('PRIVATE KEY');
      for (const s of secrets) expect(line).not.toContain(s);
    }
  });
});
