/**
 * A local Personalizer-compatible service (the REST shape of Microsoft Personalizer v1.0):
 * `POST {base}/rank` → 201 `{ranking: [{id, probability}], eventId, rewardActionId}`,
 * `POST {base}/events/{eventId}/reward` `{value}` (0..1) → 204 and
 * `POST {base}/events/{eventId}/activate` → 204, with `base` = `/personalizer/v1.0` by default.
 * Decisions come from an epsilon-greedy bandit over action ids (context-free, in memory; `seed`
 * makes it deterministic). Rewards count once per event (the earliest), and only for events that
 * are active (not ranked with `deferActivation`, or activated since). An artificial delay for rank
 * answers (`delayMs`, `setDelay`, or `POST /__collector/personalizer/delay {ms}`) serves timeout
 * tests; `POST /__collector/personalizer/reset` forgets everything learnt.
 * Records every call: kinds `personalizer-rank` (with the `answer`), `personalizer-reward`,
 * `personalizer-activate` (with the `eventId`).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerPreflight, corsHeaders, refuseOtherOrigin } from './cors.js';
import { BodyTooLargeError, readBody } from './read-body.js';
import { type CollectedRecord, type JsonValue, pickHeaders } from './records.js';
import type { RequestContext, RouteHandler } from './route.js';
import { type ResponseHeaders, sendEmpty, sendJson, sendText } from './send.js';

/** The default URL prefix of the service. */
export const PERSONALIZER_BASE = '/personalizer/v1.0';
/** Control paths. */
export const PERSONALIZER_DELAY_PATH = '/__collector/personalizer/delay';
export const PERSONALIZER_RESET_PATH = '/__collector/personalizer/reset';

/** Options of `personalizerCollector`. */
export interface PersonalizerOptions {
  /** URL prefix (default `/personalizer/v1.0`). */
  basePath?: string;
  /** Exploration rate, 0..1 (default 0.2). */
  epsilon?: number;
  /** Seed of the bandit's random numbers; without it, Math.random. */
  seed?: number;
  /** Delay before every rank answer, in ms (default 0). */
  delayMs?: number;
  /** Bound on request bodies (default 256 KiB). */
  maxBodyBytes?: number;
}

/** What the bandit learnt about one action. */
export interface ActionStats {
  /** Rewarded decisions. */
  count: number;
  /** Sum of their rewards. */
  total: number;
  /** total / count (0 when never rewarded). */
  mean: number;
}

/** The route handler, with its switches reachable in-process. */
export type PersonalizerCollector = RouteHandler & {
  /** Sets the rank delay (ms, 0 for none). */
  setDelay(ms: number): void;
  /** Per-action statistics. */
  stats(): Record<string, ActionStats>;
  /** Forgets statistics and events (and re-seeds). */
  reset(): void;
};

/** A Personalizer rank request (the parts used here). */
interface RankRequest {
  actions: { id: string; features?: unknown[] }[];
  contextFeatures?: unknown[];
  excludedActions?: string[];
  eventId?: string;
  deferActivation?: boolean;
}

interface RankedEvent {
  actionId: string;
  active: boolean;
  rewarded: boolean;
}

class BadRequest extends Error {}

const MAX_EVENTS = 10_000;
const ID_MAX = 256;

/** mulberry32: a small deterministic PRNG in [0, 1). */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= ID_MAX;

/** Checks a rank body; throws BadRequest with Personalizer-like wording. */
export function validateRank(body: unknown): RankRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new BadRequest('Body must be a JSON object.');
  const b = body as Record<string, unknown>;
  if (!Array.isArray(b.actions) || b.actions.length === 0)
    throw new BadRequest('Actions must be a non-empty array.');
  if (b.actions.length > 50) throw new BadRequest('At most 50 actions are allowed.');
  const seen = new Set<string>();
  for (const a of b.actions as unknown[]) {
    const action = a as Record<string, unknown> | null;
    if (typeof action !== 'object' || action === null || !isId(action.id)) {
      throw new BadRequest('Every action needs an id (a non-empty string of at most 256 characters).');
    }
    if (seen.has(action.id)) throw new BadRequest(`Duplicate action id ${action.id}.`);
    seen.add(action.id);
    if (action.features !== undefined && !Array.isArray(action.features)) {
      throw new BadRequest(`Features of action ${action.id} must be an array.`);
    }
  }
  if (b.contextFeatures !== undefined && !Array.isArray(b.contextFeatures)) {
    throw new BadRequest('ContextFeatures must be an array.');
  }
  if (
    b.excludedActions !== undefined &&
    !(Array.isArray(b.excludedActions) && b.excludedActions.every(isId))
  ) {
    throw new BadRequest('ExcludedActions must be an array of action ids.');
  }
  if (b.eventId !== undefined && !isId(b.eventId))
    throw new BadRequest('EventId must be a non-empty string of at most 256 characters.');
  if (b.deferActivation !== undefined && typeof b.deferActivation !== 'boolean') {
    throw new BadRequest('DeferActivation must be a boolean.');
  }
  return b as unknown as RankRequest;
}

function personalizerError(status: number, message: string) {
  return { error: { code: status === 404 ? 'NotFound' : 'BadRequest', message } };
}

/** Creates the service (see the module header). */
export function personalizerCollector(options: PersonalizerOptions = {}): PersonalizerCollector {
  const base = (options.basePath ?? PERSONALIZER_BASE).replace(/\/+$/, '');
  const epsilon = Math.min(1, Math.max(0, options.epsilon ?? 0.2));
  const limit = options.maxBodyBytes ?? 256 * 1024;
  let delayMs = Math.max(0, options.delayMs ?? 0);
  let random = options.seed === undefined ? Math.random : seeded(options.seed);
  const stats = new Map<string, ActionStats>();
  const events = new Map<string, RankedEvent>();

  const mean = (id: string) => stats.get(id)?.mean ?? 0;

  const rank = (r: RankRequest) => {
    const excluded = new Set(r.excludedActions ?? []);
    const candidates = r.actions.filter((a) => !excluded.has(a.id));
    if (candidates.length === 0) throw new BadRequest('Every action is excluded.');
    let chosen = candidates[0]!;
    if (random() < epsilon) chosen = candidates[Math.floor(random() * candidates.length)]!;
    else for (const a of candidates) if (mean(a.id) > mean(chosen.id)) chosen = a;
    const share = epsilon / candidates.length;
    const probability = (id: string) =>
      excluded.has(id) ? 0 : Number((id === chosen.id ? 1 - epsilon + share : share).toFixed(6));
    const ordered = [chosen, ...r.actions.filter((a) => a !== chosen && !excluded.has(a.id))];
    ordered.push(...r.actions.filter((a) => excluded.has(a.id)));
    const eventId = r.eventId ?? randomUUID().replaceAll('-', '');
    events.set(eventId, { actionId: chosen.id, active: r.deferActivation !== true, rewarded: false });
    if (events.size > MAX_EVENTS) events.delete(events.keys().next().value as string);
    return {
      ranking: ordered.map((a) => ({ id: a.id, probability: probability(a.id) })),
      eventId,
      rewardActionId: chosen.id,
    };
  };

  const reward = (eventId: string, value: number) => {
    const ev = events.get(eventId);
    // Unknown, inactive or already rewarded events are accepted and ignored, as the service does.
    if (!ev?.active || ev.rewarded) return;
    ev.rewarded = true;
    const s = stats.get(ev.actionId) ?? { count: 0, total: 0, mean: 0 };
    s.count += 1;
    s.total += value;
    s.mean = s.total / s.count;
    stats.set(ev.actionId, s);
  };

  const makeRecord = (
    req: IncomingMessage,
    ctx: RequestContext,
    kind: string,
    body: JsonValue,
    extra: { eventId?: string; answer?: JsonValue },
  ): CollectedRecord & { eventId?: string; answer?: JsonValue } => ({
    kind,
    time: Date.now(),
    method: req.method ?? 'POST',
    path: ctx.url.pathname,
    query: Object.fromEntries(ctx.url.searchParams),
    headers: pickHeaders(req.headers),
    body,
    server: ctx.origin,
    ...extra,
  });

  /** Reads a JSON body (empty → null); undefined after answering 400/413 itself. */
  const readJson = async (
    req: IncomingMessage,
    res: ServerResponse,
    cors: ResponseHeaders,
  ): Promise<{ value: JsonValue } | undefined> => {
    let text: string;
    try {
      text = (await readBody(req, limit)).toString('utf8');
    } catch (e) {
      if (!(e instanceof BodyTooLargeError)) throw e;
      sendText(req, res, 413, '413 Payload Too Large', { ...cors, Connection: 'close' });
      return undefined;
    }
    if (text.trim() === '') return { value: null };
    try {
      return { value: JSON.parse(text) as JsonValue };
    } catch {
      sendJson(req, res, 400, personalizerError(400, 'Body is not valid JSON.'), cors);
      return undefined;
    }
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const cors = corsHeaders(req);
    if (req.method !== 'POST') {
      sendText(req, res, 405, '405 Method Not Allowed', { ...cors, Allow: 'POST' });
      return;
    }
    const body = await readJson(req, res, cors);
    if (!body) return;
    if (path === PERSONALIZER_RESET_PATH) {
      service.reset();
      sendEmpty(res, 204, cors);
      return;
    }
    const ms = (body.value as { ms?: unknown } | null)?.ms;
    // Node runs a timer longer than 2^31 - 1 ms after 1 ms: such a delay would be accepted and not applied.
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0 || ms > 2 ** 31 - 1) {
      sendText(req, res, 400, '400 Bad Request: expected {"ms": <a number from 0 to 2147483647>}', cors);
      return;
    }
    delayMs = ms;
    sendJson(req, res, 200, { delayMs }, cors);
  };

  const handler: RouteHandler = async (req, res, ctx) => {
    const path = ctx.url.pathname;
    if (path === PERSONALIZER_DELAY_PATH || path === PERSONALIZER_RESET_PATH) {
      if (!refuseOtherOrigin(req, res, ctx)) await control(req, res, path);
      return true;
    }
    if (!path.startsWith(`${base}/`)) return false;
    const rest = path.slice(base.length);
    const eventRoute = /^\/events\/([^/]+)\/(reward|activate)$/.exec(rest);
    if (rest !== '/rank' && !eventRoute) return false;
    if (req.method === 'OPTIONS') {
      answerPreflight(req, res, ['POST', 'OPTIONS']);
      return true;
    }
    const cors = corsHeaders(req);
    if (req.method !== 'POST') {
      sendText(req, res, 405, '405 Method Not Allowed', { ...cors, Allow: 'POST, OPTIONS' });
      return true;
    }
    const body = await readJson(req, res, cors);
    if (!body) return true;

    if (!eventRoute) {
      let answer: ReturnType<typeof rank>;
      try {
        answer = rank(validateRank(body.value));
      } catch (e) {
        if (!(e instanceof BadRequest)) throw e;
        const error = personalizerError(400, e.message);
        ctx.records.add(makeRecord(req, ctx, 'personalizer-rank', body.value, { answer: error }));
        sendJson(req, res, 400, error, cors);
        return true;
      }
      ctx.records.add(
        makeRecord(req, ctx, 'personalizer-rank', body.value, { eventId: answer.eventId, answer }),
      );
      if (delayMs > 0) await new Promise((r) => setTimeout(r, delayMs));
      if (!res.destroyed) sendJson(req, res, 201, answer, cors);
      return true;
    }

    let eventId: string;
    try {
      eventId = decodeURIComponent(eventRoute[1]!);
    } catch {
      sendJson(req, res, 400, personalizerError(400, 'Malformed event id.'), cors);
      return true;
    }
    if (eventRoute[2] === 'activate') {
      const ev = events.get(eventId);
      if (ev) ev.active = true;
      ctx.records.add(makeRecord(req, ctx, 'personalizer-activate', body.value, { eventId }));
      sendEmpty(res, 204, cors);
      return true;
    }
    const value = (body.value as { value?: unknown } | null)?.value;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
      const error = personalizerError(400, 'Value must be a number between 0 and 1.');
      ctx.records.add(makeRecord(req, ctx, 'personalizer-reward', body.value, { eventId, answer: error }));
      sendJson(req, res, 400, error, cors);
      return true;
    }
    reward(eventId, value);
    ctx.records.add(makeRecord(req, ctx, 'personalizer-reward', body.value, { eventId }));
    sendEmpty(res, 204, cors);
    return true;
  };

  const service: PersonalizerCollector = Object.assign(handler, {
    setDelay(ms: number) {
      delayMs = Math.max(0, ms);
    },
    stats() {
      return Object.fromEntries([...stats].map(([id, s]) => [id, { ...s }]));
    },
    reset() {
      stats.clear();
      events.clear();
      random = options.seed === undefined ? Math.random : seeded(options.seed);
    },
  });
  return service;
}
