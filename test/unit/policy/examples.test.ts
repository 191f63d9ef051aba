// @vitest-environment node
// The committed example policies in docs/examples equal what `tagwarden policy` renders from
// containers/demo.json today, so they never go stale. To regenerate them after a deliberate change:
//   TAGWARDEN_UPDATE_EXAMPLES=1 npx vitest run --project unit test/unit/policy/examples.test.ts
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { renderPolicy } from '../../../src/policy/render';
import { demoContainer, EXAMPLE_SITE, FORMATS, LANGS } from './helpers';

const DIR = fileURLToPath(new URL('../../../docs/examples/', import.meta.url));
const update = !!process.env.TAGWARDEN_UPDATE_EXAMPLES;

describe('docs/examples', () => {
  const demo = demoContainer();
  for (const lang of LANGS) {
    for (const format of FORMATS) {
      const file = `cookie-policy.${lang}.${format}`;
      test(`${file} is the current output for containers/demo.json`, () => {
        const fresh = renderPolicy(demo, { lang, format, siteName: EXAMPLE_SITE });
        if (update) {
          mkdirSync(DIR, { recursive: true });
          writeFileSync(DIR + file, fresh);
        }
        expect(existsSync(DIR + file), `${file} is missing; see the comment at the top of this test`).toBe(
          true,
        );
        expect(readFileSync(DIR + file, 'utf8')).toBe(fresh);
      });
    }
  }
});
