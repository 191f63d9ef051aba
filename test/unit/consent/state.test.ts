import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readDecision, type StoredDecision } from '../../../src/consent/cookie';
import { createConsent } from '../../../src/consent/state';
import { demoContainer } from '../demo-container';

let n = 0;
const inputs = (extra: Partial<Parameters<typeof createConsent>[1]> = {}) => ({
  now: Date.now(),
  newId: () => `id-${++n}`,
  ...extra,
});

function clearCookies() {
  for (const c of document.cookie.split('; ')) {
    const name = c.split('=')[0];
    if (name) document.cookie = `${name}=; max-age=0; path=/`;
  }
}

describe('consent state', () => {
  beforeEach(clearCookies);
  afterEach(clearCookies);

  it('grants always-on categories and leaves optional ones pending before any decision', () => {
    const c = createConsent(demoContainer(), inputs());
    expect(c.status('necessary')).toBe('granted');
    expect(c.status('security')).toBe('granted');
    expect(c.status('analytics')).toBe('pending');
    expect(c.status('marketing.advertising')).toBe('pending');
    expect(c.needsPrompt).toBe(true);
  });

  it('treats a category the container does not define as denied', () => {
    expect(createConsent(demoContainer(), inputs()).status('nope')).toBe('denied');
  });

  it('accept all grants every optional category and stores the decision in the first-party cookie', () => {
    const c = createConsent(demoContainer(), inputs());
    const change = c.all(true);
    expect(change.granted).toContain('analytics');
    expect(change.granted).toContain('marketing.personalization');
    expect(c.needsPrompt).toBe(false);
    const stored = readDecision('tw_consent');
    expect(stored).toMatchObject({ revision: 1, choices: { analytics: 1, marketing: 1 } });
  });

  it('remembers refusals too, so a returning visitor is not asked again', () => {
    createConsent(demoContainer(), inputs()).all(false);
    const again = createConsent(demoContainer(), inputs());
    expect(again.needsPrompt).toBe(false);
    expect(again.status('analytics')).toBe('denied');
  });

  it('granting the marketing parent grants all its purposes; a purpose can be granted alone', () => {
    const c = createConsent(demoContainer(), inputs());
    c.decide({ 'marketing.advertising': true });
    expect(c.status('marketing.advertising')).toBe('granted');
    expect(c.status('marketing.analysis')).toBe('pending');
    c.decide({ marketing: true });
    expect(c.status('marketing.analysis')).toBe('granted');
    expect(c.status('marketing.personalization')).toBe('granted');
  });

  it('ignores attempts to refuse an always-on category and reports unknown ones', () => {
    const c = createConsent(demoContainer(), inputs());
    const r = c.decide({ necessary: false, bogus: true });
    expect(c.status('necessary')).toBe('granted');
    expect(r.unknown).toEqual(['bogus']);
    // Nothing optional was named: nothing is decided, so no cookie, no consent id, nothing to prove.
    expect(c.decide({ necessary: true }).unknown).toEqual([]);
    expect(readDecision('tw_consent')).toBeUndefined();
    expect(c.consentId).toBeUndefined();
    expect(c.lastDecision).toBeUndefined();
  });

  it('asks again when the policy revision changes', () => {
    createConsent(demoContainer(), inputs()).all(true);
    const container = demoContainer();
    container.consent.revision = 2;
    const c = createConsent(container, inputs());
    expect(c.needsPrompt).toBe(true);
    expect(c.status('analytics')).toBe('pending');
  });

  it('keeps grants for unchanged categories but asks again for one whose vendors changed', () => {
    createConsent(demoContainer(), inputs()).all(true);
    const container = demoContainer();
    const pixel = container.tags.find((t) => t.id === 'ads-conversion')!;
    pixel.vendor = { name: 'Another Ad Network Inc' };
    const c = createConsent(container, inputs());
    expect(c.status('analytics')).toBe('granted');
    expect(c.status('marketing.advertising')).toBe('pending');
    expect(c.needsPrompt).toBe(true);
  });

  it('does not re-prompt for a changed label or description', () => {
    createConsent(demoContainer(), inputs()).all(true);
    const container = demoContainer();
    container.consent.categories[3]!.label.en = 'Statistics';
    expect(createConsent(container, inputs()).needsPrompt).toBe(false);
  });

  it('Global Privacy Control denies marketing by default but not analytics', () => {
    const c = createConsent(demoContainer(), inputs({ gpc: true }));
    expect(c.status('marketing.advertising')).toBe('denied');
    expect(c.status('marketing')).toBe('denied');
    expect(c.status('analytics')).toBe('pending');
  });

  it('an explicit grant wins over Global Privacy Control', () => {
    const c = createConsent(demoContainer(), inputs({ gpc: true }));
    c.decide({ 'marketing.advertising': true });
    expect(c.status('marketing.advertising')).toBe('granted');
  });

  it('Global Privacy Control, recorded, refuses what is undecided and keeps an explicit purpose grant', () => {
    const c = createConsent(demoContainer(), inputs({ gpc: true }));
    c.decide({ analytics: true, 'marketing.analysis': true }); // the visitor, before the signal is recorded
    const choices = c.gpcChoices()!;
    expect(choices).toMatchObject({
      marketing: false,
      'marketing.analysis': true,
      'marketing.advertising': false,
    });
    c.decide(choices);
    expect(c.status('marketing.analysis')).toBe('granted');
    expect(c.status('marketing.advertising')).toBe('denied');
    expect(c.status('analytics')).toBe('granted');
    expect(c.gpcChoices()).toBeUndefined(); // recorded once
    expect(createConsent(demoContainer(), inputs()).gpcChoices()).toBeUndefined(); // no signal
  });

  it('a region-specific default wins over the global one', () => {
    const container = demoContainer();
    container.consent.defaults.push({ region: ['US'], categories: { analytics: 'granted' } });
    expect(createConsent(container, inputs({ region: 'US-CA' })).status('analytics')).toBe('granted');
    expect(createConsent(container, inputs({ region: 'SE' })).status('analytics')).toBe('pending');
  });

  it('maps a gtag consent update onto categories through their Consent Mode types', () => {
    const c = createConsent(demoContainer(), inputs());
    c.consentMode('update', { analytics_storage: 'granted', ad_storage: 'granted', ad_user_data: 'denied' });
    expect(c.status('analytics')).toBe('granted');
    // marketing.analysis needs ad_storage AND ad_user_data
    expect(c.status('marketing.analysis')).toBe('denied');
    // marketing.advertising also needs ad_personalization, which was not named: unchanged
    expect(c.status('marketing.advertising')).toBe('denied');
    expect(c.status('marketing.personalization')).toBe('pending');
  });

  it('the same gtag consent update again (a consent manager replaying its state on each page) decides nothing new', () => {
    let t = Date.parse('2026-06-01T10:00:00Z');
    const realNow = Date.now;
    Date.now = () => t;
    try {
      const c = createConsent(demoContainer(), inputs());
      c.consentMode('update', { analytics_storage: 'granted' });
      const first = c.lastDecision!;
      const cookie = readDecision('tw_consent');
      t += 86_400_000; // the next day, the next page
      const next = createConsent(demoContainer(), inputs());
      expect(next.consentMode('update', { analytics_storage: 'granted' })).toEqual({
        granted: [],
        denied: [],
      });
      expect(next.lastDecision).toBeUndefined(); // nothing stored: no proof is sent
      expect(readDecision('tw_consent')).toEqual(cookie); // the decision keeps its time, so it still expires
      expect(next.decisionTime).toBe(first.time);
      // A different update is a decision.
      next.consentMode('update', { analytics_storage: 'denied' });
      expect(readDecision('tw_consent')).toMatchObject({ time: t, choices: { analytics: 0 } });
    } finally {
      Date.now = realNow;
    }
  });

  it('a gtag consent default sets defaults without recording a decision', () => {
    const c = createConsent(demoContainer(), inputs());
    c.consentMode('default', { analytics_storage: 'granted' });
    expect(c.status('analytics')).toBe('granted');
    expect(c.needsPrompt).toBe(true);
    expect(readDecision('tw_consent')).toBeUndefined();
  });

  it('a consent default for another region is ignored', () => {
    const c = createConsent(demoContainer(), inputs({ region: 'SE' }));
    c.consentMode('default', { analytics_storage: 'granted', region: ['US'] });
    expect(c.status('analytics')).toBe('pending');
  });

  it('another tab’s older decision does not undo a newer one, and a tab announces the decision it holds', () => {
    let t = Date.parse('2026-06-01T10:00:00Z');
    const clock = () => t;
    const realNow = Date.now;
    Date.now = clock;
    try {
      const a = createConsent(demoContainer(), inputs());
      const b = createConsent(demoContainer(), inputs());
      a.decide({ marketing: true }); // tab A, first
      const r1 = a.lastDecision!;
      t += 1000;
      b.reload(r1);
      b.decide({ marketing: false }); // tab B, later: the cookie now says no
      const r2 = b.lastDecision!;
      a.reload(r2);
      expect(a.status('marketing.advertising')).toBe('denied');
      expect(a.lastDecision).toEqual(r2); // what A would announce next
      // A tab that still sends the first decision (it had not heard of the second) changes nothing.
      expect(b.reload(r1)).toEqual({ granted: [], denied: [] });
      expect(b.status('marketing.advertising')).toBe('denied');
      t += 1000;
      b.decide({ functional: false }); // a later decision of B keeps the refusal in the cookie
      expect(readDecision('tw_consent')).toMatchObject({ choices: { marketing: 0, functional: 0 } });
    } finally {
      Date.now = realNow;
    }
  });

  it('with two decision cookies of that name (a path or domain variant), the newest decision wins', () => {
    // An old "accept all" at a longer path is listed first, as browsers list a more specific cookie first.
    const old = createConsent(demoContainer(), inputs());
    old.all(true);
    const accepted = readDecision('tw_consent') as StoredDecision;
    history.pushState({}, '', '/shop/');
    try {
      document.cookie = `tw_consent=${encodeURIComponent(JSON.stringify(accepted))}; path=/shop`;
      const refusal = {
        ...accepted,
        time: accepted.time + 60_000,
        choices: { ...accepted.choices, marketing: 0 },
      };
      document.cookie = `tw_consent=${encodeURIComponent(JSON.stringify(refusal))}; path=/`;
      expect(readDecision('tw_consent')).toMatchObject({ time: refusal.time, choices: { marketing: 0 } });
      expect(createConsent(demoContainer(), inputs()).status('marketing')).toBe('denied');
    } finally {
      document.cookie = 'tw_consent=; path=/shop; max-age=0';
      history.pushState({}, '', '/');
    }
  });

  it('a decision cookie with a time no Date can hold is unreadable, not a crash later', () => {
    createConsent(demoContainer(), inputs()).all(true);
    const d = readDecision('tw_consent') as object;
    document.cookie = `tw_consent=${encodeURIComponent(JSON.stringify({ ...d, time: 1e308 }))}; path=/`;
    expect(readDecision('tw_consent')).toBe('bad');
  });

  it('reports an unreadable consent cookie and asks again', () => {
    document.cookie = 'tw_consent=%7Bnot-json; path=/';
    const c = createConsent(demoContainer(), inputs());
    expect(c.badCookie).toBe(true);
    expect(c.needsPrompt).toBe(true);
  });
});

describe('Consent Mode wait_for_update', () => {
  beforeEach(clearCookies);
  afterEach(clearCookies);

  it('holds what a granting default allows until the wait is over, then grants it', () => {
    const c = createConsent(demoContainer(), inputs());
    const change = c.consentMode('default', { analytics_storage: 'granted', wait_for_update: 500 });
    expect(change.wait).toBe(500);
    expect(c.status('analytics')).toBe('pending');
    // Too early: nothing changes.
    expect(c.endWait(Date.now() + 100)).toEqual({ granted: [], denied: [] });
    expect(c.status('analytics')).toBe('pending');
    expect(c.endWait(Date.now() + 500).granted).toEqual(['analytics']);
    expect(c.status('analytics')).toBe('granted');
  });

  it('ends at once with an update within the wait, which decides', () => {
    const c = createConsent(demoContainer(), inputs());
    c.consentMode('default', { analytics_storage: 'granted', wait_for_update: 500 });
    const change = c.consentMode('update', { analytics_storage: 'denied' });
    expect(change.denied).toEqual(['analytics']);
    expect(c.status('analytics')).toBe('denied');
    // A default for another category afterwards is not held back by the finished wait.
    c.consentMode('default', { functionality_storage: 'granted' });
    expect(c.status('functional')).toBe('granted');
  });

  it('is ignored when it is not a positive number, or the default is for another region', () => {
    const c = createConsent(demoContainer(), inputs({ region: 'SE' }));
    expect(
      c.consentMode('default', { analytics_storage: 'granted', wait_for_update: '500' }).wait,
    ).toBeUndefined();
    expect(
      c.consentMode('default', { analytics_storage: 'granted', wait_for_update: -1 }).wait,
    ).toBeUndefined();
    expect(c.status('analytics')).toBe('granted');
    const other = createConsent(demoContainer(), inputs({ region: 'SE' }));
    expect(
      other.consentMode('default', { functionality_storage: 'granted', wait_for_update: 500, region: ['US'] })
        .wait,
    ).toBeUndefined();
  });
});

describe('a refusal stays in force, and nothing reads consent that was not given', () => {
  beforeEach(clearCookies);
  afterEach(() => {
    clearCookies();
    vi.useRealTimers();
  });
  /** The demo container with a default that grants marketing (an opt-out region's). */
  const granting = () => {
    const c = demoContainer();
    c.consent.defaults = [{ categories: { analytics: 'granted', marketing: 'granted' } }];
    return c;
  };

  it('a category whose id names an Object.prototype member (constructor) is pending before any decision', () => {
    const container = demoContainer();
    const text = { sv: 'K', en: 'K' };
    container.consent.categories.push({ id: 'constructor', label: text, description: text });
    const c = createConsent(container, inputs());
    expect(c.status('constructor')).toBe('pending');
    expect(c.needsPrompt).toBe(true);
    c.all(false);
    expect(createConsent(container, inputs()).status('constructor')).toBe('denied');
  });

  it('a decision older than maxAgeDays is asked again, even when its cookie (an older container’s) lives on', () => {
    vi.useFakeTimers({ now: Date.now() - 3 * 86_400_000, toFake: ['Date'] });
    createConsent(demoContainer(), inputs()).all(true);
    vi.useRealTimers();
    const shorter = demoContainer();
    shorter.consent.cookie.maxAgeDays = 2;
    const c = createConsent(shorter, inputs());
    expect(c.needsPrompt).toBe(true);
    expect(c.status('analytics')).toBe('pending');
    expect(createConsent(demoContainer(), inputs()).status('analytics')).toBe('granted'); // 180 days
  });

  it('a refused category whose vendors changed is asked again but stays refused, not granted by a default', () => {
    createConsent(demoContainer(), inputs()).all(false);
    const changed = granting();
    changed.tags.find((t) => t.id === 'ads-conversion')!.vendor = { name: 'Another Ad Network Inc' };
    const c = createConsent(changed, inputs());
    expect(c.needsPrompt).toBe(true);
    expect(c.status('marketing.advertising')).toBe('denied');
    // An answer about something else keeps it refused (and still asked about) on the next page.
    c.decide({ analytics: true });
    const next = createConsent(changed, inputs());
    expect(next.status('marketing.advertising')).toBe('denied');
    expect(next.status('analytics')).toBe('granted');
    expect(next.needsPrompt).toBe(true);
    next.decide({ 'marketing.advertising': true }); // answered again: the new answer counts
    expect(createConsent(changed, inputs()).status('marketing.advertising')).toBe('granted');
  });

  it('after a new policy revision, earlier refusals stay in force until answered; earlier grants do not', () => {
    const c0 = createConsent(demoContainer(), inputs());
    c0.decide({ analytics: true, marketing: false });
    const revised = granting();
    revised.consent.revision = 2;
    const c = createConsent(revised, inputs());
    expect(c.needsPrompt).toBe(true);
    expect(c.status('marketing.analysis')).toBe('denied');
    expect(c.status('analytics')).toBe('granted'); // the new revision's default, not the old grant
    revised.consent.defaults = [];
    expect(createConsent(revised, inputs()).status('analytics')).toBe('pending');
  });

  it('a purpose added to a refused parent is refused with it, not granted by a default', () => {
    createConsent(demoContainer(), inputs()).all(false);
    const added = granting();
    const text = { sv: 'Nyhetsbrev', en: 'Newsletter' };
    added.consent.categories.push({
      id: 'marketing.newsletter',
      parent: 'marketing',
      label: text,
      description: text,
    });
    expect(createConsent(added, inputs()).status('marketing.newsletter')).toBe('denied');
  });

  it('a gtag update mapped onto a parent decides the parent only: purposes without their own types are unchanged', () => {
    const container = demoContainer();
    container.consent.categories.find((k) => k.id === 'marketing')!.consentMode = ['ad_storage'];
    const c = createConsent(container, inputs());
    c.consentMode('update', { ad_storage: 'granted' });
    expect(c.status('marketing')).toBe('granted');
    expect(c.status('marketing.personalization')).toBe('pending');
    expect(c.status('marketing.automation')).toBe('pending');
  });

  it('refresh() takes up a decision another tab stored since, so a later decision does not write it back', () => {
    const a = createConsent(demoContainer(), inputs());
    a.all(true);
    const b = createConsent(demoContainer(), inputs()); // a tab on another subdomain, sharing the cookie
    vi.useFakeTimers({ now: Date.now() + 1000, toFake: ['Date'] });
    b.decide({ marketing: false });
    const change = a.refresh();
    expect(change.denied).toEqual(expect.arrayContaining(['marketing', 'marketing.advertising']));
    expect(a.status('marketing.advertising')).toBe('denied');
    a.decide({ functional: true });
    expect(readDecision('tw_consent')).toMatchObject({
      choices: { marketing: 0, functional: 1, analytics: 1 },
    });
    expect(a.refresh()).toEqual({ granted: [], denied: [] }); // its own decision is not taken up again
  });
});

describe('Consent Mode wait_for_update after a grant', () => {
  beforeEach(clearCookies);
  afterEach(clearCookies);
  it('a later default with a wait does not take back what is granted already', () => {
    const c = createConsent(demoContainer(), inputs());
    c.consentMode('default', { analytics_storage: 'granted' });
    expect(c.status('analytics')).toBe('granted');
    const change = c.consentMode('default', { analytics_storage: 'granted', wait_for_update: 500 });
    expect(c.status('analytics')).toBe('granted');
    expect(change.denied).toEqual([]);
  });
});
