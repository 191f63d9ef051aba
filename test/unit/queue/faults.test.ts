// Storage faults: each has a defined outcome and an error record, never an exception into the page, and
// never the loss of events already in hand. IndexedDB is replaced by stubs or broken on purpose.
import { describe, expect, it, vi } from 'vitest';
import type { Tag } from '../../../src/container/schema';
import { cats, dbName, event, fb, ga, harness, pairs, settings, T0 } from './helpers';

/** Wraps indexedDB.open so the test can reach the connections the holder opens. */
function captureConnections(): IDBDatabase[] {
  const dbs: IDBDatabase[] = [];
  const open = indexedDB.open.bind(indexedDB);
  vi.spyOn(indexedDB, 'open').mockImplementation((name, version) => {
    const req = open(name, version);
    req.addEventListener('success', () => dbs.push(req.result));
    return req;
  });
  return dbs;
}

/** Opens the test database from "another tab", optionally at a version with its own upgrade. */
function openOther(version?: number, upgrade?: (db: IDBDatabase) => void): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(dbName, version);
    if (upgrade) req.onupgradeneeded = () => upgrade(req.result);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
    req.onblocked = () => reject(new Error('blocked'));
  });
}

const throwing = (name: string) => () => {
  throw new DOMException('stub', name);
};

describe('queue faults: opening the database', () => {
  it('keeps events in memory and reports queue/unavailable when IndexedDB is missing', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const { holder, codes } = harness();
    expect(() => holder.hold(event('e1', T0, [ga, fb]))).not.toThrow();
    holder.hold(event('e2', T0 + 1, [ga]));
    await holder.flush();
    expect(codes()).toEqual(['queue/unavailable']);
    expect(await holder.size()).toBe(2);
    expect(pairs(await holder.take(cats('analytics')))).toEqual([
      ['ga', 'e1'],
      ['ga', 'e2'],
    ]);
    expect(pairs(await holder.take(cats('marketing')))).toEqual([['fb', 'e1']]);
    expect(codes()).toEqual(['queue/unavailable']); // reported once, not on every operation
  });

  it('falls back to memory when indexedDB.open throws', async () => {
    vi.stubGlobal('indexedDB', { open: throwing('SecurityError') });
    const { holder, reports } = harness();
    holder.hold(event('e1', T0, [ga]));
    expect(pairs(await holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    expect(reports).toEqual([{ code: 'queue/unavailable', detail: 'SecurityError' }]);
  });

  it('falls back to memory when the open request fires error', async () => {
    vi.stubGlobal('indexedDB', {
      open() {
        const req = { error: new DOMException('stub', 'InvalidStateError') } as {
          error: DOMException;
          onerror?: () => void;
        };
        setTimeout(() => req.onerror?.());
        return req;
      },
    });
    const { holder, reports } = harness();
    holder.hold(event('e1', T0, [ga]));
    await holder.flush();
    expect(reports).toEqual([{ code: 'queue/unavailable', detail: 'InvalidStateError' }]);
    expect(pairs(await holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
  });

  it('gives up on an open that never answers (Safari 14) after openTimeoutMs', async () => {
    vi.stubGlobal('indexedDB', { open: () => ({}) });
    const { holder, reports } = harness({ openTimeoutMs: 30 });
    holder.hold(event('e1', T0, [ga]));
    const started = performance.now();
    await holder.flush();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(reports).toEqual([{ code: 'queue/unavailable', detail: 'TimeoutError' }]);
    holder.hold(event('e2', T0 + 1, [ga]));
    expect(pairs(await holder.take(cats('analytics')))).toEqual([
      ['ga', 'e1'],
      ['ga', 'e2'],
    ]);
  });

  it('treats a blocked open like a hang: memory at once, and the late connection is closed', async () => {
    // Another script's database of the same name, without the queue's store, held open by a tab that
    // ignores versionchange: adding the store needs an upgrade, which is blocked.
    const other = await openOther(1, (db) => db.createObjectStore('other'));
    const dbs = captureConnections();
    const { holder, reports } = harness({ openTimeoutMs: 5000 });
    holder.hold(event('e1', T0, [ga]));
    await holder.flush();
    expect(reports).toEqual([{ code: 'queue/unavailable', detail: 'blocked' }]);
    expect(pairs(await holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    other.close();
    // The upgrade went through late; that connection was closed rather than kept.
    await vi.waitFor(() => expect(dbs.at(-1)?.objectStoreNames.contains('queue')).toBe(true));
    const late = dbs.at(-1)!;
    expect(() => late.transaction('queue')).toThrow(/InvalidState|closed/i);
  });
});

describe('queue faults: writing', () => {
  it('on QuotaExceededError drops as many of the oldest entries, retries once and reports queue/quota', async () => {
    const { holder, reports } = harness();
    for (let i = 1; i <= 3; i++) holder.hold(event(`e${i}`, T0 + i, [ga]));
    await holder.flush();
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementationOnce(throwing('QuotaExceededError'));
    holder.hold(event('e4', T0 + 4, [ga]));
    holder.hold(event('e5', T0 + 5, [ga]));
    await holder.flush();
    expect(reports).toEqual([{ code: 'queue/quota', detail: '2' }]);
    expect(pairs(await harness().holder.take(cats('analytics')))).toEqual([
      ['ga', 'e3'],
      ['ga', 'e4'],
      ['ga', 'e5'],
    ]);
  });

  it('keeps the batch in memory when the quota is still exceeded after the retry', async () => {
    const { holder, codes } = harness();
    holder.hold(event('e1', T0 + 1, [ga]));
    await holder.flush();
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(throwing('QuotaExceededError'));
    holder.hold(event('e2', T0 + 2, [ga]));
    holder.hold(event('e3', T0 + 3, [ga]));
    await holder.flush();
    expect(codes()).toEqual(['queue/quota']);
    vi.mocked(IDBObjectStore.prototype.put).mockRestore();
    // The retry's deletion of e1 was rolled back with it; e2 and e3 live on in memory for this page.
    expect(await harness().holder.size()).toBe(1);
    expect(pairs(await holder.take(cats('analytics')))).toEqual([
      ['ga', 'e1'],
      ['ga', 'e2'],
      ['ga', 'e3'],
    ]);
  });

  it('a grant whose write of the events held meanwhile exceeds the quota still takes the stored ones, in order', async () => {
    const before = harness();
    before.holder.hold(event('e0', T0 - 5000, [ga]));
    await before.holder.close();
    const { holder, reports } = harness();
    await holder.size();
    holder.hold(event('e1', T0, [ga, fb], { value: 42 })); // its marketing half is written in the take's first transaction
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementationOnce(throwing('QuotaExceededError'));
    expect(pairs(await holder.take(cats('analytics')))).toEqual([
      ['ga', 'e0'],
      ['ga', 'e1'],
    ]);
    expect(reports).toEqual([{ code: 'queue/quota', detail: 'take' }]);
    await holder.flush(); // the marketing half is held again, and written now
    const marketing = await harness().holder.take(cats('marketing'));
    expect(pairs(marketing)).toEqual([['fb', 'e1']]);
    expect(marketing[0]!.ev.model).toEqual({ value: 42 });
  });

  it('keeps an event the store cannot clone in memory without losing the others', async () => {
    const put = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      value: unknown,
      key?: IDBValidKey,
    ) {
      if ((value as { eventId?: string }).eventId === 'e2') throw new DOMException('stub', 'DataCloneError');
      return put.call(this, value, key);
    });
    const { holder, reports } = harness();
    holder.hold(event('e1', T0 + 1, [ga]));
    holder.hold(event('e2', T0 + 2, [ga]));
    holder.hold(event('e3', T0 + 3, [ga]));
    await holder.flush();
    expect(reports).toEqual([{ code: 'queue/unstorable', detail: '1' }]);
    expect(await harness().holder.size()).toBe(2);
    expect(pairs(await holder.take(cats('analytics')))).toEqual([
      ['ga', 'e1'],
      ['ga', 'e2'],
      ['ga', 'e3'],
    ]);
  });

  it('strips a function from the model before storing, keeping the event and every other one', async () => {
    const { holder, reports } = harness();
    holder.hold(event('e1', T0 + 1, [ga], { value: 1 }));
    holder.hold(event('e2', T0 + 2, [ga], { value: 2, eventCallback: () => {}, el: document.body }));
    holder.hold(event('e3', T0 + 3, [ga], { value: 3 }));
    await holder.flush();
    expect(reports).toEqual([]);
    const taken = await harness().holder.take(cats('analytics'));
    expect(taken.map((h) => h.ev.model)).toEqual([{ value: 1 }, { value: 2 }, { value: 3 }]);
  });
});

describe('queue faults: the connection', () => {
  it('reopens a force-closed connection and retries once, reporting queue/closed', async () => {
    const dbs = captureConnections();
    const { holder, codes } = harness();
    holder.hold(event('e1', T0, [ga]));
    await holder.flush();
    dbs[0]!.close();
    holder.hold(event('e2', T0 + 1, [ga]));
    expect(pairs(await holder.take(cats('analytics')))).toEqual([
      ['ga', 'e1'],
      ['ga', 'e2'],
    ]);
    expect(codes()).toEqual(['queue/closed']);
    expect(dbs.length).toBe(2);
    expect(await harness().holder.size()).toBe(0);
  });

  it('falls back to memory, keeping the events in hand, when the reopen fails too', async () => {
    const dbs = captureConnections();
    const { holder, codes } = harness();
    holder.hold(event('e1', T0, [ga]));
    await holder.flush();
    dbs[0]!.close();
    vi.mocked(indexedDB.open).mockImplementation(throwing('UnknownError'));
    holder.hold(event('e2', T0 + 1, [ga]));
    await holder.flush();
    expect(codes()).toEqual(['queue/closed', 'queue/unavailable']);
    expect(pairs(await holder.take(cats('analytics')))).toEqual([['ga', 'e2']]);
  });

  it('closes on versionchange so another tab’s upgrade is not blocked, and reopens when next needed', async () => {
    const { holder, codes } = harness();
    holder.hold(event('e1', T0, [ga]));
    await holder.flush();
    const upgraded = await openOther(2); // rejects if blocked
    expect(upgraded.version).toBe(2);
    expect(codes()).toEqual(['queue/closed']);
    upgraded.close();
    holder.hold(event('e2', T0 + 1, [ga]));
    expect(pairs(await holder.take(cats('analytics')))).toEqual([
      ['ga', 'e1'],
      ['ga', 'e2'],
    ]);
  });

  it('starts afresh after the site data is deleted under it', async () => {
    const { holder, codes } = harness();
    holder.hold(event('e1', T0, [ga]));
    await holder.flush();
    await new Promise((resolve, reject) => {
      const req = indexedDB.deleteDatabase(dbName);
      req.onsuccess = resolve;
      req.onerror = reject;
      req.onblocked = () => reject(new Error('blocked'));
    });
    expect(codes()).toEqual(['queue/closed']);
    holder.hold(event('e2', T0 + 1, [ga]));
    expect(pairs(await holder.take(cats('analytics')))).toEqual([['ga', 'e2']]);
  });
});

describe('queue faults: spills with no store to restore them to', () => {
  const spillKeys = () => Object.keys(localStorage).filter((k) => k.startsWith('tagwarden:queue:'));
  const spilledIds = () =>
    spillKeys().flatMap((k) =>
      (JSON.parse(localStorage.getItem(k)!) as { eventId: string; tags: { id: string }[] }[]).map(
        (e) => `${e.eventId}:${e.tags.map((t) => t.id).join('+')}`,
      ),
    );
  /** An entry as a page left during its write spills it: in format 1, "maybe committed". */
  const maybeCommitted = (eventId: string, time: number, forTags: Tag[], seq = 1) => ({
    eventId,
    name: 'purchase',
    time,
    seq,
    model: {},
    page: {},
    tags: forTags.map(({ id, category }) => ({ id, category })),
    sent: 1,
  });
  const spillOfEarlierPage = (entries: unknown[]) =>
    localStorage.setItem('tagwarden:queue:earlier', JSON.stringify(entries));
  /** A page of the site whose IndexedDB cannot open: it holds one event for ga and fb, then is left. */
  const page = async (id: string, time = T0) => {
    const h = harness();
    h.holder.hold(event(id, time, [ga, fb]));
    await h.holder.flush();
    dispatchEvent(new Event('pagehide'));
    await h.holder.close();
    return h;
  };

  it("do not pile up from page to page: each page carries the earlier pages' events on in its own spill", async () => {
    vi.stubGlobal('indexedDB', { open: throwing('InvalidStateError') });
    await page('e1');
    await page('e2');
    await page('e3');
    expect(spillKeys()).toHaveLength(1);
    expect(spilledIds().sort()).toEqual(['e1:ga+fb', 'e2:ga+fb', 'e3:ga+fb']);
  });

  it('a refusal drops the refused tags from them, and a grant delivers them once', async () => {
    vi.stubGlobal('indexedDB', { open: throwing('InvalidStateError') });
    await page('e1');
    await page('e2');
    const { holder } = harness();
    holder.hold(event('e3', T0 + 1, [ga, fb]));
    await holder.drop(cats('analytics'));
    expect(pairs(await holder.take(cats('marketing')))).toEqual([
      ['fb', 'e1'],
      ['fb', 'e2'],
      ['fb', 'e3'],
    ]);
    dispatchEvent(new Event('pagehide'));
    expect(spilledIds()).toEqual([]);
    expect(await holder.take(cats('analytics'))).toEqual([]);
  });

  it('an entry its page may have committed before it went is never delivered from memory, only spilled on', async () => {
    // A page left during a write: its spill names e1 as maybe committed (in the store for all it knows).
    spillOfEarlierPage([maybeCommitted('e1', T0, [ga, fb])]);
    vi.stubGlobal('indexedDB', { open: throwing('InvalidStateError') });
    const { holder } = harness();
    holder.hold(event('e2', T0 + 1, [ga]));
    expect(pairs(await holder.take(cats('analytics')))).toEqual([['ga', 'e2']]);
    // A refusal still takes the refused tag out of it; a page whose store works adds it if absent.
    await holder.drop(cats('marketing'));
    dispatchEvent(new Event('pagehide'));
    expect(spilledIds()).toEqual(['e1:ga']);
    expect(JSON.parse(localStorage.getItem(spillKeys()[0]!)!)[0].sent).toBe(1);
  });

  it('once a page whose store works took the spill, a faulted page does not spill it again (no second delivery)', async () => {
    const working = indexedDB;
    spillOfEarlierPage([maybeCommitted('e1', T0, [ga])]);
    vi.stubGlobal('indexedDB', { open: throwing('InvalidStateError') });
    const faulted = harness();
    faulted.holder.hold(event('e2', T0 + 1, [fb]));
    await faulted.holder.flush(); // the fault: e1 is absorbed as maybe committed
    vi.stubGlobal('indexedDB', working);
    dispatchEvent(new Event('pagehide')); // the faulted page spills e1 on
    const healthy = harness();
    expect(pairs(await healthy.holder.take(cats('analytics')))).toEqual([['ga', 'e1']]);
    dispatchEvent(new Event('pagehide')); // hidden again: its spill was taken, e1 is not its to carry
    expect(await healthy.holder.take(cats('analytics'))).toEqual([]);
  });

  it('maybe committed entries carried on stay within maxEntries, the oldest dropped', async () => {
    spillOfEarlierPage(Array.from({ length: 10 }, (_, i) => maybeCommitted(`s${i}`, T0 + i, [ga], i)));
    vi.stubGlobal('indexedDB', { open: throwing('InvalidStateError') });
    const { holder } = harness({ settings: settings({ maxEntries: 3 }) });
    holder.hold(event('e1', T0, [fb]));
    await holder.flush();
    dispatchEvent(new Event('pagehide'));
    expect(spilledIds().filter((id) => id.startsWith('s'))).toEqual(['s7:ga', 's8:ga', 's9:ga']);
  });

  it('what is older than ttlHours is deleted, not carried on', async () => {
    vi.stubGlobal('indexedDB', { open: throwing('InvalidStateError') });
    await page('old', T0 - 25 * 3_600_000);
    await page('new');
    expect(spilledIds()).toEqual(['new:ga+fb']);
  });
});
