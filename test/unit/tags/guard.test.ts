// The guard every plugin call goes through: throws, rejections and hangs become typed outcomes; a call that
// returns synchronously settles at once without arming a timeout (replays deliver thousands of pixels).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TagwardenError } from '../../../src/lib/errors';
import { guard } from '../../../src/tags/guard';

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('guard', () => {
  it('settles a synchronous call as ok without arming a timer', async () => {
    const timers = vi.spyOn(globalThis, 'setTimeout');
    expect(await guard(() => undefined, 1000)).toEqual({ ok: true });
    expect(timers).not.toHaveBeenCalled();
  });

  it('turns a synchronous throw into a failure with its code', async () => {
    expect(
      await guard(() => {
        throw new TagwardenError('tag/load-failed', 'nope');
      }, 1000),
    ).toEqual({ ok: false, reason: 'nope', code: 'tag/load-failed' });
    expect(
      await guard(() => {
        throw new Error('boom');
      }, 1000),
    ).toEqual({ ok: false, reason: 'boom', code: 'tag/threw' });
  });

  it('waits for a promise, and turns a rejection into a failure', async () => {
    expect(await guard(() => new Promise((r) => setTimeout(r, 5)), 1000)).toEqual({ ok: true });
    expect(await guard(() => Promise.reject(new Error('late')), 1000)).toEqual({
      ok: false,
      reason: 'late',
      code: 'tag/threw',
    });
  });

  it('gives up on a promise that never settles after the timeout', async () => {
    vi.useFakeTimers();
    const outcome = guard(() => new Promise(() => {}), 10_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(await outcome).toEqual({ ok: false, reason: 'no answer within 10000 ms', code: 'tag/timeout' });
  });

  it('treats a thenable whose then getter throws as a failure, never an exception', async () => {
    const hostile = Object.defineProperty({}, 'then', {
      get() {
        throw new Error('getter');
      },
    });
    expect(await guard(() => hostile, 1000)).toEqual({ ok: false, reason: 'getter', code: 'tag/threw' });
  });
});
