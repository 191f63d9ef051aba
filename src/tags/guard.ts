/**
 * The one guard every plugin call goes through: a throw, a rejection or a hang becomes a typed
 * outcome, never an exception in the page and never a stop for the other tags.
 */
import { type ErrorCode, isTagwardenError } from '../lib/errors';

/** The outcome of one guarded plugin call; `code` is the error's stable code when it had one. */
export type Outcome = { ok: true } | { ok: false; reason: string; code: ErrorCode };

/**
 * Runs `fn`, settling within `ms`. A `fn` that returns without a promise (a pixel) has its outcome returned at
 * once, not as a promise and with no timer: a replay of a thousand events arms no timeout and waits for no
 * promise per event.
 */
export function guard(fn: () => unknown, ms: number): Outcome | Promise<Outcome> {
  let result: unknown;
  let then: unknown;
  try {
    result = fn();
    if (result !== null && (typeof result === 'object' || typeof result === 'function'))
      then = (result as { then?: unknown }).then;
  } catch (e) {
    return failure(e);
  }
  if (typeof then !== 'function') return OK;
  return new Promise<Outcome>((resolve) => {
    const timer = setTimeout(
      () => resolve({ ok: false, reason: `no answer within ${ms} ms`, code: 'tag/timeout' }),
      ms,
    );
    const done = (o: Outcome) => {
      clearTimeout(timer);
      resolve(o);
    };
    try {
      (then as PromiseLike<unknown>['then']).call(
        result,
        () => done(OK),
        (e: unknown) => done(failure(e)),
      );
    } catch (e) {
      done(failure(e));
    }
  });
}

const OK: Outcome = { ok: true };

function failure(e: unknown): Outcome {
  if (isTagwardenError(e)) return { ok: false, reason: e.detail ?? e.code, code: e.code };
  return { ok: false, reason: (e instanceof Error ? e.message : String(e)).slice(0, 200), code: 'tag/threw' };
}
