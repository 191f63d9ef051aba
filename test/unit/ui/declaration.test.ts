import { afterEach, describe, expect, it } from 'vitest';
import { current } from '../../../src/ui/dialog';
import { renderDeclaration } from '../../../src/ui/index';
import { makeHost, shadow } from './helpers';

afterEach(() => {
  current()?.close(false);
  document.body.replaceChildren();
});

function render(host = makeHost()) {
  const el = document.createElement('div');
  el.setAttribute('data-tagwarden-declaration', '');
  document.body.append(el);
  renderDeclaration(el, host);
  return { el, host };
}

const rowNames = (table: Element) =>
  [...table.querySelectorAll('tbody th[scope="row"]')].map((th) => th.textContent);

describe('cookie declaration', () => {
  it('lists every category, tag, vendor and storage item of the demo container', () => {
    const { el, host } = render();
    const text = el.textContent ?? '';
    for (const c of host.container.consent.categories) {
      const section = el.querySelector(`section[data-category="${c.id}"]`) as HTMLElement;
      expect(section.querySelector('h2, h3')?.textContent).toBe(c.label.sv);
      expect(section.textContent).toContain(c.description.sv);
    }
    for (const tag of host.container.tags) {
      const block = el.querySelector(`[data-tag="${tag.id}"]`) as HTMLElement;
      expect(block.closest('section')?.getAttribute('data-category')).toBe(tag.category);
      expect(block.textContent).toContain(tag.name);
      expect(block.textContent).toContain(`Leverantör: ${tag.vendor.name}`);
      if (tag.purpose) expect(block.textContent).toContain(tag.purpose.sv);
      if (tag.vendor.privacyPolicy) {
        expect(block.querySelector('a')?.getAttribute('href')).toBe(tag.vendor.privacyPolicy);
      }
      const table = block.querySelector('table');
      if (tag.storage.length) {
        expect(rowNames(table as HTMLTableElement)).toEqual(tag.storage.map((s) => s.name));
        for (const s of tag.storage) expect(text).toContain(s.purpose!.sv);
      } else {
        expect(table).toBeNull();
        expect(block.textContent).toContain('Sparar inget på din enhet.');
      }
    }
  });

  it("lists tagwarden's own necessary storage: the consent cookie, the stored container, the consent receipts, the withdrawal mark, the queue, its spill and its flag", () => {
    const { el } = render();
    const own = el.querySelector('section[data-category="tagwarden"] table') as HTMLTableElement;
    expect(rowNames(own)).toEqual([
      'tw_consent',
      'tagwarden:container:*',
      'tagwarden:records',
      'tagwarden:withdraw',
      'tagwarden',
      'tagwarden:queue:*',
      'tagwarden:queue',
    ]);
    expect(own.textContent).toContain('Tills inga händelser väntar');
    expect(own.textContent).toContain('Tills nästa sida har lagt dem i databasen');
    expect(own.textContent).toContain('180 dagar');
    expect(own.textContent).toContain('Tills återkallelsen är genomförd');
    expect(own.textContent).toContain('Förstapart');
  });

  it('describes each item by kind, party and lifetime in semantic, captioned tables', () => {
    const { el } = render();
    const ads = el.querySelector('[data-tag="ads-conversion"] table') as HTMLTableElement;
    expect(ads.caption?.textContent).toBe('Lagring: Annonskonvertering');
    expect(
      [...ads.querySelectorAll('thead th')].map((th) => [th.textContent, th.getAttribute('scope')]),
    ).toEqual([
      ['Namn', 'col'],
      ['Typ', 'col'],
      ['Part', 'col'],
      ['Lagringstid', 'col'],
      ['Syfte', 'col'],
    ]);
    const rows = [...ads.tBodies[0]!.rows].map((r) => [...r.cells].map((c) => c.textContent));
    expect(rows).toEqual([
      [
        'ads.example.net/px',
        'Webbfyr (pixel)',
        'Tredjepart',
        'Session',
        'Webbfyr som registrerar händelsen hos annonsnätverket.',
      ],
      ['exads_id', 'Cookie', 'Tredjepart', '90 dagar', 'Känner igen din webbläsare i annonsnätverket.'],
    ]);
  });

  it("shows the visitor's current choice per category and redraws when consent changes", () => {
    let status: Record<string, 'granted' | 'denied' | 'pending'> = {
      analytics: 'granted',
      functional: 'denied',
    };
    const host = makeHost();
    host.status = () => ({ necessary: 'granted', security: 'granted', marketing: 'pending', ...status });
    const { el } = render(host);
    const choice = (id: string) =>
      el.querySelector(`section[data-category="${id}"] .tw-choice strong`)?.textContent;
    expect(choice('necessary')).toBe('Alltid på');
    expect(choice('analytics')).toBe('Tillåten');
    expect(choice('functional')).toBe('Nekad');
    expect(choice('marketing')).toBe('Inget val ännu');
    status = { analytics: 'denied', functional: 'granted' };
    dispatchEvent(new CustomEvent('tagwarden:consent', { detail: {} }));
    expect(choice('analytics')).toBe('Nekad');
    expect(choice('functional')).toBe('Tillåten');
  });

  it('lists a paused tag with its storage, and says that it is paused, as the policy page does', () => {
    const { el } = render(
      makeHost({
        edit: (c) => {
          c.tags[0]!.paused = true;
        },
      }),
    );
    const tags = [...el.querySelectorAll('[data-tag]')];
    const paused = tags.find((t) => t.getAttribute('data-tag') === 'appinsights')!;
    expect(paused.querySelector('.tw-paused')?.textContent).toMatch(/^Pausad: används inte just nu\./);
    expect(paused.querySelector('table')).not.toBeNull();
    for (const t of tags.filter((x) => x !== paused)) expect(t.querySelector('.tw-paused')).toBeNull();
  });

  it('has a button that opens the preference centre', () => {
    const { el, host } = render();
    const change = el.querySelector('button') as HTMLButtonElement;
    expect(change.textContent).toBe('Ändra dina val');
    expect(change.type).toBe('button');
    change.click();
    expect(shadow().querySelector('[role="dialog"]')?.getAttribute('aria-modal')).toBe('true');
    expect(host.decide).not.toHaveBeenCalled();
  });

  it('keeps the keyboard focus on the "change" button when a decision redraws it', () => {
    const host = makeHost();
    host.decide.mockImplementation(() => {
      dispatchEvent(new CustomEvent('tagwarden:consent', { detail: {} }));
    });
    const { el } = render(host);
    (el.querySelector('button') as HTMLButtonElement).focus();
    (el.querySelector('button') as HTMLButtonElement).click();
    const reject = [...shadow().querySelectorAll('button')].find((b) => b.textContent === 'Neka alla');
    reject?.click();
    expect(host.decide).toHaveBeenCalledWith({}, 'reject-all', expect.any(String));
    expect(document.activeElement).toBe(el.querySelector('button'));
    expect(document.activeElement?.isConnected).toBe(true);
  });

  it('renders in English for an English host, with no inline style anywhere', () => {
    const { el } = render(makeHost({ lang: 'en' }));
    expect(el.querySelector('section[data-category="marketing.advertising"] h3')?.textContent).toBe(
      'Advertising',
    );
    expect(el.textContent).toContain('Web beacon (pixel)');
    expect(el.textContent).toContain('Change your choices');
    expect(el.querySelectorAll('[style]')).toHaveLength(0);
  });
});

describe('the declaration’s language', () => {
  it('is marked on the element, so that an English declaration on a Swedish page is read as English', () => {
    const el = document.body.appendChild(document.createElement('div'));
    renderDeclaration(el, makeHost({ lang: 'en' }));
    expect(el.getAttribute('lang')).toBe('en');
  });
});
