import { afterEach, describe, expect, it } from 'vitest';
import { current } from '../../../src/ui/dialog';
import { showBanner } from '../../../src/ui/index';
import { textVersion } from '../../../src/ui/texts';
import { button, dialog, makeHost, OPTIONAL, press, shadow } from './helpers';

afterEach(() => {
  current()?.close(false);
  document.body.replaceChildren();
});

/** A focusable page element, focused, as a visitor's last position before the banner. */
function focusedOnPage(): HTMLButtonElement {
  const b = document.createElement('button');
  b.textContent = 'Köp';
  document.body.append(b);
  b.focus();
  return b;
}

describe('banner (first layer)', () => {
  it('is a labelled, described, non-modal dialog in an open shadow root appended to body', () => {
    showBanner(makeHost());
    const host = document.body.lastElementChild as HTMLElement;
    expect(host.localName).toBe('tagwarden-ui');
    expect(host.shadowRoot).toBe(shadow());
    const d = dialog();
    expect(d.getAttribute('aria-modal')).toBeNull();
    expect(shadow().getElementById(d.getAttribute('aria-labelledby') ?? '')?.textContent).toBe(
      'Ditt val om cookies',
    );
    expect(shadow().getElementById(d.getAttribute('aria-describedby') ?? '')?.textContent).toMatch(
      /^Vi använder cookies/,
    );
    expect(d.getAttribute('lang')).toBe('sv');
  });

  it('offers "Reject all" and "Accept all" as the same element with the same class, and "Settings"', () => {
    showBanner(makeHost());
    const reject = button('Neka alla');
    const accept = button('Acceptera alla');
    expect(reject.localName).toBe(accept.localName);
    expect(reject.className).toBe(accept.className);
    expect(reject.type).toBe('button');
    expect(reject.parentElement).toBe(accept.parentElement);
    expect(button('Inställningar')).toBeTruthy();
  });

  it('pre-ticks nothing: the first layer has no checkbox or switch at all', () => {
    showBanner(makeHost());
    expect(shadow().querySelectorAll('input, [role="switch"], [aria-checked], [aria-pressed]')).toHaveLength(
      0,
    );
  });

  it.each([
    ['Acceptera alla', 'accept-all'],
    ['Neka alla', 'reject-all'],
  ] as const)('"%s" records %s with the text version, closes and gives focus back', (label, method) => {
    const page = focusedOnPage();
    const host = makeHost();
    showBanner(host);
    button(label).click();
    expect(host.decide).toHaveBeenCalledTimes(1);
    expect(host.decide).toHaveBeenCalledWith({}, method, textVersion(host));
    expect(document.querySelector('tagwarden-ui')).toBeNull();
    expect(document.activeElement).toBe(page);
  });

  it('Escape closes it and records nothing', () => {
    const host = makeHost();
    showBanner(host);
    press('Escape');
    expect(document.querySelector('tagwarden-ui')).toBeNull();
    expect(host.decide).not.toHaveBeenCalled();
  });

  it('the close button closes it and records nothing', () => {
    const host = makeHost();
    showBanner(host);
    const close = shadow().querySelector('button[aria-label]') as HTMLButtonElement;
    expect(close.getAttribute('aria-label')).toBe('Stäng utan att välja');
    close.click();
    expect(document.querySelector('tagwarden-ui')).toBeNull();
    expect(host.decide).not.toHaveBeenCalled();
  });

  it('moves focus into the dialog on open and back to the page element on close', () => {
    const page = focusedOnPage();
    showBanner(makeHost());
    expect(document.activeElement?.localName).toBe('tagwarden-ui');
    expect(shadow().activeElement).toBe(dialog());
    press('Escape');
    expect(document.activeElement).toBe(page);
  });

  it('does not trap Tab (non-modal): Tab on the last control is left to the browser', () => {
    showBanner(makeHost());
    const settings = button('Inställningar');
    settings.focus();
    const e = new KeyboardEvent('keydown', { key: 'Tab', bubbles: true, composed: true, cancelable: true });
    settings.dispatchEvent(e);
    expect(e.defaultPrevented).toBe(false);
  });

  it('does nothing when a consent dialog is already open', () => {
    const host = makeHost();
    showBanner(host);
    showBanner(host);
    expect(document.querySelectorAll('tagwarden-ui')).toHaveLength(1);
  });

  it('"Settings" replaces it with the preference centre; closing that gives focus back to the page', () => {
    const page = focusedOnPage();
    const host = makeHost();
    showBanner(host);
    button('Inställningar').click();
    expect(document.querySelectorAll('tagwarden-ui')).toHaveLength(1);
    expect(dialog().getAttribute('aria-modal')).toBe('true');
    expect(current()?.kind).toBe('prefs');
    press('Escape');
    expect(host.decide).not.toHaveBeenCalled();
    expect(document.activeElement).toBe(page);
  });

  it('is modal when the container places it in the centre', () => {
    showBanner(
      makeHost({
        edit: (c) => {
          c.consent.ui!.position = 'center';
        },
      }),
    );
    expect(dialog().getAttribute('aria-modal')).toBe('true');
    expect(dialog().parentElement?.className).toBe('back');
  });

  it('links the cookie and privacy policies of its language, never a javascript: URL', () => {
    showBanner(makeHost());
    expect([...shadow().querySelectorAll('a')].map((a) => [a.textContent, a.getAttribute('href')])).toEqual([
      ['Cookiepolicy', '/cookies'],
      ['Integritetspolicy', '/integritetspolicy'],
    ]);
    current()?.close(false);
    showBanner(
      makeHost({
        lang: 'en',
        edit: (c) => {
          c.consent.ui!.privacyPolicyUrl = { en: 'javascript:alert(1)' };
        },
      }),
    );
    expect([...shadow().querySelectorAll('a')].map((a) => a.getAttribute('href'))).toEqual(['/cookies']);
  });
});

describe('the banner and decisions made elsewhere', () => {
  it('is not shown when nothing is left to decide (a decision made while its chunk loaded)', () => {
    showBanner(makeHost({ status: Object.fromEntries(OPTIONAL.map((id) => [id, 'denied'])) }));
    expect(document.querySelector('tagwarden-ui')).toBeNull();
  });

  it('closes when a decision made elsewhere (the page’s API, another tab) leaves nothing to decide', () => {
    const host = makeHost();
    showBanner(host);
    host.decidedElsewhere({ functional: 'granted' }); // something is still undecided: it stays
    expect(document.querySelector('tagwarden-ui')).not.toBeNull();
    host.decidedElsewhere(Object.fromEntries(OPTIONAL.map((id) => [id, 'granted'])));
    expect(document.querySelector('tagwarden-ui')).toBeNull();
    expect(host.decide).not.toHaveBeenCalled();
  });
});
