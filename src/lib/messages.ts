/**
 * The human text for every error code, in one table (after workbox's messages.ts). Used by the CLI,
 * the docs and development builds; the shipped browser runtime reports codes only.
 */
export const messages = {
  // container/: envelope and verification, in the order they are checked (docs/security.md)
  'container/fetch-failed': 'The container could not be downloaded.',
  'container/too-large': 'The signed container is larger than the size bound.',
  'container/bad-envelope': 'The signed container is not a DSSE envelope of the expected shape.',
  'container/bad-payload-type': 'The envelope payloadType is not application/vnd.tagwarden.container+json.',
  'container/no-keys': 'No usable public key is pinned.',
  'container/bad-signature':
    'No signature on the envelope verifies with a pinned public key (or fewer than data-threshold different keys signed).',
  'container/bad-encoding':
    'The verified payload is not valid UTF-8 JSON (or starts with a byte order mark).',
  'container/unsupported-schema':
    'The container was written for a schema version this runtime does not support.',
  'container/invalid': 'The container does not match the container schema.',
  'container/wrong-id': 'The container id is not the one this page expects.',
  'container/wrong-origin': 'The container does not list this origin.',
  'container/rollback': 'The container version is lower than one verified before.',
  'container/equivocation': 'The container has the version of one verified before but different bytes.',
  'container/expired': 'The container has expired.',
  'container/insecure-context':
    'This page is not a secure context: WebCrypto is missing, so nothing can be verified.',
  // runtime/
  'runtime/no-config':
    'The runtime script element lacks its configuration (data-container, data-keys), or it is invalid (data-threshold above the distinct keys).',
  'runtime/trusted-types': 'No Trusted Types policy could be created; script tags cannot be loaded.',
  'runtime/storage': 'First-party storage could not be read or written.',
  'runtime/ui': 'The consent banner could not be loaded.',
  'runtime/internal': 'The runtime met an unexpected error; nothing fires that was not allowed.',
  // datalayer/
  'datalayer/not-array': 'window.dataLayer is not an array; a new one was used.',
  'datalayer/bad-message':
    'A dataLayer message is not an object, an Arguments object, an array or a function.',
  'datalayer/sanitized':
    'A dataLayer message held values that cannot be kept (functions, symbols, nodes, cycles, excess depth or size); they were dropped.',
  'datalayer/unsafe-key': 'A dataLayer key (__proto__, constructor or prototype) was dropped.',
  'datalayer/function-threw': 'A function pushed to the dataLayer threw.',
  'datalayer/callback-threw': 'An eventCallback threw.',
  'datalayer/bad-command': 'A gtag-style command has unknown or malformed arguments.',
  // consent/
  'consent/unknown-category': 'A consent update names a category the container does not define.',
  'consent/bad-cookie': 'The stored consent cookie could not be read; the visitor will be asked again.',
  // tag/
  'tag/load-failed': 'A tag script or plugin failed to load.',
  'tag/threw': 'A tag threw while firing.',
  'tag/bad-url': 'A tag URL is not allowed by the verified container.',
  'tag/timeout': 'A tag did not finish in time.',
  'tag/still-running':
    'Consent for a script tag was withdrawn; it receives nothing more, but only a reload unloads it.',
  // queue/
  'queue/unavailable': 'IndexedDB is unavailable; pending events are kept in memory only.',
  'queue/quota': 'The storage quota is exhausted; the oldest pending events were dropped.',
  'queue/overflow': 'The queue reached its size bound; the oldest pending events were dropped.',
  'queue/too-large': 'A pending event is larger than the per-event size bound and was not kept.',
  'queue/closed': 'The queue database connection was closed; it was reopened.',
  'queue/unstorable': 'A pending event could not be stored on the device; it is kept for this page only.',
} as const;

/** The human text for `code`, with `detail` appended when given. */
export function describe(code: keyof typeof messages, detail?: string): string {
  return detail ? `${messages[code]} (${detail})` : messages[code];
}
