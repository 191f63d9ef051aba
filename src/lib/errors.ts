/**
 * The error type every module throws or reports: a stable `code` (e.g. `container/bad-signature`)
 * plus an optional detail. The human text for each code lives in messages.ts, which the browser
 * runtime does not ship; docs/errors.md lists every code (a test keeps the three in sync).
 */
import type { messages } from './messages';

/** A stable error code such as `container/bad-signature`. */
export type ErrorCode = keyof typeof messages;

/** An error with a stable `code`; `message` is `code` plus the detail, never secret material. */
export class TagwardenError extends Error {
  readonly code: ErrorCode;
  readonly detail: string | undefined;
  constructor(code: ErrorCode, detail?: string) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'TagwardenError';
    this.code = code;
    this.detail = detail;
  }
}

/** True when `e` is a TagwardenError (also across realms, by shape). */
export function isTagwardenError(e: unknown): e is TagwardenError {
  return e instanceof Error && typeof (e as TagwardenError).code === 'string' && e.name === 'TagwardenError';
}
