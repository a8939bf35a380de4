import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, PUBLIC_URL, type TestHotline, testConfig } from '../../test/helpers.js';
import { ConfigError } from '../config.js';

/**
 * CROSS_ORIGIN_ISOLATION: on by default (COOP/COEP on every page and file of the web client, so
 * whisper gets its threads); "off" drops COOP and COEP (CORP stays) and the public settings tell
 * every client, so the page says transcription needs isolation and it is off on this server.
 */

function webDir(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'llamenos-web-isolation-'));
  mkdirSync(path.join(root, 'assets'));
  writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>app</title>');
  writeFileSync(path.join(root, 'assets', 'whisper.worker-abc123.js'), 'self.onmessage = () => {}');
  return root;
}

const FILES = ['/', '/calls/123', '/assets/whisper.worker-abc123.js'];

describe('the cross-origin isolation switch', () => {
  let on: TestHotline;
  let off: TestHotline;
  beforeAll(async () => {
    const WEB_DIR = webDir();
    on = await createTestHotline({ WEB_DIR });
    off = await createTestHotline({ WEB_DIR, CROSS_ORIGIN_ISOLATION: 'off' });
  });
  afterAll(async () => {
    await on?.close();
    await off?.close();
  });

  it('is on unless set; only "on" and "off" are accepted', () => {
    expect(testConfig().CROSS_ORIGIN_ISOLATION).toBe('on');
    expect(testConfig({ CROSS_ORIGIN_ISOLATION: 'off' }).CROSS_ORIGIN_ISOLATION).toBe('off');
    expect(() => testConfig({ CROSS_ORIGIN_ISOLATION: 'false' })).toThrow(ConfigError);
    expect(() => testConfig({ CROSS_ORIGIN_ISOLATION: 'false' })).toThrow(/CROSS_ORIGIN_ISOLATION/);
  });

  it('on: every page and file is sent with COOP same-origin, COEP require-corp and CORP', async () => {
    for (const file of FILES) {
      const res = await on.app.request(`${PUBLIC_URL}${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('cross-origin-opener-policy'), file).toBe('same-origin');
      expect(res.headers.get('cross-origin-embedder-policy'), file).toBe('require-corp');
      expect(res.headers.get('cross-origin-resource-policy'), file).toBe('same-origin');
    }
  });

  it('off: neither COOP nor COEP is sent (CORP stays), and the public settings say so', async () => {
    for (const file of FILES) {
      const res = await off.app.request(`${PUBLIC_URL}${file}`);
      expect(res.status, file).toBe(200);
      expect(res.headers.get('cross-origin-opener-policy'), file).toBeNull();
      expect(res.headers.get('cross-origin-embedder-policy'), file).toBeNull();
      expect(res.headers.get('cross-origin-resource-policy'), file).toBe('same-origin');
    }
    const member = await off.addUser(['volunteer']);
    const settings = await (await off.request('GET', '/api/settings/public', { as: member })).json();
    expect(settings.transcription.crossOriginIsolation).toBe(false);
    const onMember = await on.addUser(['volunteer']);
    const onSettings = await (await on.request('GET', '/api/settings/public', { as: onMember })).json();
    expect(onSettings.transcription.crossOriginIsolation).toBe(true);
  });
});
