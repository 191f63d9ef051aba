/**
 * Content-Security-Policy for served HTML: the per-response nonce and the header value.
 * Owns: the strict policy tagwarden must work under (notes/security.md, "Strict CSP and Trusted
 * Types") and how a CSP mode turns into a header. Does not own where the header is sent (html.ts).
 */
import { randomBytes } from 'node:crypto';

/** `'strict'` (the policy below), `'none'` (no header), or a custom header value (`{{nonce}}` is filled in). */
export type CspMode = 'strict' | 'none' | (string & {});

/** The strict policy, with `{{nonce}}` where the response's nonce goes. */
export const STRICT_CSP =
  "script-src 'nonce-{{nonce}}' 'strict-dynamic'; object-src 'none'; base-uri 'none'; " +
  "require-trusted-types-for 'script'; trusted-types tagwarden default";

/** A fresh random nonce: 16 bytes, base64. One per response, never reused. */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

/** The Content-Security-Policy header value for `mode` with `nonce` filled in, or undefined for `'none'`. */
export function cspHeaderValue(mode: CspMode, nonce: string): string | undefined {
  if (mode === 'none') return undefined;
  const template = mode === 'strict' ? STRICT_CSP : mode;
  return template.replaceAll('{{nonce}}', nonce);
}
