import { describe, expect, it } from 'vitest';
import { watchHistory } from '../../../src/runtime/history';
import { type EventContext, getVariable, pageInfo } from '../../../src/triggers/variables';

describe('same-document navigation', () => {
  it('an SPA event pushed right after pushState sees the new URL, in the history event and in page variables', () => {
    const seen: { event: unknown; path: unknown; history: unknown }[] = [];
    watchHistory((m) => {
      const ev: EventContext = { name: String(m.event), id: 'x', time: 0, model: {}, page: pageInfo() };
      seen.push({ event: m.event, path: getVariable('page.path', ev), history: m.history });
    });
    const before = pageInfo().path;
    history.pushState({}, '', '/spa/step-2');
    expect(pageInfo().path).toBe('/spa/step-2');
    expect(seen).toEqual([
      {
        event: 'tagwarden.history',
        path: '/spa/step-2',
        history: {
          source: 'pushState',
          oldUrl: expect.stringContaining(before),
          newUrl: expect.stringContaining('/spa/step-2'),
        },
      },
    ]);
    history.replaceState({}, '', '/spa/step-3');
    expect(pageInfo().path).toBe('/spa/step-3');
    expect(seen).toHaveLength(2);
  });
});
