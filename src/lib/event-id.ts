/**
 * Event ids: a random prefix drawn once per page plus a counter, in UUID form. The prefix is the
 * first 24 characters of one crypto.randomUUID() (74 random bits, version and variant included),
 * so ids are unique enough for de-duplication by vendors at a fraction of a UUID's cost per event.
 */

let prefix = '';
let counter = 0;

/** A new event id, `xxxxxxxx-xxxx-4xxx-yxxx-cccccccccccc` (the last group counts up within the page). */
export function eventId(): string {
  prefix ||= crypto.randomUUID().slice(0, 24);
  return prefix + (counter++).toString(16).padStart(12, '0');
}
