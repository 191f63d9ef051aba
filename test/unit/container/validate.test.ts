// @vitest-environment node
// validateContainer and checkContainer on containers/demo.json and broken copies of it: every schema
// problem with its path, each cross-field rule of rules.ts at its path, and the committed JSON Schema.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { containerJsonSchema } from '../../../src/container/json-schema.js';
import type { Problem } from '../../../src/container/rules.js';
import { checkContainer, formatPath, validateContainer } from '../../../src/container/validate.js';
import { isTagwardenError } from '../../../src/lib/errors.js';

const root = new URL('../../../', import.meta.url);
const demoText = readFileSync(new URL('containers/demo.json', root), 'utf8');
const schemaText = readFileSync(new URL('containers/container.schema.json', root), 'utf8');

// biome-ignore lint/suspicious/noExplicitAny: broken copies of the demo are edited freely
type Json = any;

/** A fresh, editable copy of containers/demo.json. */
const demo = (): Json => JSON.parse(demoText);

// Indexes into demo.json, checked below so that a reordered demo fails loudly instead of testing the wrong tag.
const AI = 0;
const PIXEL = 1;
const SCRIPT = 2;
const PERSONALIZATION = 3;
const MARKETING_AUTOMATION = 5;

/** The problems of a container edited by `edit`, as `path: severity` strings plus the full list. */
function problemsAfter(edit: (c: Json) => void): Problem[] {
  const c = demo();
  edit(c);
  return validateContainer(c).problems;
}

/** Problems as "path [severity]" for compact, exact assertions. */
const where = (problems: Problem[]) => problems.map((p) => `${formatPath(p.path)} [${p.severity}]`);

describe('containers/demo.json', () => {
  test('is valid and has no problems at all', () => {
    const v = validateContainer(demo());
    expect(v.problems).toEqual([]);
    expect(v.container?.id).toBe('demo');
  });

  test('has its tags in the order these tests rely on', () => {
    const types = demo().tags.map((t: Json) => t.type);
    expect([types[AI], types[PIXEL], types[SCRIPT], types[PERSONALIZATION]]).toEqual([
      'appinsights',
      'pixel',
      'script',
      'personalization',
    ]);
    expect(demo().consent.categories[MARKETING_AUTOMATION].parent).toBe('marketing');
  });
});

describe('schema problems', () => {
  test('are all reported at once, each with its path', () => {
    const problems = problemsAfter((c) => {
      c.version = 0;
      c.expires = 'next year';
      c.consent.cookie.maxAgeDays = 1000;
      delete c.tags[SCRIPT].settings.integrity;
      c.tags[PIXEL].triggers = [];
    });
    expect(problems.every((p) => p.severity === 'error' && p.message !== 'Invalid input')).toBe(true);
    expect(problems.map((p) => formatPath(p.path)).sort()).toEqual(
      [
        'version',
        'expires',
        'consent.cookie.maxAgeDays',
        `tags.${SCRIPT}.settings.integrity`,
        `tags.${PIXEL}.triggers`,
      ].sort(),
    );
  });

  test('return no container when the schema fails', () => {
    const c = demo();
    c.version = 0;
    expect(validateContainer(c).container).toBeUndefined();
  });

  test('an unknown field at the root is refused and named', () => {
    const problems = problemsAfter((c) => {
      c.colour = 'blue';
    });
    expect(where(problems)).toEqual(['(root) [error]']);
    expect(problems[0]!.message).toBe('Unrecognized key: "colour"');
  });

  test('an unknown field in a nested object is refused at that object', () => {
    const problems = problemsAfter((c) => {
      c.consent.cookie.secure = true;
      c.tags[PIXEL].settings.method = 'POST';
    });
    expect(where(problems).sort()).toEqual(
      ['consent.cookie [error]', `tags.${PIXEL}.settings [error]`].sort(),
    );
    expect(problems.map((p) => p.message).sort()).toEqual([
      'Unrecognized key: "method"',
      'Unrecognized key: "secure"',
    ]);
  });

  test('a script tag without integrity is refused by the schema', () => {
    const problems = problemsAfter((c) => {
      delete c.tags[SCRIPT].settings.integrity;
    });
    expect(where(problems)).toEqual([`tags.${SCRIPT}.settings.integrity [error]`]);
  });

  test.each([
    ['without a time zone', '2027-11-30T00:00:00'],
    ['with an offset instead of Z', '2027-11-30T00:00:00+01:00'],
    ['as a date only', '2027-11-30'],
  ])('an expiry %s is refused', (_label, expires) => {
    const problems = problemsAfter((c) => {
      c.expires = expires;
    });
    expect(where(problems)).toEqual(['expires [error]']);
  });

  test('an expiry in UTC with fractional seconds is accepted', () => {
    expect(
      problemsAfter((c) => {
        c.expires = '2027-11-30T00:00:00.000Z';
      }),
    ).toEqual([]);
  });
});

describe('checkContainer, the runtime gate', () => {
  test('returns a valid container', () => {
    expect(checkContainer(demo()).id).toBe('demo');
  });

  test.each([
    ['version', (c: Json) => (c.version = 0), 'version'],
    [
      'a nested field',
      (c: Json) => delete c.tags[SCRIPT].settings.integrity,
      `tags.${SCRIPT}.settings.integrity`,
    ],
    ['the root', (c: Json) => (c.extra = 1), '(root)'],
  ])('throws container/invalid naming the first bad path at %s', (_label, edit, path) => {
    const c = demo();
    edit(c);
    let thrown: unknown;
    try {
      checkContainer(c);
    } catch (e) {
      thrown = e;
    }
    expect(isTagwardenError(thrown)).toBe(true);
    expect(thrown).toMatchObject({ code: 'container/invalid', detail: path });
  });

  test('names only the first of several bad paths', () => {
    const c = demo();
    c.version = 0;
    c.expires = 'soon';
    expect(() => checkContainer(c)).toThrow(/^container\/invalid: version$/);
  });
});

describe('SRI rule for script tags', () => {
  test.each([
    ['sha256', `sha256-${'A'.repeat(43)}=`],
    ['sha1', 'sha1-AAAAAAAAAAAAAAAAAAAAAAAAAAA='],
    ['a sha384 hash followed by a sha256 one', `sha384-${'A'.repeat(64)} sha256-${'A'.repeat(43)}=`],
  ])('an integrity of %s is refused at settings.integrity', (_label, integrity) => {
    const problems = problemsAfter((c) => {
      c.tags[SCRIPT].settings.integrity = integrity;
    });
    expect(where(problems)).toEqual([`tags.${SCRIPT}.settings.integrity [error]`]);
    expect(problems[0]!.message).toMatch(/sha384|sha512/);
  });

  test('sha384 and sha512 integrity hashes are accepted', () => {
    expect(
      problemsAfter((c) => {
        c.tags[SCRIPT].settings.integrity = `sha384-${'A'.repeat(64)} sha512-${'B'.repeat(86)}==`;
      }),
    ).toEqual([]);
  });
});

describe('URL policy', () => {
  const insecure = 'http://cdn.example.com';
  test.each([
    [
      'a pixel url',
      (c: Json) => (c.tags[PIXEL].settings.url = `${insecure}/px?e={{event}}`),
      `tags.${PIXEL}.settings.url`,
    ],
    [
      'a script src',
      (c: Json) => (c.tags[SCRIPT].settings.src = `${insecure}/x.js`),
      `tags.${SCRIPT}.settings.src`,
    ],
    [
      'a personalization endpoint',
      (c: Json) => (c.tags[PERSONALIZATION].settings.endpoint = `${insecure}/personalizer/v1.0`),
      `tags.${PERSONALIZATION}.settings.endpoint`,
    ],
    [
      'an Application Insights IngestionEndpoint',
      (c: Json) =>
        (c.tags[AI].settings.connectionString =
          `InstrumentationKey=00000000-0000-4000-8000-000000000001;IngestionEndpoint=${insecure}/`),
      `tags.${AI}.settings.connectionString`,
    ],
    [
      'a vendor privacy policy',
      (c: Json) => (c.tags[AI].vendor.privacyPolicy = `${insecure}/privacy`),
      `tags.${AI}.vendor.privacyPolicy`,
    ],
    ['an origin', (c: Json) => (c.origins = ['https://www.example.se', insecure]), 'origins.1'],
    [
      'a consent record endpoint',
      (c: Json) => (c.consent.recordEndpoint = `${insecure}/r`),
      'consent.recordEndpoint',
    ],
  ])('a non-https URL in %s is refused at its path', (_label, edit, path) => {
    const problems = problemsAfter(edit);
    expect(where(problems)).toEqual([`${path} [error]`]);
    expect(problems[0]!.message).toContain('https');
  });

  test('other schemes such as javascript: and ftp: are refused for tag URLs', () => {
    const problems = problemsAfter((c) => {
      c.tags[PIXEL].settings.url = 'javascript:alert(1)';
      c.tags[SCRIPT].settings.src = 'ftp://cdn.example.com/x.js';
    });
    expect(where(problems)).toEqual([
      `tags.${PIXEL}.settings.url [error]`,
      `tags.${SCRIPT}.settings.src [error]`,
    ]);
  });

  test('http: on localhost and 127.0.0.1 is allowed for development', () => {
    expect(
      problemsAfter((c) => {
        c.origins = ['http://localhost:8080', 'http://127.0.0.1'];
        c.tags[PIXEL].settings.url = 'http://localhost/px?e={{event}}';
        c.tags[SCRIPT].settings.src = 'http://127.0.0.1:3000/x.js';
        c.tags[PERSONALIZATION].settings.endpoint = 'http://localhost:9000/personalizer/v1.0';
      }),
    ).toEqual([]);
  });

  test('a host that merely starts like localhost is not loopback', () => {
    const problems = problemsAfter((c) => {
      c.tags[PIXEL].settings.url = 'http://localhost.evil.example/px';
      c.tags[SCRIPT].settings.src = 'http://127.0.0.1@evil.example/x.js';
    });
    expect(where(problems)).toEqual([
      `tags.${PIXEL}.settings.url [error]`,
      `tags.${SCRIPT}.settings.src [error]`,
    ]);
  });

  test.each([
    ['https://{{dl.host}}/px'],
    ['https://ads.{{dl.tld}}/px'],
    ['https://ads.example.net{{dl.suffix}}/px'],
  ])('a {{variable}} in the host of %s is refused', (url) => {
    const problems = problemsAfter((c) => {
      c.tags[PIXEL].settings.url = url;
    });
    expect(where(problems)).toEqual([`tags.${PIXEL}.settings.url [error]`]);
  });

  test('a {{variable}} in the path or query of a pixel URL is allowed', () => {
    expect(
      problemsAfter((c) => {
        c.tags[PIXEL].settings.url =
          'https://ads.example.net/{{event}}/px?v={{dl.ecommerce.value}}#{{eventId}}';
      }),
    ).toEqual([]);
  });

  test('a {{variable}} anywhere in a script src is refused', () => {
    const problems = problemsAfter((c) => {
      c.tags[SCRIPT].settings.src = 'https://cdn.example.com/{{dl.version}}/x.js';
    });
    expect(where(problems)).toEqual([`tags.${SCRIPT}.settings.src [error]`]);
  });

  test('root-relative paths are allowed for tag URLs', () => {
    expect(
      problemsAfter((c) => {
        c.tags[PIXEL].settings.url = '/collect?e={{event}}';
        c.tags[SCRIPT].settings.src = '/vendor/insight.js';
        c.tags[PERSONALIZATION].settings.endpoint = '/personalizer/v1.0';
      }),
    ).toEqual([]);
  });

  test('protocol-relative and bare relative URLs are refused for tag URLs', () => {
    const problems = problemsAfter((c) => {
      c.tags[PIXEL].settings.url = '//evil.example/px';
      c.tags[SCRIPT].settings.src = 'vendor/insight.js';
    });
    expect(where(problems)).toEqual([
      `tags.${PIXEL}.settings.url [error]`,
      `tags.${SCRIPT}.settings.src [error]`,
    ]);
  });

  test('a path that the URL parser reads as another host is refused', () => {
    // The parser reads `\` as `/` and drops tabs and newlines: each of these starts with `/` but goes to
    // https://evil.example, and the first lets a variable choose the host.
    const problems = problemsAfter((c) => {
      c.tags[PIXEL].settings.url = '/\\{{event}}/p';
      c.tags[SCRIPT].settings.src = '/\t/evil.example/x.js';
      c.tags[PERSONALIZATION].settings.endpoint = '/\n/evil.example/p';
      c.consent.recordEndpoint = '/\\evil.example/r';
    });
    expect(where(problems)).toEqual([
      'consent.recordEndpoint [error]',
      `tags.${PIXEL}.settings.url [error]`,
      `tags.${SCRIPT}.settings.src [error]`,
      `tags.${PERSONALIZATION}.settings.endpoint [error]`,
    ]);
    for (const url of ['/\\evil.example/p', '/\t/evil.example/p', '/\n/evil.example/p'])
      expect(new URL(url, 'https://www.example.se').host).toBe('evil.example');
  });

  test('a path that starts with a variable is refused: an empty value would make it //host/…', () => {
    const problems = problemsAfter((c) => {
      c.tags[PIXEL].settings.url = '/{{dl.lang}}/{{dl.section}}/collect?e={{event}}';
    });
    expect(where(problems)).toEqual([`tags.${PIXEL}.settings.url [error]`]);
    expect(problems[0]!.message).toMatch(/may not start with a \{\{variable\}\}/);
    expect(new URL('//evil.example/collect', 'https://www.example.se').host).toBe('evil.example');
    expect(
      problemsAfter((c) => {
        c.tags[PIXEL].settings.url = '/c/{{dl.lang}}/{{dl.section}}?e={{event}}';
      }),
    ).toEqual([]);
  });

  test('an Application Insights connection string with a key given twice is refused', () => {
    // The SDK keeps the last IngestionEndpoint: the check must not read only the first.
    const problems = problemsAfter((c) => {
      const ai = c.tags[AI] as { settings: { connectionString: string } };
      ai.settings.connectionString = `${ai.settings.connectionString};ingestionendpoint=http://evil.example/`;
    });
    expect(where(problems)).toEqual([`tags.${AI}.settings.connectionString [error]`]);
  });

  test('root-relative paths are refused for origins and vendor privacy policies', () => {
    const problems = problemsAfter((c) => {
      c.origins = ['/'];
      c.tags[AI].vendor.privacyPolicy = '/privacy';
    });
    expect(where(problems)).toEqual(['origins.0 [error]', `tags.${AI}.vendor.privacyPolicy [error]`]);
  });

  test('an origin with a path is refused', () => {
    const problems = problemsAfter((c) => {
      c.origins = ['https://www.example.se/shop'];
    });
    expect(where(problems)).toEqual(['origins.0 [error]']);
    expect(problems[0]!.message).toContain('origin');
  });

  test('URLs with credentials are refused', () => {
    const problems = problemsAfter((c) => {
      c.tags[PIXEL].settings.url = 'https://user:pw@ads.example.net/px';
    });
    expect(where(problems)).toEqual([`tags.${PIXEL}.settings.url [error]`]);
    expect(problems[0]!.message).toContain('credentials');
  });

  test('a consent record endpoint on a foreign origin is refused as not first-party', () => {
    const problems = problemsAfter((c) => {
      c.consent.recordEndpoint = 'https://records.example.com/consent';
    });
    expect(where(problems)).toEqual(['consent.recordEndpoint [error]']);
    expect(
      problemsAfter((c) => {
        c.consent.recordEndpoint = 'https://www.example.se/consent';
      }),
    ).toEqual([]);
  });
});

describe('category references and unique ids', () => {
  test('a tag naming an unknown category is refused at its category', () => {
    const problems = problemsAfter((c) => {
      c.tags[PIXEL].category = 'advertising';
    });
    expect(where(problems)).toEqual([`tags.${PIXEL}.category [error]`]);
    expect(problems[0]!.message).toContain('unknown category "advertising"');
  });

  test('a purpose naming an unknown parent is refused at its parent', () => {
    const problems = problemsAfter((c) => {
      c.consent.categories[MARKETING_AUTOMATION].parent = 'marketting';
    });
    expect(where(problems)).toEqual([`consent.categories.${MARKETING_AUTOMATION}.parent [error]`]);
    expect(problems[0]!.message).toContain('"marketting"');
  });

  test('a default naming an unknown category is refused at that category', () => {
    const problems = problemsAfter((c) => {
      c.consent.defaults[0].categories.statistics = 'denied';
    });
    expect(where(problems)).toEqual(['consent.defaults.0.categories.statistics [error]']);
  });

  test('two tags with the same id are refused at the second', () => {
    const problems = problemsAfter((c) => {
      c.tags[SCRIPT].id = c.tags[PIXEL].id;
    });
    expect(where(problems)).toEqual([`tags.${SCRIPT}.id [error]`]);
    expect(problems[0]!.message).toContain('duplicate tag id');
  });

  test('two categories with the same id are refused at the second', () => {
    const problems = problemsAfter((c) => {
      c.consent.categories.push({ ...c.consent.categories[3] });
    });
    expect(where(problems)).toEqual([`consent.categories.${demo().consent.categories.length}.id [error]`]);
    expect(problems[0]!.message).toContain('duplicate category id');
  });
});

describe('consent default regions', () => {
  test.each([['XX'], ['XX-CA'], ['QZ']])(
    'region %s is refused: its country part is not ISO 3166-1',
    (region) => {
      const problems = problemsAfter((c) => {
        c.consent.defaults[0].region = ['SE', region];
      });
      expect(where(problems)).toEqual(['consent.defaults.0.region.1 [error]']);
    },
  );

  test('regions SE, US-CA and SE-AB are accepted: only the country part is checked', () => {
    expect(
      problemsAfter((c) => {
        c.consent.defaults[0].region = ['SE', 'US-CA', 'SE-AB'];
      }),
    ).toEqual([]);
  });

  test('a region in lower case is refused by the schema', () => {
    const problems = problemsAfter((c) => {
      c.consent.defaults[0].region = ['se'];
    });
    expect(where(problems)).toEqual(['consent.defaults.0.region.0 [error]']);
  });
});

describe('warnings', () => {
  test('third-party storage on a tag in an always-on category is a warning, and the container is still valid', () => {
    const c = demo();
    c.tags[PIXEL].category = 'necessary';
    const v = validateContainer(c);
    expect(where(v.problems)).toEqual([
      `tags.${PIXEL}.storage.0 [warning]`,
      `tags.${PIXEL}.storage.1 [warning]`,
    ]);
    expect(v.problems[0]!.message).toContain('third-party');
    expect(v.container?.tags[PIXEL]?.category).toBe('necessary');
  });

  test('first-party storage in an always-on category is not a warning', () => {
    expect(
      problemsAfter((c) => {
        c.tags[AI].category = 'necessary';
      }),
    ).toEqual([]);
  });

  test('a denied default for an always-on category is a warning', () => {
    const v = validateContainer(
      (() => {
        const c = demo();
        c.consent.defaults[0].categories.necessary = 'denied';
        return c;
      })(),
    );
    expect(where(v.problems)).toEqual(['consent.defaults.0.categories.necessary [warning]']);
    expect(v.container).toBeDefined();
  });
});

describe('tag settings rules', () => {
  test('a personalization fallback that is not one of its actions is refused', () => {
    const problems = problemsAfter((c) => {
      c.tags[PERSONALIZATION].settings.fallbackAction = 'offer-none';
    });
    expect(where(problems)).toEqual([`tags.${PERSONALIZATION}.settings.fallbackAction [error]`]);
    expect(problems[0]!.message).toContain('offer-cloud');
  });

  test('an Application Insights connection string without an instrumentation key is refused', () => {
    const problems = problemsAfter((c) => {
      c.tags[AI].settings.connectionString = 'IngestionEndpoint=https://in.example.com/';
    });
    expect(where(problems)).toEqual([`tags.${AI}.settings.connectionString [error]`]);
  });
});

// A small JSON Schema checker for exactly the keywords the generated schema uses. ajv is not a
// dependency; an unknown keyword fails the test instead of being silently ignored.
const KNOWN = new Set([
  ...['$schema', '$id', '$defs', '$ref', 'title', 'description', 'format', 'type', 'const', 'enum'],
  ...['properties', 'required', 'additionalProperties', 'propertyNames', 'items', 'anyOf', 'oneOf'],
  ...['minLength', 'maxLength', 'pattern', 'minimum', 'maximum', 'exclusiveMinimum', 'minItems', 'maxItems'],
]);

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

/** Errors of `value` against `schema` (a node of the document `doc`), as "path: keyword" strings. */
function schemaErrors(doc: Json, schema: Json, value: unknown, path = ''): string[] {
  for (const k of Object.keys(schema))
    if (!KNOWN.has(k)) throw new Error(`unsupported keyword ${k} at ${path}`);
  if (schema.$ref) return schemaErrors(doc, doc.$defs[schema.$ref.replace('#/$defs/', '')], value, path);
  const out: string[] = [];
  const fail = (kw: string) => out.push(`${path || '(root)'}: ${kw}`);
  const t = typeOf(value);
  if (schema.type && !(schema.type === t || (schema.type === 'number' && t === 'integer')))
    return [`${path}: type`];
  if ('const' in schema && value !== schema.const) fail('const');
  if (schema.enum && !schema.enum.includes(value)) fail('enum');
  if (typeof value === 'string') {
    if (schema.minLength !== undefined && value.length < schema.minLength) fail('minLength');
    if (schema.maxLength !== undefined && value.length > schema.maxLength) fail('maxLength');
    if (schema.pattern && !new RegExp(schema.pattern, 'u').test(value)) fail('pattern');
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) fail('minimum');
    if (schema.maximum !== undefined && value > schema.maximum) fail('maximum');
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) fail('exclusiveMinimum');
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) fail('minItems');
    if (schema.maxItems !== undefined && value.length > schema.maxItems) fail('maxItems');
    if (schema.items) {
      for (const [i, v] of value.entries()) out.push(...schemaErrors(doc, schema.items, v, `${path}.${i}`));
    }
  }
  if (t === 'object') {
    const obj = value as Record<string, unknown>;
    for (const r of schema.required ?? []) if (!(r in obj)) fail(`required ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      const at = path ? `${path}.${k}` : k;
      if (schema.propertyNames) out.push(...schemaErrors(doc, schema.propertyNames, k, `${at} (name)`));
      const prop = schema.properties?.[k];
      if (prop) out.push(...schemaErrors(doc, prop, v, at));
      else if (schema.additionalProperties === false) fail(`additionalProperties ${k}`);
      else if (typeof schema.additionalProperties === 'object') {
        out.push(...schemaErrors(doc, schema.additionalProperties, v, at));
      }
    }
  }
  for (const kw of ['anyOf', 'oneOf'] as const) {
    if (!schema[kw]) continue;
    const passing = schema[kw].filter((s: Json) => schemaErrors(doc, s, value, path).length === 0).length;
    if (kw === 'anyOf' ? passing < 1 : passing !== 1) fail(kw);
  }
  return out;
}

describe('containers/container.schema.json', () => {
  const generated = containerJsonSchema();

  test('is exactly what `tagwarden schema` generates from the zod schema', () => {
    expect(`${JSON.stringify(generated, null, 2)}\n`).toBe(schemaText);
  });

  test('is a draft 2020-12 schema that forbids unknown fields at the root', () => {
    expect(generated.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(generated.additionalProperties).toBe(false);
    expect(generated.required).toEqual(
      expect.arrayContaining(['schemaVersion', 'id', 'version', 'expires', 'origins', 'consent', 'tags']),
    );
  });

  test('describes the documented fields for editors, including inside every tag type', () => {
    const s = generated as Json;
    expect(s.description).toMatch(/tagwarden container/);
    for (const field of ['schemaVersion', 'id', 'version', 'expires', 'origins', 'consent', 'tags']) {
      expect(s.properties[field].description, field).toMatch(/\w/);
    }
    expect(s.properties.consent.properties.cookie.properties.maxAgeDays.description).toContain('400');
    const tagTypes = s.properties.tags.items.oneOf as Json[];
    expect(tagTypes).toHaveLength(4);
    for (const tag of tagTypes) {
      for (const field of ['id', 'category', 'triggers', 'storage', 'settings']) {
        expect(tag.properties[field].description, `${tag.properties.type.const}.${field}`).toMatch(/\w/);
      }
    }
  });

  test('accepts containers/demo.json in a plain JSON Schema check', () => {
    expect(schemaErrors(generated, generated, demo())).toEqual([]);
  });

  test('rejects in a plain JSON Schema check what validateContainer rejects by schema', () => {
    const c = demo();
    c.colour = 'blue';
    c.version = 0;
    delete c.tags[SCRIPT].settings.integrity;
    c.consent.defaults[0].categories.analytics = 'maybe';
    expect(schemaErrors(generated, generated, c).sort()).toEqual(
      [
        '(root): additionalProperties colour',
        'version: minimum',
        // a script tag without integrity matches none of the tag types
        `tags.${SCRIPT}: oneOf`,
        'consent.defaults.0.categories.analytics: enum',
      ].sort(),
    );
  });
});

describe('the demo container', () => {
  test('pins the demo vendor script with the SHA-384 of the file the demo serves', () => {
    const demo = JSON.parse(readFileSync('containers/demo.json', 'utf8')) as {
      tags: { type: string; settings: { src?: string; integrity?: string } }[];
    };
    const script = demo.tags.find((t) => t.type === 'script')!;
    const file = readFileSync(`demo/vendor/${script.settings.src!.split('/').pop()}`);
    expect(script.settings.integrity).toBe(`sha384-${createHash('sha384').update(file).digest('base64')}`);
  });
});

describe('templates in tag settings', () => {
  test('an unclosed {{ or an expression in {{…}} is an error at its field: it would reach the vendor as text', () => {
    for (const url of [
      '/collect?ev={{event&v=1',
      '/collect?v={{dl.ecommerce.value * 100}}',
      '/collect?v=}}x',
    ]) {
      const problems = problemsAfter((c) => {
        c.tags[PIXEL].settings.url = url;
      });
      expect(where(problems)).toContain(`tags.${PIXEL}.settings.url [error]`);
      expect(problems.find((p) => p.severity === 'error')!.message).toMatch(/without its \}\}/);
    }
  });

  test('a reference to no variable (a typo) is a warning, also deep in call arguments; known ones are not', () => {
    const problems = problemsAfter((c) => {
      c.tags[PIXEL].settings.url = '/collect?ev={{evnt}}&p={{page.pth}}&c={{consent.analytics}}&d={{dl.x}}';
      c.tags[SCRIPT].settings.call.args.push({ nested: ['{{consent.nope}}'] });
    });
    expect(
      problems.map((p) => [formatPath(p.path), p.severity, /\{\{[\w.]+\}\}/.exec(p.message)?.[0]]),
    ).toEqual([
      [`tags.${PIXEL}.settings.url`, 'warning', '{{evnt}}'],
      [`tags.${PIXEL}.settings.url`, 'warning', '{{page.pth}}'],
      [`tags.${SCRIPT}.settings.call.args.2.nested.0`, 'warning', '{{consent.nope}}'],
    ]);
  });
});

describe('expiry', () => {
  test('a container whose expires is past validates with a warning: the runtime would refuse it', () => {
    const problems = problemsAfter((c) => {
      c.expires = '2024-01-01T00:00:00Z';
    });
    expect(where(problems)).toEqual(['expires [warning]']);
    expect(problems[0]!.message).toMatch(/already past.*container\/expired/);
  });
});

describe('SRI digests', () => {
  test('a truncated sha384 digest is refused: the browser would refuse the script without saying why', () => {
    const problems = problemsAfter((c) => {
      c.tags[SCRIPT].settings.integrity = 'sha384-abc';
    });
    expect(where(problems)).toEqual([`tags.${SCRIPT}.settings.integrity [error]`]);
    expect(problems[0]!.message).toMatch(/64 base64 characters/);
  });
});

describe('a variable in a host', () => {
  test('https://{{dl.host}}/px names the host rule, not a generic URL error', () => {
    const problems = problemsAfter((c) => {
      c.tags[PIXEL].settings.url = 'https://{{dl.host}}/px';
    });
    expect(problems.map((p) => p.message)).toContain('a {{variable}} may not appear in the host');
  });
});
