/**
 * The public TypeScript types of `window.tagwarden` and of dataLayer pushes, for site developers:
 * `import type { TagwardenApi, DataLayerMessage } from 'tagwarden/runtime'`.
 */
import type { DataLayer } from '../datalayer/types';
import type { ConsentRecord, ErrorRecord, ReadyRecord, RecordMap, RecordType } from './emitter';

export type {
  ConsentModeParams,
  DataLayer,
  DataLayerMessage,
  DataLayerObject,
  GtagCommand,
  SetCommand,
} from '../datalayer/types';
export type { ErrorCode } from '../lib/errors';
export type {
  ConsentRecord,
  ErrorRecord,
  QueueRecord,
  ReadyRecord,
  RecordMap,
  RecordType,
  TagRecord,
} from './emitter';

/** A category's consent status. */
export type ConsentStatus = 'granted' | 'denied' | 'pending';

/** `window.tagwarden`. */
export interface TagwardenApi {
  /** Settles once the container is applied (`ok: true`) or refused (`ok: false` with its `code`). */
  readonly ready: Promise<ReadyRecord>;
  /** Subscribes to records; returns a function that unsubscribes. */
  on<T extends RecordType>(type: T, listener: (record: RecordMap[T]) => void): () => void;
  readonly consent: {
    /** Category id → status. Empty before `ready`. */
    get(): Record<string, ConsentStatus>;
    /** Records the visitor's choice for the named categories (a parent decides its purposes too). */
    update(choices: Record<string, boolean>): void;
    /** Grants every optional category. */
    acceptAll(): void;
    /** Refuses every optional category. */
    rejectAll(): void;
    /** True when the visitor should be asked: no decision, an expired one, or purposes/vendors changed. */
    readonly needsPrompt: boolean;
  };
  /** The action a personalisation tag chose for `slot` (also pushed as a `tagwarden.personalized` event). */
  personalization(
    slot: string,
  ): { slot: string; actionId: string; eventId: string; fallback: boolean } | undefined;
  readonly queue: {
    /** How many events are waiting for a decision (on this device, across pages and tabs). */
    size(): Promise<number>;
  };
  /** Opens the preference centre (loads the consent UI chunk when needed). */
  showPreferences(): void;
  /** Renders the live cookie declaration into `element`. Elements with `data-tagwarden-declaration` get it at start. */
  renderDeclaration(element: Element): void;
}

/**
 * `tagwarden` and `dataLayer` as globals (`dataLayer.push(…)`, `await tagwarden.ready`) and on `window`, plus
 * the window events that carry the `ready`, `error` and `consent` records as `detail`.
 */
declare global {
  // A global `var` is also a property of `window` (globalThis).
  var tagwarden: TagwardenApi;
  var dataLayer: DataLayer;
  interface Window {
    tagwarden: TagwardenApi;
    dataLayer: DataLayer;
  }
  interface WindowEventMap {
    'tagwarden:ready': CustomEvent<ReadyRecord>;
    'tagwarden:error': CustomEvent<ErrorRecord>;
    'tagwarden:consent': CustomEvent<ConsentRecord>;
  }
}
