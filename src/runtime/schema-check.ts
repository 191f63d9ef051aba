/**
 * The runtime's schema gate, a lazy chunk: zod/mini in jitless mode (zod otherwise probes
 * `new Function`, which a strict CSP reports). Loaded in parallel with the container download.
 */
import * as z from 'zod/mini';

z.config({ jitless: true });

export { checkContainer } from '../container/check';
