/**
 * Deletes what a tag declared it stores on the visitor's device, when consent for its category is
 * withdrawn: first-party cookies (on this host and its parent domains), localStorage and
 * sessionStorage keys, IndexedDB databases. Names may be patterns with `*`. Third-party storage is
 * out of the page's reach; the declaration says so.
 */
import type { StorageItem } from '../container/schema';
import { readCookies, writeCookie } from '../lib/dom';

const glob = (pattern: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);

/** Deletes every first-party item in `items` that exists now; returns the names deleted. */
export async function deleteStorage(items: readonly StorageItem[]): Promise<string[]> {
  const deleted: string[] = [];
  for (const item of items) {
    if (item.party !== 'first') continue;
    const re = glob(item.name);
    try {
      if (item.kind === 'cookie') {
        for (const name of readCookies()
          .split('; ')
          .map((c) => c.split('=')[0]!)) {
          if (name && re.test(name)) {
            expireCookie(name);
            deleted.push(name);
          }
        }
      } else if (item.kind === 'localStorage' || item.kind === 'sessionStorage') {
        const store = item.kind === 'localStorage' ? localStorage : sessionStorage;
        for (const key of Object.keys(store)) {
          if (re.test(key)) {
            store.removeItem(key);
            deleted.push(key);
          }
        }
      } else if (item.kind === 'indexedDB') {
        const names = item.name.includes('*')
          ? ((await indexedDB.databases?.()) ?? []).map((d) => d.name ?? '').filter((n) => re.test(n))
          : [item.name];
        for (const n of names) {
          indexedDB.deleteDatabase(n);
          deleted.push(n);
        }
      }
    } catch {
      // Storage disabled or blocked: nothing of ours to delete there.
    }
  }
  return deleted;
}

/**
 * Expires cookie `name` for path / on this host and every parent domain (the setter's choice is unknown). A
 * `__Secure-` or `__Host-` cookie can only be written, and so only expired, with `secure`.
 */
function expireCookie(name: string) {
  const labels = location.hostname.split('.');
  const domains = [''];
  for (let i = 0; i < labels.length - 1; i++) domains.push(`; domain=.${labels.slice(i).join('.')}`);
  const secure = /^__(Secure|Host)-/.test(name) ? '; secure' : '';
  for (const d of domains) writeCookie(`${name}=; max-age=0; path=/${d}${secure}`);
}
