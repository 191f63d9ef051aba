/**
 * The first-party cookie holding the visitor's decision: per category granted (1) or refused (0),
 * the policy revision, per-category fingerprints, the time and a random consent id. It is the
 * runtime's own strictly necessary storage; no other identifier is created before consent.
 */
import type { Container } from '../container/schema';
import { readCookies, writeCookie } from '../lib/dom';

/** A stored decision. */
export interface StoredDecision {
  /** Random consent id (proof-of-consent records carry it; nothing else does). */
  id: string;
  /** Decision time, ms since epoch. */
  time: number;
  /** Policy revision the decision was made under. */
  revision: number;
  /** Category id → 1 granted / 0 refused. */
  choices: Record<string, 0 | 1>;
  /** Category id → fingerprint at decision time. */
  fingerprints: Record<string, string>;
}

/**
 * Reads and parses the decision cookie; undefined when absent; 'bad' when unreadable. With more than one of
 * that name (a host-only one left from before the container set a `domain`, or one of a parent domain), the
 * newest decision wins: the order in which the browser lists them says nothing about which is current.
 */
export function readDecision(name: string): StoredDecision | undefined | 'bad' {
  let found: StoredDecision | undefined | 'bad';
  for (const c of readCookies().split('; ')) {
    if (!c.startsWith(`${name}=`)) continue;
    let d: StoredDecision | 'bad' = 'bad';
    try {
      const v = JSON.parse(decodeURIComponent(c.slice(name.length + 1))) as StoredDecision;
      if (
        typeof v.id === 'string' &&
        new Date(v.time).getTime() === v.time && // a time a Date can hold (toISOString would throw)
        Number.isSafeInteger(v.revision) &&
        isRecord(v.choices) &&
        isRecord(v.fingerprints)
      )
        d = v;
    } catch {
      // 'bad'
    }
    if (found === undefined || found === 'bad' || (d !== 'bad' && d.time > found.time)) found = d;
  }
  return found;
}

/** Writes the decision cookie with the container's name, lifetime and domain (SameSite=Lax, Secure on https). */
export function writeDecision(c: Container['consent']['cookie'], d: StoredDecision): void {
  const parts = [
    `${c.name}=${encodeURIComponent(JSON.stringify(d))}`,
    'path=/',
    `max-age=${c.maxAgeDays * 86_400}`,
    'samesite=lax',
  ];
  if (c.domain) {
    // A host-only cookie of the same name (written before the container set a domain) would shadow this one.
    writeCookie(`${c.name}=; path=/; max-age=0`);
    parts.push(`domain=${c.domain}`);
  }
  if (location.protocol === 'https:') parts.push('secure');
  writeCookie(parts.join('; '));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
