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

/** Reads and parses the decision cookie; undefined when absent; 'bad' when unreadable. */
export function readDecision(name: string): StoredDecision | undefined | 'bad' {
  const raw = readCookies()
    .split('; ')
    .find((c) => c.startsWith(`${name}=`))
    ?.slice(name.length + 1);
  if (raw === undefined) return undefined;
  try {
    const d = JSON.parse(decodeURIComponent(raw)) as StoredDecision;
    const ok =
      typeof d.id === 'string' &&
      Number.isFinite(d.time) &&
      Number.isSafeInteger(d.revision) &&
      isRecord(d.choices) &&
      isRecord(d.fingerprints);
    return ok ? d : 'bad';
  } catch {
    return 'bad';
  }
}

/** Writes the decision cookie with the container's name, lifetime and domain (SameSite=Lax, Secure on https). */
export function writeDecision(c: Container['consent']['cookie'], d: StoredDecision): void {
  const parts = [
    `${c.name}=${encodeURIComponent(JSON.stringify(d))}`,
    'path=/',
    `max-age=${c.maxAgeDays * 86_400}`,
    'samesite=lax',
  ];
  if (c.domain) parts.push(`domain=${c.domain}`);
  if (location.protocol === 'https:') parts.push('secure');
  writeCookie(parts.join('; '));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
