/**
 * Renders the HTML snippet a site pastes into <head>: the inline dataLayer bootstrap and the
 * runtime's module script with SRI, crossorigin and its configuration in data attributes.
 * Owns the snippet's markup and attribute names (the runtime reads the same names in runtime/config.ts).
 */
import { INLINE_SNIPPET } from './inline';

/** What the snippet carries. */
export interface SnippetOptions {
  /** URL of dist/runtime/tagwarden.js as the site serves it. */
  runtimeUrl: string;
  /** SRI of that file, e.g. `sha384-...`. */
  integrity: string;
  /** URL of the signed container. */
  containerUrl: string;
  /** Pinned public keys, bare base64 SPKI. */
  keys: string[];
  /** Refuse containers below this version even when the browser remembers nothing. */
  minVersion?: number;
  /** Expected container id. */
  containerId?: string;
  /** Region for regional consent defaults (ISO 3166), usually filled in by the server. */
  region?: string;
  /** Text put in both nonce attributes, e.g. `{{CSP_NONCE}}` for a template engine; omitted when undefined. */
  nonce?: string;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The snippet's HTML: two script elements, one line each. */
export function renderSnippet(o: SnippetOptions): string {
  const nonce = o.nonce === undefined ? '' : ` nonce="${esc(o.nonce)}"`;
  const attrs = [
    `type="module"${nonce}`,
    `src="${esc(o.runtimeUrl)}"`,
    `integrity="${esc(o.integrity)}"`,
    'crossorigin="anonymous"',
    'data-tagwarden',
    `data-container="${esc(o.containerUrl)}"`,
    `data-keys="${esc(o.keys.join(' '))}"`,
  ];
  if (o.containerId !== undefined) attrs.push(`data-container-id="${esc(o.containerId)}"`);
  if (o.minVersion !== undefined) attrs.push(`data-min-version="${o.minVersion}"`);
  if (o.region !== undefined) attrs.push(`data-region="${esc(o.region)}"`);
  return `<script${nonce}>${INLINE_SNIPPET}</script>\n<script ${attrs.join(' ')}></script>\n`;
}
