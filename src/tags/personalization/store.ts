/**
 * The personalisation choices of the current page, by slot: what the `personalization` tag decided
 * and what the page may read through the runtime's API (`getPersonalization(slot)`). Kept in memory
 * only (nothing is stored on the device) and tiny, so that the runtime can import it statically
 * while the tag's own code stays in its lazy chunk.
 */

/** One slot's decision. */
export interface Personalization {
  /** The tag's `settings.slot`. */
  slot: string;
  /** The action to show: the service's `rewardActionId`, or the tag's `fallbackAction`. */
  actionId: string;
  /** The id of the event that triggered the rank call (the Personalizer event id). */
  eventId: string;
  /** True when the service did not answer in time or answered something unusable. */
  fallback: boolean;
}

const choices = new Map<string, Personalization>();

/** The current decision for `slot`, or undefined before one (or after a withdrawal). */
export function getPersonalization(slot: string): Personalization | undefined {
  const c = choices.get(slot);
  return c && { ...c };
}

/** Records the decision for its slot (the `personalization` tag only). */
export function setPersonalization(choice: Personalization): void {
  choices.set(choice.slot, { ...choice });
}

/** Forgets the decision for `slot` (withdrawal). */
export function forgetPersonalization(slot: string): void {
  choices.delete(slot);
}
