/**
 * Renders the HTML snippet a site pastes into <head>: the inline dataLayer bootstrap, an import map
 * pinning every lazy chunk by SRI, and the runtime's module script with SRI, crossorigin and its
 * configuration in data attributes.
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
  /** How many of `keys` must have signed the container (default 1): several parties must agree to publish. */
  threshold?: number;
  /** Refuse containers below this version even when the browser remembers nothing. */
  minVersion?: number;
  /** Expected container id. */
  containerId?: string;
  /** Region for regional consent defaults (ISO 3166), usually filled in by the server. */
  region?: string;
  /** Text put in the nonce attributes, e.g. `{{CSP_NONCE}}` for a template engine; omitted when undefined. */
  nonce?: string;
  /**
   * SRI of each lazy chunk, by its path relative to the runtime's folder (`chunks/ui-AbC.js`). They go into
   * an import map's `integrity` section, so that the browser checks every chunk the runtime imports as it
   * checks the runtime itself (whatwg/html#10269; a browser without it ignores the section).
   */
  chunks?: Record<string, string>;
}

const esc = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * `path` resolved against the folder of `runtimeUrl`, as the import map resolves it against the page. An
 * import map ignores an integrity key that is not URL-like (`/`, `./`, `../` or absolute): a page-relative
 * runtime URL (`tagwarden.js`, `static/tagwarden.js`) gets `./` in front.
 */
export function chunkUrl(runtimeUrl: string, path: string): string {
  const bare = runtimeUrl.replace(/[?#].*$/s, '');
  const url = bare.slice(0, bare.lastIndexOf('/') + 1) + path;
  return /^(\.{0,2}\/|[a-z][a-z\d+.-]*:)/i.test(url) ? url : `./${url}`;
}

/**
 * The import map pinning the chunks, or '' without any. JSON with `<` escaped, so that no text in it can close
 * the script element.
 */
export function renderImportMap(runtimeUrl: string, chunks: Record<string, string>, nonce = ''): string {
  const paths = Object.keys(chunks).sort();
  if (!paths.length) return '';
  const integrity = Object.fromEntries(paths.map((p) => [chunkUrl(runtimeUrl, p), chunks[p]]));
  const json = JSON.stringify({ integrity }).replace(/</g, '\\u003c');
  return `<script type="importmap"${nonce}>${json}</script>\n`;
}

/** The snippet's HTML: the inline bootstrap, the import map (with `chunks`) and the runtime, one line each. */
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
  if (o.threshold !== undefined) attrs.push(`data-threshold="${o.threshold}"`);
  if (o.minVersion !== undefined) attrs.push(`data-min-version="${o.minVersion}"`);
  if (o.region !== undefined) attrs.push(`data-region="${esc(o.region)}"`);
  const map = o.chunks ? renderImportMap(o.runtimeUrl, o.chunks, nonce) : '';
  return `<script${nonce}>${INLINE_SNIPPET}</script>\n${map}<script ${attrs.join(' ')}></script>\n`;
}
