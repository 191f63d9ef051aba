/**
 * Withdrawal, a rare path loaded as a lazy chunk: revokes the tags of newly denied categories that
 * fired on this page and deletes their declared first-party storage (consent/cleanup.ts).
 * The dispatcher drops their held events before loading it.
 */
import { deleteStorage } from '../consent/cleanup';
import type { Tag } from '../container/schema';
import { guard, type Outcome } from './guard';
import type { TagContext } from './plugin';
import { loadPlugin } from './registry';

/**
 * Revokes each of `tags` that is still `refused` and was `given` an event on this page (and forgets it), each
 * revoke guarded within `ms`, then deletes its storage while it is still refused (a grant made meanwhile keeps
 * the tag running and its new storage). A
 * script that could not be stopped reloads the page (`reload`) or is reported as `tag/still-running`; the
 * result then says so (true), and the next page deletes the refused tags' storage again.
 */
export async function withdraw(
  tags: Tag[],
  given: Set<Tag>,
  refused: (tag: Tag) => boolean,
  ctx: TagContext,
  failed: (tag: Tag, o: Outcome & { ok: false }) => void,
  ms: number,
  reload?: boolean,
): Promise<boolean> {
  let stuck = false;
  for (const tag of tags) {
    // Granted again (here or in another tab) while earlier tags were revoked: this one stays as it is.
    if (!refused(tag)) continue;
    if (given.has(tag)) {
      // Out of `given` before the revoke: a delivery it stops is recorded `blocked` (dispatch.ts).
      given.delete(tag);
      const plugin = await loadPlugin(tag.type).catch(() => undefined);
      // Granted again while the chunk loaded: not revoked after all.
      if (!refused(tag)) {
        given.add(tag);
        continue;
      }
      const outcome = await guard(async () => {
        if ((await plugin?.revoke?.(tag, ctx)) === true && tag.type === 'script') stuck = true;
      }, ms);
      if (!outcome.ok) failed(tag, outcome);
    }
    if (refused(tag)) await deleteStorage(tag.storage);
  }
  if (stuck) reload ? location.reload() : ctx.report('tag/still-running');
  return stuck;
}
