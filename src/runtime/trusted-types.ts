/**
 * The `tagwarden` Trusted Types policy: its `createScriptURL` admits only URLs that the verified
 * container lists as script tag sources, so no other string can become a script URL through it.
 * Where the browser has no Trusted Types, the same allowlist check applies to plain strings.
 */
import { TagwardenError } from '../lib/errors';

/** The branded type the DOM's script.src accepts under `require-trusted-types-for 'script'`. */
export type TrustedScriptURL = { readonly __brand: 'TrustedScriptURL' };

interface TrustedTypesFactory {
  createPolicy(
    name: string,
    rules: { createScriptURL(url: string): string },
  ): { createScriptURL(url: string): TrustedScriptURL };
}

/** Creates the policy once per page; `allowed` may grow when a newer container is applied. */
export function createScriptPolicy(allowed: Set<string>): (url: string) => string | TrustedScriptURL {
  const check = (url: string) => {
    const abs = new URL(url, location.href).href;
    if (!allowed.has(abs)) throw new TagwardenError('tag/bad-url', url.slice(0, 200));
    return abs;
  };
  const tt = (globalThis as { trustedTypes?: TrustedTypesFactory }).trustedTypes;
  if (!tt) return check;
  let policy: ReturnType<TrustedTypesFactory['createPolicy']>;
  try {
    policy = tt.createPolicy('tagwarden', { createScriptURL: check });
  } catch (e) {
    throw new TagwardenError('runtime/trusted-types', (e as Error).message.slice(0, 200));
  }
  return (url) => policy.createScriptURL(url);
}
