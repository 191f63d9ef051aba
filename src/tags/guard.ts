/**
 * The one guard every plugin call goes through: a throw, a rejection or a hang becomes a typed
 * outcome, never an exception in the page and never a stop for the other tags.
 */
import { type ErrorCode, isTagwardenError } from '../lib/errors';

/** The outcome of one guarded plugin call; `code` is the error's stable code when it had one. */
export type Outcome = { ok: true } | { ok: false; reason: string; code: ErrorCode };

/**
 * Runs `fn`, settling within `ms`. A `fn` that returns without a promise (a pixel) is settled at once, with no
 * timer: a replay of a thousand events does not arm a thousand timeouts.
 */
export function guard(fn: () => unknown, ms: number): Promise<Outcome> {
  let result: unknown;
  let then: unknown;
  try {
    result = fn();
    if (result !== null && (typeof result === 'object' || typeof result === 'function'))
      then = (result as { then?: unknown }).then;
  } catch (e) {
    return Promise.resolve(failure(e));
  }
  if (typeof then !== 'function') return Promise.resolve(OK);
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
