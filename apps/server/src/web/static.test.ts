import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../http/context.js';
import { mountWebClient } from './static.js';

function webRoot(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'llamenos-web-'));
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(path.join(root, 'assets', 'app-abc123.js'), 'console.log(1)');
  writeFileSync(path.join(root, 'manifest.webmanifest'), '{}');
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

  it('never escapes its folder and leaves /api alone', async () => {
    const traversal = await app.request('/..%2f..%2fetc%2fpasswd');
    expect(await traversal.text()).not.toContain('root:');
    expect((await app.request('/%E0%A4%A')).status).toBe(404); // malformed escape: not found, not a crash
    expect((await app.request('/api/unknown')).status).toBe(404);
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
