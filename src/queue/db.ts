/**
 * The queue's own IndexedDB connection: opens (or creates) the database and its object stores,
 * gives up on error, on `blocked` or after a timeout (Safari 14 can leave open() unanswered), and closes
 * itself on `versionchange` so another tab's upgrade is never blocked. Knows nothing about entries.
 */
import { promisifyRequest } from 'idb-keyval';

/**
 * Opens database `name` holding object stores `stores` (creating any that is missing, in an upgrade to the
 * next version). Rejects when open() throws, errors, is blocked, or does not answer within `ms`; a late answer
 * is closed. `gone` runs when the connection is closed under us (versionchange, or a forced close by the browser).
 */
export function openDb(
  name: string,
  stores: string[],
  ms: number,
  gone: () => void,
  version?: number,
): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, version);
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      fn();
    };
    const fail = (e: unknown) => settle(() => reject(e));
    const timer = setTimeout(fail, ms, new DOMException('', 'TimeoutError'));
    const missing = (db: IDBDatabase) => stores.filter((s) => !db.objectStoreNames.contains(s));
    req.onupgradeneeded = () => {
      for (const s of missing(req.result)) req.result.createObjectStore(s);
    };
    req.onblocked = (e) => fail(new DOMException('', e.type));
    req.onerror = () => fail(req.error);
    req.onsuccess = () => {
      const db = req.result;
      if (settled) return db.close();
      // The database exists without (one of) our stores: add them in an upgrade.
      if (missing(db).length) {
        db.close();
        return settle(() => resolve(openDb(name, stores, ms, gone, db.version + 1)));
      }
      db.onversionchange = () => {
        db.close();
        gone();
      };
      db.onclose = gone;
      settle(() => resolve(db));
    };
  });
}

/**
 * Runs `fn` in one readwrite transaction on `stores` (given to it in that order) and resolves with its result
 * once the transaction has committed; rejects (with the abort cause) when it aborts. A throw from `fn` aborts
 * the transaction.
 */
export async function inTx<T>(
  db: IDBDatabase,
  stores: string[],
  fn: (...s: IDBObjectStore[]) => T,
): Promise<T> {
  const t = db.transaction(stores, 'readwrite');
  let out: T;
  try {
    out = fn(...stores.map((s) => t.objectStore(s)));
  } catch (e) {
    t.abort();
    throw e;
  }
  await promisifyRequest(t);
  return out;
}
