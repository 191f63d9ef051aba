/**
 * vitest globalSetup of the `browser` project: fails the run loudly, before any test file, when
 * the built runtime (`dist/runtime/tagwarden.js`) or a Chromium executable is missing.
 * Owns only these preconditions; browsers are launched per test file (harness.ts).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { findChromium } from './chromium.js';

/** The built runtime the browser tests load. */
export const RUNTIME_ENTRY = resolve('dist/runtime/tagwarden.js');

/** Checks the preconditions; throws with the fix when one is not met. */
export default function setup(): void {
  if (!existsSync(RUNTIME_ENTRY)) {
    throw new Error(
      `The browser tests load the built runtime, and ${RUNTIME_ENTRY} does not exist. ` +
        'Run `npm run build` first (`npm test` does it before vitest).',
    );
  }
  findChromium();
}
