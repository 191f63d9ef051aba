/**
 * The runtime's schema gate after signature verification: the zod schema only (the cross-field
 * rules were enforced when the container was signed). Throws `container/invalid` naming the first path.
 */
import * as z from 'zod/mini';
import { TagwardenError } from '../lib/errors';
import { type Container, containerSchema } from './schema';

/** The container, or `container/invalid` naming the first failing path. */
export function checkContainer(json: unknown): Container {
  const parsed = z.safeParse(containerSchema, json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new TagwardenError('container/invalid', first ? first.path.join('.') || '(root)' : undefined);
  }
  return parsed.data;
}
