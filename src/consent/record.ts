/**
 * Proof of consent: every decision is sent to the container's first-party `recordEndpoint` as a
 * record (consent id, time, per-category choice, method, container id and version, policy revision,
 * banner text version, language) with a `keepalive` fetch that carries no cookie and no Referer. The
 * runtime keeps each record in localStorage until it was handed to the browser, and again when its send
 * failed, so a record that could not be sent is retried on the next page view. No identifier is added
 * here; the endpoint sees the request's IP address and user agent, as for any request. A lazy chunk:
 * decisions are rare.
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
 * `endpoint`, and takes them out of storage; one whose send fails for a reason that may pass (a network
 * error, 408, 425, 429, 5xx) is stored again for the next page; one refused otherwise is dropped. `fresh` is sent from memory when storage is unavailable.
 */
export function sendProofs(endpoint: string, fresh?: ConsentProof): void {
  let pending: ConsentProof[] = [];
  let stored = true;
  try {
    pending = JSON.parse(localStorage.getItem(PENDING) ?? '[]') as ConsentProof[];
    localStorage.removeItem(PENDING);
  } catch {
    stored = false;
  }
  if (fresh && !pending.some((r) => r.consentId === fresh.consentId && r.time === fresh.time))
    pending.push(fresh);
  for (const r of pending) {
    // No cookie and no Referer: the record is the whole message (sendBeacon would send both).
    fetch(endpoint, {
      method: 'POST',
      body: JSON.stringify(r),
      headers: { 'Content-Type': 'application/json' },
      keepalive: true,
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    })
      // Tried again on the next page after a network error, 408, 425, 429 or 5xx; another answer (a
      // misconfigured endpoint's 404) would refuse it on every page, so it is dropped.
      .then(
        (res) => res.status < 500 && ![408, 425, 429].includes(res.status),
        () => false,
      )
      .then((done) => done || !stored || keep(r));
  }
}

/** Stores `r` again for the next page (the newest 20 are kept); storage refused: it is lost with the page. */
function keep(r: ConsentProof) {
  try {
    const waiting = JSON.parse(localStorage.getItem(PENDING) ?? '[]') as ConsentProof[];
    localStorage.setItem(PENDING, JSON.stringify([...waiting, r].slice(-20)));
  } catch {
    // As said.
  }
}
