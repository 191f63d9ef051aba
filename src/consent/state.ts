/**
 * The visitor's consent per category: defaults from the container (by region), gtag Consent Mode
 * commands, Global Privacy Control, the stored decision and new decisions. Owns the rules that
 * turn these into one status per category: `granted`, `denied` (refused: events dropped) or
 * `pending` (no decision yet: events held until one). Persistence is cookie.ts.
 */
import type { ConsentModeType, Container } from '../container/schema';
import { readDecision, type StoredDecision, writeDecision } from './cookie';
import { categoryFingerprints } from './fingerprint';

/** One category's status. */
export type Status = 'granted' | 'denied' | 'pending';
/** How a decision was made (proof-of-consent records carry it). */
export type Method =
  | 'accept-all'
  | 'reject-all'
  | 'custom'
  | 'api'
  | 'consent-mode'
  | 'gpc'
  | 'stored'
  | 'other-tab';
/** Categories whose status changed in one update. */
export interface Change {
  granted: string[];
  denied: string[];
  /** A Consent Mode `default` with `wait_for_update`: end the wait (`endWait`) after this many ms. */
  wait?: number;
}

/** What the consent state reads from the page. */
export interface ConsentInputs {
  region?: string | undefined;
  gpc?: boolean;
  now: number;
  newId: () => string;
}

const MARKETING = 'marketing';

/** Builds the consent state for a verified container. */
export function createConsent(container: Container, inputs: ConsentInputs) {
  const { consent } = container;
  const cats = new Map(consent.categories.map((c) => [c.id, c]));
  const fingerprints = categoryFingerprints(container);
  const optional = consent.categories.filter((c) => !c.alwaysOn).map((c) => c.id);
  const childrenOf = (id: string) => consent.categories.filter((c) => c.parent === id).map((c) => c.id);
  const gpc = !!(consent.gpc && inputs.gpc);

  // Defaults: an entry for the page's region wins over one without a region.
  // Keyed by category ids, which may name an Object.prototype member (`constructor`): no prototype.
  const defaults: Record<string, boolean> = Object.create(null);
  const regionMatch = (r?: string[]) =>
    !r
      ? 1
      : inputs.region && r.some((x) => x === inputs.region || inputs.region!.startsWith(`${x}-`))
        ? 2
        : 0;
  const rank: Record<string, number> = Object.create(null);
  /** Sets defaults for `region` (a container entry or a Consent Mode `default` command). */
  const setDefaults = (values: Record<string, unknown>, region?: string[]) => {
    const m = regionMatch(region);
    for (const [id, v] of Object.entries(values)) {
      if (m && (rank[id] ?? 0) <= m) {
        defaults[id] = v === true || v === 'granted';
        rank[id] = m;
      }
    }
  };
  for (const d of consent.defaults) setDefaults(d.categories, d.region);

  let decided: Record<string, boolean> = Object.create(null);
  /**
   * Refusals made under an older revision or fingerprint: no longer a valid decision (the visitor is asked
   * again), but still in force until the visitor answers. A refusal is never turned into a default's grant.
   */
  let refused: Record<string, true> = Object.create(null);
  /**
   * Until then (ms since epoch), what a Consent Mode default grants waits (`pending`) for an update: gtag's
   * `wait_for_update`. A decision or an update ends the wait at once.
   */
  let waitUntil = 0;
  /** What was granted when the wait began: a wait holds back what a default is about to grant, never that. */
  let kept = new Set<string>();
  let consentId: string | undefined;
  let decisionTime: number | undefined;
  /**
   * Reads the stored decision; it counts for a category under the same revision and fingerprint only, and
   * while it is younger than `maxAgeDays` (the cookie's own expiry may be longer: set by an older container).
   */
  let last: StoredDecision | undefined;
  const load = (given?: StoredDecision) => {
    const stored = given ?? readDecision(consent.cookie.name);
    decided = Object.create(null);
    refused = Object.create(null);
    if (stored && stored !== 'bad' && Date.now() - stored.time <= consent.cookie.maxAgeDays * 86_400_000) {
      const current = stored.revision === consent.revision;
      if (current) {
        consentId = stored.id;
        decisionTime = stored.time;
      }
      for (const id of optional) {
        // 0 or 1 only: an id such as `constructor` must not read an inherited member of the parsed object.
        const choice = stored.choices[id];
        if (choice !== 0 && choice !== 1) continue;
        if (current && stored.fingerprints[id] === fingerprints[id]) decided[id] = choice === 1;
        else if (!choice) refused[id] = true;
      }
    }
    return stored;
  };
  const stored = load();

  const status = (id: string): Status => {
    const c = cats.get(id);
    if (!c) return 'denied';
    if (c.alwaysOn) return 'granted';
    const d = decided[id];
    if (d !== undefined) return d ? 'granted' : 'denied';
    // Refused before (an older revision or fingerprint), or a purpose added since to a refused parent.
    const p = c.parent;
    if (refused[id] || (p !== undefined && (decided[p] === false || refused[p]))) return 'denied';
    if (gpc && (id === MARKETING || p === MARKETING)) return 'denied';
    const def = defaults[id] ?? (p !== undefined ? defaults[p] : undefined);
    return def && (!waitUntil || kept.has(id)) ? 'granted' : 'pending';
  };
  const snapshot = () => Object.fromEntries(consent.categories.map((c) => [c.id, status(c.id)]));

  /** Applies `fn` and returns which categories changed status. */
  const changing = (fn: () => void): Change => {
    const before = snapshot();
    fn();
    const after = snapshot();
    const change: Change = { granted: [], denied: [] };
    for (const id of Object.keys(after)) {
      if (after[id] === before[id]) continue;
      if (after[id] === 'granted') change.granted.push(id);
      else if (after[id] === 'denied') change.denied.push(id);
    }
    return change;
  };

  return {
    status,
    snapshot,
    gpc,
    /** True when the visitor has not decided every optional category under the current policy. */
    get needsPrompt() {
      return optional.some((id) => decided[id] === undefined);
    },
    /** True when the visitor (or a recorded signal) decided category `id`. */
    decided: (id: string) => decided[id] !== undefined,
    get consentId() {
      return consentId;
    },
    get decisionTime() {
      return decisionTime;
    },
    /** True when the stored cookie could not be read. */
    badCookie: stored === 'bad',
    /**
     * Records a decision: category id → granted. A parent decides its purposes too (unless `spread` is false:
     * a Consent Mode update decides exactly the categories it maps); always-on categories are ignored. Unknown
     * ids are returned, not applied. Persists the cookie.
     */
    decide(choices: Record<string, boolean>, spread = true): Change & { unknown: string[] } {
      const unknown: string[] = [];
      let named = 0;
      const change = changing(() => {
        waitUntil = 0;
        for (const [id, v] of Object.entries(choices)) {
          const c = cats.get(id);
          if (!c) unknown.push(id);
          else if (!c.alwaysOn) {
            named++;
            for (const k of spread ? [id, ...childrenOf(id)] : [id]) decided[k] = !!v;
          }
        }
      });
      // No optional category was named (only unknown or always-on ones): nothing was decided, so nothing is
      // stored, no consent id is made and no proof is sent.
      if (named) {
        consentId ??= inputs.newId();
        decisionTime = Date.now();
        const record: StoredDecision = {
          id: consentId,
          time: decisionTime,
          revision: consent.revision,
          // Earlier refusals not answered again are kept, marked stale (no fingerprint matches ''): still
          // refused on the next page, and still asked about.
          choices: Object.fromEntries([
            ...Object.keys(refused).map((k) => [k, 0]),
            ...Object.entries(decided).map(([k, v]) => [k, v ? 1 : 0]),
          ]),
          fingerprints: Object.fromEntries([
            ...Object.keys(refused).map((k) => [k, '']),
            ...Object.keys(decided).map((k) => [k, fingerprints[k]!]),
          ]),
        };
        writeDecision(consent.cookie, record);
        last = record;
      }
      return { ...change, unknown };
    },
    /** Re-reads the stored decision (another tab decided) and returns what changed; stores nothing. */
    reload(decision?: StoredDecision): Change {
      // Another tab sends its decision along: another renderer's view of the cookie may lag behind. One older
      // than the decision this tab knows (a tab that has not heard of a later one) does not undo it: the
      // cookie, which holds the latest, is read instead.
      return changing(() => {
        const s = load(
          decision && decisionTime !== undefined && decision.time < decisionTime ? undefined : decision,
        );
        // What this tab announces next is the decision it now holds, not one it made before.
        if (s && s !== 'bad') last = s;
      });
    },
    /**
     * Takes up a decision stored since this tab's own, by a tab it cannot hear (BroadcastChannel reaches one
     * origin; a subdomain sharing the cookie through `domain` writes it too), and returns what changed. Run
     * before a decision so that it never writes an older state back over a newer one.
     */
    refresh(): Change {
      const s = readDecision(consent.cookie.name);
      return s && s !== 'bad' && s.time > (decisionTime ?? -1) ? this.reload(s) : { granted: [], denied: [] };
    },
    /**
     * What Global Privacy Control decides, or undefined when it decides nothing (no signal, no `marketing`
     * category, or marketing already decided): marketing refused, and each purpose the visitor has not decided
     * with it; a purpose decided explicitly (before the signal is recorded) keeps its choice.
     */
    gpcChoices(): Record<string, boolean> | undefined {
      if (!gpc || !cats.has(MARKETING) || decided[MARKETING] !== undefined) return undefined;
      const out: Record<string, boolean> = { [MARKETING]: false };
      for (const k of childrenOf(MARKETING)) out[k] = decided[k] ?? false;
      return out;
    },
    /** The decision this page stored last (sent to the site's other tabs). */
    get lastDecision() {
      return last;
    },
    /** Ends a `wait_for_update` whose time is up (`now` ≥ its end): defaults that grant apply from now. */
    endWait(now = Date.now()): Change {
      return changing(() => {
        if (now >= waitUntil) waitUntil = 0;
      });
    },
    /** All optional categories at once. */
    all(granted: boolean) {
      return this.decide(Object.fromEntries(optional.map((id) => [id, granted])));
    },
    /**
     * A gtag Consent Mode command. `default` sets defaults (region-filtered); `update` is a decision.
     * A category is denied when any Consent Mode type it maps to is denied, granted when all are granted.
     */
    consentMode(
      kind: 'default' | 'update',
      params: Partial<Record<ConsentModeType | 'region' | 'wait_for_update', unknown>>,
    ): Change {
      const region = Array.isArray(params.region) ? (params.region as string[]) : undefined;
      const derived: Record<string, boolean> = {};
      for (const c of consent.categories) {
        const types = c.consentMode;
        if (!types?.length || c.alwaysOn) continue;
        // One named type denied denies the category; all of them granted grants it; else unchanged.
        if (types.some((t) => params[t] === 'denied')) derived[c.id] = false;
        else if (types.every((t) => params[t] === 'granted')) derived[c.id] = true;
      }
      if (kind === 'update')
        // A consent manager that replays its stored state on every page repeats the same update: that decides
        // nothing new (the decision keeps its time and expiry, and no proof is sent); it still ends a wait.
        return Object.keys(derived).every((id) => decided[id] === derived[id])
          ? changing(() => {
              waitUntil = 0;
            })
          : this.decide(derived, false);
      // wait_for_update (ms): what this default grants waits that long for an update (for its region only).
      const w = params.wait_for_update;
      const wait = typeof w === 'number' && w > 0 && w < 2 ** 31 && regionMatch(region) ? w : 0;
      const change = changing(() => {
        if (wait) {
          if (!waitUntil) kept = new Set(optional.filter((id) => status(id) === 'granted'));
          waitUntil = Math.max(waitUntil, Date.now() + wait);
        }
        setDefaults(derived, region);
      });
      return wait ? { ...change, wait } : change;
    },
  };
}

export type ConsentState = ReturnType<typeof createConsent>;
