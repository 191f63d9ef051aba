/**
 * Finding and launching the system Chromium for the browser tests (playwright-core drives it;
 * Playwright's own browser download is never used: see /work/shared/notes/toolchain.md).
 * Owns: the executable search order and the launch flags. A missing Chromium is an error,
 * never a silent skip.
 */
import { accessSync, constants } from 'node:fs';
import { type Browser, chromium, type LaunchOptions } from 'playwright-core';

/** Where Chromium is looked for after `$CHROMIUM_PATH`, in order. */
export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

/**
 * Flags for every launch. Playwright adds `--headless` (with `headless: true`), `--no-sandbox`
 * (unless `chromiumSandbox: true`) and a fresh temporary `--user-data-dir` itself; it refuses a
 * `--user-data-dir` argument, so those are not repeated here.
 */
export const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium executable: `$CHROMIUM_PATH` if set (it must exist), else the first of
 * `CHROMIUM_CANDIDATES` that exists. Throws with install instructions when there is none.
 */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.CHROMIUM_PATH;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (isExecutable(fromEnv)) return fromEnv;
    throw new Error(`CHROMIUM_PATH is set to "${fromEnv}", which is not an executable file.`);
  }
  const found = CHROMIUM_CANDIDATES.find(isExecutable);
  if (found !== undefined) return found;
  throw new Error(
    'The browser tests need Chromium and none was found ' +
      `(looked at $CHROMIUM_PATH, ${CHROMIUM_CANDIDATES.join(', ')}). ` +
      'Install one with `apt-get install -y chromium` (Debian/Ubuntu), or set CHROMIUM_PATH to a ' +
      'Chromium or Chrome executable. Do not run `npx playwright install`.',
  );
}

/** Launches a headless Chromium with a fresh profile; `options` are merged over the defaults. */
export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: findChromium(),
    headless: true,
    chromiumSandbox: false,
    ...options,
    args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
  });
}
