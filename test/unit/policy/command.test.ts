// @vitest-environment node
// `tagwarden policy` through policyCommand(args, io): output to stdout and to --out (equal to the
// committed examples), validation first with one line per problem, and the usage errors (exit 2).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, test } from 'vitest';
import { validateContainer } from '../../../src/container/validate';
import { policyCommand, policyHelp } from '../../../src/policy/command';
import { renderPolicy } from '../../../src/policy/render';
import { demoContainer, EXAMPLE_SITE, FORMATS, LANGS } from './helpers';

const DEMO = fileURLToPath(new URL('../../../containers/demo.json', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../../docs/examples/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'tagwarden-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Result {
  code: number;
  out: string[];
  err: string[];
}

async function policy(...args: string[]): Promise<Result> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await policyCommand(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('output', () => {
  test.each(LANGS.flatMap((lang) => FORMATS.map((format) => [lang, format] as const)))(
    '--lang %s --format %s writes the rendered policy to stdout',
    async (lang, format) => {
      const r = await policy(DEMO, '--lang', lang, '--format', format);
      expect(r).toMatchObject({ code: 0, err: [] });
      expect(r.out).toEqual([renderPolicy(demoContainer(), { lang, format }).trimEnd()]);
    },
  );

  test.each(LANGS.flatMap((lang) => FORMATS.map((format) => [lang, format] as const)))(
    '--out with --site-name (%s, %s) writes the committed docs/examples file byte for byte',
    async (lang, format) => {
      const file = join(dir, `policy.${lang}.${format}`);
      const r = await policy(
        DEMO,
        '--lang',
        lang,
        '--format',
        format,
        '--site-name',
        EXAMPLE_SITE,
        '--out',
        file,
      );
      expect(r).toEqual({ code: 0, out: [`wrote ${file}`], err: [] });
      expect(readFileSync(file, 'utf8')).toBe(
        readFileSync(join(EXAMPLES, `cookie-policy.${lang}.${format}`), 'utf8'),
      );
    },
  );

  test('options may come before the file', async () => {
    const r = await policy('--format', 'md', '--lang', 'en', DEMO);
    expect(r.code).toBe(0);
    expect(r.out[0]!.startsWith('# Cookie policy\n')).toBe(true);
  });

  test('warnings go to stderr and the policy is still written', async () => {
    const c = JSON.parse(readFileSync(DEMO, 'utf8'));
    c.consent.defaults.push({ categories: { necessary: 'denied' } });
    const file = join(dir, 'warn.json');
    writeFileSync(file, JSON.stringify(c));
    expect(validateContainer(c).problems.map((p) => p.severity)).toEqual(['warning']);
    const r = await policy(file, '--lang', 'sv', '--format', 'md');
    expect(r.code).toBe(0);
    expect(r.err).toEqual([
      `${file}: consent.defaults.1.categories.necessary: warning: "necessary" is always on; a denied default has no effect`,
    ]);
    expect(r.out[0]!.startsWith('# Cookiepolicy\n')).toBe(true);
  });
});

describe('invalid input (exit 1)', () => {
  test('an invalid container: one line per problem, then a refusal; nothing on stdout', async () => {
    const c = JSON.parse(readFileSync(DEMO, 'utf8'));
    c.tags[0].category = 'nope';
    c.tags[1].vendor.privacyPolicy = 'http://ads.example.net/privacy';
    const file = join(dir, 'invalid.json');
    writeFileSync(file, JSON.stringify(c));
    const r = await policy(file, '--lang', 'en', '--format', 'html');
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(3);
    expect(r.err[0]).toMatch(new RegExp(`^${file}: tags\\.0\\.category: unknown category "nope"`));
    expect(r.err[1]).toMatch(new RegExp(`^${file}: tags\\.1\\.vendor\\.privacyPolicy: must use https:`));
    expect(r.err[2]).toBe(`tagwarden policy: ${file} is invalid; no policy written`);
  });

  test('a schema error names the field', async () => {
    const file = join(dir, 'schema.json');
    writeFileSync(file, JSON.stringify({ schemaVersion: 1 }));
    const r = await policy(file, '--lang', 'en', '--format', 'md');
    expect(r.code).toBe(1);
    expect(r.err.length).toBeGreaterThan(1);
    expect(r.err.some((l) => l.startsWith(`${file}: id: `))).toBe(true);
  });

  test.each([
    ['missing', undefined, 'no such file'],
    ['not JSON', '{', '(root): invalid JSON'],
    ['a BOM', '\uFEFF{}', '(root): starts with a byte order mark'],
  ])('%s', async (name, content, message) => {
    const file = join(dir, `bad-${name.replace(/\W/g, '')}.json`);
    if (content !== undefined) writeFileSync(file, content);
    const r = await policy(file, '--lang', 'en', '--format', 'md');
    expect(r.code).toBe(1);
    expect(r.out).toEqual([]);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toContain(`tagwarden policy: ${file}: ${message}`);
  });

  test('an unwritable --out is one line, exit 1', async () => {
    writeFileSync(join(dir, 'a-file'), ''); // a folder that cannot be made: a file of that name is in the way
    const r = await policy(DEMO, '--lang', 'en', '--format', 'md', '--out', join(dir, 'a-file', 'p.md'));
    expect(r.code).toBe(1);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^tagwarden policy: E[A-Z]+: /);
  });

  test('writes into a missing folder, and never over the container it reads', async () => {
    const out = join(dir, 'new', 'folder', 'cookies.md');
    expect((await policy(DEMO, '--lang', 'en', '--format', 'md', '--out', out)).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^# /);
    const r = await policy(DEMO, '--lang', 'en', '--format', 'md', '--out', DEMO);
    expect(r.code).toBe(1);
    expect(r.err[0]).toBe(`tagwarden policy: --out ${DEMO} is also an input (${DEMO}); choose another file`);
  });
});

describe('usage errors (exit 2)', () => {
  test.each([
    [[], 'name exactly one container file'],
    [['--lang', 'en', '--format', 'md'], 'name exactly one container file'],
    [[DEMO, DEMO, '--lang', 'en', '--format', 'md'], 'name exactly one container file'],
    [[DEMO, '--format', 'md'], '--lang sv|en is required'],
    [[DEMO, '--lang', 'en'], '--format html|md is required'],
    [[DEMO, '--lang', 'de', '--format', 'md'], '--lang must be sv|en (got "de")'],
    [[DEMO, '--lang', 'en', '--format', 'pdf'], '--format must be html|md (got "pdf")'],
    [[DEMO, '--lang', 'en', '--format', 'md', '--site-name', ' '], '--site-name must not be empty'],
    [[DEMO, '--lang', 'en', '--format', 'md', '--out', ''], '--out must name a file'],
    [[DEMO, '--lang', 'en', '--format', 'md', '--bogus'], "Unknown option '--bogus'"],
    [[DEMO, '--lang'], "Option '--lang <value>' argument missing"],
  ])('%j', async (args, message) => {
    const r = await policy(...args);
    expect(r.code).toBe(2);
    expect(r.out).toEqual([]);
    expect(r.err).toEqual([`tagwarden policy: ${message}. Run "tagwarden policy --help".`]);
  });

  test('--help prints the help text', async () => {
    const r = await policy('--help');
    expect(r).toEqual({ code: 0, out: [policyHelp], err: [] });
    for (const flag of ['--lang sv|en', '--format html|md', '--out <file>', '--site-name <text>'])
      expect(policyHelp).toContain(flag);
    expect(policyHelp.startsWith('Usage: tagwarden policy <container.json>')).toBe(true);
  });
});
