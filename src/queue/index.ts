/**
 * The durable consent queue's public surface (re-exports only): `createDurableHolder` and its types.
 * The storage details (db.ts, entry.ts) stay private to the folder.
 */
export type { DurableHolder, DurableHolderOptions, TakeStats } from './holder';
export { createDurableHolder } from './holder';
