/**
 * Decides, for every event and every tag whose triggers match, whether it fires now (category
 * granted), is held (category pending) or is blocked (category denied), and records each decision.
 * Held events are released in order on a grant and dropped on a denial; withdrawal revokes tags and
 * deletes their first-party storage. Owns per-tag ordering and the pacing of replays (time-sliced);
 * delivery itself is the plugins'.
 */

import type { ConsentState } from '../consent/state';
import type { Container, Tag } from '../container/schema';
import { isUnsafeSegment } from '../datalayer/path';
import { SLICE_MS } from '../datalayer/process';
import type { ErrorCode } from '../lib/errors';
import { eventId } from '../lib/event-id';
import { storage } from '../lib/storage';
import type { Emitter, TagRecord } from '../runtime/emitter';
import { tagMatches } from '../triggers/match';
import { type Lookup, references } from '../triggers/template';
import { dlPath, type EventContext, getVariable, type PageInfo, pageInfo } from '../triggers/variables';
import { guard, type Outcome } from './guard';
import type { TagContext } from './plugin';
import { loadedPlugin, loadPlugin } from './registry';

/** How long a tag may take with one event before it is recorded as failed. */
export const TAG_TIMEOUT_MS = 10_000;

/** A held event for one tag. */
export interface Held {
  tag: Tag;
  ev: EventContext;
}

/** Where events wait for a decision; memory here, IndexedDB in the durable queue. */
export interface Holder {
  hold(entries: Held[]): void;
  /** Takes, in order, the held events of tags in `categories` (and removes them). */
  take(categories: Set<string>): Held[] | Promise<Held[]>;
  /** Drops the held events of tags in `categories`; may say how many (tag, event) pairs it dropped. */
  drop(categories: Set<string>): unknown;
}

/** A holder that keeps events for the current page only. */
export function memoryHolder(): Holder {
  let held: Held[] = [];
  return {
    hold(entries) {
      held.push(...entries);
    },
    take(categories) {
      const out = held.filter((h) => categories.has(h.tag.category));
      held = held.filter((h) => !categories.has(h.tag.category));
      return out;
    },
    drop(categories) {
      const before = held.length;
      held = held.filter((h) => !categories.has(h.tag.category));
      return before - held.length;
    },
  };
}

/** What the dispatcher works with. */
export interface DispatchOptions {
  container: Container;
  consent: ConsentState;
  emitter: Emitter;
  holder: Holder;
  context: Omit<TagContext, 'vars'>;
}

/** Creates the dispatcher for one verified container. */
export function createDispatcher({ container, consent, emitter, holder, context }: DispatchOptions) {
  // Index tags by event name once; `*` tags are checked for every event. Container order is kept.
  const byEvent = new Map<string, Tag[]>();
  const any: Tag[] = [];
  // The model paths each tag's settings read, split once: `dl.ecommerce.value` → ['ecommerce', 'value'].
  const modelPaths = new Map<Tag, (readonly string[])[]>();
  // The page facts each tag reads: `page.*` in its settings, and an appinsights tag's page views the title,
  // URL and referrer. A held event keeps only those of its waiting tags.
  const pageKeys = new Map<Tag, (keyof PageInfo)[]>();
  for (const tag of container.tags) {
    const names = new Set<string>();
    for (const t of [...tag.triggers])
      for (const n of Array.isArray(t.event) ? t.event : [t.event]) names.add(n);
    if (names.has('*')) any.push(tag);
    else for (const n of names) byEvent.set(n, [...(byEvent.get(n) ?? []), tag]);
    const refs = [...references(tag.settings)];
    modelPaths.set(
      tag,
      refs
        .filter((r) => r.startsWith('dl.'))
        .map(dlPath)
        .filter((path) => !path.some(isUnsafeSegment)),
    );
    // Only the facts there are (own keys: not `page.constructor`): a `page.x` that names none reads nothing.
    const keys = refs.flatMap((r) =>
      r.startsWith('page.') && Object.hasOwn(NO_PAGE, r.slice(5)) ? [r.slice(5) as keyof PageInfo] : [],
    );
    pageKeys.set(tag, tag.type === 'appinsights' ? [...keys, 'title', 'url', 'referrer'] : keys);
  }
  const order = new Map(container.tags.map((t, i) => [t, i]));
  const chains = new Map<string, Promise<unknown>>();
  /** Tags that were given an event on this page, whatever came of it: a withdrawal revokes each. */
  const given = new Set<Tag>();
  const granted = (tag: Tag) => consent.status(tag.category) === 'granted';
  /**
   * Withdrawals per category so far. A delivery placed in a tag's chain before a withdrawal is not made after it,
   * even when the category was granted again in between: the withdrawal dropped it.
   */
  const withdrawals = new Map<string, number>();
  const epoch = (tag: Tag) => withdrawals.get(tag.category) ?? 0;
  const allowed = (tag: Tag, e: number) => granted(tag) && epoch(tag) === e;

  const lookup =
    (ev: EventContext): Lookup =>
    (name) =>
      getVariable(name, ev, consent.status);
  const ctx: TagContext = { ...context, vars: lookup };
  /** Emits a `tag` record; without `reason` it has none. */
  const record = (
    tag: Tag,
    ev: { name: string; id: string },
    status: TagRecord['status'],
    reason?: string,
  ) => {
    const r: TagRecord = { tagId: tag.id, event: ev.name, eventId: ev.id, status };
    if (reason !== undefined) r.reason = reason;
    emitter.emit('tag', r);
  };
  /** Emits the error record of a failed or stuck tag call. */
  const failed = (tag: Tag, o: { code: ErrorCode; reason: string }) =>
    emitter.emit('error', { code: o.code, detail: o.reason, tagId: tag.id });

  /** Appends `step` to `tag`'s chain: a tag gets its events one after another, in order. */
  const chain = (tag: Tag, step: () => unknown): Promise<unknown> => {
    const next = (chains.get(tag.id) ?? Promise.resolve()).then(step);
    chains.set(tag.id, next);
    return next;
  };

  /**
   * Delivers `ev` to `tag` now (the caller keeps the order), guarded. A loaded plugin is called directly, and a
   * synchronous fire (a pixel) is done and recorded before this returns, with no promise to wait for; otherwise
   * the returned promise settles once it is.
   */
  const run = (tag: Tag, ev: EventContext, e: number): Promise<void> | undefined => {
    // Consent is checked again at delivery: a withdrawal in between wins.
    if (!allowed(tag, e)) {
      record(tag, ev, 'blocked', 'consent withdrawn');
      return;
    }
    // Marked before the plugin runs: a withdrawal while it is busy (a chunk, a script or an answer still
    // loading) revokes it, as does one after a failure (a script whose `init` threw still runs).
    given.add(tag);
    const done = (outcome: Outcome) => {
      if (outcome.ok) record(tag, ev, 'fired', ev.replay ? 'replay' : undefined);
      // A delivery the withdrawal stopped (the plugin gave up on seeing its revoke) is not a tag failure, also
      // when the category was granted again since: a revoke took the tag out of `given`.
      else if (!allowed(tag, e) || !given.has(tag)) record(tag, ev, 'blocked', 'consent withdrawn');
      else {
        record(tag, ev, 'failed', outcome.reason);
        failed(tag, outcome);
      }
    };
    const outcome = guard(() => {
      const plugin = loadedPlugin(tag.type);
      return plugin
        ? plugin.fire(tag, ev, ctx)
        : loadPlugin(tag.type).then((p) => {
            // Withdrawn while the chunk loaded: the plugin is not called.
            if (!allowed(tag, e)) throw new Error('consent withdrawn');
            return p.fire(tag, ev, ctx);
          });
    }, TAG_TIMEOUT_MS);
    if ('then' in outcome) return outcome.then(done);
    done(outcome);
  };

  /** Delivers `ev` to `tag` after the tag's previous events (per-tag order), guarded. */
  const deliver = (tag: Tag, ev: EventContext) => {
    const e = epoch(tag);
    return chain(tag, () => run(tag, ev, e));
  };

  /** A copy of the model paths the given tags read, so that their events keep the values of now. */
  const snapshot = (tags: Tag[], model: Record<string, unknown>) => {
    const snap: Record<string, unknown> = {};
    for (const tag of tags) {
      for (const path of modelPaths.get(tag)!) {
        let from: unknown = model;
        let to = snap;
        for (let i = 0; i < path.length && from != null; i++) {
          const k = path[i]!;
          // Own data only: the model holds sanitised plain data, with no unsafe keys.
          from = Object.hasOwn(from, k) ? (from as Record<string, unknown>)[k] : undefined;
          if (from === undefined) break;
          // The whole value at the end of a path (replacing a partial copy a longer path made); a primitive
          // is its own copy (structuredClone would still serialise it, a cost per event and path).
          if (i === path.length - 1) to[k] = typeof from === 'object' ? structuredClone(from) : from;
          else {
            const next = to[k];
            // An already copied value wins; otherwise descend into (or start) the matching container.
            if (next !== undefined && (typeof next !== 'object' || next === null)) break;
            if (next === undefined) to[k] = Array.isArray(from) ? [] : {};
            to = to[k] as Record<string, unknown>;
          }
        }
      }
    }
    return snap;
  };

  /** Drops the held events of `categories`; a `queue` record says how many. */
  const purge = async (categories: string[]): Promise<void> => {
    const dropped = Number(await holder.drop(new Set(categories))) || 0;
    if (dropped) emitter.emit('queue', { replayed: 0, dropped, expired: 0 });
  };

  return {
    /** Handles one dataLayer event; resolves when every tag that fired for it is done. */
    event(name: string, model: Record<string, unknown>): Promise<unknown> | undefined {
      const named = byEvent.get(name);
      const candidates =
        named && any.length
          ? [...named, ...any].sort((a, b) => order.get(a)! - order.get(b)!)
          : (named ?? any);
      if (!candidates.length) return undefined;
      const ev: EventContext = { name, id: eventId(), time: Date.now(), model, page: pageInfo() };
      const get = lookup(ev);
      const now: Tag[] = [];
      const pending: Tag[] = [];
      for (const tag of candidates) {
        if (!tagMatches(tag, name, get)) continue;
        const status = consent.status(tag.category);
        if (status === 'granted') now.push(tag);
        else if (status === 'pending') pending.push(tag);
        else record(tag, ev, 'blocked', `${tag.category} denied`);
      }
      if (!now.length && !pending.length) return undefined;
      // Delivery is asynchronous (per-tag order, lazy plugins) and held events wait: every tag gets the values
      // of now, from a copy of the paths they read. What is held (and may be stored before any decision) is
      // what the waiting tags read, and no more: their model paths and their page facts.
      if (pending.length) {
        const page = { ...NO_PAGE };
        for (const tag of pending) for (const k of pageKeys.get(tag)!) page[k] = ev.page[k];
        const held: EventContext = { ...ev, model: snapshot(pending, model), page };
        holder.hold(pending.map((tag) => ({ tag, ev: held })));
        if (emitter.has('tag'))
          for (const tag of pending) {
            record(tag, ev, 'queued', `${tag.category} undecided`);
          }
      }
      if (!now.length) return undefined;
      const at: EventContext = { ...ev, model: snapshot(now, model) };
      return Promise.all(now.map((tag) => deliver(tag, at)));
    },

    /** Releases, in order, the held events of tags in newly granted categories. */
    async granted(categories: string[]): Promise<number> {
      if (!categories.length) return 0;
      const set = new Set(categories);
      const taken = Promise.resolve(holder.take(set));
      // Split by tag once (in order), rather than every tag's replay reading every taken event.
      const byTag = taken.then(
        (held) => {
          const m = new Map<Tag, EventContext[]>();
          for (const h of held) {
            const list = m.get(h.tag);
            if (list) list.push(h.ev);
            else m.set(h.tag, [h.ev]);
          }
          return m;
        },
        () => new Map<Tag, EventContext[]>(),
      );
      // Each tag's replay is one link of its chain, placed now: events that arrive while the queue
      // is read wait behind the older, replayed ones. A tag no longer in the container gets nothing.
      // Deliveries are time-sliced like the dataLayer: after SLICE_MS of them the rest waits for a later task.
      // A paused tag receives nothing, also what an earlier page held for it.
      for (const tag of container.tags) {
        if (!set.has(tag.category) || tag.paused) continue;
        const e = epoch(tag);
        chain(tag, async () => {
          let t0 = performance.now();
          for (const ev of (await byTag).get(tag) ?? []) {
            // Awaited also when done (one microtask): the work a fire leaves to microtasks (an image's
            // fetch starts in one) then runs before the slice's clock is read.
            // A taken event comes as a replay; one the memory holder kept may be shared with its first delivery.
            await run(tag, ev.replay ? ev : { ...ev, replay: true }, e);
            if (performance.now() - t0 > SLICE_MS) {
              await new Promise((r) => setTimeout(r));
              t0 = performance.now();
            }
          }
        });
      }
      return (await taken).length;
    },

    purge,

    /**
     * Drops held events of newly denied categories (`purge`) and revokes their tags (the lazy `withdraw`
     * chunk), which reloads the page or reports `tag/still-running` for a running script. Deliveries already
     * placed for them are not made (`withdrawals`), whatever the consent when their turn comes.
     */
    async denied(categories: string[], finishing?: boolean): Promise<void> {
      if (!categories.length) return;
      for (const c of categories) withdrawals.set(c, (withdrawals.get(c) ?? 0) + 1);
      const tags = container.tags.filter((t) => categories.includes(t.category));
      // Revoking and deleting storage are rare (withdrawal only), so their code is a lazy chunk. Marked as
      // under way at once: a page left before it is done, or whose chunk did not load, has the next page
      // finish it (boot.ts), so that no declared cookie of a refused tag outlives the refusal.
      // The mark is one key for the site's tabs: `1` while one is under way, `2` once one left a script running
      // (kept until a later page has deleted the storage again). A withdrawal keeps another tab's mark.
      // The chunk settles the mark when done (withdraw.ts). The revoke does not wait for the drop (the queue's
      // chunk and IndexedDB).
      if (tags.length)
        storage(() => localStorage.getItem(WITHDRAWING) ?? localStorage.setItem(WITHDRAWING, '1'));
      await Promise.all([
        purge(categories),
        tags.length &&
          import('./withdraw').then((m) =>
            m.withdraw(tags, given, ctx, failed, {
              // Granted again while the revoke ran: the tag stays, with the new grant's storage.
              refused: (t) => !granted(t),
              ms: TAG_TIMEOUT_MS,
              reload: container.consent.reloadOnWithdrawal,
              finishing,
            }),
          ),
      ]);
    },
  };
}

export type Dispatcher = ReturnType<typeof createDispatcher>;

/** Every page fact, empty: what a held event keeps of those no waiting tag reads. */
const NO_PAGE: PageInfo = { url: '', path: '', hostname: '', referrer: '', title: '' };

export const WITHDRAWING = 'tagwarden:withdraw';
/** True when an earlier page left a withdrawal unfinished (see `denied`); false without localStorage. */
export const withdrawalLeft = (): boolean => storage(() => localStorage.getItem(WITHDRAWING)) != null;
