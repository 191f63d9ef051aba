// @vitest-environment node
// The error codes users see: every code has a message, docs/errors.md documents exactly the codes
// that exist, and TagwardenError / describe present them as the CLI prints them.
import { readFileSync } from 'node:fs';
import { expect, describe as group, test } from 'vitest';
import { isTagwardenError, TagwardenError } from '../../../src/lib/errors.js';
import { describe, messages } from '../../../src/lib/messages.js';

const codes = Object.keys(messages) as (keyof typeof messages)[];
const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

/** The cells of every table row of the docs page, trimmed (the formatter pads the columns). */
const rows = doc
  .split('\n')
  .filter((line) => line.startsWith('|'))
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );

/** Every `area/name` code written in backticks in the docs page. */
const documented = [...doc.matchAll(/`([a-z]+\/[a-z][a-z-]*)`/g)].map((m) => m[1]!);

group('error messages', () => {
  test('every code is area/name and has a non-empty message ending in a full stop', () => {
    expect(codes.length).toBeGreaterThan(20);
    for (const code of codes) {
      expect(code).toMatch(/^(container|runtime|datalayer|consent|tag|queue)\/[a-z][a-z-]*$/);
      expect(messages[code].trim().length, code).toBeGreaterThan(10);
      expect(messages[code], code).toMatch(/\.$/);
    }
  });

  test('no two codes share a message', () => {
    expect(new Set(Object.values(messages)).size).toBe(codes.length);
  });

  test('describe appends the detail in parentheses, or gives the message alone', () => {
    expect(describe('container/expired')).toBe('The container has expired.');
    expect(describe('container/expired', '2027-11-30T00:00:00Z')).toBe(
      'The container has expired. (2027-11-30T00:00:00Z)',
    );
  });

  test('a TagwardenError carries its code and detail, and says both in its message', () => {
    const e = new TagwardenError('container/rollback', 'version 2 < 3');
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('container/rollback');
    expect(e.detail).toBe('version 2 < 3');
    expect(e.message).toBe('container/rollback: version 2 < 3');
    expect(new TagwardenError('container/no-keys').message).toBe('container/no-keys');
    expect(isTagwardenError(e)).toBe(true);
    expect(isTagwardenError(new Error('container/rollback'))).toBe(false);
    expect(isTagwardenError({ name: 'TagwardenError', code: 'container/rollback' })).toBe(false);
  });
});

group('docs/errors.md', () => {
  test('has a table row for every code, with its message and what to do', () => {
    for (const code of codes) {
      const row = rows.find((cells) => cells[0] === `\`${code}\``);
      expect(row, `no row for ${code}`).toBeDefined();
      // Code spans (`__proto__`) keep the formatter from reading names as emphasis.
      expect(row![1]?.replace(/`/g, ''), code).toBe(messages[code]);
      expect(row![2]?.length ?? 0, code).toBeGreaterThan(10);
    }
  });

  test('names no code that does not exist', () => {
    expect(documented.length).toBeGreaterThanOrEqual(codes.length);
    expect(documented.filter((c) => !(c in messages))).toEqual([]);
  });
});
