/**
 * Which module implements which tag type. Each is a dynamic import, so a type's code is downloaded
 * only when the first tag of that type is about to fire with consent; a failed load is retried on
 * the next attempt rather than cached.
 */
import type { TagType } from '../container/schema';
import { TagwardenError } from '../lib/errors';
import type { TagPlugin } from './plugin';

const loaders: Record<TagType, () => Promise<{ default: TagPlugin<never> }>> = {
  pixel: () => import('./pixel/index'),
  script: () => import('./script/index'),
  appinsights: () => import('./appinsights/index'),
  personalization: () => import('./personalization/index'),
};

const loaded = new Map<TagType, Promise<TagPlugin>>();
const ready = new Map<TagType, TagPlugin>();

/** The plugin for `type` once its chunk has loaded (a call then needs no promise hop), else undefined. */
export const loadedPlugin = (type: TagType): TagPlugin | undefined => ready.get(type);

/**
 * The plugin for `type`, loading its chunk once. A chunk that does not arrive, or fails its integrity check,
 * rejects with `tag/load-failed`: the tag type is unavailable.
 */
export function loadPlugin(type: TagType): Promise<TagPlugin> {
  let p = loaded.get(type);
  if (!p) {
    p = loaders[type]().then(
      (m) => {
        const plugin = m.default as unknown as TagPlugin;
        ready.set(type, plugin);
        return plugin;
      },
      (e: unknown) => {
        throw new TagwardenError('tag/load-failed', `${type} plugin: ${String((e as Error)?.message ?? e)}`);
      },
    );
    p.catch(() => loaded.delete(type));
    loaded.set(type, p);
  }
  return p;
}
