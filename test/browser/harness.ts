/**
 * Helpers for browser test files: one site (the tagwarden server on 127.0.0.1, plus the same app on
 * `localhost` as a cross-site "third party") and one Chromium per file, and pages that record what
 * went wrong (console errors, page errors, CSP/Trusted Types violations) and every request made.
 * Owns the test-side wiring only; routes and records live in src/server.
 */
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { type App, type AppOptions, createApp, listen, type RecordStore } from '../../src/server/index.js';
import { launchChromium } from './chromium.js';

/** The built runtime, served at `/tagwarden/`. */
export const RUNTIME_DIR = fileURLToPath(new URL('../../dist/runtime/', import.meta.url));
/** The test pages, served at `/`. */
export const PAGES_DIR = fileURLToPath(new URL('./pages/', import.meta.url));

/** Options of `startSite`: app options (merged over the defaults) plus the browser to use. */
export interface SiteOptions extends AppOptions {
  /** Also serve the app on `http://localhost:<port>`, a cross-site origin (default true). */
  thirdParty?: boolean;
  /** A browser to reuse; by default `startSite` launches one and `stop` closes it. */
  browser?: Browser;
}

/** A securitypolicyviolation event, as seen by the page. */
export interface CspViolation {
  violatedDirective: string;
  effectiveDirective: string;
  blockedURI: string;
  sample: string;
  disposition: string;
  sourceFile: string;
  documentURI: string;
}

/** A request the browser made (navigation, subresource, beacon, fetch...). */
export interface SeenRequest {
  url: string;
  method: string;
  resourceType: string;
}

/** A page in a fresh browser context, with everything it reported collected as it happens. */
export interface PageProbe {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Text of every `console.error` (and browser-logged errors such as CSP reports). */
  readonly consoleErrors: string[];
  /** Uncaught exceptions, as `Name: message`. */
  readonly pageErrors: string[];
  /** CSP and Trusted Types violations (securitypolicyviolation events of every frame). */
  readonly violations: CspViolation[];
  /** Every request of the context, in order. */
  readonly requests: SeenRequest[];
  /** The requests whose URL is on `origin` (e.g. `site.thirdParty`). */
  requestsTo(origin: string): SeenRequest[];
  /** Closes the context. */
  close(): Promise<void>;
}

/** A running site: the app on its origins and the browser the pages open in. */
export interface Site {
  readonly app: App;
  readonly browser: Browser;
  readonly records: RecordStore;
  /** The first-party origin, `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The third-party origin, `http://localhost:<port>` (undefined with `thirdParty: false`). */
  readonly thirdParty: string | undefined;
  /** Absolute URL of `path` on the first-party origin. */
  url(path: string): string;
  /** Absolute URL of `path` on the third-party origin; throws with `thirdParty: false`. */
  thirdPartyUrl(path: string): string;
  /** Opens a page in a fresh context (a fresh profile: no cookies, storage or cache). */
  newPage(options?: BrowserContextOptions): Promise<PageProbe>;
  /** Closes every context, the app, and the browser if `startSite` launched it. */
  stop(): Promise<void>;
}

const BINDING = '__tagwardenTestViolation';

/** Runs in every frame before its scripts (not subject to the page's CSP). */
function reportViolations(binding: string): void {
  const report = (globalThis as unknown as Record<string, (v: unknown) => void>)[binding];
  addEventListener(
    'securitypolicyviolation',
    (e) => {
      report?.({
        violatedDirective: e.violatedDirective,
        effectiveDirective: e.effectiveDirective,
        blockedURI: e.blockedURI,
        sample: e.sample,
        disposition: e.disposition,
        sourceFile: e.sourceFile,
        documentURI: e.documentURI,
      });
    },
    true,
  );
}

/**
 * Starts the app (built runtime at `/tagwarden/`, test pages at `/`, collectors, strict CSP) on
 * 127.0.0.1 and, unless `thirdParty: false`, on localhost; launches Chromium unless given one.
 * Pages can use `{{firstParty}}` and `{{thirdParty}}` (origins) besides `{{nonce}}` and `{{origin}}`.
 * Call it in `beforeAll` and `stop()` in `afterAll`: one browser per test file.
 */
export async function startSite(options: SiteOptions = {}): Promise<Site> {
  const { thirdParty: wantThirdParty = true, browser: given, ...appOptions } = options;
  let firstParty = '';
  let thirdParty: string | undefined;
  const app = createApp({
    pages: PAGES_DIR,
    ...appOptions,
    // The pages' scripts are a mount, as a site's static assets are: readable cross-origin, which a
    // `crossorigin` script of the "third party" needs (page files are not).
    routes: { '/tagwarden/': RUNTIME_DIR, '/assets/': `${PAGES_DIR}assets`, ...appOptions.routes },
    vars: { firstParty: () => firstParty, thirdParty: () => thirdParty ?? '', ...appOptions.vars },
  });
  firstParty = await listen(app, 0, '127.0.0.1');
  if (wantThirdParty) thirdParty = await listen(app, 0, 'localhost');
  let browser: Browser;
  try {
    browser = given ?? (await launchChromium());
  } catch (error) {
    await app.close();
    throw error;
  }
  const contexts = new Set<BrowserContext>();

  const newPage = async (contextOptions: BrowserContextOptions = {}): Promise<PageProbe> => {
    const context = await browser.newContext(contextOptions);
    contexts.add(context);
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const violations: CspViolation[] = [];
    const requests: SeenRequest[] = [];
    await context.exposeFunction(BINDING, (v: CspViolation) => {
      violations.push(v);
    });
    await context.addInitScript(reportViolations, BINDING);
    context.on('request', (request) => {
      requests.push({ url: request.url(), method: request.method(), resourceType: request.resourceType() });
    });
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => {
      pageErrors.push(`${error.name}: ${error.message}`);
    });
    return {
      context,
      page,
      consoleErrors,
      pageErrors,
      violations,
      requests,
      requestsTo: (origin) => requests.filter((r) => new URL(r.url).origin === origin),
      close: async () => {
        contexts.delete(context);
        await context.close();
      },
    };
  };

  return {
    app,
    browser,
    records: app.records,
    origin: firstParty,
    thirdParty,
    url: (path) => new URL(path, firstParty).href,
    thirdPartyUrl: (path) => {
      if (thirdParty === undefined) throw new Error('This site was started with thirdParty: false.');
      return new URL(path, thirdParty).href;
    },
    newPage,
    stop: async () => {
      await Promise.all([...contexts].map((c) => c.close()));
      contexts.clear();
      if (given === undefined) await browser.close();
      await app.close();
    },
  };
}
