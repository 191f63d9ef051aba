// @vitest-environment node
// The preview (`npm start`, `tagwarden serve`): the snippet it serves pins the public half of the signing key,
// derived from the key itself, whatever the key file is named.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { writeKeyPair } from '../../../src/node/keyfiles.js';
import { startPreview } from '../../../src/server/preview.js';

let dir: string;
const body = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tagwarden-preview-'));
  mkdirSync(join(dir, 'runtime'));
  writeFileSync(join(dir, 'runtime/tagwarden.js'), 'export {};');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('a signing key not named *.key: the page pins its public key, never the private key', async () => {
  mkdirSync(join(dir, 'k'));
  await writeKeyPair(join(dir, 'k'), 'sign');
  // A key file named as many tools name it, with no .pub beside it.
  copyFileSync(join(dir, 'k/sign.key'), join(dir, 'signing.pem'));
  const preview = await startPreview({
    container: 'containers/demo.json',
    key: join(dir, 'signing.pem'),
    runtimeDir: join(dir, 'runtime'),
    port: 0,
    rewritePort: 8080,
  });
  try {
    const keys = /data-keys="([^"]+)"/.exec(preview.snippet)?.[1];
    expect(keys).toBe(body(readFileSync(join(dir, 'k/sign.pub'), 'utf8')));
    expect(preview.snippet).not.toContain(body(readFileSync(join(dir, 'k/sign.key'), 'utf8')).slice(0, 40));
  } finally {
    await preview.close();
  }
});
