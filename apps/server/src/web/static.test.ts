import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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
