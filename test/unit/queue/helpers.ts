// Shared fixtures for the queue tests: tags in two categories, held events as the dispatcher makes them,
// and a holder factory that records error reports and closes every holder after its test.
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, vi } from 'vitest';
import type { Container, Tag } from '../../../src/container/schema';
import type { ErrorCode } from '../../../src/lib/errors';
import { createDurableHolder, type DurableHolder, type DurableHolderOptions } from '../../../src/queue';
import type { Held } from '../../../src/tags/dispatch';
import type { EventContext } from '../../../src/triggers/variables';

/** A pixel tag of `category`. */
export function makeTag(id: string, category: string): Tag {
  return {
    id,
    name: id,
    vendor: { name: 'Vendor' },
    category,
    triggers: [{ event: '*' }],
    storage: [],
    type: 'pixel',
    settings: { url: 'https://collect.example/p' },
  };
}

export const ga = makeTag('ga', 'analytics');
export const hotjar = makeTag('hotjar', 'analytics');
export const fb = makeTag('fb', 'marketing');

/** The container's tags by id; tests delete from it to simulate a tag removed from a newer container. */
export const tags = new Map<string, Tag>();

export const T0 = Date.UTC(2026, 0, 1, 12);
export const HOUR = 3_600_000;

export const settings = (
  over: Partial<Container['consent']['queue']> = {},
): Container['consent']['queue'] => ({
  storage: 'indexeddb',
  ttlHours: 24,
  maxEntries: 500,
  maxEventBytes: 16_384,
  ...over,
});

/** The page every test event comes from. */
export const page = {
  url: 'https://shop.example/a',
  path: '/a',
  hostname: 'shop.example',
  referrer: '',
  title: 'A',
};

/** The held items of one event for `forTags`, each with its own model snapshot (as the dispatcher makes them). */
export function event(
  id: string,
  time: number,
  forTags: Tag[],
  model: Record<string, unknown> = {},
  name = 'purchase',
): Held[] {
  const ev: EventContext = { name, id, time, model: {}, page };
  return forTags.map((tag) => ({ tag, ev: { ...ev, model: { ...model } } }));
}

/** `[tag id, event id]` of each taken pair, to compare order and membership. */
export const pairs = (held: Held[]) => held.map((h) => [h.tag.id, h.ev.id]);

export const cats = (...names: string[]) => new Set(names);

export interface Harness {
  holder: DurableHolder;
  reports: { code: ErrorCode; detail?: string }[];
  codes: () => ErrorCode[];
}

let opened: DurableHolder[] = [];
export let dbName = '';
let n = 0;

/** A holder on this test's database (a second call is a second tab or the next page). */
export function harness(over: Partial<DurableHolderOptions> = {}): Harness {
  const reports: Harness['reports'] = [];
  const holder = createDurableHolder({
    settings: settings(),
    tags,
    report: (code, detail) => reports.push(detail === undefined ? { code } : { code, detail }),
    now: () => T0,
    dbName,
    openTimeoutMs: 200,
    ...over,
  });
  opened.push(holder);
  return { holder, reports, codes: () => reports.map((r) => r.code) };
}

/** Waits for fake-indexeddb and timers to settle. */
export const settle = (ms = 5) => new Promise((r) => setTimeout(r, ms));

beforeEach(() => {
  vi.stubGlobal('indexedDB', new IDBFactory());
  localStorage.clear(); // spills of an earlier test's pages
  dbName = `queue-test-${++n}`;
  tags.clear();
  for (const t of [ga, hotjar, fb]) tags.set(t.id, t);
});

afterEach(async () => {
  const hs = opened;
  opened = [];
  await Promise.all(hs.map((h) => h.close()));
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});
