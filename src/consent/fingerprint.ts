/**
 * Per-category fingerprints of the consent-relevant parts of a container: the category itself
 * (id, parent, always-on) and the vendors and storage of its tags. A stored grant survives only
 * while its category's fingerprint is unchanged; label or description edits do not re-prompt.
 */
import type { Container } from '../container/schema';

/** FNV-1a 32-bit of `s`, as 8 hex digits. Not a security hash: it detects change, nothing more. */
export function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Category id → fingerprint of what a visitor agrees to when granting it. */
export function categoryFingerprints(c: Container): Record<string, string> {
  const out: Record<string, string> = {};
  for (const cat of c.consent.categories) {
    const tags = c.tags
      .filter((t) => t.category === cat.id)
      .map((t) =>
        JSON.stringify([t.vendor.name, t.type, t.storage.map((s) => [s.kind, s.name, s.party, s.lifetime])]),
      )
      .sort();
    out[cat.id] = fnv1a(JSON.stringify([cat.id, cat.parent ?? '', !!cat.alwaysOn, tags]));
  }
  return out;
}
