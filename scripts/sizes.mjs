// Renders the README's size table from dist/sizes.json (written by `npm run build`).
// `node scripts/sizes.mjs --write` updates README.md; test/browser/size.test.ts checks they agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';

const START = '<!-- sizes:start -->';
const END = '<!-- sizes:end -->';

/** The markdown table of the shipped runtime's sizes, in KB with one decimal. */
export function sizeTable(sizes, inlineSnippet) {
  const rows = Object.values(sizes).filter((s) => s.group === 'runtime');
  const by = (name) => rows.find((s) => s.name === name);
  const kb = (n) => (n / 1024).toFixed(1);
  const line = (label, parts) => {
    const sum = (k) => parts.reduce((a, s) => a + (s?.[k] ?? 0), 0);
    return `| ${label} | ${kb(sum('min'))} | ${kb(sum('gzip'))} | ${kb(sum('brotli'))} |`;
  };
  const sdk = rows.filter((s) => /^(applicationinsights|Sender|dist-es5)/.test(s.name));
  return [
    '| what (KB) | min | gzip | brotli |',
    '|---|---:|---:|---:|',
    `| snippet, inline part | ${kb(inlineSnippet.length)} | ${kb(gzipSync(inlineSnippet, { level: 9 }).length)} | – |`,
    line('core runtime (`tagwarden.js`)', [by('tagwarden')]),
    // The budget's path: everything a first view needs to verify a container and fire a pixel or script tag.
    line('first view, verify and fire: core + schema check + pixel + script', [
      by('tagwarden'),
      by('schema-check'),
      by('pixel'),
      by('script'),
    ]),
    line('repeat view (stored container, no schema check): core + pixel + script', [
      by('tagwarden'),
      by('pixel'),
      by('script'),
    ]),
    line('schema check (compiled from the zod schema, lazy, loaded with the container)', [
      by('schema-check'),
    ]),
    line('durable queue (lazy)', [by('queue')]),
    line('consent banner, preferences, declaration (lazy)', [by('ui')]),
    line('Application Insights tag (lazy, without the SDK)', [by('appinsights')]),
    line('Application Insights SDK (lazy, after analytics consent)', sdk),
    line('personalisation tag (lazy)', [by('personalization')]),
  ].join('\n');
}

if (process.argv.includes('--write')) {
  const sizes = JSON.parse(readFileSync('dist/sizes.json', 'utf8'));
  const { INLINE_SNIPPET } = await import('../dist/node/index.js');
  const inline = `<script nonce="NONCE">${INLINE_SNIPPET}</script>`;
  const readme = readFileSync('README.md', 'utf8');
  const a = readme.indexOf(START);
  const b = readme.indexOf(END);
  if (a < 0 || b < 0) throw new Error('README.md lacks the sizes markers');
  writeFileSync(
    'README.md',
    `${readme.slice(0, a + START.length)}\n${sizeTable(sizes, inline)}\n${readme.slice(b)}`,
  );
  console.log('README.md size table updated');
}
