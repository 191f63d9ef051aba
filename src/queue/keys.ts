/**
 * The queue's localStorage keys, shared by the core's lazy handle (lazy.ts) and the queue itself (holder.ts):
 * the flag that says events may wait on the device, and the prefix of every page's spill.
 */

/** Present while the device may hold waiting events (lazy.ts sets and removes it). */
export const QUEUE_FLAG = 'tagwarden:queue';

/** Prefix of a page's spill, `tagwarden:queue:<page>`; every page of the site restores every such key. */
export const SPILL = 'tagwarden:queue:';

/** A value unique to this page and moment: the time in base 36 and six random characters. */
export const pageStamp = (now = Date.now()) => now.toString(36) + Math.random().toString(36).slice(2, 8);
