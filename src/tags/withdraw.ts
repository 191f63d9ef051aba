/**
 * Withdrawal, a rare path loaded as a lazy chunk: revokes the tags of newly denied categories that were
 * given an event on this page, deletes their declared first-party storage (consent/cleanup.ts) and settles
 * the withdrawal mark. The dispatcher drops their held events, and sets the mark, before loading it.
 */
import { deleteStorage } from '../consent/cleanup';
import type { Tag } from '../container/schema';
import { storage } from '../lib/storage';
import { WITHDRAWING } from './dispatch';
import { guard, type Outcome } from './guard';
import type { TagContext } from './plugin';
import { loadPlugin } from './registry';

/** How a withdrawal goes: see `withdraw`. */
export interface WithdrawOptions {
  /** True while `tag`'s category is still refused (it may be granted again during the withdrawal). */
  refused: (tag: Tag) => boolean;
  /** How long each revoke may take. */
  ms: number;
  /** Reload the page when a script could not be stopped. */
  reload?: boolean;
  /** This page finishes, at boot, a withdrawal an earlier page left: it removes the mark whatever its value. */
  finishing?: boolean | undefined;
}

/**
 * Revokes each of `tags` that is still refused and was `given` an event on this page (and forgets it), each
 * revoke guarded within `ms`, then deletes its storage while it is still refused (a grant made meanwhile keeps
 * the tag running and its new storage). A script that could not be stopped reloads the page (`reload`) or is
 * reported as `tag/still-running`.
 *
 * Then the mark (dispatch.ts `WITHDRAWING`, one key for the site's tabs): `2` when a script is left running,
 * set again when this page goes (another tab's boot may have removed it meanwhile), so that the next page
 * deletes the storage the script may write again; otherwise removed when it is this page's `1`, or when
 * `finishing`.
 */
export async function withdraw(
  tags: Tag[],
  given: Set<Tag>,
  ctx: TagContext,
  failed: (tag: Tag, o: Outcome & { ok: false }) => void,
  { refused, ms, reload, finishing }: WithdrawOptions,
): Promise<void> {
  let stuck = false;
  for (const tag of tags) {
    if (given.has(tag)) {
      const plugin = await loadPlugin(tag.type).catch(() => undefined);
      // Granted again (here or in another tab) before its turn: it stays as it is.
      if (!refused(tag)) continue;
      // Out of `given` before the revoke: a delivery it stops is recorded `blocked` (dispatch.ts).
      given.delete(tag);
      const outcome = await guard(async () => {
        if ((await plugin?.revoke?.(tag, ctx)) === true && tag.type === 'script') stuck = true;
      }, ms);
      if (!outcome.ok) failed(tag, outcome);
    }
    if (refused(tag)) await deleteStorage(tag.storage);
  }
  const running = () => storage(() => localStorage.setItem(WITHDRAWING, '2'));
  if (stuck) {
    running();
    addEventListener('pagehide', running);
    reload ? location.reload() : ctx.report('tag/still-running');
  } else
    storage(
      () => (finishing || localStorage.getItem(WITHDRAWING) === '1') && localStorage.removeItem(WITHDRAWING),
    );
}
