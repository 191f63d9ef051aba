import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { attachDataLayer, EVENT_TIMEOUT } from '../../../src/datalayer';
import { args, recorder } from './recorder';

/** Lets queued microtasks (promise adoption takes a few) run. */
async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

/** A promise settled by hand, standing in for "every matching tag has finished". */
function deferred() {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('eventCallback', () => {
  test('runs once with the container id when the tags finish', async () => {
    const tags = deferred();
    const rec = recorder(() => tags.promise);
    const { dataLayer } = attachDataLayer([], rec.handler);
    const cb = vi.fn();
    dataLayer.push({ event: 'purchase', eventCallback: cb });
    await flush();
    expect(cb).not.toHaveBeenCalled();
    tags.resolve();
    await flush();
    expect(cb).toHaveBeenCalledExactlyOnceWith('TW-TEST');
    await vi.advanceTimersByTimeAsync(EVENT_TIMEOUT * 2);
    expect(cb).toHaveBeenCalledTimes(1);
  });

  test('runs once after 2 seconds when the tags never finish', async () => {
    const rec = recorder(() => new Promise(() => {}));
    const { dataLayer } = attachDataLayer([], rec.handler);
    const cb = vi.fn();
    dataLayer.push({ event: 'purchase', eventCallback: cb });
    await vi.advanceTimersByTimeAsync(1999);
    expect(cb).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(cb).toHaveBeenCalledExactlyOnceWith('TW-TEST');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(cb).toHaveBeenCalledTimes(1);
  });

  test('a custom eventTimeout is honoured', async () => {
    const rec = recorder(() => new Promise(() => {}));
    const { dataLayer } = attachDataLayer([], rec.handler);
    const cb = vi.fn();
    dataLayer.push({ event: 'purchase', eventCallback: cb, eventTimeout: 500 });
    await vi.advanceTimersByTimeAsync(499);
    expect(cb).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(cb).toHaveBeenCalledTimes(1);
  });

  test.each([-1, Number.NaN, '300', 2 ** 40])(
    'an invalid eventTimeout (%s) falls back to 2 seconds',
    async (bad) => {
      const rec = recorder(() => new Promise(() => {}));
      const { dataLayer } = attachDataLayer([], rec.handler);
      const cb = vi.fn();
      dataLayer.push({ event: 'purchase', eventCallback: cb, eventTimeout: bad });
      await vi.advanceTimersByTimeAsync(1999);
      expect(cb).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      expect(cb).toHaveBeenCalledTimes(1);
    },
  );

  test('runs right away (on a microtask) when no tag matches', async () => {
    const rec = recorder(() => undefined);
    const { dataLayer } = attachDataLayer([], rec.handler);
    const cb = vi.fn();
    dataLayer.push({ event: 'nothing-listens', eventCallback: cb });
    expect(cb).not.toHaveBeenCalled();
    await flush();
    expect(cb).toHaveBeenCalledExactlyOnceWith('TW-TEST');
    expect(vi.getTimerCount()).toBe(0);
  });

  test('runs once when the container failed to load (the handler throws)', async () => {
    const rec = recorder(() => {
      throw new Error('container/bad-signature');
    });
    const { dataLayer } = attachDataLayer([], rec.handler);
    const cb = vi.fn();
    dataLayer.push({ event: 'purchase', eventCallback: cb });
    await flush();
    expect(cb).toHaveBeenCalledTimes(1);
    expect(rec.codes()).toEqual(['tag/threw']);
  });

  test('runs once when the tags promise rejects', async () => {
    const tags = deferred();
    const rec = recorder(() => tags.promise);
    const { dataLayer } = attachDataLayer([], rec.handler);
    const cb = vi.fn();
    dataLayer.push({ event: 'purchase', eventCallback: cb });
    tags.reject(new Error('tag failed'));
    await flush();
    await vi.advanceTimersByTimeAsync(EVENT_TIMEOUT);
    expect(cb).toHaveBeenCalledTimes(1);
  });

  test('a throwing callback is reported and later pushes still work', async () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    dataLayer.push({
      event: 'purchase',
      eventCallback: () => {
        throw new Error('redirect failed');
      },
    });
    await flush();
    expect(rec.errors).toEqual([{ code: 'datalayer/callback-threw', detail: 'redirect failed' }]);
    dataLayer.push({ event: 'next' });
    expect(rec.log).toEqual(['event:purchase', 'event:next']);
  });

  test('the callback and the timeout stay out of the model and the message, without a sanitize error', () => {
    const rec = recorder();
    const { dataLayer, model } = attachDataLayer([], rec.handler);
    dataLayer.push({ event: 'purchase', eventCallback: () => {}, eventTimeout: 100, value: 1 });
    expect(model).toEqual({ event: 'purchase', value: 1 });
    expect(rec.events[0]!.message).toEqual({ event: 'purchase', value: 1 });
    expect(rec.errors).toEqual([]);
  });

  test('a message without an event never runs its callback', async () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    const cb = vi.fn();
    dataLayer.push({ value: 1, eventCallback: cb });
    await vi.advanceTimersByTimeAsync(EVENT_TIMEOUT * 2);
    expect(cb).not.toHaveBeenCalled();
  });

  test('a message over the value bound, its event key last, still fires its event and runs its callback', async () => {
    const rec = recorder();
    const { dataLayer, model } = attachDataLayer([], rec.handler);
    const cb = vi.fn();
    const items = Array.from({ length: 900 }, (_, i) =>
      Object.fromEntries([...'abcdefghijk'].map((k) => [k, i])),
    );
    dataLayer.push({ ecommerce: { items }, event: 'view_item_list', eventCallback: cb });
    expect(rec.log).toEqual(['event:view_item_list']);
    expect(model.event).toBe('view_item_list');
    expect(rec.codes()).toEqual(['datalayer/sanitized']);
    await flush();
    expect(cb).toHaveBeenCalledOnce();
  });

  test('a gtag event runs its event_callback with the same guarantees', async () => {
    const rec = recorder(() => new Promise(() => {}));
    const { dataLayer, model } = attachDataLayer([], rec.handler);
    const cb = vi.fn();
    dataLayer.push(args('event', 'purchase', { value: 3, event_callback: cb, event_timeout: 300 }));
    expect(model).toEqual({ value: 3, event: 'purchase' });
    await vi.advanceTimersByTimeAsync(300);
    expect(cb).toHaveBeenCalledExactlyOnceWith('TW-TEST');
  });

  test('callbacks pushed in the backlog before load also run', async () => {
    const cb = vi.fn();
    const rec = recorder();
    attachDataLayer([{ event: 'early', eventCallback: cb }], rec.handler);
    await flush();
    expect(cb).toHaveBeenCalledTimes(1);
  });
});
