// The script tag through the real dispatcher and plugin, when a withdrawal meets a delivery: one still
// loading, one whose `init` threw, and a grant again on the same page. The vendor file is played by the test:
// it defines its global and fires the element's load event.
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createConsent } from '../../../src/consent/state';
import type { Container, TagOf } from '../../../src/container/schema';
import { createEmitter, type TagRecord } from '../../../src/runtime/emitter';
import { createDispatcher, memoryHolder } from '../../../src/tags/dispatch';
import { INIT_WAIT_MS } from '../../../src/tags/script/index';
import { demoContainer } from '../demo-container';

type Vendor = { init: ReturnType<typeof vi.fn>; track: ReturnType<typeof vi.fn> };
declare global {
  var insight: Vendor | undefined;
}

let n = 0;
function setup({ globals = true } = {}) {
  for (const c of document.cookie.split('; ')) document.cookie = `${c.split('=')[0]}=; max-age=0; path=/`;
  const container: Container = demoContainer();
  // Only the script tag, under an id of its own (the plugin keeps its loads per tag id across tests).
  const tag = container.tags.find((t) => t.type === 'script') as TagOf<'script'>;
  tag.id = `insight-${++n}`;
  tag.settings.src = `http://localhost:8080/vendor/insight.js?${n}`;
  if (!globals) delete tag.settings.globals;
  container.tags = [tag];
  const consent = createConsent(container, { now: Date.now(), newId: () => 'id' });
  const emitter = createEmitter();
  const records: TagRecord[] = [];
  emitter.on('tag', (r) => records.push(r));
  const reports: string[] = [];
  const d = createDispatcher({
    container,
    consent,
    emitter,
    holder: memoryHolder(),
    context: { nonce: '', scriptUrl: (u) => u, push: () => {}, report: (code) => reports.push(code) },
  });
  const elements = () => [...document.head.querySelectorAll<HTMLScriptElement>(`script[src$="?${n}"]`)];
  /** Plays the vendor file: defines `insight` and fires the load of the newest element. */
  const vendorLoads = async (vendor: Vendor) => {
    await vi.waitFor(() => expect(elements().length).toBeGreaterThan(0));
    globalThis.insight = vendor;
    elements().at(-1)!.dispatchEvent(new Event('load'));
  };
  const withdraw = () => d.denied(consent.decide({ marketing: false }).denied);
  return { d, consent, records, reports, elements, vendorLoads, withdraw, tagId: tag.id };
}

const vendor = (init: () => unknown = () => undefined): Vendor => ({ init: vi.fn(init), track: vi.fn() });

describe('script tag and withdrawal', () => {
  beforeEach(() => {
    globalThis.insight = undefined;
    localStorage.clear();
  });

  it('a withdrawal while the script loads wins: no init and no call after it, and the running script is reported', async () => {
    const { d, consent, records, reports, vendorLoads, withdraw, tagId } = setup();
    consent.all(true);
    const delivery = d.event('page_view', {});
    await vi.waitFor(() => expect(document.head.querySelector(`script[src$="?${n}"]`)).not.toBeNull());
    await withdraw();
    const v = vendor();
    await vendorLoads(v);
    await delivery;
    expect(v.init).not.toHaveBeenCalled();
    expect(v.track).not.toHaveBeenCalled();
    expect(records.filter((r) => r.tagId === tagId).map((r) => [r.status, r.reason])).toEqual([
      ['blocked', 'consent withdrawn'],
    ]);
    // Its file was on its way: it runs whatever happens, which the site learns (or a reload, if configured).
    expect(reports).toContain('tag/still-running');
  });

  it('a script whose init threw is still revoked on withdrawal: its globals go and it is reported as running', async () => {
    const { d, consent, records, reports, vendorLoads, withdraw } = setup();
    consent.all(true);
    const delivery = d.event('page_view', {});
    await vendorLoads(
      vendor(() => {
        throw new Error('renamed API');
      }),
    );
    await delivery;
    expect(records.at(-1)).toMatchObject({ status: 'failed', reason: 'renamed API' });
    await withdraw();
    expect(globalThis.insight).toBeUndefined();
    expect(reports).toContain('tag/still-running');
    // The running script may write its storage again: the next page deletes it once more.
    expect(localStorage.getItem('tagwarden:withdraw')).toBe('2');
    // Another tab's boot finished it and removed the mark while the script still runs here: set again as
    // this page goes.
    localStorage.removeItem('tagwarden:withdraw');
    dispatchEvent(new Event('pagehide'));
    expect(localStorage.getItem('tagwarden:withdraw')).toBe('2');
  });

  it('an init that threw is called again by the next event; the script is inserted once', async () => {
    const { d, consent, records, elements, vendorLoads } = setup();
    consent.all(true);
    let calls = 0;
    const v = vendor(() => {
      if (++calls === 1) throw new Error('not ready');
    });
    const first = d.event('page_view', {});
    await vendorLoads(v);
    await first;
    await d.event('purchase', {});
    expect(v.init).toHaveBeenCalledTimes(2);
    expect(v.track).toHaveBeenCalledTimes(1);
    expect(v.track.mock.calls[0]![0]).toBe('purchase');
    expect(elements()).toHaveLength(1);
    expect(records.map((r) => r.status)).toEqual(['failed', 'fired']);
  });

  it('an init whose promise never settles counts as done after INIT_WAIT_MS: the tag goes on', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const { d, consent, records, vendorLoads } = setup();
      consent.all(true);
      const v = vendor(() => new Promise(() => {}));
      const first = d.event('page_view', {});
      await vendorLoads(v);
      await vi.advanceTimersByTimeAsync(INIT_WAIT_MS);
      await first;
      await d.event('purchase', {});
      expect(v.init).toHaveBeenCalledTimes(1);
      expect(v.track.mock.calls.map((c) => c[0])).toEqual(['page_view', 'purchase']);
      expect(records.map((r) => r.status)).toEqual(['fired', 'fired']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a script without globals, granted again after a withdrawal, is not inserted twice', async () => {
    const { d, consent, elements, vendorLoads, withdraw } = setup({ globals: false });
    consent.all(true);
    const first = d.event('page_view', {});
    const v = vendor();
    await vendorLoads(v);
    await first;
    await withdraw();
    await d.granted(consent.decide({ marketing: true }).granted);
    await d.event('purchase', {});
    expect(elements()).toHaveLength(1);
    expect(v.init).toHaveBeenCalledTimes(1);
    expect(v.track).toHaveBeenCalledTimes(2);
  });

  it('an init that rejects fails its event, not silently', async () => {
    const { d, consent, records, vendorLoads } = setup();
    consent.all(true);
    const delivery = d.event('page_view', {});
    await vendorLoads(vendor(() => Promise.reject(new Error('async init failed'))));
    await delivery;
    expect(records.at(-1)).toMatchObject({ status: 'failed', reason: 'async init failed' });
  });

  it('granted again after a withdrawal on the same page: the script is inserted and initialised again', async () => {
    const { d, consent, elements, vendorLoads, withdraw } = setup();
    consent.all(true);
    const first = d.event('page_view', {});
    const v1 = vendor();
    await vendorLoads(v1);
    await first;
    await withdraw();
    expect(globalThis.insight).toBeUndefined();
    await d.granted(consent.decide({ marketing: true }).granted);
    const again = d.event('purchase', {});
    await vi.waitFor(() => expect(elements()).toHaveLength(2));
    const v2 = vendor();
    await vendorLoads(v2);
    await again;
    expect(v2.init).toHaveBeenCalledWith('demo-partner-42');
    expect(v2.track).toHaveBeenCalledTimes(1);
    expect(v1.track).toHaveBeenCalledTimes(1);
  });
});
