/**
 * The runtime's schema gate, a lazy chunk loaded in parallel with the container download: the
 * schema compiled to data and a small interpreter (container/check.ts), no zod and no eval.
 */
export { checkContainer } from '../container/check';
