/**
 * Attaches to `window.dataLayer`: wraps its `push`, then processes what is already queued and every later
 * message FIFO (GTM semantics), handing events and commands to the runtime's `DataLayerHandler`.
 * Owns: message dispatch, re-entrancy, time slicing (a burst never makes a long task), the model,
 * eventCallback timing, and never throwing into the page.
 * Does not own what events/commands mean (the handler), merge rules (merge.ts) or sanitizing (sanitize.ts).
 */

import type { ErrorCode } from '../lib/errors';
import { merge, mergeKey } from './merge';
import { getPath } from './path';
import { dataObject, hasOwn, isPlainObject, toStr, typeName } from './plain';
import { DEFAULT_LIMITS, type SanitizeResult, sanitize } from './sanitize';
import type { DataLayerFunction, DataLayerHandler, ModelAccess } from './types';

type Obj = Record<string, unknown>;

/** The default `eventTimeout`, in ms. */
export const EVENT_TIMEOUT = 2000;

/**
 * Processing time, in ms, after which the messages still waiting are processed in a later task (in order),
 * so that a burst of pushes never blocks the page in one long task (> 50 ms). A page's usual pushes take far
 * less and are processed synchronously, in `push`, as GTM does.
 */
export const SLICE_MS = 8;

const COMMANDS = ['consent', 'set', 'event', 'config', 'js'];
// Keys read before sanitizing and kept out of the model: object messages, then gtag `event` params.
const CALLBACK_KEYS = ['eventCallback', 'eventTimeout'] as const;
const GTAG_CALLBACK_KEYS = ['event_callback', 'event_timeout'] as const;
const arrayPush = Array.prototype.push;
const arraySlice = Array.prototype.slice;
/** An array index as for-in lists it. */
const INDEX = /^(0|[1-9]\d{0,9})$/;

/**
 * Starts processing `target` (normally `window.dataLayer`) for `handler` and returns the array in use and the
 * live model. An existing array is reused, never replaced: its `push` becomes an own wrapper that appends with
 * `Array.prototype.push` (history stays in the array), processes the new messages and returns the new length.
 * Anything else (undefined, or a `<div id="dataLayer">` clobbering the global) gets a new array, which the
 * caller assigns; that is reported as `datalayer/not-array` unless `target` was undefined.
 * Nothing throws from `push`: every problem goes to `handler.error`.
 */
export function attachDataLayer(
  target: unknown,
  handler: DataLayerHandler,
  /** `sliceMs`: time slicing (the runtime passes SLICE_MS); without it every message is processed in `push`. */
  options: { sliceMs?: number } = {},
): { dataLayer: unknown[]; model: Obj } {
  const sliceMs = options.sliceMs ?? Number.POSITIVE_INFINITY;
  const model = dataObject();
  let queue: unknown[] = [];
  let busy = false;
  /** Messages wait in `queue` for a later task (the slice ran out); every push appends behind them. */
  let deferred = false;
  /** Processing time spent in this task so far (ms); reset by the next task, `tick`. */
  let used = 0;
  let ticking = false;
  const now = () => performance.now();
  // A macrotask that is not clamped like nested timers are (4 ms each after five levels).
  let post: (() => void) | undefined;
  const later = () => {
    if (ticking) return;
    ticking = true;
    if (!post) {
      try {
        const ch = new MessageChannel();
        ch.port1.onmessage = tick;
        post = () => ch.port2.postMessage(0);
      } catch {
        post = () => setTimeout(tick);
      }
    }
    post();
  };
  const report = (code: ErrorCode, detail?: string): void => {
    try {
      handler.error(code, detail);
    } catch {
      // A broken error sink must not stop processing.
    }
  };

  /** Reports a sanitize result's problems as one error; returns the clean value. */
  const clean = (r: SanitizeResult): unknown => {
    if (r.dropped) report(r.unsafe ? 'datalayer/unsafe-key' : 'datalayer/sanitized', r.detail);
    return r.value;
  };

  const access: ModelAccess = {
    get: (path) => getPath(model, path),
    set: (path, value) => {
      const r = sanitize(value);
      const v = clean(r);
      if (v === undefined && r.dropped) return;
      if (typeof path !== 'string' || !mergeKey(model, path, v)) report('datalayer/unsafe-key', String(path));
    },
  };

  /** Calls `handler.event`, then runs `cb` once: when the returned promise settles or after the timeout. */
  const fire = (name: string, message: Obj, cb: unknown, timeout: unknown): void => {
    let settled: ReturnType<DataLayerHandler['event']> | undefined;
    try {
      settled = handler.event(name, message, model);
    } catch (e) {
      // handler.event fires the matching tags; a throw escaping it is a tag's.
      report('tag/threw', text(e));
    }
    if (typeof cb !== 'function') return;
    let done = false;
    const run = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      let id = '';
      try {
        id = handler.containerId();
      } catch {
        // Still run the callback, once.
      }
      try {
        cb(id);
      } catch (e) {
        report('datalayer/callback-threw', text(e));
      }
    };
    const ms = typeof timeout === 'number' && timeout >= 0 && timeout < 2 ** 31 ? timeout : EVENT_TIMEOUT;
    // No promise (no tag matched, or the container failed): run on a microtask. `new Promise(r => r(x))`
    // adopts any thenable without a synchronous throw, unlike Promise.resolve (which reads `constructor`).
    const timer = settled ? setTimeout(run, ms) : undefined;
    new Promise((resolve) => resolve(settled)).then(run, run);
  };

  /** An object message (or the params of a gtag `event`, named by `name`): sanitize, merge, maybe fire. */
  const onObject = (m: object, keys: readonly [string, string], name?: string): void => {
    let cb: unknown;
    let timeout: unknown;
    let event: unknown = name;
    try {
      cb = (m as Obj)[keys[0]];
      timeout = (m as Obj)[keys[1]];
      // Read first, like the callback: a message too big for the value bound still fires (and calls back).
      event ??= (m as Obj).event;
    } catch {
      // Unreadable: sanitize reports it.
    }
    const r = sanitize(m, undefined, keys);
    const msg = r.value;
    if (!isPlainObject(msg)) {
      report('datalayer/bad-message', r.detail || typeName(m));
      return;
    }
    clean(r);
    if (typeof event === 'string') msg.event = event.slice(0, DEFAULT_LIMITS.string);
    merge(model, msg);
    if (typeof msg.event === 'string') fire(msg.event, msg, cb, timeout);
  };

  /** A gtag command, from `arguments` or from an array whose first item names a command. */
  const onCommand = (m: ArrayLike<unknown>): void => {
    let name: unknown;
    let raw: unknown[] = [];
    try {
      name = m[0];
      raw = arraySlice.call(m, 1, 8);
    } catch {
      // Unreadable items: validated below.
    }
    if (name === 'event') {
      const params = raw[1] === undefined ? {} : raw[1];
      // The event name is bounded like any string in a message (sanitize cuts those at the same length).
      if (
        typeof raw[0] === 'string' &&
        raw[0].length <= DEFAULT_LIMITS.string &&
        params !== null &&
        typeof params === 'object'
      ) {
        onObject(params, GTAG_CALLBACK_KEYS, raw[0]);
      } else report('datalayer/bad-command', 'event');
      return;
    }
    const args = clean(sanitize(raw)) as unknown[];
    const a = args[0];
    let bad: ErrorCode | '' = 'datalayer/bad-command';
    if (name === 'consent') {
      if ((a === 'default' || a === 'update') && isPlainObject(args[1])) bad = '';
    } else if (name === 'set') {
      // gtag('set', {...}) and gtag('set', 'dotted.key', value) both merge into the model.
      if (isPlainObject(a)) {
        merge(model, a);
        bad = '';
      } else if (typeof a === 'string') bad = mergeKey(model, a, args[1]) ? '' : 'datalayer/unsafe-key';
    } else if (name === 'js' || (name === 'config' && typeof a === 'string')) bad = '';
    if (bad) {
      report(bad, typeof name === 'string' ? name.slice(0, 32) : typeof name);
      return;
    }
    try {
      handler.command(name as string, args);
    } catch (e) {
      report('datalayer/bad-command', `${name}: ${text(e)}`);
    }
  };

  const onMessage = (m: unknown): void => {
    if (typeof m === 'function') {
      try {
        (m as DataLayerFunction).call(access);
      } catch (e) {
        report('datalayer/function-threw', text(e));
      }
      return;
    }
    let arr = false;
    let tag = '';
    let first: unknown;
    try {
      arr = Array.isArray(m);
      tag = toStr.call(m);
      if (arr) first = (m as unknown[])[0];
    } catch {
      // A revoked proxy: an object message that sanitize reports.
    }
    // Array form: GTM would silently ignore `['consent', 'default', {...}]` (it reads arrays as model method
    // calls); tagwarden accepts it like the `arguments` form, the usual gtag mistake (next.js #62192).
    if (tag === '[object Arguments]' || (arr && COMMANDS.indexOf(first as string) >= 0))
      onCommand(m as unknown[]);
    else if (m !== null && typeof m === 'object' && !arr) onObject(m, CALLBACK_KEYS);
    else report('datalayer/bad-message', arr ? 'array' : typeof m);
  };

  /**
   * Processes `messages` in order, then whatever was pushed meanwhile; re-entrant calls only queue. Once this
   * task has spent `sliceMs` processing, the rest waits in `queue` for a later task (`force`: no slicing, the
   * page is leaving).
   */
  const run = (messages: ArrayLike<unknown>, force?: boolean): void => {
    if (busy || (deferred && !force)) {
      for (let i = 0; i < messages.length; i++) queue.push(messages[i]);
      return;
    }
    busy = true;
    const t0 = now();
    later(); // the slice ends with this task
    // A push made while a message is processed lands in `queue`, after the messages already pending.
    const n = messages.length;
    let i = 0;
    let over = false;
    let t = t0;
    for (; i < n + queue.length && !over; i++) {
      try {
        let m: unknown;
        if (i < n) m = messages[i];
        else {
          m = queue[i - n];
          queue[i - n] = undefined;
        }
        onMessage(m);
      } catch (e) {
        report('datalayer/bad-message', text(e));
      }
      t = now();
      over = !force && used + t - t0 > sliceMs;
    }
    used += t - t0;
    // What is left (of `messages`, then of `queue`) waits, in order, for the next slice.
    queue = i < n ? arraySlice.call(messages, i).concat(queue) : queue.slice(i - n);
    deferred = over || queue.length > 0; // the slice ran out: later pushes wait for the next one
    busy = false;
  };

  /** Processes what waits (`force`: all of it, now). */
  const resume = (force?: boolean): void => {
    if (!deferred) return;
    deferred = false;
    const waiting = queue;
    queue = [];
    run(waiting, force);
  };

  /** A new task: a new slice, which processes what waits (and schedules another when it runs out again). */
  function tick(): void {
    ticking = false;
    used = 0;
    resume();
  }

  // A page that is leaving processes what waits at once, before the queue's own pagehide handler (capture
  // listeners on the target run first) writes what is held.
  const leave = (e: Event) => {
    if (e.type === 'pagehide' || document.visibilityState === 'hidden') resume(true);
  };
  try {
    if (sliceMs < Number.POSITIVE_INFINITY) {
      addEventListener('pagehide', leave, true);
      document.addEventListener('visibilitychange', leave, true);
    }
  } catch {
    // No window or document (never in a browser).
  }

  const push = (...messages: unknown[]): number => {
    let length = 0;
    try {
      length = arrayPush.apply(dataLayer, messages);
    } catch {
      // A frozen array or a hostile proxy (then 0 is returned): still process what was pushed.
    }
    run(messages);
    return length;
  };

  let isArray = false;
  try {
    isArray = Array.isArray(target);
  } catch {
    // A revoked proxy.
  }
  let dataLayer: unknown[] = isArray ? (target as unknown[]) : [];
  if (!isArray && target !== undefined) report('datalayer/not-array', typeName(target));
  // A snapshot, so a backlog message that edits the array (splice, length = 0) cannot skip or repeat others.
  // Only the items there are: holes (`dataLayer[1e6] = …`) are skipped, as GTM skips what is no message,
  // without walking (or reporting) every missing index.
  const backlog: unknown[] = [];
  try {
    for (const k in dataLayer)
      if (hasOwn.call(dataLayer, k) && INDEX.test(k)) backlog.push((dataLayer as unknown as Obj)[k]);
  } catch {
    // A proxy whose items cannot be read.
  }
  // `push` is wrapped before the backlog is processed, so a message pushed while it runs is not lost.
  try {
    dataLayer.push = push;
  } catch {
    report('datalayer/not-array', 'push is read-only');
    dataLayer = [];
    dataLayer.push = push;
  }
  run(backlog);
  return { dataLayer, model };
}

/** The message of a thrown value, never throwing itself. */
function text(e: unknown): string {
  try {
    return String(e instanceof Error ? e.message : e).slice(0, 200);
  } catch {
    return '';
  }
}
