/**
 * The runtime's records: `on(type, listener)` subscriptions, plus window CustomEvents for the rare
 * ones (`tagwarden:ready`, `tagwarden:error`, `tagwarden:consent`); `tag` and `queue` records, one
 * per tag per event, go to `on()` listeners only and cost nothing when nobody listens.
 * A throwing listener is isolated: it never stops the others or the runtime. Records are frozen.
 */

import type { ErrorCode } from '../lib/errors';

/** Record types and their payloads. */
export interface RecordMap {
  ready: ReadyRecord;
  error: ErrorRecord;
  consent: ConsentRecord;
  tag: TagRecord;
  queue: QueueRecord;
}

/** The container was applied (`ok: true`, with its id and version) or refused (`ok: false`, with a `code`). */
export type ReadyRecord = { ok: true; id: string; version: number } | { ok: false; code: ErrorCode };
/** A problem with a stable code (docs/errors.md). */
export interface ErrorRecord {
  code: ErrorCode;
  detail?: string;
  tagId?: string;
}
/** The consent state after a change. */
export interface ConsentRecord {
  state: Record<string, 'granted' | 'denied' | 'pending'>;
  /** How the change came about: src/consent/state.ts `Method` (a test keeps the two equal). */
  method: 'accept-all' | 'reject-all' | 'custom' | 'api' | 'consent-mode' | 'gpc' | 'stored' | 'other-tab';
}
/** What happened to one tag for one event. */
export interface TagRecord {
  tagId: string;
  event: string;
  eventId: string;
  status: 'fired' | 'queued' | 'blocked' | 'failed';
  reason?: string;
}
/** The outcome of a replay of held events. */
export interface QueueRecord {
  replayed: number;
  dropped: number;
  expired: number;
}

export type RecordType = keyof RecordMap;
type Listener<T extends RecordType> = (record: RecordMap[T]) => void;

const WINDOW_EVENTS: readonly RecordType[] = ['ready', 'error', 'consent'];

/** Creates an emitter; `emit` also dispatches `tagwarden:<type>` on window for ready, error and consent. */
export function createEmitter() {
  // Copied on write: subscribing or unsubscribing makes a new set, so an emit goes on over the one it started
  // with, and a listener subscribed or unsubscribed meanwhile (even itself, again) counts from the next record.
  // The copy is made by the rare `on` and its unsubscribe, not by every emit.
  const listeners: Partial<Record<RecordType, ReadonlySet<(record: never) => void>>> = {};
  return {
    on<T extends RecordType>(type: T, listener: Listener<T>): () => void {
      listeners[type] = new Set(listeners[type]).add(listener);
      return () => {
        const set = new Set(listeners[type]);
        set.delete(listener);
        listeners[type] = set;
      };
    },
    emit<T extends RecordType>(type: T, record: RecordMap[T]): void {
      // Every listener (and `ready`) gets the same record, so none may change it for the others:
      // frozen, with the consent record's `state` (a fresh snapshot).
      Object.freeze((Object.freeze(record) as { state?: object }).state);
      for (const l of (listeners[type] ?? []) as Iterable<Listener<T>>) {
        try {
          l(record);
        } catch (e) {
          // A listener's bug is the page's to see, without breaking the runtime.
          setTimeout(() => {
            throw e;
          });
        }
      }
      if (WINDOW_EVENTS.includes(type))
        dispatchEvent(new CustomEvent(`tagwarden:${type}`, { detail: record }));
    },
    /** True when someone listens for `type` (records are not even built otherwise). */
    has(type: RecordType): boolean {
      return !!listeners[type]?.size;
    },
  };
}

export type Emitter = ReturnType<typeof createEmitter>;
