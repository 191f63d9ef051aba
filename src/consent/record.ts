/**
 * Proof of consent: every decision is sent to the container's first-party `recordEndpoint` as a
 * record (consent id, time, per-category choice, method, container id and version, policy revision,
 * banner text version, language) with `sendBeacon`; a record that cannot be sent is kept in
 * localStorage and sent on the next page view. No IP address or other identifier is added here.
 */

/** One proof-of-consent record. */
export interface ConsentProof {
  consentId: string;
  time: string;
  choices: Record<string, 'granted' | 'denied'>;
  method: string;
  containerId: string;
  containerVersion: number;
  policyRevision: number;
  textVersion: string | null;
  lang: string;
}

const PENDING = 'tagwarden:records';

/** Sends `record` (and any left over from earlier pages) to `endpoint`. */
export function sendProof(endpoint: string, record?: ConsentProof): void {
  let pending: ConsentProof[] = [];
  try {
    pending = JSON.parse(localStorage.getItem(PENDING) ?? '[]') as ConsentProof[];
  } catch {
    pending = [];
  }
  if (record) pending.push(record);
  const failed = pending.filter(
    (r) => !navigator.sendBeacon?.(endpoint, new Blob([JSON.stringify(r)], { type: 'application/json' })),
  );
  try {
    if (failed.length) localStorage.setItem(PENDING, JSON.stringify(failed.slice(-20)));
    else localStorage.removeItem(PENDING);
  } catch {
    // Storage refused: the record is lost with the page, as it would be without retry.
  }
}
