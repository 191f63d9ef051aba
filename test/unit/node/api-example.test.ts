// @vitest-environment node
/**
 * The Node API example of docs/cli.md, run as written: the script is taken from the doc and run with Node in a
 * consumer folder whose `node_modules/tagwarden` is this package (its built dist/), with the demo container and
 * a key pair made by `writeKeyPair`. What it prints must be what a build script would see.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { writeKeyPair } from '../../../src/node/keyfiles.js';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
const dir = mkdtempSync(join(tmpdir(), 'tagwarden-api-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The first ```js block after the doc's "## The Node API" heading. */
function docExample(): string {
  const doc = readFileSync(join(ROOT, 'docs/cli.md'), 'utf8');
  const section = doc.slice(doc.indexOf('\n## The Node API'));
  const m = /```js\n([\s\S]*?)```/.exec(section);
  if (!m?.[1]) throw new Error('docs/cli.md has no js example under "## The Node API"');
  return m[1];
}

test('the Node API example in docs/cli.md validates, signs, verifies and renders a snippet as it says', async () => {
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(ROOT, join(dir, 'node_modules/tagwarden'), 'dir');
  mkdirSync(join(dir, 'containers'));
  copyFileSync(join(ROOT, 'containers/demo.json'), join(dir, 'containers/demo.json'));
  mkdirSync(join(dir, '.dev-keys'));
  const key = await writeKeyPair(join(dir, '.dev-keys'));
  writeFileSync(join(dir, 'example.mjs'), docExample());

  const { stdout } = await promisify(execFile)(process.execPath, ['example.mjs'], { cwd: dir });
  expect(stdout).toContain(`demo v1, signed by ${key.keyid}`);
  expect(stdout).toContain(`data-keys="${key.publicB64}"`);
  expect(stdout).not.toMatch(/^error:/m);
  // What it wrote is a signed envelope of the container's exact bytes.
  const envelope = JSON.parse(readFileSync(join(dir, 'demo.signed.json'), 'utf8'));
  expect(
    Buffer.from(envelope.payload, 'base64').equals(readFileSync(join(ROOT, 'containers/demo.json'))),
  ).toBe(true);
});
