// The test server in a real Chromium: the strict CSP and Trusted Types it sends are enforced,
// its collectors record pixels and beacons (also from a cross-site page), and both of its
// origins are secure contexts. One browser and one site for the whole file.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { CollectedRecord } from '../../src/server/index.js';
import { PAGES_DIR, type Site, startSite } from './harness.js';

let site: Site;

beforeAll(async () => {
  const dynamicJs = readFileSync(join(PAGES_DIR, 'assets/dynamic.js'));
  const dynamicSri = `sha384-${createHash('sha384').update(dynamicJs).digest('base64')}`;
  site = await startSite({ vars: { dynamicSri } });
});

afterAll(async () => {
  await site?.stop();
});

beforeEach(() => {
  site.records.clear();
});

const dataset = (probe: { page: Page }, key: string) =>
  probe.page.evaluate((k) => document.documentElement.dataset[k] ?? null, key);

describe('strict CSP', () => {
  test('a page served with the strict CSP runs its nonce’d module script', async () => {
    const probe = await site.newPage();
    const response = await probe.page.goto(site.url('/csp-smoke.html'));
    const header = response?.headers()['content-security-policy'] ?? '';
    expect(header).toMatch(/^script-src 'nonce-[A-Za-z0-9+/]{22}==' 'strict-dynamic'; object-src 'none'/);
    await expect.poll(() => dataset(probe, 'ran')).toBe('1');
    // The nonce in the header is the one the page's script element carries.
    const scriptNonce = await probe.page.evaluate(
      () => document.querySelector<HTMLScriptElement>('script[type=module]')?.nonce,
    );
    expect(header).toContain(`'nonce-${scriptNonce}'`);
    expect(probe.pageErrors).toEqual([]);
    expect(probe.requestsTo(site.thirdParty!)).toEqual([]);
    await probe.close();
  });

  test('an inline script without the nonce is refused and reported as a violation', async () => {
    const probe = await site.newPage();
    await probe.page.goto(site.url('/csp-smoke.html'));
    await expect.poll(() => probe.violations.length).toBeGreaterThan(0);
    expect(probe.violations[0]).toMatchObject({
      effectiveDirective: 'script-src-elem',
      blockedURI: 'inline',
    });
    expect(await dataset(probe, 'inline')).toBeNull();
    expect(probe.consoleErrors.join('\n')).toMatch(
      /inline script violates the following Content Security Policy directive/,
    );
    await probe.close();
  });

  test('with ?csp=none the same page has no CSP header and its inline script runs', async () => {
    const probe = await site.newPage();
    const response = await probe.page.goto(site.url('/csp-smoke.html?csp=none'));
    expect(response?.headers()['content-security-policy']).toBeUndefined();
    await expect.poll(() => dataset(probe, 'ran')).toBe('1');
    expect(await dataset(probe, 'inline')).toBe('1');
    expect(probe.violations).toEqual([]);
    await probe.close();
  });
});

describe('Trusted Types', () => {
  test('assigning a string to script.src is refused while the URL from the tagwarden policy loads', async () => {
    const probe = await site.newPage();
    await probe.page.goto(site.url('/trusted-types.html'));
    await expect.poll(() => dataset(probe, 'loaded')).toBe('policy');
    // The raw assignment threw: the script stopped right before it.
    expect(await dataset(probe, 'raw')).toBe('started');
    expect(probe.pageErrors.join('\n')).toMatch(/TrustedScriptURL/);
    await expect
      .poll(() => probe.violations.map((v) => v.effectiveDirective))
      .toContain('require-trusted-types-for');
    expect(probe.requests.map((r) => r.url)).not.toContain(site.url('/assets/dynamic.js?via=string'));
    await probe.close();
  });

  test('without the CSP header both the string and the policy assignment load', async () => {
    const probe = await site.newPage();
    await probe.page.goto(site.url('/trusted-types.html?csp=none'));
    await expect
      .poll(async () => (await dataset(probe, 'loaded'))?.split(',').sort())
      .toEqual(['policy', 'string']);
    expect(probe.pageErrors).toEqual([]);
    await probe.close();
  });
});

describe('Subresource Integrity', () => {
  test('a cross-origin script with crossorigin and a matching integrity runs and a mismatching one is blocked', async () => {
    const probe = await site.newPage();
    await probe.page.goto(site.url('/sri.html'));
    expect(await dataset(probe, 'loaded')).toBe('sri-good');
    expect(probe.consoleErrors.join('\n')).toMatch(/integrity/i);
    expect(probe.requestsTo(site.thirdParty!).map((r) => new URL(r.url).search)).toEqual([
      '?via=sri-good',
      '?via=sri-bad',
    ]);
    await probe.close();
  });
});

describe('collectors', () => {
  test('a pixel and a beacon from the page are recorded and listed by GET /__records', async () => {
    const probe = await site.newPage();
    await probe.page.goto(site.url('/collect.html'));
    expect(await dataset(probe, 'beacon')).toBe('true');
    await site.records.waitFor('pixel', { count: 2 });

    const listed = (await (await fetch(site.url('/__records?kind=pixel'))).json()) as CollectedRecord[];
    const pixel = listed.find((r) => r.method === 'GET');
    const beacon = listed.find((r) => r.method === 'POST');
    expect(pixel).toMatchObject({
      kind: 'pixel',
      path: '/collect/pixel',
      query: { e: 'x' },
      server: site.origin,
    });
    expect(pixel?.headers.referer).toBe(site.url('/collect.html'));
    expect(beacon).toMatchObject({ kind: 'pixel', body: 'body', server: site.origin });
    expect(beacon?.headers['content-type']).toMatch(/^text\/plain/);
    expect(probe.violations).toEqual([]);
    await probe.close();
  });

  test('a cross-site page can send a pixel, a beacon and a credentialed JSON post to the collectors', async () => {
    const probe = await site.newPage();
    await probe.page.goto(site.url('/third-party.html'));
    // The JSON post is preflighted (non-safelisted content type) and credentialed: both must pass CORS.
    await expect.poll(() => dataset(probe, 'fetch')).toBe('204');
    const [event] = await site.records.waitFor('events');
    expect(event).toMatchObject({ method: 'POST', body: { event: 'tp', n: 1 }, server: site.thirdParty });
    expect(event?.headers.origin).toBe(site.origin);
    const pixels = await site.records.waitFor('pixel', { count: 2 });
    expect(pixels.map((r) => r.server)).toEqual([site.thirdParty, site.thirdParty]);
    expect(pixels.map((r) => r.body ?? r.query.e).sort()).toEqual(['tp', 'tp-beacon']);
    expect(probe.requestsTo(site.thirdParty!).length).toBeGreaterThanOrEqual(3);
    await probe.close();
  });
});

describe('secure contexts', () => {
  test('the 127.0.0.1 page and the localhost page both have crypto.subtle', async () => {
    const probe = await site.newPage();
    for (const url of [site.url('/csp-smoke.html'), site.thirdPartyUrl('/csp-smoke.html')]) {
      await probe.page.goto(url);
      const context = await probe.page.evaluate(() => ({
        secure: window.isSecureContext,
        subtle: typeof crypto.subtle?.digest,
      }));
      expect(context, url).toEqual({ secure: true, subtle: 'function' });
    }
    await probe.close();
  });
});
