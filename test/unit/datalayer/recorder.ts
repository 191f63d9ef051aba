/**
 * Test helper: a DataLayerHandler that records what the dataLayer hands to the runtime.
 * Owns: the recording and a pollution check. Does not own any assertion about behaviour.
 */

import type { DataLayerHandler } from '../../../src/datalayer';
import type { ErrorCode } from '../../../src/lib/errors';

/** One `handler.event` call; `model` is a structured clone taken at call time. */
export interface RecordedEvent {
  name: string;
  message: Record<string, unknown>;
  model: Record<string, unknown>;
}

/** A handler plus everything it received, in order. */
export interface Recorder {
  handler: DataLayerHandler;
  events: RecordedEvent[];
  commands: { name: string; args: unknown[] }[];
  errors: { code: ErrorCode; detail: string | undefined }[];
  /** Event names and command names in the order they arrived (`event:x`, `command:y`). */
  log: string[];
  /** The error codes reported so far. */
  codes(): ErrorCode[];
}

/** A recording handler; `onEvent` decides what `handler.event` returns (the tags' promise). */
export function recorder(
  onEvent?: (name: string, message: Record<string, unknown>) => PromiseLike<unknown> | undefined,
): Recorder {
  const r: Recorder = {
    events: [],
    commands: [],
    errors: [],
    log: [],
    codes: () => r.errors.map((e) => e.code),
    handler: {
      event(name, message, model) {
        r.log.push(`event:${name}`);
        r.events.push({ name, message, model: structuredClone(model) as Record<string, unknown> });
        return onEvent?.(name, message);
      },
      command(name, args) {
        r.log.push(`command:${name}`);
        r.commands.push({ name, args });
      },
      error(code, detail) {
        r.errors.push({ code, detail });
      },
      containerId: () => 'TW-TEST',
    },
  };
  return r;
}

/** Own property names of Object.prototype now; compare before/after to detect pollution. */
export function prototypeKeys(): string[] {
  return Object.getOwnPropertyNames(Object.prototype).sort();
}

/** Builds a real Arguments object, exactly what the gtag snippet pushes. */
export function args(..._items: unknown[]): IArguments {
  // biome-ignore lint/complexity/noArguments: the gtag snippet pushes a real Arguments object.
  return arguments;
}

/** True when Object.prototype is anywhere in `value`'s prototype chain. */
export function inheritsObjectPrototype(value: unknown): boolean {
  for (let p = Object.getPrototypeOf(value); p !== null; p = Object.getPrototypeOf(p)) {
    if (p === Object.prototype) return true;
  }
  return false;
}
