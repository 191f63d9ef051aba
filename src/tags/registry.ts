/**
 * Which module implements which tag type. Each is a dynamic import, so a type's code is downloaded
 * only when the first tag of that type is about to fire with consent; a failed load is retried on
 * the next attempt rather than cached.
 */
import type { TagType } from '../container/schema';
import type { TagPlugin } from './plugin';

const loaders: Record<TagType, () => Promise<{ default: TagPlugin<never> }>> = {
  pixel: () => import('./pixel/index'),
  script: () => import('./script/index'),
  appinsights: () => import('./appinsights/index'),
  personalization: () => import('./personalization/index'),
};

const loaded = new Map<TagType, Promise<TagPlugin>>();

/** The plugin for `type`, loading its chunk once. */
export function loadPlugin(type: TagType): Promise<TagPlugin> {
  let p = loaded.get(type);
  if (!p) {
    p = loaders[type]().then((m) => m.default as unknown as TagPlugin);
    p.catch(() => loaded.delete(type));
    loaded.set(type, p);
  }
  return p;
}
