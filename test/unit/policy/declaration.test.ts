// @vitest-environment node
// The declaration model (src/declaration/build.ts) that the policy page, the banner and the in-page
// declaration share: lifetimes in words, tagwarden's own storage, and paused tags.
import { describe, expect, test } from 'vitest';
import type { Container } from '../../../src/container/schema';
import { buildDeclaration, lifetimeText } from '../../../src/declaration/build';
import { renderPolicy } from '../../../src/policy/render';
import { demoContainer } from './helpers';

describe('lifetimeText', () => {
  // [lifetime in days, English, Swedish]; Swedish numbers have a decimal comma and a no-break space.
  const cases: [number | 'session', string, string][] = [
    ['session', 'Session', 'Session'],
    [1 / 24, '1 hour', '1 timme'],
    [0.02, '1 hour', '1 timme'],
    [0.001, '1 hour', '1 timme'],
    [0.5, '12 hours', '12 timmar'],
    [1, '1 day', '1 dag'],
    [25 / 24, '25 hours', '25 timmar'],
    [1.5, '36 hours', '36 timmar'],
    [2, '2 days', '2 dagar'],
    [2.5, '2.5 days', '2,5 dagar'],
    [10.96, '11 days', '11 dagar'],
    [180, '180 days', '180 dagar'],
    [365, '1 year', '1 år'],
    [400, '400 days', '400 dagar'],
    [730, '2 years', '2 år'],
    [1000, '1,000 days', '1\u00a0000 dagar'],
  ];
  test.each(cases)('%s days: "%s", "%s"', (lifetime, en, sv) => {
    expect(lifetimeText(lifetime, 'en')).toBe(en);
    expect(lifetimeText(lifetime, 'sv')).toBe(sv);
  });

  test('the queue lifetime of 1 hour reads in the singular on the policy page', () => {
    const c = demoContainer();
    c.consent.queue.ttlHours = 1;
    expect(renderPolicy(c, { lang: 'en', format: 'md' })).toContain('for at most 1 hour.');
    expect(renderPolicy(c, { lang: 'sv', format: 'md' })).toContain('i högst 1 timme.');
  });
});

describe("tagwarden's own storage", () => {
  test.each(['sv', 'en'] as const)(
    '%s: the withdrawal mark tagwarden:withdraw is declared, first party, until the withdrawal is done',
    (lang) => {
      const item = buildDeclaration(demoContainer(), lang).own.find((i) => i.name === 'tagwarden:withdraw');
      expect(item).toMatchObject({ kind: 'localStorage', party: 'first', provider: 'tagwarden' });
      expect(item!.lifetimeText).toBe(
        lang === 'sv' ? 'Tills återkallelsen är genomförd' : 'Until the withdrawal is complete',
      );
      expect(item!.purpose).toContain(lang === 'sv' ? 'nästa sida' : 'the next page');
    },
  );

  test('a container whose tags are all in always-on categories can withdraw nothing, so has no mark', () => {
    const c: Container = demoContainer();
    c.tags = c.tags.map((t) => ({ ...t, category: 'necessary' }));
    expect(buildDeclaration(c, 'en').own.map((i) => i.name)).not.toContain('tagwarden:withdraw');
  });
});

describe('paused tags', () => {
  // A paused tag cannot fire, but a grant of its category covers it (the consent fingerprint includes
  // it), so resuming it asks nobody again: it stays declared, marked as not in use.
  const c: Container = demoContainer();
  c.tags[0]!.paused = true;
  const paused = c.tags[0]!;

  test.each(['sv', 'en'] as const)('%s: declared with its storage and a note that it is paused', (lang) => {
    const decl = buildDeclaration(c, lang);
    const tags = decl.categories.flatMap((x) => x.tags);
    const tag = tags.find((t) => t.id === paused.id)!;
    expect(tag.items.map((i) => i.name)).toEqual(paused.storage.map((s) => s.name));
    expect(tag.pausedNote).toMatch(lang === 'sv' ? /^Pausad: används inte just nu\./ : /^Paused: not in use/);
    for (const t of tags.filter((x) => x.id !== paused.id)) expect(t.pausedNote).toBeUndefined();
  });

  test.each(['sv', 'en'] as const)('%s: the policy page says so where it names the service', (lang) => {
    const note = buildDeclaration(c, lang).categories.flatMap((x) => x.tags)[0]!.pausedNote!;
    const md = renderPolicy(c, { lang, format: 'md' });
    expect(md.split(note).length - 1).toBe(2); // its category under "why", and the declaration
    expect(renderPolicy(demoContainer(), { lang, format: 'md' })).not.toContain(note);
  });
});
