import { DEFAULT_SETTINGS, type HotlineSettings } from '@llamenos/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline } from '../../test/helpers.js';
import { notifySettingsChanged } from '../settings/hooks.js';
import { loadSettingsRow, saveSettings } from '../settings/store.js';
import { callSettings, webhookAdapter } from './wiring.js';

/**
 * The call path keeps the settings and the provider adapters per process (settings/cache.ts,
 * wiring.ts keptAdapter) instead of reading them for every webhook: a change announced on this
 * process applies at once, one saved elsewhere (another process, here written behind the
 * context's back) within a second, and nothing is read again while the copy is fresh.
 */

const hotlines: TestHotline[] = [];
afterEach(async () => {
  for (const h of hotlines.splice(0)) await h.close();
});

async function hotline() {
  const h = await createTestHotline();
  hotlines.push(h);
  return h;
}

/** Saves the settings straight to the table, as another process would: this one is not told. */
async function saveElsewhere(h: TestHotline, change: (s: HotlineSettings) => HotlineSettings) {
  const { value, version } = await loadSettingsRow(h.ctx.db);
  const next = change(structuredClone({ ...DEFAULT_SETTINGS, ...(value as object) }) as HotlineSettings);
  const saved = await saveSettings(h.ctx.db, next, version, null, new Date());
  if (saved === null) throw new Error('settings version race in a test');
  return saved;
}

/** Counts the statements `h`'s database runs from here on. */
function countStatements(h: TestHotline): () => number {
  let n = 0;
  const db = h.ctx.db;
  const query = db.query.bind(db);
  db.query = ((...args: Parameters<typeof db.query>) => {
    n++;
    return query(...args);
  }) as typeof db.query;
  return () => n;
}

describe('settings kept for the call path', () => {
  it('reads the settings once while fresh, and sees a change made elsewhere within a second', async () => {
    const h = await hotline();
    const first = await callSettings(h.ctx);
    expect(first.spam.voiceCaptcha).toBe(false);
    const statements = countStatements(h);
    for (let i = 0; i < 5; i++) await callSettings(h.ctx);
    expect(statements()).toBe(0);

    await saveElsewhere(h, (s) => ({ ...s, spam: { ...s.spam, voiceCaptcha: true } }));
    // Not announced here: the kept copy stands for at most a second.
    expect((await callSettings(h.ctx)).spam.voiceCaptcha).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await callSettings(h.ctx)).spam.voiceCaptcha).toBe(true);
  });

  it('applies a change announced on this process at once', async () => {
    const h = await hotline();
    expect((await callSettings(h.ctx)).calls.queueTimeoutSeconds).toBe(
      DEFAULT_SETTINGS.calls.queueTimeoutSeconds,
    );
    const version = await saveElsewhere(h, (s) => ({
      ...s,
      calls: { ...s.calls, queueTimeoutSeconds: 123 },
    }));
    notifySettingsChanged(h.ctx, { kind: 'settings', version, changed: ['calls'] });
    expect((await callSettings(h.ctx)).calls.queueTimeoutSeconds).toBe(123);
  });

  it('keeps a provider adapter between webhooks and builds it again after a change', async () => {
    const h = await hotline();
    const first = await webhookAdapter(h.ctx, 'simulator');
    expect(await webhookAdapter(h.ctx, 'simulator')).toBe(first);
    notifySettingsChanged(h.ctx, { kind: 'provider', provider: 'simulator', action: 'updated' });
    expect(await webhookAdapter(h.ctx, 'simulator')).not.toBe(first);
  });
});
