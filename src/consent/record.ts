/**
 * Proof of consent: every decision is sent to the container's first-party `recordEndpoint` as a
 * record (consent id, time, per-category choice, method, container id and version, policy revision,
 * banner text version, language) with `sendBeacon`. The runtime keeps each record in localStorage
 * until it was handed to the browser, so a record that cannot be sent is retried on the next page
 * view. No IP address or other identifier is added here. A lazy chunk: decisions are rare.
 */

/** One proof-of-consent record. */
export interface ConsentProof {
  consentId: string;
  time: string;
  /** Category id → status after the decision (`pending`: not decided yet, e.g. after a partial update). */
  choices: Record<string, 'granted' | 'denied' | 'pending'>;
  method: string;
  containerId: string;
  containerVersion: number;
  policyRevision: number;
  textVersion: string | null;
  lang: string;
}

const PENDING = 'tagwarden:records';

/**
 * Sends every record waiting in localStorage (the runtime puts each new one there first) to
 * `endpoint`; those that cannot be sent stay for the next page. `fresh` is sent from memory when
 * storage is unavailable.
 */
export function sendProofs(endpoint: string, fresh?: ConsentProof): void {
  let pending: ConsentProof[] = [];
  let stored = true;
  try {
    pending = JSON.parse(localStorage.getItem(PENDING) ?? '[]') as ConsentProof[];
  } catch {
    stored = false;
  }
  if (fresh && !pending.some((r) => r.consentId === fresh.consentId && r.time === fresh.time))
    pending.push(fresh);
  const failed = pending.filter(
    (r) => !navigator.sendBeacon?.(endpoint, new Blob([JSON.stringify(r)], { type: 'application/json' })),
  );
  if (!stored) return;
  try {
    if (failed.length) localStorage.setItem(PENDING, JSON.stringify(failed.slice(-20)));
    else localStorage.removeItem(PENDING);
  } catch {
    // Storage refused: what failed is lost with the page, as it would be without a retry.
  }
}
