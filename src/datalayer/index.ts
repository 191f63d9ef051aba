/**
 * The dataLayer module's public surface: GTM-compatible `window.dataLayer` processing for the runtime.
 * Owns: re-exports only. Does not own any behaviour.
 */

export { merge, mergeKey } from './merge';
export { getPath, isUnsafeKey, isUnsafeSegment, setPath } from './path';
export { dataObject, isPlainObject } from './plain';
export { attachDataLayer, EVENT_TIMEOUT } from './process';
export type { SanitizeLimits, SanitizeResult } from './sanitize';
export { DEFAULT_LIMITS, sanitize } from './sanitize';
export type {
  ConfigCommand,
  ConsentCommand,
  ConsentModeParams,
  ConsentState,
  DataLayer,
  DataLayerFunction,
  DataLayerHandler,
  DataLayerMessage,
  DataLayerObject,
  EventCommand,
  GtagCommand,
  JsCommand,
  ModelAccess,
  SetCommand,
} from './types';
