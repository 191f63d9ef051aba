/**
 * The server library's public surface, re-exported by name (nothing else is public).
 * Used by the browser tests, the demo (`npm start`) and `tagwarden serve`.
 */
export { type App, type AppOptions, createApp, listen } from './app.js';
export { type CollectorOptions, collectorsRoute, DEFAULT_MAX_BODY_BYTES, PIXEL_GIF } from './collectors.js';
export { answerPreflight, corsHeaders } from './cors.js';
export { type CspMode, cspHeaderValue, newNonce, STRICT_CSP } from './csp.js';
export { fillTemplate, sendHtml } from './html.js';
export { type PersonalizerOptions, personalizerCollector } from './personalizer.js';
export { type Preview, type PreviewOptions, startPreview } from './preview.js';
export { BodyTooLargeError, readBody } from './read-body.js';
export {
  type CollectedRecord,
  type JsonValue,
  pickHeaders,
  RECORDED_HEADERS,
  RecordStore,
  recordsRoute,
  type WaitOptions,
} from './records.js';
export type { RequestContext, RouteHandler, TemplateVars } from './route.js';
export { type ResponseHeaders, send, sendEmpty, sendJson, sendText } from './send.js';
export { contentTypeOf, type ResolveFailure, resolveInside, serveFile } from './static-files.js';
export { type TrackCollectorOptions, type TrackFailures, trackCollector } from './track.js';
