/**
 * The runtime's schema gate after signature verification: the container schema compiled to a
 * program (schema-program.ts, from schema.ts by scripts/compile-schema.ts) and run by interpret.ts,
 * so the browser ships no zod. It accepts exactly what zod's parse of the schema accepts (the
 * cross-field rules were enforced when the container was signed). Throws `container/invalid`
 * naming the first failing path, the path of zod's first issue.
 */
import { TagwardenError } from '../lib/errors';
import { firstIssue } from './interpret';
import type { Container } from './schema';
import { containerProgram } from './schema-program';

/** The container, or `container/invalid` naming the first failing path. */
export function checkContainer(json: unknown): Container {
  const path = firstIssue(containerProgram, json);
  if (path) throw new TagwardenError('container/invalid', path.join('.') || '(root)');
  return json as Container;
}
