/**
 * The one guard every plugin call goes through: a throw, a rejection or a hang becomes a typed
 * outcome, never an exception in the page and never a stop for the other tags.
 */

/** The outcome of one guarded plugin call. */
export type Outcome = { ok: true } | { ok: false; reason: string; timeout?: boolean };

/** Runs `fn`, settling within `ms`. */
export function guard(fn: () => unknown, ms: number): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const timer = setTimeout(
      () => resolve({ ok: false, reason: `no answer within ${ms} ms`, timeout: true }),
      ms,
    );
    const done = (o: Outcome) => {
      clearTimeout(timer);
      resolve(o);
    };
    try {
      Promise.resolve(fn()).then(
        () => done({ ok: true }),
        (e: unknown) => done({ ok: false, reason: reasonOf(e) }),
      );
    } catch (e) {
      done({ ok: false, reason: reasonOf(e) });
    }
  });
}

function reasonOf(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).slice(0, 200);
}
