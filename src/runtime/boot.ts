/**
 * Boots the runtime: reads the configuration, applies consent, loads and verifies the container,
 * then processes the dataLayer FIFO and takes over `push`. Owns the order of these steps and
 * the `window.tagwarden` API. A container that fails any check fires nothing, and the page still
 * gets its eventCallbacks and a `ready` that settles.
 */

import type { ConsentProof } from '../consent/record';
import { type Change, type ConsentState, createConsent, type Method } from '../consent/state';
import { importPublicKeys } from '../container/keys';
import type { Container } from '../container/schema';
import { attachDataLayer, SLICE_MS } from '../datalayer/process';
import { queryAll } from '../lib/dom';
import { type ErrorCode, isTagwardenError, TagwardenError } from '../lib/errors';
import { storage } from '../lib/storage';
import { lazyQueue, type QueueHandle } from '../queue/lazy';
import { createDispatcher, type Dispatcher, withdrawalLeft } from '../tags/dispatch';
import { getPersonalization } from '../tags/personalization/store';
import type { UiHost, UiModule } from '../ui/host';
import { domParsed, watchDocument } from './builtin-events';
import { readConfig } from './config';
import { loadContainer } from './container-loader';
import { createEmitter, type ReadyRecord } from './emitter';
import type { TagwardenApi } from './public';
import { createScriptPolicy } from './trusted-types';
import type * as UiChunkModule from './ui';

type UiChunk = typeof UiChunkModule;

interface Applied {
  container: Container;
  consent: ConsentState;
  dispatcher: Dispatcher;
  queue: QueueHandle;
}

const PROOFS = 'tagwarden:records';
/**
 * Proof of consent: the record is written to localStorage at once (it survives an immediate
 * navigation), then the rarely needed sending code, a lazy chunk, sends what is waiting.
 */
const sendProof = (endpoint: string, record?: ConsentProof) => {
  let unstored = record;
  try {
    if (record) {
      localStorage.setItem(
        PROOFS,
        JSON.stringify([...JSON.parse(localStorage.getItem(PROOFS) ?? '[]'), record].slice(-20)),
      );
      unstored = undefined; // stored: the chunk sends it from storage, exactly once
    } else if (!localStorage.getItem(PROOFS)) return;
  } catch {
    // Storage refused: the record is sent from memory below.
  }
  import('../consent/record').then(
    (m) => m.sendProofs(endpoint, unstored),
    () => {
      // The chunk did not load: what is stored is sent on the next page view.
    },
  );
};

/** Starts tagwarden for this page; `selfUrl` is the runtime module's URL (import.meta.url). */
export function boot(selfUrl: string): TagwardenApi {
  performance.mark?.('tagwarden:start');
  const emitter = createEmitter();
  const report = (e: unknown) => {
    const code = isTagwardenError(e) ? e.code : 'runtime/internal';
    const detail = isTagwardenError(e) ? e.detail : String((e as Error)?.message ?? e);
    emitter.emit('error', {
      code,
      ...(detail !== undefined && { detail }),
    });
  };
  /** Reports an error record with a stable `code`. */
  const fail = (code: ErrorCode, detail?: string) => report(new TagwardenError(code, detail));

  // The array the inline snippet made (or a new one when the global is missing or clobbered).
  let dl = (window as { dataLayer?: unknown }).dataLayer;
  if (!Array.isArray(dl)) {
    if (dl !== undefined) fail('datalayer/not-array');
    dl = (window as { dataLayer?: unknown }).dataLayer = [];
  }
  let dataLayer = dl as unknown[];
  const push = (m: Record<string, unknown>) => dataLayer.push(m);

  let applied: Applied | undefined;
  const early: (() => void)[] = [];
  const whenApplied = (fn: (a: Applied) => void) => {
    if (applied) fn(applied);
    else early.push(() => applied && fn(applied));
  };

  /**
   * Acts on a consent change: withdrawals first, then grants (held events replay once, in order),
   * then the record; a change made here is announced to the site's other tabs.
   */
  const changed = (a: Applied, change: Change, method: Method | 'other-tab', announce = true) => {
    if (change.denied.length) {
      a.dispatcher.denied(change.denied).catch(report);
      // Refusing everything empties the queue, whatever tab or page the events came from.
      if (!a.container.consent.categories.some((c) => !c.alwaysOn && a.consent.status(c.id) !== 'denied')) {
        a.queue.clear().catch(report);
      }
    }
    if (change.granted.length) replay(a, change.granted);
    emitter.emit('consent', { state: a.consent.snapshot(), method });
    if (announce && (change.denied.length || change.granted.length))
      channel?.postMessage(a.consent.lastDecision ?? null);
  };
  /** Delivers, once and in order, what waits for `categories`, and says so in a `queue` record. */
  const replay = (a: Applied, categories: string[]) =>
    a.dispatcher.granted(categories).then((n) => {
      const { dropped, expired } = a.queue.lastTake;
      if (n || dropped || expired) emitter.emit('queue', { replayed: n, dropped, expired });
    }, report);
  // Other tabs of the site hear about a decision and re-read it; the queue's single-transaction
  // take makes sure each held event is still delivered once, by whichever tab takes it first.
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel('tagwarden') : undefined;
  if (channel) {
    channel.onmessage = (e: MessageEvent) =>
      whenApplied((a) => changed(a, a.consent.reload(e.data ?? undefined), 'other-tab', false));
  }
  /**
   * Takes up a decision that a tab this one cannot hear stored since (a subdomain sharing the cookie): acted on
   * like another tab's, before this tab decides anything over it, and when the visitor comes back to the tab.
   */
  const sync = (a: Applied) => {
    const change = a.consent.refresh();
    if (change.denied.length || change.granted.length) changed(a, change, 'other-tab', false);
  };
  addEventListener(
    'visibilitychange',
    () => applied && document.visibilityState === 'visible' && sync(applied),
  );
  const decide = (choices: Record<string, boolean> | 'all' | 'none', method: Method, textVersion?: string) =>
    whenApplied((a) => {
      sync(a);
      const before = a.consent.lastDecision;
      const r =
        choices === 'all'
          ? a.consent.all(true)
          : choices === 'none'
            ? a.consent.all(false)
            : a.consent.decide(choices);
      if (r.unknown.length) fail('consent/unknown-category', r.unknown.join(', '));
      changed(a, r, method);
      // Proved only when something was decided (not for unknown or always-on categories alone).
      if (a.consent.lastDecision !== before) prove(a, method, textVersion);
    });
  /**
   * Sends the proof of the decision just stored, when the container names a `recordEndpoint`. Without a
   * consent id nothing was ever decided (a decision that named no known category): there is nothing to prove.
   */
  const prove = (a: Applied, method: Method, textVersion?: string) => {
    const endpoint = a.container.consent.recordEndpoint;
    if (endpoint && a.consent.consentId) sendProof(endpoint, proof(a, method, textVersion));
  };
  const proof = (a: Applied, method: Method, textVersion?: string): ConsentProof => ({
    consentId: a.consent.consentId ?? '',
    time: new Date(a.consent.decisionTime ?? Date.now()).toISOString(),
    choices: a.consent.snapshot(),
    method,
    containerId: a.container.id,
    containerVersion: a.container.version,
    policyRevision: a.container.consent.revision,
    textVersion: textVersion ?? null,
    lang: uiLang(a),
  });

  // The consent UI is a lazy chunk, loaded only when a prompt is needed or the visitor asks for it.
  let ui: Promise<UiChunk> | undefined;
  let nonce = '';
  const uiLang = (a: Applied) => {
    const pref = a.container.consent.ui?.language ?? 'auto';
    if (pref !== 'auto') return pref;
    return /^sv\b/i.test(document.documentElement.lang) ? 'sv' : 'en';
  };
  const withUi = (fn: (m: UiModule, host: UiHost) => void) =>
    whenApplied((a) => {
      ui ??= import('./ui');
      ui.then(
        (m) => {
          try {
            fn(m, m.uiHost(a, uiLang(a), nonce, decide));
          } catch (e) {
            fail('runtime/ui', String(e));
          }
        },
        (e: unknown) => {
          ui = undefined;
          fail('runtime/ui', String(e));
        },
      );
    });

  let resolveReady!: (r: ReadyRecord) => void;
  const ready = new Promise<ReadyRecord>((r) => {
    resolveReady = r;
  });

  const api: TagwardenApi = {
    ready,
    on: emitter.on,
    consent: {
      get: () => applied?.consent.snapshot() ?? {},
      update: (choices) => decide({ ...choices }, 'api'),
      acceptAll: () => decide('all', 'accept-all'),
      rejectAll: () => decide('none', 'reject-all'),
      get needsPrompt() {
        return applied ? applied.consent.needsPrompt : false;
      },
    },
    personalization: getPersonalization,
    queue: {
      size: () => (applied ? applied.queue.size() : Promise.resolve(0)),
    },
    showPreferences: () => withUi((m, host) => m.showPreferences(host)),
    renderDeclaration: (element) => withUi((m, host) => m.renderDeclaration(element, host)),
  };
  Object.freeze(api.consent);
  // Neither writable nor configurable (nor enumerable): defineProperty's defaults.
  Object.defineProperty(window, 'tagwarden', { value: Object.freeze(api) });

  watchDocument(push);
  // Any element with data-tagwarden-preferences (a "Cookie settings" link) reopens the preferences.
  addEventListener(
    'click',
    (e) => {
      const t = e.target as Element | null;
      // Before the container is applied, and after a refused one, the element's own behaviour (a link) stands.
      if (applied && t?.closest?.('[data-tagwarden-preferences]')) {
        e.preventDefault();
        api.showPreferences();
      }
    },
    true,
  );

  const start = async (): Promise<Applied> => {
    if (!globalThis.crypto?.subtle) throw new TagwardenError('container/insecure-context');
    const config = readConfig(selfUrl);
    nonce = config.nonce;
    const keys = await importPublicKeys(config.keys);
    if (!keys.length) throw new TagwardenError('container/no-keys');
    // The same key given twice counts once: a threshold above the distinct keys could never be met.
    if (keys.length < (config.threshold ?? 1))
      throw new TagwardenError('runtime/no-config', 'data-threshold');
    const { container } = await loadContainer({
      config,
      keys,
      loadCheck: () => import('./schema-check').then((m) => m.checkContainer),
      now: Date.now(),
      report,
    });
    performance.mark?.('tagwarden:verified');
    const consent = createConsent(container, {
      region: config.region,
      gpc: (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true,
      now: Date.now(),
      newId: () => crypto.randomUUID(),
    });
    if (consent.badCookie) fail('consent/bad-cookie');
    let scriptUrl: (url: string) => string | { readonly __brand: 'TrustedScriptURL' };
    try {
      scriptUrl = createScriptPolicy(
        new Set(
          container.tags.flatMap((t) =>
            t.type === 'script' ? [new URL(t.settings.src, location.href).href] : [],
          ),
        ),
      );
    } catch (e) {
      report(e);
      scriptUrl = () => {
        throw e;
      };
    }
    // Loaded only when events may wait, and firing never waits for it (queue/lazy.ts).
    const queue = lazyQueue(
      () =>
        import('../queue/index').then((m) =>
          m.createDurableHolder({
            settings: container.consent.queue,
            // A paused tag is as good as gone: what earlier pages held for it is dropped, not delivered.
            tags: new Map(container.tags.flatMap((t) => (t.paused ? [] : [[t.id, t]]))),
            report: fail,
          }),
        ),
      container.consent.queue.maxEntries,
      fail,
      container.consent.queue.storage === 'indexeddb',
    );
    const dispatcher = createDispatcher({
      container,
      consent,
      emitter,
      holder: queue,
      context: {
        nonce: config.nonce,
        scriptUrl,
        push,
        // Plugins report codes from the same table (docs/errors.md).
        report: fail as (code: string, detail?: string) => void,
      },
    });
    if (container.tags.some((t) => t.triggers.some((tr) => [tr.event].flat().includes('tagwarden.history'))))
      import('./history').then((m) => m.watchHistory(push), report);
    return { container, consent, dispatcher, queue };
  };

  // The container is applied, and its first records emitted, once the page's own modules have run
  // (DOMContentLoaded): a module placed after the snippet subscribes before any record, however fast boot is.
  const started = start();
  started.catch(() => {}); // settled below, once the page is parsed
  domParsed()
    .then(() => started)
    .then(
      (a) => {
        applied = a;
        emitter.emit('consent', { state: a.consent.snapshot(), method: 'stored' });
        for (const fn of early.splice(0)) fn();
        performance.mark?.('tagwarden:applied');
        // Events held for categories granted since (on another page or in another tab) are delivered first:
        // the replay takes its place in each tag's chain before this page's own events, which attach()
        // processes at once. Only an earlier page can have left any (this page holds none for a granted category).
        const inStatus = (s: string) =>
          a.container.consent.categories
            .filter((c) => !c.alwaysOn && a.consent.status(c.id) === s)
            .map((c) => c.id);
        const granted = inStatus('granted');
        // A withdrawal or a purge cut short (a page left during it, a chunk that did not load) is finished
        // here: no declared storage of a refused tag, and nothing refused on the device for a later grant. A
        // purge loads nothing when no flag says events wait (queue/lazy.ts).
        const denied = inStatus('denied');
        if (denied.length)
          (withdrawalLeft() ? a.dispatcher.denied(denied, true) : a.dispatcher.purge(denied)).catch(report);
        if (granted.length && a.queue.stored) replay(a, granted);
        attach(a);
        // Global Privacy Control is the visitor's refusal of marketing: recorded once, like a decision
        // (cookie and proof of consent with method `gpc`), for what the visitor has not decided; an explicit
        // grant, before or later, wins.
        // A decision stored since this page read the cookie comes first (`decide` takes it up).
        if (a.consent.gpc) {
          sync(a);
          const g = a.consent.gpcChoices();
          if (g) decide(g, 'gpc');
        }
        try {
          // Records left over from an earlier page whose send failed; without an endpoint (since removed from
          // the container) nothing would ever send them, so they go.
          if (a.container.consent.recordEndpoint) sendProof(a.container.consent.recordEndpoint);
          else storage(() => localStorage.removeItem(PROOFS));
          if (a.container.consent.ui?.enabled) {
            if (a.consent.needsPrompt) withUi((m, host) => m.showBanner(host));
            for (const el of queryAll('[data-tagwarden-declaration]')) api.renderDeclaration(el);
          }
        } catch (e) {
          report(e); // `ready` settles whatever happens here
        }
        const r: ReadyRecord = { ok: true, id: a.container.id, version: a.container.version };
        performance.mark?.('tagwarden:ready');
        resolveReady(r);
        emitter.emit('ready', r);
      },
      (e: unknown) => {
        report(e);
        attach(undefined);
        const r: ReadyRecord = { ok: false, code: isTagwardenError(e) ? e.code : 'runtime/internal' };
        resolveReady(r);
        emitter.emit('ready', r);
      },
    );

  /** Processes the dataLayer from its first entry and takes over push. Without a container nothing fires. */
  function attach(a: Applied | undefined) {
    const used = attachDataLayer(
      dataLayer,
      {
        event: (name, _message, model) => a?.dispatcher.event(name, model as Record<string, unknown>),
        command(name, args) {
          if (name !== 'consent' || !a) return;
          const [kind, params] = args as [unknown, unknown];
          if ((kind === 'default' || kind === 'update') && params && typeof params === 'object') {
            if (kind === 'update') sync(a);
            const before = a.consent.lastDecision;
            const change = a.consent.consentMode(kind, params as Record<string, unknown>);
            changed(a, change, 'consent-mode');
            // An update that decided a category is stored like any decision, and proved like one.
            if (a.consent.lastDecision !== before) prove(a, 'consent-mode');
            // wait_for_update: once the wait is over without an update, the granting defaults apply.
            if (change.wait)
              setTimeout(() => changed(a, a.consent.endWait(), 'consent-mode', false), change.wait);
          } else fail('datalayer/bad-command', `consent ${String(kind).slice(0, 20)}`);
        },
        error: fail,
        containerId: () => a?.container.id ?? '',
      },
      { sliceMs: SLICE_MS },
    ).dataLayer;
    // An array whose `push` could not be replaced (read-only) gives way to a new one: the page's later pushes
    // through `window.dataLayer`, and the runtime's own, reach it.
    if (used !== dataLayer) {
      dataLayer = used;
      try {
        (window as { dataLayer?: unknown }).dataLayer = used;
      } catch {
        // A read-only global: the runtime's own pushes still reach the new array.
      }
    }
  }

  return api;
}
