import { describe, expect, it } from 'vitest';
import type { Condition, Tag } from '../../../src/container/schema';
import { conditionHolds, tagMatches, triggerMatches } from '../../../src/triggers/match';
import { references, renderUrl, renderValue } from '../../../src/triggers/template';
import { type EventContext, getVariable } from '../../../src/triggers/variables';

const ev: EventContext = {
  name: 'purchase',
  id: 'e-1',
  time: 1700000000000,
  model: { ecommerce: { value: 1490, currency: 'SEK', items: [{ id: 'SKU-42' }] }, user: { type: 'guest' } },
  page: {
    url: 'https://www.example.se/checkout?x=1',
    path: '/checkout',
    hostname: 'www.example.se',
    referrer: '',
    title: 'Kassa',
  },
};
const get = (name: string) => getVariable(name, ev, (c) => (c === 'analytics' ? 'granted' : 'pending'));
const cond = (c: Partial<Condition>): Condition => ({ variable: 'dl.ecommerce.value', op: 'equals', ...c });

describe('variables', () => {
  it('reads the event name, id, time, model paths, page facts and consent', () => {
    expect(get('event')).toBe('purchase');
    expect(get('eventId')).toBe('e-1');
    expect(get('timestamp')).toBe(1700000000000);
    expect(get('dl.ecommerce.items.0.id')).toBe('SKU-42');
    expect(get('page.path')).toBe('/checkout');
    expect(get('page.hostname')).toBe('www.example.se');
    expect(get('consent.analytics')).toBe('granted');
    expect(get('dl.missing.deep')).toBeUndefined();
    expect(get('page.constructor')).toBeUndefined();
    expect(get('nonsense')).toBeUndefined();
  });
});

describe('conditions', () => {
  it.each([
    [{ op: 'equals', value: '1490' }, true],
    [{ op: 'notEquals', value: '1490' }, false],
    [{ variable: 'page.path', op: 'contains', value: 'check' }, true],
    [{ variable: 'page.path', op: 'startsWith', value: '/check' }, true],
    [{ variable: 'page.path', op: 'endsWith', value: 'out' }, true],
    [{ variable: 'page.url', op: 'matches', value: '^https://www\\.example\\.se/' }, true],
    [{ variable: 'page.url', op: 'matches', value: '([' }, false],
    [{ op: 'gt', value: 1000 }, true],
    [{ op: 'gte', value: 1490 }, true],
    [{ op: 'lt', value: 1000 }, false],
    [{ op: 'lte', value: 1490 }, true],
    [{ op: 'eq', value: 1490 }, true],
    [{ op: 'ne', value: 1490 }, false],
    [{ variable: 'dl.missing', op: 'gt', value: -1 }, false],
    [{ variable: 'dl.user.type', op: 'gt', value: 0 }, false],
    [{ variable: 'dl.user.type', op: 'exists' }, true],
    [{ variable: 'dl.nothing', op: 'exists' }, false],
    [{ variable: 'dl.nothing', op: 'exists', negate: true }, true],
  ] as [Partial<Condition>, boolean][])('%o holds: %s', (c, expected) => {
    expect(conditionHolds(cond(c), get)).toBe(expected);
  });
});

describe('conditions on objects and arrays, as the dataLayer model holds them (no prototype)', () => {
  // The model's objects come from sanitize (plain.ts): String() and Number() throw on them.
  const bare = (o: object) => Object.assign(Object.create(null), o);
  const model = { ecommerce: bare({ value: 1, items: [bare({ id: 'SKU-42' })] }) };
  const dl: EventContext = { ...ev, model };
  const look = (name: string) => getVariable(name, dl, () => 'granted');

  it.each([
    [{ variable: 'dl.ecommerce', op: 'exists' }, true],
    [{ variable: 'dl.ecommerce.items', op: 'exists' }, true],
    [{ variable: 'dl.ecommerce.items', op: 'contains', value: 'SKU-42' }, true],
    [{ variable: 'dl.ecommerce', op: 'equals', value: '{"value":1,"items":[{"id":"SKU-42"}]}' }, true],
    [{ variable: 'dl.ecommerce', op: 'gt', value: 0 }, false],
    [{ variable: 'dl.ecommerce.items', op: 'matches', value: 'SKU-\\d+' }, true],
  ] as [Partial<Condition>, boolean][])('%o is %s, without throwing', (c, want) => {
    expect(conditionHolds(cond(c), look)).toBe(want);
  });

  it('a tag with such a condition matches, as one without conditions does', () => {
    const tag = (id: string, conditions?: Condition[]) =>
      ({ id, triggers: [{ event: 'purchase', conditions }] }) as unknown as Tag;
    expect(tagMatches(tag('t0'), 'purchase', look)).toBe(true);
    expect(tagMatches(tag('t1', [cond({ variable: 'dl.ecommerce', op: 'exists' })]), 'purchase', look)).toBe(
      true,
    );
  });
});

describe('triggers', () => {
  it('match exact names, lists and *', () => {
    expect(triggerMatches({ event: 'purchase' }, 'purchase', get)).toBe(true);
    expect(triggerMatches({ event: 'purchase' }, 'add_to_cart', get)).toBe(false);
    expect(triggerMatches({ event: ['view_item', 'purchase'] }, 'purchase', get)).toBe(true);
    expect(triggerMatches({ event: '*' }, 'anything', get)).toBe(true);
  });

  it('require every condition', () => {
    const t = {
      event: 'purchase',
      conditions: [cond({ op: 'gt', value: 1000 }), cond({ variable: 'page.path', value: '/cart' })],
    };
    expect(triggerMatches(t, 'purchase', get)).toBe(false);
  });

  it('an exception blocks a tag whose trigger matched, and a paused tag never matches', () => {
    const tag = {
      triggers: [{ event: 'purchase' }],
      exceptions: [
        { event: '*', conditions: [cond({ variable: 'page.path', op: 'startsWith', value: '/check' })] },
      ],
    } as unknown as Tag;
    expect(tagMatches(tag, 'purchase', get)).toBe(false);
    expect(tagMatches({ ...tag, exceptions: [] }, 'purchase', get)).toBe(true);
    expect(tagMatches({ ...tag, exceptions: [], paused: true }, 'purchase', get)).toBe(false);
  });
});

describe('templates', () => {
  it('encode every value placed into a URL as a component, so no value can change its structure', () => {
    const model = { ...ev, model: { q: 'a&b=c/../#x', bad: '\uD800' } };
    const url = renderUrl('https://px.example/t?q={{dl.q}}&b={{dl.bad}}&e={{event}}', (n) =>
      getVariable(n, model),
    );
    expect(url).toBe('https://px.example/t?q=a%26b%3Dc%2F..%2F%23x&b=%EF%BF%BD&e=purchase');
  });

  it('render missing values as empty text and objects as JSON', () => {
    expect(renderUrl('/p?a={{dl.none}}&o={{dl.ecommerce.items.0}}', get)).toBe(
      '/p?a=&o=%7B%22id%22%3A%22SKU-42%22%7D',
    );
  });

  it('keep the type of a whole-string reference in function arguments', () => {
    expect(
      renderValue(
        ['track', '{{event}}', { v: '{{dl.ecommerce.value}}', s: 'v={{dl.ecommerce.value}}' }],
        get,
      ),
    ).toEqual(['track', 'purchase', { v: 1490, s: 'v=1490' }]);
  });

  it('list the variables a tag setting refers to', () => {
    expect([...references({ url: '/x?a={{dl.a.b}}&e={{event}}', args: ['{{ dl.c }}'] })].sort()).toEqual([
      'dl.a.b',
      'dl.c',
      'event',
    ]);
  });
});
