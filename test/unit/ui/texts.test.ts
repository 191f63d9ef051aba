import { afterEach, describe, expect, it } from 'vitest';
import { current } from '../../../src/ui/dialog';
import { showBanner, showPreferences } from '../../../src/ui/index';
import { fnv1a, TEXTS, textsFor, textVersion } from '../../../src/ui/texts';
import { button, makeHost, shadow } from './helpers';

afterEach(() => {
  current()?.close(false);
  document.body.replaceChildren();
});

const visibleText = () => shadow().querySelector('[role="dialog"]')?.textContent ?? '';

describe('texts', () => {
  it('has every field in both languages, none empty, none shared by accident between the two buttons', () => {
    expect(Object.keys(TEXTS.en)).toEqual(Object.keys(TEXTS.sv));
    for (const lang of ['sv', 'en'] as const) {
      for (const v of Object.values(TEXTS[lang])) expect(v.trim()).not.toBe('');
      expect(TEXTS[lang].acceptAll).not.toBe(TEXTS[lang].rejectAll);
    }
  });

  it('shows Swedish to a Swedish host and English to an English one', () => {
    showBanner(makeHost({ lang: 'sv' }));
    expect(visibleText()).toContain('Ditt val om cookies');
    expect(button('Acceptera alla')).toBeTruthy();
    expect(button('Neka alla')).toBeTruthy();
    current()?.close(false);
    showBanner(makeHost({ lang: 'en' }));
    expect(visibleText()).toContain('Your choice about cookies');
    expect(button('Accept all')).toBeTruthy();
    expect(button('Reject all')).toBeTruthy();
    expect(button('Settings')).toBeTruthy();
    expect(visibleText()).not.toMatch(/cookiepolicy|Acceptera/i);
  });

  it('applies the container overrides per field and per language', () => {
    const edit = (c: ReturnType<typeof makeHost>['container']) => {
      c.consent.ui!.texts = {
        title: { sv: 'Cookies hos Exempelbutiken' },
        body: { sv: 'Vi frågar först.', en: 'We ask first.' },
        acceptAll: { en: 'Allow all' },
        rejectAll: { en: 'Refuse all' },
        settings: { sv: 'Välj själv' },
        save: { sv: 'Spara' },
      };
    };
    const sv = makeHost({ edit });
    expect(textsFor(sv)).toMatchObject({
      title: 'Cookies hos Exempelbutiken',
      body: 'Vi frågar först.',
      acceptAll: 'Acceptera alla',
      settings: 'Välj själv',
      save: 'Spara',
    });
    showBanner(sv);
    expect(visibleText()).toContain('Cookies hos Exempelbutiken');
    expect(visibleText()).toContain('Vi frågar först.');
    button('Välj själv').click();
    expect(button('Spara')).toBeTruthy();
    current()?.close(false);

    const en = makeHost({ lang: 'en', edit });
    expect(textsFor(en)).toMatchObject({
      title: TEXTS.en.title,
      body: 'We ask first.',
      acceptAll: 'Allow all',
      rejectAll: 'Refuse all',
      save: TEXTS.en.save,
    });
    showPreferences(en);
    expect(button('Allow all')).toBeTruthy();
    expect(button('Refuse all')).toBeTruthy();
  });

  it('FNV-1a matches the reference vectors', () => {
    expect(fnv1a('')).toBe('811c9dc5');
    expect(fnv1a('a')).toBe('e40c292c');
    expect(fnv1a('foobar')).toBe('bf9cf968');
    // UTF-8 bytes, not UTF-16 code units.
    expect(fnv1a('ä')).toBe(fnv1a('\u00e4'));
    expect(fnv1a('ä')).not.toBe(fnv1a('a'));
  });

  it('gives a stable 8-hex-digit text version that changes whenever the shown wording changes', () => {
    const base = textVersion(makeHost());
    expect(base).toMatch(/^[0-9a-f]{8}$/);
    expect(textVersion(makeHost())).toBe(base);
    expect(textVersion(makeHost({ lang: 'en' }))).not.toBe(base);
    const variants = [
      makeHost({
        edit: (c) => {
          c.consent.ui!.texts = { body: { sv: 'En annan text.' } };
        },
      }),
      makeHost({
        edit: (c) => {
          c.consent.ui!.texts = { acceptAll: { sv: 'Godkänn alla' } };
        },
      }),
      makeHost({
        edit: (c) => {
          c.consent.categories[3]!.description.sv = 'Statistik, med andra ord.';
        },
      }),
      makeHost({
        edit: (c) => {
          c.tags[0]!.vendor.name = 'Microsoft Corporation';
        },
      }),
    ];
    const versions = variants.map((h) => textVersion(h));
    expect(new Set([base, ...versions]).size).toBe(5);
    // An override for the other language changes nothing the Swedish visitor sees.
    const enOnly = makeHost({
      edit: (c) => {
        c.consent.ui!.texts = { body: { en: 'Another text.' } };
      },
    });
    expect(textVersion(enOnly)).toBe(base);
  });
});
