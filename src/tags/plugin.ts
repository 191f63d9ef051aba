/**
 * The contract between the runtime and a tag type: one small interface per type, loaded lazily the
 * first time a tag of that type is about to fire. A plugin fires one event for one tag and may clean
 * up on withdrawal; the runtime guards every call (tags/guard.ts), so a plugin may throw or reject.
 */
import type { Tag, TagType } from '../container/schema';
import type { TrustedScriptURL } from '../runtime/trusted-types';
import type { Lookup } from '../triggers/template';
import type { EventContext } from '../triggers/variables';

/** What the runtime lends a plugin. */
export interface TagContext {
  /** The page's CSP nonce for elements the plugin creates. */
  nonce: string;
  /** A script URL from the verified container, through the `tagwarden` Trusted Types policy. */
  scriptUrl(url: string): string | TrustedScriptURL;
  /** Variable lookup for `ev` (`event`, `eventId`, `dl.*`, `page.*`, `consent.*`). */
  vars(ev: EventContext): Lookup;
  /** Pushes a message to the dataLayer (e.g. a personalisation decision). */
  push(message: Record<string, unknown>): void;
  /** Reports a non-fatal problem as an `error` record. */
  report(code: string, detail?: string): void;
}

/** A tag type's implementation. */
export interface TagPlugin<T extends Tag = Tag> {
  /** Delivers one event to one tag; settles when the tag is done with it. Throwing means `failed`. */
  fire(tag: T, ev: EventContext, ctx: TagContext): Promise<unknown> | unknown;
  /** Consent for the tag's category was withdrawn: stop sending and clean up what the type owns. */
  revoke?(tag: T, ctx: TagContext): Promise<unknown> | unknown;
}

/** A plugin module's shape: `export default plugin`. */
export type PluginModule<T extends TagType = TagType> = { default: TagPlugin<Extract<Tag, { type: T }>> };
