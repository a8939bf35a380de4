import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CALL_WEBHOOK_STEPS } from './calls-helpers.js';
import { createTestHotline, type TestHotline } from './helpers.js';
import { SERVER_SRC, serverSourceFiles, srcPath } from './server-sources.js';

/**
 * Lesson 18: dev shortcuts never reach production. No signature check is skipped by an
 * environment flag or by the Host header, and the test-only routes (the simulated carrier's
 * /api/simulator/* and its /api/telephony/simulator/* webhooks) do not exist in production.
 * The simulator test checks two of those routes; this one walks every simulator route the app
 * registers, so a new one cannot be added without the production check.
 */

// TRUST_PROXY with X-Forwarded-For 127.0.0.1 makes the in-process request a loopback client, so
// the simulator's loopback check passes and only the production check can answer 404 (without
// it, every in-process request is refused as non-loopback and the production check goes untested).
const LOOPBACK = { 'x-forwarded-for': '127.0.0.1' };
let prod: TestHotline;
let dev: TestHotline;
beforeAll(async () => {
  prod = await createTestHotline({
    LLAMENOS_ENV: 'production',
    PUBLIC_URL: 'https://hotline.example',
    TRUST_PROXY: 'true',
  });
  dev = await createTestHotline({ LLAMENOS_ENV: 'development', TRUST_PROXY: 'true' });
});
afterAll(async () => {
  await prod?.close();
  await dev?.close();
});

describe('lesson 18: test-only routes are absent in production', () => {
  it('serves the simulator page to a loopback client outside production (the control)', async () => {
    expect((await dev.request('GET', '/api/simulator', { headers: LOOPBACK })).status).toBe(200);
  });

  it('answers 404 on every simulator route the app registers, even from loopback', async () => {
    const routes = prod.app.routes.filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/simulator'));
    expect(routes.length).toBeGreaterThanOrEqual(4);
    for (const r of routes) {
      const target = r.path.replace(':sid', `CA${'0'.repeat(32)}`);
      const res = await prod.app.request(`https://hotline.example${target}`, {
        method: r.method,
        headers: { 'content-type': 'application/json', ...LOOPBACK },
        ...(r.method === 'GET' ? {} : { body: JSON.stringify({ from: '+15550100200', digits: '1' }) }),
      });
      expect(res.status, `${r.method} ${r.path}`).toBe(404);
    }
  });

  it('has no simulator webhooks in production, on any step', async () => {
    for (const step of CALL_WEBHOOK_STEPS) {
      const res = await prod.request('POST', `/api/telephony/simulator/${step}`, {
        body: 'CallSid=CA1&From=%2B15550100200&To=%2B15550100300',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...LOOPBACK },
      });
      expect(res.status, step).toBe(404);
    }
  });
});

describe('lesson 18: no bypass by environment flag or Host header', () => {
  it('reads the environment in config.ts only', () => {
    const readers = serverSourceFiles()
      .filter((f) => /process\.env|import\.meta\.env/.test(readFileSync(f, 'utf8')))
      .map(srcPath);
    expect(readers).toEqual(['config.ts']);
  });

  it('decides nothing by environment in signature, token or request-auth code', () => {
    const verification = serverSourceFiles()
      .map(srcPath)
      .filter(
        (f) =>
          f.startsWith('auth/') ||
          /^telephony\/[^/]+\/(signature|jwt)\.ts$/.test(f) ||
          f === 'telephony/webhook-request.ts' ||
          f === 'calls/webhook-routes.ts' ||
          f === 'realtime/auth-event.ts' ||
          f === 'realtime/verify.ts' ||
          f === 'http/guard.ts',
      );
    expect(verification.length).toBeGreaterThanOrEqual(10);
    const flagged = verification.filter((f) =>
      /isProduction|LLAMENOS_ENV|NODE_ENV|['"](test|development|dev)['"]/.test(
        readFileSync(path.join(SERVER_SRC, f), 'utf8'),
      ),
    );
    expect(flagged).toEqual([]);
  });

  it('lets isProduction switch off only the simulated carrier, never switch a check off elsewhere', () => {
    const users = serverSourceFiles()
      .filter((f) => /\bisProduction\b/.test(readFileSync(f, 'utf8')))
      .map(srcPath)
      .sort();
    // config.ts defines it; the others each turn something off in production (the simulator,
    // its provider, its no-op connection test) or report it (health). A new entry needs review.
    // push/endpoint.ts turns nothing off: production allows only https push services, and
    // outside it loopback is allowed too (the tests' fake push service).
    expect(users).toEqual([
      'config.ts',
      'health/routes.ts',
      'push/endpoint.ts',
      'settings/test-connection.ts',
      'simulator/instance.ts',
      'simulator/routes.ts',
      'telephony/registry.ts',
    ]);
  });

  it('never reads the Host header where a URL is rebuilt for a signature', () => {
    for (const f of ['auth/middleware.ts', 'telephony/webhook-request.ts', 'realtime/auth-event.ts']) {
      const text = readFileSync(path.join(SERVER_SRC, f), 'utf8');
      expect(
        /header\(\s*['"](x-forwarded-)?host['"]\s*\)|headers\.get\(\s*['"](x-forwarded-)?host['"]/i.test(
          text,
        ),
        f,
      ).toBe(false);
    }
  });
});
