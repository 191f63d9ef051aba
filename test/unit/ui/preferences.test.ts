import { afterEach, describe, expect, it } from 'vitest';
import { buildDeclaration } from '../../../src/declaration/build';
import { current } from '../../../src/ui/dialog';
import { showBanner, showPreferences } from '../../../src/ui/index';
import { textVersion } from '../../../src/ui/texts';
import { button, dialog, makeHost, OPTIONAL, press, shadow, switchFor } from './helpers';

afterEach(() => {
  current()?.close(false);
  document.body.replaceChildren();
});

const checked = (label: string) => switchFor(label).getAttribute('aria-checked');

describe('preference centre (second layer)', () => {
  it('is a labelled, described, modal dialog over a backdrop', () => {
    showPreferences(makeHost());
    const d = dialog();
    expect(d.getAttribute('aria-modal')).toBe('true');
    expect(shadow().getElementById(d.getAttribute('aria-labelledby') ?? '')?.textContent).toBe(
      'Cookieinställningar',
    );
    expect(shadow().getElementById(d.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(/^Välj/);
    expect(d.parentElement?.className).toBe('back');
  });

  it('lists every category and purpose with description and vendors, purposes nested under marketing', () => {
    const host = makeHost();
    showPreferences(host);
    const root = shadow();
    const decl = buildDeclaration(host.container, 'sv');
    for (const c of decl.categories) {
      const sw = switchFor(c.label);
      const item = sw.closest('li') as HTMLElement;
      expect(root.getElementById(sw.getAttribute('aria-describedby') ?? '')?.textContent).toBe(c.description);
      for (const v of c.vendors) expect(item.querySelector('.ven')?.textContent).toContain(v);
      const parentItem = item.parentElement?.closest('li');
      if (c.parent) expect(parentItem?.querySelector('h3')?.textContent).toBe('Marknadsföring');
      else expect(parentItem).toBeNull();
    }
    expect(switchFor('Analys').closest('li')?.querySelector('.ven')?.textContent).toBe(
      'Leverantörer: Microsoft',
    );
    expect(switchFor('Funktion').closest('li')?.querySelector('.ven')?.textContent).toBe(
      'Leverantörer: inga',
    );
    // The parent names the vendors of its purposes too.
    const marketing = switchFor('Marknadsföring').closest('li')?.querySelector('.ven')?.textContent;
    expect(marketing).toContain('Example Ads AB');
    expect(marketing).toContain('Example Insight Ltd');
  });

  it('starts every optional switch off; always-on ones are on and disabled', () => {
    showPreferences(makeHost());
    for (const label of ['Funktion', 'Analys', 'Marknadsföring', 'Annonsering', 'Personanpassning']) {
      expect(checked(label)).toBe('false');
      expect(switchFor(label).disabled).toBe(false);
    }
    for (const label of ['Nödvändiga', 'Säkerhet']) {
      expect(checked(label)).toBe('true');
      expect(switchFor(label).disabled).toBe(true);
    }
    expect(shadow().querySelectorAll('input')).toHaveLength(0);
  });

  it('starts a switch on only where the visitor granted the category before', () => {
    showPreferences(makeHost({ status: { analytics: 'granted', functional: 'denied' } }));
    expect(checked('Analys')).toBe('true');
    expect(checked('Funktion')).toBe('false');
    expect(checked('Marknadsföring')).toBe('false');
  });

  it('toggling the parent toggles its purposes; the parent is on only when all its purposes are', () => {
    showPreferences(makeHost());
    const purposes = ['Automatiserad marknadsföring', 'Marknadsanalys', 'Annonsering', 'Personanpassning'];
    switchFor('Marknadsföring').click();
    expect(purposes.map(checked)).toEqual(['true', 'true', 'true', 'true']);
    switchFor('Annonsering').click();
    expect(checked('Annonsering')).toBe('false');
    expect(checked('Marknadsföring')).toBe('false');
    switchFor('Annonsering').click();
    expect(checked('Marknadsföring')).toBe('true');
    switchFor('Marknadsföring').click();
    expect(purposes.map(checked)).toEqual(['false', 'false', 'false', 'false']);
  });

  it('"Save choices" records every optional category, exactly as switched, parents before purposes', () => {
    const host = makeHost();
    showPreferences(host);
    switchFor('Analys').click();
    switchFor('Marknadsanalys').click();
    button('Spara val').click();
    expect(host.decide).toHaveBeenCalledTimes(1);
    const [choices, method, version] = host.decide.mock.calls[0]!;
    expect(method).toBe('custom');
    expect(version).toBe(textVersion(host));
    expect(choices).toEqual({
      functional: false,
      analytics: true,
      marketing: false,
      'marketing.automation': false,
      'marketing.analysis': true,
      'marketing.advertising': false,
      'marketing.personalization': false,
    });
    expect(Object.keys(choices)).toEqual(OPTIONAL);
    expect(document.querySelector('tagwarden-ui')).toBeNull();
  });

  it.each([
    ['Acceptera alla', 'accept-all'],
    ['Neka alla', 'reject-all'],
  ] as const)('"%s" records %s whatever the switches say', (label, method) => {
    const host = makeHost();
    showPreferences(host);
    switchFor('Analys').click();
    button(label).click();
    expect(host.decide).toHaveBeenCalledWith({}, method, textVersion(host));
  });

  it('"Accept all", "Reject all" and "Save choices" are the same element with the same class', () => {
    showPreferences(makeHost());
    const all = ['Neka alla', 'Acceptera alla', 'Spara val'].map(button);
    expect(new Set(all.map((b) => `${b.localName}.${b.className}`)).size).toBe(1);
  });

  it('Escape and the close button close it and record nothing', () => {
    const host = makeHost();
    showPreferences(host);
    switchFor('Analys').click();
    press('Escape');
    expect(document.querySelector('tagwarden-ui')).toBeNull();
    showPreferences(host);
    (shadow().querySelector('button[aria-label]') as HTMLButtonElement).click();
    expect(document.querySelector('tagwarden-ui')).toBeNull();
    expect(host.decide).not.toHaveBeenCalled();
  });

  it('keeps Tab inside: past the last control to the first, Shift+Tab from the first to the last', () => {
    showPreferences(makeHost());
    const controls = [...shadow().querySelectorAll<HTMLElement>('*')].filter((el) =>
      el.matches('a[href], button:not(:disabled)'),
    );
    expect(controls[0]?.getAttribute('aria-label')).toBe('Stäng utan att välja');
    const first = controls[0]!;
    const last = controls[controls.length - 1]!;
    expect(last.textContent).toBe('Spara val');
    last.focus();
    press('Tab');
    expect(shadow().activeElement).toBe(first);
    press('Tab', { shiftKey: true });
    expect(shadow().activeElement).toBe(last);
    // From the dialog itself (where focus lands on open), Shift+Tab wraps to the last control too.
    dialog().focus();
    press('Tab', { shiftKey: true });
    expect(shadow().activeElement).toBe(last);
  });

  it('opening it again while it is open does nothing', () => {
    const host = makeHost();
    showPreferences(host);
    switchFor('Analys').click();
    showPreferences(host);
    expect(document.querySelectorAll('tagwarden-ui')).toHaveLength(1);
    expect(checked('Analys')).toBe('true');
  });

  it('speaks English when the host does', () => {
    showPreferences(makeHost({ lang: 'en' }));
    expect(shadow().querySelector('h2')?.textContent).toBe('Cookie settings');
    expect(checked('Personalisation')).toBe('false');
    expect(button('Save choices')).toBeTruthy();
    expect(dialog().getAttribute('lang')).toBe('en');
  });
});

describe('the preference centre shows the visitor’s own choices', () => {
  it('a category a default grants starts off: no switch is pre-ticked, and saving records it as switched', () => {
    const host = makeHost({ status: { analytics: 'granted' }, byDefault: ['analytics'] });
    showPreferences(host);
    expect(checked('Analys')).toBe('false');
    button('Spara val').click();
    expect(host.decide.mock.calls[0]![0]).toMatchObject({ analytics: false });
  });

  it('a decision made elsewhere while it is open moves the switches not touched here; a touched one stays', () => {
    const host = makeHost({ status: Object.fromEntries(OPTIONAL.map((id) => [id, 'granted'])) });
    showPreferences(host);
    switchFor('Funktion').click(); // the visitor turns Funktion off here
    host.decidedElsewhere(Object.fromEntries(OPTIONAL.map((id) => [id, 'denied']))); // another tab rejects all
    expect(checked('Analys')).toBe('false');
    expect(checked('Marknadsföring')).toBe('false');
    switchFor('Funktion').click(); // and on again
    button('Spara val').click();
    expect(host.decide.mock.calls[0]![0]).toMatchObject({
      functional: true,
      analytics: false,
      marketing: false,
    });
  });

  it('opened from a page control while the banner is open, it gives focus back to that control', () => {
    const host = makeHost();
    showBanner(host);
    const link = document.body.appendChild(document.createElement('button'));
    link.focus();
    showPreferences(host);
    press('Escape');
    expect(document.activeElement).toBe(link);
  });
});
