/**
 * The contract between the app and its route handlers (built-in and extra ones).
 * Owns: `RouteHandler` and the `RequestContext` each handler receives. Does not own routing order
 * (app.ts) or any route.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CspMode } from './csp.js';
import type { RecordStore } from './records.js';

/** Template values for HTML: a fixed string or one computed per request. */
export type TemplateVars = Record<string, string | ((ctx: RequestContext) => string)>;

/** What a handler knows about the request besides `req` itself. */
export interface RequestContext {
  /** The request URL, resolved against `origin` (dot segments already removed by URL parsing). */
  readonly url: URL;
  /** Origin of the listener that received the request, e.g. `http://127.0.0.1:41234`. */
  readonly origin: string;
  /** The app's record store (what collectors received). */
  readonly records: RecordStore;
  /** The app's CSP mode for HTML responses. */
  readonly csp: CspMode;
  /** Extra `{{name}}` values for HTML templates (besides `nonce` and `origin`). */
  readonly vars: TemplateVars;
}

/**
 * Answers a request and resolves true, or resolves false to let the next handler try.
 * A handler that throws gets a 500 answer from the app.
 */
export type RouteHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
) => boolean | Promise<boolean>;
