/**
 * Validation of a container document: the zod schema first, then the cross-field rules.
 * `validateContainer` collects every problem, for the CLI and editors (the runtime's gate is check.ts).
 */
import * as z from 'zod/mini';
import { en } from 'zod/v4/locales';
import { checkRules, type Problem } from './rules';
import { type Container, containerSchema } from './schema';

/** The outcome of validating a container: the typed container when there is no error, and all problems. */
export interface Validation {
  container: Container | undefined;
  problems: Problem[];
}

const english = en().localeError;

/** Validates `json` against the schema and the rules; reports every problem, not just the first. */
export function validateContainer(json: unknown): Validation {
  // English messages for this parse only (zod/mini loads no locale; the global config stays the caller's).
  const parsed = z.safeParse(containerSchema, json, { error: english });
  if (!parsed.success) {
    return {
      container: undefined,
      problems: parsed.error.issues.map((i) => ({
        path: i.path.map((p) => (typeof p === 'symbol' ? String(p) : p)),
        message: i.message,
        severity: 'error',
      })),
    };
  }
  const problems = checkRules(parsed.data);
  return { container: problems.some((p) => p.severity === 'error') ? undefined : parsed.data, problems };
}

/** `path.to.field` for a problem path (array indexes in place: `tags.2.settings.src`). */
export function formatPath(path: Problem['path']): string {
  return path.length ? path.join('.') : '(root)';
}

export { checkContainer } from './check';
