// @vitest-environment node
// Cross-field warnings of src/container/rules.ts about what the declaration would get wrong: storage a
// tag type always uses but the container does not declare, and GPC without the category it acts on.
// Also: the complete example in docs/container.md passes without a problem.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { APPINSIGHTS_COOKIES, type Problem } from '../../../src/container/rules.js';
import { formatPath, validateContainer } from '../../../src/container/validate.js';
import { AI_COOKIES } from '../../../src/tags/appinsights/index.js';

const root = new URL('../../../', import.meta.url);
const demoText = readFileSync(new URL('containers/demo.json', root), 'utf8');

// biome-ignore lint/suspicious/noExplicitAny: copies of the demo are edited freely
type Json = any;

/** A fresh copy of containers/demo.json edited by `edit`, validated. */
function validateAfter(edit: (c: Json) => void) {
  const c = JSON.parse(demoText);
  edit(c);
  return validateContainer(c);
}

const where = (problems: Problem[]) => problems.map((p) => `${formatPath(p.path)} [${p.severity}]`);

const tagIndex = (type: string) => (JSON.parse(demoText).tags as Json[]).findIndex((t) => t.type === type);
const AI = tagIndex('appinsights');
const PIXEL = tagIndex('pixel');

describe('appinsights storage', () => {
  test('the cookies the rule asks for are the ones the tag plugin purges', () => {
    expect([...APPINSIGHTS_COOKIES]).toEqual([...AI_COOKIES]);
  });

  test('a tag that declares neither ai_user nor ai_session is a warning at its storage; still valid', () => {
    const v = validateAfter((c) => {
      c.tags[AI].storage = [];
    });
    expect(where(v.problems)).toEqual([`tags.${AI}.storage [warning]`]);
    expect(v.problems[0]!.message).toBe(
      'the Application Insights SDK sets the cookies ai_user and ai_session: declare ai_user and ai_session (kind "cookie")',
    );
    expect(v.container).toBeDefined();
  });

  test('the basic SKU, which sets no cookie, needs none declared', () => {
    const v = validateAfter((c) => {
      c.tags[AI].settings.sku = 'basic';
      c.tags[AI].storage = [];
    });
    expect(v.problems).toEqual([]);
  });

  test('one missing, or declared with another kind than cookie, is named', () => {
    const v = validateAfter((c) => {
      c.tags[AI].storage = c.tags[AI].storage.filter(
        (s: Json) => !(s.kind === 'cookie' && s.name === 'ai_session'),
      );
    });
    expect(where(v.problems)).toEqual([`tags.${AI}.storage [warning]`]);
    expect(v.problems[0]!.message).toMatch(/: declare ai_session \(kind "cookie"\)$/);
  });

  test('the demo tag, which declares both, has no warning', () => {
    expect(validateAfter(() => {}).problems).toEqual([]);
  });
});

describe('appinsights tags', () => {
  test('a second appinsights tag is an error at its type: the two would share the SDK’s cookies and buffers', () => {
    const v = validateAfter((c) => {
      c.tags.push({ ...c.tags[AI], id: 'appinsights-2' });
    });
    const second = JSON.parse(demoText).tags.length;
    expect(where(v.problems)).toEqual([`tags.${second}.type [error]`]);
    expect(v.problems[0]!.message).toBe(
      `only one appinsights tag per container (the first is tags.${AI}): two would share the SDK's cookies and buffers, so one could send the other's items and withdrawing one would delete the other's cookies`,
    );
    expect(v.container).toBeUndefined();
  });

  test('the IngestionEndpoint checked is the exact key the SDK reads, not one inside another key', () => {
    const v = validateAfter((c) => {
      c.tags[AI].settings.connectionString =
        'InstrumentationKey=00000000-0000-4000-8000-000000000001;XIngestionEndpoint=https://ok.example/;IngestionEndpoint=http://evil.example/';
    });
    expect(where(v.problems)).toEqual([`tags.${AI}.settings.connectionString [error]`]);
    expect(v.problems[0]!.message).toMatch(/^must use https:/);
  });

  test('an InstrumentationKey only inside another key is no instrumentation key', () => {
    const v = validateAfter((c) => {
      c.tags[AI].settings.connectionString =
        'XInstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=https://www.example.se/';
    });
    expect(where(v.problems)).toEqual([`tags.${AI}.settings.connectionString [error]`]);
    expect(v.problems[0]!.message).toBe('must hold InstrumentationKey=<GUID>');
  });
});

describe('pixel storage', () => {
  test('a pixel tag without a storage item of kind "pixel" is a warning at its storage; still valid', () => {
    const v = validateAfter((c) => {
      c.tags[PIXEL].storage = c.tags[PIXEL].storage.filter((s: Json) => s.kind !== 'pixel');
    });
    expect(where(v.problems)).toEqual([`tags.${PIXEL}.storage [warning]`]);
    expect(v.problems[0]!.message).toContain('web beacon');
    expect(v.problems[0]!.message).toContain('kind "pixel"');
    expect(v.container).toBeDefined();
  });

  test('with storage: [] too', () => {
    expect(
      where(
        validateAfter((c) => {
          c.tags[PIXEL].storage = [];
        }).problems,
      ),
    ).toEqual([`tags.${PIXEL}.storage [warning]`]);
  });
});

describe('gpc', () => {
  test('gpc: true without a category with id "marketing" is a warning at consent.gpc', () => {
    const v = validateAfter((c) => {
      c.consent.gpc = true;
      c.consent.categories = c.consent.categories.filter((x: Json) => x.parent !== 'marketing');
      for (const x of c.consent.categories) if (x.id === 'marketing') x.id = 'ads';
      delete c.consent.defaults[0].categories.marketing;
      for (const t of c.tags) if (t.category.startsWith('marketing')) t.category = 'ads';
      c.consent.ui.texts = { body: { sv: 'Om cookies.', en: 'About cookies.' } }; // its own banner text
    });
    expect(where(v.problems)).toEqual(['consent.gpc [warning]']);
    expect(v.problems[0]!.message).toContain('"marketing"');
    expect(v.container).toBeDefined();
  });

  test('gpc: false or absent without one, or true with one, is no warning', () => {
    const noMarketing = (c: Json) => {
      c.consent.categories = c.consent.categories.filter((x: Json) => !x.id.startsWith('marketing'));
      delete c.consent.defaults[0].categories.marketing;
      c.tags = c.tags.filter((t: Json) => !t.category.startsWith('marketing'));
      c.consent.ui.texts = { body: { sv: 'Om cookies.', en: 'About cookies.' } }; // its own banner text
    };
    expect(
      validateAfter((c) => {
        noMarketing(c);
        delete c.consent.gpc;
      }).problems,
    ).toEqual([]);
    expect(
      validateAfter((c) => {
        noMarketing(c);
        c.consent.gpc = false;
      }).problems,
    ).toEqual([]);
    expect(JSON.parse(demoText).consent.gpc).toBe(true);
    expect(validateAfter(() => {}).problems).toEqual([]);
  });
});

describe('docs/container.md', () => {
  test('its complete example container has no problem, not even a warning', () => {
    const md = readFileSync(new URL('docs/container.md', root), 'utf8');
    const example = /```json\n(\{\n {2}"\$schema"[\s\S]*?\n\})\n```/.exec(md)?.[1];
    expect(example).toBeDefined();
    const c = JSON.parse(example!);
    delete c.$schema;
    expect(validateContainer(c).problems).toEqual([]);
  });
});

describe('the banner text', () => {
  test('with other optional categories than the built-in text names, and no body of its own, a warning', () => {
    const v = validateAfter((c) => {
      c.consent.categories = c.consent.categories.filter((x: Json) => x.id !== 'functional');
      delete c.consent.defaults[0].categories.functional;
      c.tags = c.tags.filter((t: Json) => t.category !== 'functional');
    });
    expect(where(v.problems)).toEqual(['consent.ui.texts.body [warning]']);
    expect(v.problems[0]!.message).toMatch(/optional categories are analytics, marketing/);
  });

  test('a body in both languages, or the banner off, is no warning', () => {
    const noFunctional = (c: Json) => {
      c.consent.categories = c.consent.categories.filter((x: Json) => x.id !== 'functional');
      delete c.consent.defaults[0].categories.functional;
      c.tags = c.tags.filter((t: Json) => t.category !== 'functional');
    };
    expect(
      validateAfter((c) => {
        noFunctional(c);
        c.consent.ui.texts = {
          body: { sv: 'Statistik och marknadsföring.', en: 'Statistics and marketing.' },
        };
      }).problems,
    ).toEqual([]);
    expect(
      validateAfter((c) => {
        noFunctional(c);
        c.consent.ui.enabled = false;
      }).problems,
    ).toEqual([]);
  });
});
