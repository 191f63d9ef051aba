/**
 * Public types for what pages push to `window.dataLayer` and for the runtime's message handler.
 * Owns: message shapes (objects, gtag command tuples, functions), Consent Mode v2 params, `DataLayerHandler`.
 * Does not own behaviour (process.ts) or consent semantics (the runtime decides what a default/update means).
 */

import type { ErrorCode } from '../lib/errors';

/** A Consent Mode state for one storage type. */
export type ConsentState = 'granted' | 'denied';

/** Parameters of `gtag('consent', 'default' | 'update', params)` (Consent Mode v2). */
export interface ConsentModeParams {
  ad_storage?: ConsentState;
  ad_user_data?: ConsentState;
  ad_personalization?: ConsentState;
  analytics_storage?: ConsentState;
  functionality_storage?: ConsentState;
  personalization_storage?: ConsentState;
  security_storage?: ConsentState;
  /** Milliseconds tags wait for an update after a default (defaults only). */
  wait_for_update?: number;
  /**
   * ISO 3166 regions this default applies to (defaults only). A default with a matching region (`SE` or `SE-AB`
   * alike) wins over one without; among matching ones, the later wins.
   */
  region?: string[];
}

/** A plain-object message: data merged into the model; an `event` key makes it an event. */
export interface DataLayerObject {
  /** Event name; tags whose triggers match it are evaluated after the merge. */
  event?: string;
  /** Run exactly once with the container id after the event's tags settle or `eventTimeout` ms. */
  eventCallback?: (containerId: string) => void;
  /** Milliseconds to wait for tags before running `eventCallback` (default 2000). */
  eventTimeout?: number;
  /** When true, this message's values overwrite the model instead of merging into it. */
  _clear?: boolean;
  [key: string]: unknown;
}

/** `gtag('consent', 'default' | 'update', params)`. */
export type ConsentCommand = ['consent', 'default' | 'update', ConsentModeParams];
/** `gtag('set', values)` merges `values` into the model; `gtag('set', 'dotted.key', value)` merges one value at a path. */
export type SetCommand = ['set', Record<string, unknown>] | ['set', string, unknown];
/** `gtag('event', name, params?)`: an event message `{event: name, ...params}`. */
export type EventCommand = ['event', string, Record<string, unknown>?];
/** `gtag('config', targetId, params?)`. */
export type ConfigCommand = ['config', string, Record<string, unknown>?];
/** `gtag('js', new Date())`. */
export type JsCommand = ['js', Date];
/** Any gtag-style command, pushed as `arguments` (gtag snippet) or as an array (accepted by tagwarden). */
export type GtagCommand = ConsentCommand | SetCommand | EventCommand | ConfigCommand | JsCommand;

/** `this` inside a function pushed to the dataLayer: dotted-path access to the model. */
export interface ModelAccess {
  /** The model value at a dotted path such as `ecommerce.items.0.id`, or undefined. */
  get(path: string): unknown;
  /** Merges `value` (sanitized) into the model at a dotted path, as a pushed `{[path]: value}` would. */
  set(path: string, value: unknown): void;
}

/** A function message: called with `this` bound to the model accessors. */
export type DataLayerFunction = (this: ModelAccess) => void;

/** Anything a page may push. */
export type DataLayerMessage = DataLayerObject | GtagCommand | IArguments | DataLayerFunction;

/** The `window.dataLayer` array; `push` appends, processes the messages and returns the new length. */
export interface DataLayer extends Array<DataLayerMessage> {
  push(...messages: DataLayerMessage[]): number;
}

/** What the runtime supplies to `attachDataLayer`. Every call is guarded; a throw never reaches the page. */
export interface DataLayerHandler {
  /**
   * An event was merged into `model`. `message` is the sanitized copy (without eventCallback/eventTimeout),
   * never shared with `model`. Both are data objects (plain.ts): no Object.prototype in their chain, so no
   * `toString`/`hasOwnProperty` methods on them. The returned promise settles once every matching tag has
   * finished; `eventCallback` waits for it (or for its timeout).
   */
  event(
    name: string,
    message: Record<string, unknown>,
    model: Readonly<Record<string, unknown>>,
    // biome-ignore lint/suspicious/noConfusingVoidType: a handler with no matching tag may simply not return.
  ): PromiseLike<unknown> | void;
  /** A gtag command other than `event` (`consent`, `set`, `config`, `js`), with sanitized arguments after the name. */
  command(name: string, args: unknown[]): void;
  /** A problem with a message; processing continues. */
  error(code: ErrorCode, detail?: string): void;
  /** The id passed to `eventCallback`. */
  containerId(): string;
}
