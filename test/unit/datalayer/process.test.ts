import { afterEach, describe, expect, test } from 'vitest';
import { attachDataLayer, type DataLayer } from '../../../src/datalayer';
import { args, prototypeKeys, recorder } from './recorder';

const protoBefore = prototypeKeys();
afterEach(() => {
  expect(prototypeKeys()).toEqual(protoBefore);
  document.body.innerHTML = '';
});

describe('processing order', () => {
  test('messages already in the array are processed from index 0, in order', () => {
    const rec = recorder();
    attachDataLayer([{ event: 'one' }, { page: 'home' }, { event: 'two' }], rec.handler);
    expect(rec.log).toEqual(['event:one', 'event:two']);
    expect(rec.events[1]!.model.page).toBe('home');
  });

  test('a push made while a message is processed runs after the messages already pending (a, c, b)', () => {
    const dataLayer: unknown[] = [];
    const rec = recorder((name) => {
      if (name === 'a') dataLayer.push({ event: 'b' });
      return undefined;
    });
    attachDataLayer(dataLayer, rec.handler);
    dataLayer.push({ event: 'a' }, { event: 'c' });
    expect(rec.log).toEqual(['event:a', 'event:c', 'event:b']);
    expect(dataLayer).toHaveLength(3);
  });

  test('the a, c, b order also holds for the backlog present before the runtime loaded', () => {
    const dataLayer: unknown[] = [{ event: 'a' }, { event: 'c' }];
    const rec = recorder((name) => {
      if (name === 'a') dataLayer.push({ event: 'b' });
      return undefined;
    });
    attachDataLayer(dataLayer, rec.handler);
    expect(rec.log).toEqual(['event:a', 'event:c', 'event:b']);
  });

  test('a data-only message is visible to the next event but fires nothing itself', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    dataLayer.push({ user: { id: 'u1' } });
    expect(rec.events).toHaveLength(0);
    dataLayer.push({ event: 'login' });
    expect(rec.events[0]!.model).toMatchObject({ user: { id: 'u1' }, event: 'login' });
  });

  test('commands and events keep their relative order', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    dataLayer.push(args('consent', 'default', { ad_storage: 'denied' }), { event: 'page' });
    dataLayer.push(args('consent', 'update', { ad_storage: 'granted' }));
    expect(rec.log).toEqual(['command:consent', 'event:page', 'command:consent']);
  });
});

describe('the dataLayer array', () => {
  test('an existing array is reused, keeps its history, and push returns the new length', () => {
    const existing: unknown[] = [{ event: 'early' }];
    const rec = recorder();
    const { dataLayer } = attachDataLayer(existing, rec.handler);
    expect(dataLayer).toBe(existing);
    expect(Object.hasOwn(existing, 'push')).toBe(true);
    const message = { event: 'late' };
    expect(existing.push(message, { x: 1 })).toBe(3);
    expect(existing[1]).toBe(message);
    expect(rec.log).toEqual(['event:early', 'event:late']);
    expect(rec.errors).toEqual([]);
  });

  test('a backlog message that empties the array neither skips nor repeats the other messages', () => {
    const dataLayer: unknown[] = [];
    dataLayer.push(
      { event: 'a' },
      () => {
        dataLayer.length = 0;
      },
      { event: 'b' },
    );
    const rec = recorder();
    attachDataLayer(dataLayer, rec.handler);
    expect(rec.log).toEqual(['event:a', 'event:b']);
  });

  test('push keeps working when detached from the array', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    const push = dataLayer.push;
    push({ event: 'detached' });
    expect(rec.log).toEqual(['event:detached']);
    expect(dataLayer).toHaveLength(1);
  });

  test('a <div id="dataLayer"> clobbering window.dataLayer is reported and a new array is used', () => {
    document.body.innerHTML = '<div id="dataLayer"></div>';
    // Named access on window is real jsdom behaviour; the vitest global only mirrors jsdom's window.
    const jsdomWindow = (globalThis as unknown as { jsdom: { window: Record<string, unknown> } }).jsdom
      .window;
    const clobbered = jsdomWindow.dataLayer;
    expect(clobbered).toBeInstanceOf(jsdomWindow.HTMLDivElement as typeof HTMLDivElement);
    const rec = recorder();
    const { dataLayer } = attachDataLayer(clobbered, rec.handler);
    expect(Array.isArray(dataLayer)).toBe(true);
    expect(rec.errors).toEqual([{ code: 'datalayer/not-array', detail: 'HTMLDivElement' }]);
    dataLayer.push({ event: 'after' });
    expect(rec.log).toEqual(['event:after']);
    expect((clobbered as HTMLDivElement).outerHTML).toBe('<div id="dataLayer"></div>');
  });

  test('holes in the array before the runtime are skipped, without an error per missing index', () => {
    const rec = recorder();
    const sparse: unknown[] = [{ event: 'first' }];
    sparse[1_000_000] = { event: 'late' };
    attachDataLayer(sparse, rec.handler);
    expect(rec.log).toEqual(['event:first', 'event:late']);
    expect(rec.errors).toEqual([]);
  });

  test('an absent dataLayer gets a new array without an error', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer(undefined, rec.handler);
    expect(Array.isArray(dataLayer)).toBe(true);
    expect(dataLayer).toHaveLength(0);
    expect(rec.errors).toEqual([]);
  });

  test('a frozen dataLayer is reported and replaced, and its messages are still processed', () => {
    const rec = recorder();
    const frozen = Object.freeze([{ event: 'kept' }]);
    const { dataLayer } = attachDataLayer(frozen, rec.handler);
    expect(dataLayer).not.toBe(frozen);
    expect(rec.codes()).toEqual(['datalayer/not-array']);
    expect(rec.log).toEqual(['event:kept']);
  });

  test('the typed DataLayer accepts every message shape', () => {
    const dataLayer: DataLayer = [];
    dataLayer.push(
      {
        event: 'purchase',
        eventCallback: (id: string) => void id,
        eventTimeout: 500,
        _clear: true,
        value: 3,
      },
      ['consent', 'default', { ad_storage: 'denied', region: ['DE-BY'], wait_for_update: 500 }],
      ['set', { currency: 'EUR' }],
      ['event', 'page_view'],
      ['config', 'G-XXXX', { send_page_view: false }],
      ['js', new Date()],
      function () {
        this.set('a', this.get('b'));
      },
    );
    expect(dataLayer).toHaveLength(7);
  });
});

describe('message kinds', () => {
  test('an event hands the sanitized message and the merged model to the handler', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    dataLayer.push({ event: 'view_item', ecommerce: { items: [{ item_id: 'SKU1' }] } });
    expect(rec.events[0]).toMatchObject({
      name: 'view_item',
      message: { event: 'view_item', ecommerce: { items: [{ item_id: 'SKU1' }] } },
      model: { event: 'view_item', ecommerce: { items: [{ item_id: 'SKU1' }] } },
    });
  });

  test('changing a pushed object afterwards changes neither the model nor the message the tags saw', () => {
    const rec = recorder();
    const { dataLayer, model } = attachDataLayer([], rec.handler);
    const pushed = { event: 'e', items: [{ id: 1 }] };
    dataLayer.push(pushed);
    pushed.items[0]!.id = 2;
    dataLayer.push({ items: [{ id: 3 }] });
    expect(rec.events[0]!.message.items).toEqual([{ id: 1 }]);
    expect(model.items).toEqual([{ id: 3 }]);
  });

  test('a gtag consent command pushed as arguments reaches handler.command', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    dataLayer.push(args('consent', 'default', { ad_storage: 'denied', wait_for_update: 500 }));
    expect(rec.commands).toEqual([
      { name: 'consent', args: ['default', { ad_storage: 'denied', wait_for_update: 500 }] },
    ]);
  });

  test('the same consent command pushed as an array is accepted too (GTM would ignore it)', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    dataLayer.push(['consent', 'update', { analytics_storage: 'granted' }]);
    expect(rec.commands).toEqual([{ name: 'consent', args: ['update', { analytics_storage: 'granted' }] }]);
    expect(rec.errors).toEqual([]);
  });

  test('a consent command with an unknown mode or no params is reported, not forwarded', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    dataLayer.push(args('consent', 'revoke', { ad_storage: 'denied' }), args('consent', 'default'));
    expect(rec.commands).toEqual([]);
    expect(rec.codes()).toEqual(['datalayer/bad-command', 'datalayer/bad-command']);
  });

  test('gtag set with an object or a dotted key merges into the model', () => {
    const rec = recorder();
    const { dataLayer, model } = attachDataLayer([], rec.handler);
    dataLayer.push(args('set', { user: { id: 'u1' } }), ['set', 'user.tier', 'gold']);
    expect(model.user).toEqual({ id: 'u1', tier: 'gold' });
    expect(rec.commands.map((c) => c.name)).toEqual(['set', 'set']);
  });

  test('gtag set with an unsafe key is reported and changes nothing', () => {
    const rec = recorder();
    const { dataLayer, model } = attachDataLayer([], rec.handler);
    dataLayer.push(args('set', '__proto__.polluted', 1), args('set', 'constructor.prototype.polluted', 1));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(model)).toEqual([]);
    expect(rec.codes()).toEqual(['datalayer/unsafe-key', 'datalayer/unsafe-key']);
  });

  test('a gtag event behaves like an event message with its params', () => {
    const rec = recorder();
    const { dataLayer, model } = attachDataLayer([], rec.handler);
    dataLayer.push(args('event', 'purchase', { value: 9.5, currency: 'EUR' }), ['event', 'page_view']);
    expect(rec.events.map((e) => [e.name, e.message])).toEqual([
      ['purchase', { value: 9.5, currency: 'EUR', event: 'purchase' }],
      ['page_view', { event: 'page_view' }],
    ]);
    expect(model).toMatchObject({ value: 9.5, currency: 'EUR', event: 'page_view' });
    expect(rec.commands).toEqual([]);
  });

  test('config and js commands are forwarded with sanitized arguments', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    const when = new Date(0);
    dataLayer.push(args('js', when), args('config', 'G-123', { send_page_view: false, hook: () => 1 }));
    expect(rec.commands[0]).toEqual({ name: 'js', args: [new Date(0)] });
    expect(rec.commands[0]!.args[0]).not.toBe(when);
    expect(rec.commands[1]).toEqual({ name: 'config', args: ['G-123', { send_page_view: false }] });
    expect(rec.errors).toEqual([{ code: 'datalayer/sanitized', detail: '1.hook: function' }]);
  });

  test('unknown or malformed commands are reported and processing continues', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    dataLayer.push(args('get', 'G-1', 'client_id'), args('config'), args('event'), args(42), {
      event: 'next',
    });
    expect(rec.codes()).toEqual([
      'datalayer/bad-command',
      'datalayer/bad-command',
      'datalayer/bad-command',
      'datalayer/bad-command',
    ]);
    expect(rec.log).toEqual(['event:next']);
  });

  test('an array that is not a command, and primitives, are bad messages', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    dataLayer.push(['abc.push', 4], 'page_view', 42, null, undefined, Symbol('s'), 10n);
    expect(rec.errors).toEqual([
      { code: 'datalayer/bad-message', detail: 'array' },
      { code: 'datalayer/bad-message', detail: 'string' },
      { code: 'datalayer/bad-message', detail: 'number' },
      { code: 'datalayer/bad-message', detail: 'object' },
      { code: 'datalayer/bad-message', detail: 'undefined' },
      { code: 'datalayer/bad-message', detail: 'symbol' },
      { code: 'datalayer/bad-message', detail: 'bigint' },
    ]);
  });

  test('non-plain objects (a Date, a Map, a DOM node, window) are bad messages', () => {
    const rec = recorder();
    const { dataLayer, model } = attachDataLayer([], rec.handler);
    dataLayer.push(new Date(), new Map([['event', 'x']]), document.createElement('div'), window);
    expect(rec.codes()).toEqual(Array(4).fill('datalayer/bad-message'));
    expect(Object.keys(model)).toEqual([]);
  });

  test('an event name that is not a string makes a data-only message', () => {
    const rec = recorder();
    const { dataLayer, model } = attachDataLayer([], rec.handler);
    dataLayer.push({ event: 42 });
    expect(rec.events).toEqual([]);
    expect(model.event).toBe(42);
  });
});

describe('function messages', () => {
  test('a function reads and writes the model through this.get and this.set', () => {
    const rec = recorder();
    const { dataLayer, model } = attachDataLayer([{ ecommerce: { items: [{ id: 'A' }] } }], rec.handler);
    let seen: unknown;
    dataLayer.push(function (this: { get(p: string): unknown; set(p: string, v: unknown): void }) {
      seen = this.get('ecommerce.items.0.id');
      this.set('ecommerce.currency', 'EUR');
      this.set('flags', { beta: true });
    });
    expect(seen).toBe('A');
    expect(model.ecommerce).toEqual({ items: [{ id: 'A' }], currency: 'EUR' });
    expect(model.flags).toEqual({ beta: true });
  });

  test('this.set merges like a pushed object and sanitizes the value', () => {
    const rec = recorder();
    const { dataLayer, model } = attachDataLayer([{ user: { id: 'u1' } }], rec.handler);
    dataLayer.push(function (this: { set(p: string, v: unknown): void }) {
      this.set('user', { tier: 'gold', el: document.body });
      this.set('cb', () => 1);
      this.set('__proto__.polluted', 1);
    });
    expect(model.user).toEqual({ id: 'u1', tier: 'gold' });
    expect('cb' in model).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(rec.codes()).toEqual(['datalayer/sanitized', 'datalayer/sanitized', 'datalayer/unsafe-key']);
  });

  test('a throwing function is reported and the next message is still processed', () => {
    const rec = recorder();
    const { dataLayer } = attachDataLayer([], rec.handler);
    expect(() =>
      dataLayer.push(
        () => {
          throw new Error('boom');
        },
        { event: 'next' },
      ),
    ).not.toThrow();
    expect(rec.errors).toEqual([{ code: 'datalayer/function-threw', detail: 'boom' }]);
    expect(rec.log).toEqual(['event:next']);
  });

  test('a function pushing to the dataLayer has its message queued after the pending ones', () => {
    const rec = recorder();
    const dataLayer: unknown[] = [];
    attachDataLayer(dataLayer, rec.handler);
    dataLayer.push(() => dataLayer.push({ event: 'from-fn' }), { event: 'pending' });
    expect(rec.log).toEqual(['event:pending', 'event:from-fn']);
  });
});

describe('a broken runtime handler', () => {
  test('a throwing handler never reaches the page and later messages are processed', () => {
    const rec = recorder();
    const handler = {
      ...rec.handler,
      event() {
        throw new Error('tag exploded');
      },
      command() {
        throw new Error('consent exploded');
      },
    };
    const { dataLayer } = attachDataLayer([], handler);
    expect(() => dataLayer.push({ event: 'a' }, args('consent', 'default', {}), { x: 1 })).not.toThrow();
    expect(rec.errors).toEqual([
      { code: 'tag/threw', detail: 'tag exploded' },
      { code: 'datalayer/bad-command', detail: 'consent: consent exploded' },
    ]);
  });

  test('a throwing error sink is ignored', () => {
    const rec = recorder();
    const handler = {
      ...rec.handler,
      error() {
        throw new Error('sink down');
      },
    };
    const { dataLayer } = attachDataLayer('not an array', handler);
    expect(() => dataLayer.push(42, { event: 'ok' })).not.toThrow();
    expect(rec.log).toEqual(['event:ok']);
  });
});
