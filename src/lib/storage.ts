/**
 * Guarded Web Storage access: localStorage and sessionStorage throw when storage is disabled, blocked or
 * full. Owns only that guard; what a missing value means is the caller's.
 */

/** `fn()`, or undefined when it throws (no storage, or storage refused). */
export const storage = <T>(fn: () => T): T | undefined => {
  try {
    return fn();
  } catch {
    return undefined;
  }
};
