import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import type { Method } from '../../../src/consent/state';
import type { ConsentRecord, ReadyRecord } from '../../../src/runtime/emitter';
import { createEmitter } from '../../../src/runtime/emitter';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const fn of cleanups.splice(0)) fn();
});
/** A window listener for `tagwarden:<type>`, removed after the test. */
const onWindow = (type: string, fn: (e: Event) => void) => {
  addEventListener(type, fn);
  cleanups.push(() => removeEventListener(type, fn));
};

describe('emitter records', () => {
  it('are frozen: a window listener cannot change what `ready` resolves to or what on() listeners see', async () => {
    const em = createEmitter();
    const seen: ReadyRecord[] = [];
    const thrown: unknown[] = [];
    onWindow('tagwarden:ready', (e) => {
      try {
        (e as CustomEvent<{ ok: boolean }>).detail.ok = false;
      } catch (err) {
        thrown.push(err);
      }
    });
    em.on('ready', (r) => seen.push({ ...r }));
    let resolve!: (r: ReadyRecord) => void;
    const ready = new Promise<ReadyRecord>((r) => {
      resolve = r;
    });
    // As boot.ts does: resolve, then emit the same record.
    const record: ReadyRecord = { ok: true, id: 'demo', version: 3 };
    resolve(record);
    em.emit('ready', record);
    expect(thrown).toHaveLength(1);
    expect(thrown[0]).toBeInstanceOf(TypeError);
    expect(await ready).toEqual({ ok: true, id: 'demo', version: 3 });
    expect(seen).toEqual([{ ok: true, id: 'demo', version: 3 }]);
  });

  it("freeze the consent record's state too", () => {
    const em = createEmitter();
    const got: ConsentRecord[] = [];
    em.on('consent', (r) => {
      expect(() => {
        (r.state as Record<string, string>).analytics = 'granted';
      }).toThrow(TypeError);
    });
    em.on('consent', (r) => got.push(r));
    onWindow('tagwarden:consent', (e) => {
      try {
        (e as CustomEvent<ConsentRecord>).detail.state.analytics = 'granted';
      } catch {}
    });
    em.emit('consent', { state: { analytics: 'denied' }, method: 'api' });
    expect(got[0]?.state).toEqual({ analytics: 'denied' });
    expect(Object.isFrozen(got[0]) && Object.isFrozen(got[0]?.state)).toBe(true);
  });

  it('freeze tag records, which go to on() listeners only', () => {
    const em = createEmitter();
    const got: unknown[] = [];
    em.on('tag', (r) => got.push(r));
    em.emit('tag', { tagId: 't', event: 'e', eventId: '1', status: 'fired' });
    expect(Object.isFrozen(got[0])).toBe(true);
  });
});

describe('emitter listeners', () => {
  it('one that unsubscribes and subscribes itself again runs once per record (no endless loop)', () => {
    const em = createEmitter();
    let calls = 0;
    let off = () => {};
    const again = () => {
      if (++calls > 50) return; // without a copy of the listeners this would never end
      off();
      off = em.on('tag', again);
    };
    off = em.on('tag', again);
    em.emit('tag', { tagId: 't', event: 'e', eventId: '1', status: 'fired' });
    expect(calls).toBe(1);
    em.emit('tag', { tagId: 't', event: 'e', eventId: '2', status: 'fired' });
    expect(calls).toBe(2);
  });

  it('one subscribed during an emit gets the next record, not the current one', () => {
    const em = createEmitter();
    const got: string[] = [];
    let subscribed = false;
    em.on('queue', () => {
      if (subscribed) return;
      subscribed = true;
      em.on('queue', (r) => got.push(`late ${r.replayed}`));
    });
    em.emit('queue', { replayed: 1, dropped: 0, expired: 0 });
    em.emit('queue', { replayed: 2, dropped: 0, expired: 0 });
    expect(got).toEqual(['late 2']);
  });
});

describe('record types', () => {
  it("ConsentRecord['method'] is src/consent/state.ts Method", () => {
    expectTypeOf<ConsentRecord['method']>().toEqualTypeOf<Method>();
  });
});
