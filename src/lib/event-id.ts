/**
 * Event ids: a random 96-bit prefix drawn once per page plus a counter, in UUID form. As unique as
 * a random UUID for de-duplication by vendors, at a fraction of crypto.randomUUID()'s cost on the
 * hot path (every dataLayer event gets one).
 */

let prefix = '';
let counter = 0;

/** A new event id, `xxxxxxxx-xxxx-4xxx-xxxx-cccccccccccc` (the last group counts up within the page). */
export function eventId(): string {
  if (!prefix) {
    const r = crypto.getRandomValues(new Uint32Array(3));
    const hex = [...r].map((n) => n.toString(16).padStart(8, '0')).join('');
    prefix = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-`;
  }
  return prefix + (counter++).toString(16).padStart(12, '0');
}
