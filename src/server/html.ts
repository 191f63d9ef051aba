/**
 * HTML responses: template filling and the security headers every served page gets.
 * Owns: `{{nonce}}` / `{{origin}}` / extra `{{name}}` substitution, the fresh nonce per response
 * and the CSP header (switched off per response by `?csp=none`). Does not own finding the file.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { cspHeaderValue, newNonce } from './csp.js';
import type { RequestContext } from './route.js';

/** Replaces every `{{name}}` whose name is in `values`; unknown names are left as they are. */
export function fillTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? (values[name] as string) : whole,
  );
}

/**
 * Sends `template` as an HTML page with a fresh nonce, `{{origin}}` and the context's extra values
 * filled in, `Cache-Control: no-store`, and the CSP of `ctx.csp` unless the URL has `?csp=none`.
 * Returns the nonce used.
 */
export function sendHtml(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: RequestContext,
  template: string,
  status = 200,
): string {
  const nonce = newNonce();
  const values: Record<string, string> = {};
  for (const [name, value] of Object.entries(ctx.vars)) {
    values[name] = typeof value === 'function' ? value(ctx) : value;
  }
  // Extra values may themselves hold {{nonce}} (a rendered snippet), so they are filled first.
  const filled = fillTemplate(fillTemplate(template, values), { nonce, origin: ctx.origin });
  const body = Buffer.from(filled, 'utf8');
  const headers: Record<string, string | number> = {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  };
  const csp = ctx.url.searchParams.get('csp') === 'none' ? undefined : cspHeaderValue(ctx.csp, nonce);
  if (csp !== undefined) headers['Content-Security-Policy'] = csp;
  res.writeHead(status, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
  return nonce;
}
