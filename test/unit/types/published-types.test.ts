// @vitest-environment node
/**
 * The published declaration files (dist/types, written by `npm run build`) as a site or a build script
 * sees them: a consumer project in a temp folder, with `node_modules/tagwarden` a symlink to this package,
 * is type-checked with the local TypeScript under NodeNext and under Bundler resolution, without
 * skipLibCheck. A correct consumer compiles with nothing typed `any`; each line of a wrong one is an error.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** This package (TAGWARDEN_PACKAGE_DIR: another build of it, laid out the same way). */
const PACKAGE = resolve(
  process.env.TAGWARDEN_PACKAGE_DIR ?? fileURLToPath(new URL('../../..', import.meta.url)),
);
const ENTRIES = ['dist/types/runtime/public.d.ts', 'dist/types/node/index.d.ts'];

const IS_ANY = 'type IsAny<T> = 0 extends 1 & T ? true : false;';

const RUNTIME_OK = `
import type {
  ConsentRecord, DataLayerMessage, ErrorCode, ErrorRecord, ReadyRecord, RecordType, TagRecord, TagwardenApi,
} from 'tagwarden/runtime';
${IS_ANY}
export const notAny: [
  IsAny<TagwardenApi>, IsAny<DataLayerMessage>, IsAny<RecordType>, IsAny<TagRecord>, IsAny<ReadyRecord>,
  IsAny<ErrorCode>, IsAny<typeof window.tagwarden>, IsAny<typeof tagwarden>, IsAny<typeof dataLayer>,
  IsAny<Parameters<Window['dataLayer']['push']>[0]>,
] = [false, false, false, false, false, false, false, false, false, false];

const msg: DataLayerMessage = { event: 'purchase', ecommerce: { value: 499 }, eventTimeout: 1500 };
window.dataLayer.push(msg);
dataLayer.push({ event: 'add_to_cart', ecommerce: { currency: 'SEK', value: 1490, items: [] } });
window.dataLayer.push(['set', 'user.plan', 'pro'], ['set', { user: { plan: 'pro' } }]);
dataLayer.push(['consent', 'update', { analytics_storage: 'granted' }]);
dataLayer.push(function () {
  this.set('cart.count', this.get('cart.items.length') ?? 0);
});
const off = tagwarden.on('tag', (r: TagRecord) => r.status === 'failed' && console.warn(r.tagId, r.reason));
window.tagwarden.on('consent', (c: ConsentRecord) => console.log(c.state.analytics, c.method === 'other-tab'));
tagwarden.on('error', (e: ErrorRecord) => console.log(e.code satisfies ErrorCode, e.detail, e.tagId));
off();
addEventListener('tagwarden:error', (e) => console.warn(e.detail.code satisfies ErrorCode, e.detail.detail));
addEventListener('tagwarden:consent', (e) => console.log(e.detail.state, e.detail.method satisfies string));
addEventListener('tagwarden:ready', (e) => console.log(e.detail.ok ? e.detail.version : e.detail.code));

export async function boot(): Promise<string> {
  const r = await tagwarden.ready;
  tagwarden.consent.update({ analytics: true });
  const size: number = await window.tagwarden.queue.size();
  return r.ok ? \`\${r.id}@\${r.version.toFixed()} \${size}\` : r.code;
}
`;

const NODE_OK = `
import { type Container, type ErrorCode, renderSnippet, TagwardenError, verifyContainer } from 'tagwarden';
${IS_ANY}
export const notAny: [IsAny<typeof verifyContainer>, IsAny<Container>, IsAny<typeof renderSnippet>] = [
  false, false, false,
];
export const code: ErrorCode = new TagwardenError('container/expired').code;
`;

/** Each line marked `// wrong` must be an error; nothing else may be. */
const WRONG = `
import type { ConsentRecord, ErrorRecord, ReadyRecord } from 'tagwarden/runtime';
import { verifyContainer } from 'tagwarden';
window.tagwarden.on('nope', () => {}); // wrong
window.dataLayer.push(42); // wrong
tagwarden.on('nope', () => {}); // wrong
dataLayer.push(42); // wrong
dataLayer.push(['consent', 'update', { analytics_storage: 'yes' }]); // wrong
declare const r: ReadyRecord;
console.log(r.code); // wrong
export const e: ErrorRecord = { code: 'nope/nope' }; // wrong
export const m: ConsentRecord['method'] = 'bogus'; // wrong
addEventListener('tagwarden:ready', (ev) => console.log(ev.detail.nope)); // wrong
verifyContainer(1, 2, 3, 4); // wrong
`;

const RESOLUTIONS = {
  nodenext: { module: 'NodeNext', moduleResolution: 'NodeNext' },
  bundler: { module: 'ESNext', moduleResolution: 'Bundler' },
} as const;

let dir: string;

beforeAll(() => {
  const missing = ENTRIES.filter((f) => !existsSync(join(PACKAGE, f)));
  if (missing.length)
    throw new Error(
      `${missing.join(', ')} missing: run \`npm run build\` before this test (it checks dist/types)`,
    );
  dir = mkdtempSync(join(tmpdir(), 'tagwarden-types-'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(PACKAGE, join(dir, 'node_modules', 'tagwarden'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{ "name": "consumer", "type": "module", "private": true }\n');
  writeFileSync(join(dir, 'runtime-ok.ts'), RUNTIME_OK);
  writeFileSync(join(dir, 'node-ok.ts'), NODE_OK);
  writeFileSync(join(dir, 'wrong.ts'), WRONG);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Type-checks `files` of the consumer project; returns every diagnostic as `file:line: TSnnnn message`. */
function check(resolution: keyof typeof RESOLUTIONS, files: string[]): string[] {
  const config = ts.parseJsonConfigFileContent(
    {
      compilerOptions: {
        ...RESOLUTIONS[resolution],
        target: 'ES2022',
        lib: ['ES2022', 'DOM'],
        strict: true,
        skipLibCheck: false,
        noEmit: true,
        types: [],
      },
      files,
    },
    ts.sys,
    dir,
  );
  expect(config.errors).toEqual([]);
  const program = ts.createProgram(config.fileNames, config.options);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${d.file.fileName.replace(`${dir}/`, '')}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : '(global)';
    return `${where}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
  });
}

// A full type-check of the package's declarations (and zod's) takes a few seconds.
describe.each(Object.keys(RESOLUTIONS) as (keyof typeof RESOLUTIONS)[])(
  'published types, %s',
  (resolution) => {
    it('type-check a correct consumer of tagwarden/runtime and tagwarden, with nothing any', {
      timeout: 60_000,
    }, () => {
      expect(check(resolution, ['runtime-ok.ts', 'node-ok.ts'])).toEqual([]);
    });

    it('reject a wrong consumer, line by line', { timeout: 60_000 }, () => {
      const errors = check(resolution, ['wrong.ts']);
      const wrongLines = WRONG.split('\n').flatMap((line, i) => (line.endsWith('// wrong') ? [i + 1] : []));
      const lineOf = (e: string) => Number(/^wrong\.ts:(\d+):/.exec(e)?.[1]);
      // Only the marked lines, and no error in the package's own declaration files.
      expect(errors.filter((e) => !wrongLines.includes(lineOf(e)))).toEqual([]);
      expect(wrongLines.filter((n) => !errors.some((e) => lineOf(e) === n))).toEqual([]);
    });
  },
);
