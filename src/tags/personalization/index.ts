/**
 * The `personalization` tag type: asks a Personalizer-compatible service (the site's own backend,
 * never a key in the browser) which action to show in a slot, publishes the decision, and reports
 * rewards. On its triggers it posts `{endpoint}/rank` with the rendered context features, the
 * container's actions and the event id; the answer's `rewardActionId` is used when it is one of the
 * actions, otherwise (timeout after `timeoutMs`, default 1500, network error, bad status, bad answer)
 * the tag's `fallbackAction`, with a report. The decision goes to the dataLayer as a
 * `tagwarden.personalized` event and to the page API (store.ts). An event named in
 * `settings.rewards` posts `{endpoint}/events/{eventId}/reward` for the slot's last service-made
 * decision, once per reward event name (a fallback decision is never rewarded: the service did not
 * make it); such events must be among the tag's triggers to reach it. Ranks are not deferred, so
 * there is no `activate` call. Nothing is stored on the device; withdrawal forgets the decision and
 * clears it from the dataLayer model (`{ personalization: null }`).
 */
import type { TagOf } from '../../container/schema';
import { renderValue } from '../../triggers/template';
import type { EventContext } from '../../triggers/variables';
import type { TagContext, TagPlugin } from '../plugin';
import { forgetPersonalization, type Personalization, setPersonalization } from './store';

export { getPersonalization, type Personalization } from './store';

type PersonalizationTag = TagOf<'personalization'>;

/** The rank timeout when the tag sets none. */
export const DEFAULT_TIMEOUT_MS = 1500;
/** The dataLayer event carrying a decision. */
export const PERSONALIZED_EVENT = 'tagwarden.personalized';

/** The last decision of a tag, for rewards. */
interface Ranked {
  eventId: string;
  fallback: boolean;
  rewarded: Set<string>;
}

const ranks = new Map<string, Ranked>();
/** The tag whose decision the dataLayer model holds now (`dl.personalization`: each push replaces it). */
let published: string | undefined;
/** Bumped on every withdrawal, so that an answer arriving afterwards is dropped. */
const generations = new Map<string, number>();

/** `endpoint` without trailing slashes, resolved against the page (root-relative is the usual form). */
function base(tag: PersonalizationTag): string {
  return new URL(tag.settings.endpoint, location.href).href.replace(/\/+$/, '');
}

/** Settles with `p`, or rejects with the signal's reason as soon as it aborts (even if `p` never settles). */
function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/** POSTs JSON; the whole exchange (answer included, via `read`) is bounded by `timeoutMs`. */
function postJson<T>(
  url: string,
  body: unknown,
  timeoutMs: number,
  read: (res: Response) => Promise<T>,
  keepalive = false,
): Promise<T> {
  const signal = AbortSignal.timeout(timeoutMs);
  const exchange = fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
    keepalive,
    signal,
  }).then(read);
  return abortable(exchange, signal);
}

/** The rank request body for `ev`. */
export function rankRequest(
  tag: PersonalizationTag,
  ev: EventContext,
  ctx: TagContext,
): Record<string, unknown> {
  const get = ctx.vars(ev);
  const s = tag.settings;
  return {
    ...(s.contextFeatures && { contextFeatures: renderValue(s.contextFeatures, get) }),
    actions: s.actions.map((a) => ({ id: a.id, features: renderValue(a.features ?? [], get) })),
    eventId: ev.id,
  };
}

/** Asks the service; resolves with the decision, falling back (and reporting) on any failure. */
async function rank(tag: PersonalizationTag, ev: EventContext, ctx: TagContext): Promise<Personalization> {
  const s = tag.settings;
  const timeoutMs = s.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const ids = new Set(s.actions.map((a) => a.id));
  const fallback = (code: string, why: string): Personalization => {
    ctx.report(code, `${tag.id}: ${why}; fallback action ${s.fallbackAction}`);
    return { slot: s.slot, actionId: s.fallbackAction, eventId: ev.id, fallback: true };
  };
  let answer: unknown;
  try {
    answer = await postJson(`${base(tag)}/rank`, rankRequest(tag, ev, ctx), timeoutMs, async (res) => {
      if (!res.ok) throw new Error(`rank answered HTTP ${res.status}`);
      return res.json() as Promise<unknown>;
    });
  } catch (e) {
    const name = (e as { name?: unknown } | null)?.name;
    if (name === 'TimeoutError') return fallback('tag/timeout', `rank took longer than ${timeoutMs} ms`);
    return fallback('tag/threw', `rank failed: ${e instanceof Error ? e.message : String(e)}`.slice(0, 300));
  }
  const a = answer as { rewardActionId?: unknown; eventId?: unknown } | null;
  const actionId = a?.rewardActionId;
  if (typeof actionId !== 'string' || !ids.has(actionId)) {
    return fallback('tag/threw', `rank answered an unknown action ${JSON.stringify(actionId)}`.slice(0, 300));
  }
  const eventId = typeof a?.eventId === 'string' && a.eventId ? a.eventId : ev.id;
  return { slot: s.slot, actionId, eventId, fallback: false };
}

const personalization: TagPlugin<PersonalizationTag> = {
  async fire(tag, ev, ctx) {
    const s = tag.settings;
    const generation = generations.get(tag.id) ?? 0;
    const reward = s.rewards?.find((r) => r.event === ev.name);
    if (reward) {
      const last = ranks.get(tag.id);
      // Nothing to reward: no decision on this page yet, a fallback, or this reward already sent.
      if (!last || last.fallback || last.rewarded.has(ev.name)) return;
      last.rewarded.add(ev.name);
      const url = `${base(tag)}/events/${encodeURIComponent(last.eventId)}/reward`;
      await postJson(
        url,
        { value: reward.value },
        s.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        async (res) => {
          if (!res.ok) throw new Error(`reward answered HTTP ${res.status}`);
        },
        // A reward event is often a click that navigates away.
        true,
      );
      return;
    }
    const choice = await rank(tag, ev, ctx);
    if ((generations.get(tag.id) ?? 0) !== generation)
      throw new Error('consent withdrawn during the rank call');
    setPersonalization(choice);
    ranks.set(tag.id, { eventId: choice.eventId, fallback: choice.fallback, rewarded: new Set() });
    ctx.push({ event: PERSONALIZED_EVENT, personalization: { ...choice } });
    published = tag.id;
    return choice;
  },

  revoke(tag, ctx) {
    generations.set(tag.id, (generations.get(tag.id) ?? 0) + 1);
    ranks.delete(tag.id);
    forgetPersonalization(tag.settings.slot);
    // The model keeps a pushed value: clear the decision so that `dl.personalization.*` no longer holds it
    // (another tag's later decision, there instead, stays).
    if (published === tag.id) {
      published = undefined;
      ctx.push({ personalization: null });
    }
  },
};

export default personalization;
