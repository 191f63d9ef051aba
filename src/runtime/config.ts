/**
 * Finds the runtime's own <script> element and reads its configuration (container URL, pinned
 * keys, signature threshold, version floor, expected id, region) and nonce. Robust against DOM clobbering: it never
 * trusts `document.currentScript` (null for modules anyway) or named properties of `document`.
 */
import { queryAll } from '../lib/dom';
import { TagwardenError } from '../lib/errors';

/** What the snippet's data attributes configure. */
export interface RuntimeConfig {
  /** Absolute URL of the signed container. */
  container: string;
  /** Pinned public keys (base64 SPKI). */
  keys: string[];
  /** How many of the pinned keys must have signed the container (`data-threshold`, default 1). */
  threshold: number | undefined;
  minVersion: number | undefined;
  id: string | undefined;
  region: string | undefined;
  /** The page's CSP nonce, read from the element's `nonce` property ('' when none). */
  nonce: string;
  /** The runtime script element itself. */
  script: HTMLScriptElement;
}

// Taken from the prototype, so that `<img name="getAttribute">`-style tricks cannot stand in for it.
const getAttr = Element.prototype.getAttribute;

/**
 * The runtime's configuration from the `<script type="module" data-tagwarden>` whose `src` is this
 * module's URL. Several differing candidates (an injected look-alike) or none → `runtime/no-config`.
 */
export function readConfig(selfUrl: string): RuntimeConfig {
  const candidates = queryAll<HTMLScriptElement>('script[data-tagwarden]').filter(
    (s) => s instanceof HTMLScriptElement && s.src === selfUrl,
  );
  const [script] = candidates;
  const attrs = (s: HTMLScriptElement) =>
    [
      'data-container',
      'data-keys',
      'data-min-version',
      'data-container-id',
      'data-region',
      'data-threshold',
    ].map((a) => getAttr.call(s, a));
  const first = script && attrs(script);
  if (!script || !first || candidates.some((s) => attrs(s).join('\n') !== first.join('\n'))) {
    throw new TagwardenError('runtime/no-config', script ? 'differing runtime elements' : 'no element');
  }
  const [container, keys, min, id, region, need] = first;
  const count = (s?: string | null) => (s ? Number(s) : undefined);
  const bad = (n: number | undefined) => n !== undefined && !(Number.isSafeInteger(n) && n > 0);
  const minVersion = count(min);
  const threshold = count(need);
  const pinned = keys?.split(/\s+/).filter(Boolean) ?? [];
  // A threshold above the number of pinned keys could never be met: a configuration error, not a refusal.
  if (!container || !pinned.length || bad(minVersion) || bad(threshold) || threshold! > pinned.length) {
    throw new TagwardenError(
      'runtime/no-config',
      'data-container, data-keys, data-min-version or data-threshold',
    );
  }
  return {
    container: new URL(container, location.href).href,
    keys: pinned,
    threshold,
    minVersion,
    id: id ?? undefined,
    region: region ?? undefined,
    nonce: script.nonce,
    script,
  };
}
