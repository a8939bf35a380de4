import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, PUBLIC_URL, type TestHotline } from '../../test/helpers.js';
import type { AppEnv } from '../http/context.js';
import { mountWebClient } from './static.js';

function webRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'llamenos-web-'));
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(path.join(root, 'assets', 'app-abc123.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'manifest.webmanifest'), '{}');
  writeFileSync(path.join(root, 'assets', 'whisper.worker-abc123.js'), 'self.onmessage = () => {}');
  writeFileSync(path.join(root, 'assets', 'engine-abc123.wasm'), new Uint8Array([0, 97, 115, 109]));
  writeFileSync(path.join(root, 'sw.js'), 'self.addEventListener("fetch", () => {})');
  return root;
}

describe('web client serving', () => {
  const app = new Hono<AppEnv>();
  mountWebClient(app, webRoot());

  it('serves hashed assets as immutable and other files as no-cache', async () => {
    const asset = await app.request('/assets/app-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const manifest = await app.request('/manifest.webmanifest');
    expect(manifest.headers.get('content-type')).toBe('application/manifest+json');
  });

  it('answers client routes with index.html', async () => {
    const res = await app.request('/invite');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<title>app</title>');
  });

  it('isolates every page and file cross-origin (COOP, COEP require-corp, CORP), so whisper gets its threads', async () => {
    for (const file of [
      '/',
      '/calls/123',
      '/index.html',
      '/assets/app-abc123.js',
      '/assets/whisper.worker-abc123.js',
      '/assets/engine-abc123.wasm',
      '/sw.js',
      '/manifest.webmanifest',
    ]) {
      const res = await app.request(file);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('cross-origin-opener-policy'), file).toBe('same-origin');
      expect(res.headers.get('cross-origin-embedder-policy'), file).toBe('require-corp');
      expect(res.headers.get('cross-origin-resource-policy'), file).toBe('same-origin');
    }
    expect((await app.request('/assets/engine-abc123.wasm')).headers.get('content-type')).toBe(
      'application/wasm',
    );
  });

  it('never escapes its folder and leaves /api alone', async () => {
    const traversal = await app.request('/..%2f..%2fetc%2fpasswd');
    expect(await traversal.text()).not.toContain('root:');
    expect((await app.request('/%E0%A4%A')).status).toBe(404); // malformed escape: not found, not a crash
    expect((await app.request('/api/unknown')).status).toBe(404);
  });
});

describe('web client serving in the whole app', () => {
  let h: TestHotline;
  beforeAll(async () => {
    h = await createTestHotline({ WEB_DIR: webRoot() });
  });
  afterAll(() => h.close());

  it('keeps the isolation headers next to the app-wide security headers, one value each', async () => {
    const page = await h.app.request(`${PUBLIC_URL}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(page.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(page.headers.get('content-security-policy')).toContain("worker-src 'self' blob:");
  });

  it('leaves the API as it was: same-origin JSON needs no embedder policy', async () => {
    const res = await h.app.request(`${PUBLIC_URL}/api/health`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cross-origin-embedder-policy')).toBeNull();
  });
});

describe('web client serving next to a sibling folder', () => {
  // dist/ and dist-secret/ side by side: "dist-secret" starts with "dist", so a prefix check
  // without a separator would let /../dist-secret/… out of the served folder.
  const parent = mkdtempSync(path.join(tmpdir(), 'llamenos-web-sibling-'));
  const dist = path.join(parent, 'dist');
  mkdirSync(dist);
  mkdirSync(path.join(parent, 'dist-secret'));
  writeFileSync(path.join(dist, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(path.join(parent, 'dist-secret', 'file.txt'), 'sibling secret');
  writeFileSync(path.join(parent, 'dist.txt'), 'next-door secret');
  const app = new Hono<AppEnv>();
  mountWebClient(app, dist);
  app.notFound((c) => c.text('not found', 404));

  const escapes = [
    '/..%2fdist-secret%2ffile.txt',
    '/..%2Fdist-secret/file.txt',
    '/%2e%2e%2fdist-secret%2ffile.txt',
    '/%2e%2e/dist-secret/file.txt',
    '/..%5cdist-secret%5cfile.txt',
    '/..%2fdist.txt',
    '/%2e%2e%2fdist.txt',
  ];

  it('never serves a file from a sibling folder whose name starts with the served folder', async () => {
    for (const target of escapes) {
      const res = await app.request(target);
      expect(await res.text(), target).not.toMatch(/secret/);
    }
  });

  it('never serves it over a real socket either (no URL normalisation in between)', async () => {
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const { port } = server.address() as AddressInfo;
    try {
      for (const target of escapes) {
        const body = await new Promise<string>((resolve, reject) => {
          // http.get sends the path exactly as written: fetch() would normalise it first.
          const req = httpGet({ host: '127.0.0.1', port, path: target }, (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (d) => {
              text += d;
            });
            res.on('end', () => resolve(text));
          });
          req.on('error', reject);
        });
        expect(body, target).not.toMatch(/secret/);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('still serves its own files and client routes', async () => {
    expect(await (await app.request('/index.html')).text()).toContain('<title>app</title>');
    expect(await (await app.request('/dist-secret/file.txt')).text()).toContain('<title>app</title>');
  });
});
