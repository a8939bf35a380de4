import { DEFAULT_SETTINGS, type HotlineSettings, SETTINGS_SECTIONS } from '@llamenos/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestHotline, type TestHotline, type TestUser } from '../../test/helpers.js';
import { listAudit, verifyAuditLog } from '../audit/service.js';
import type { SettingsChange } from './service.js';
import { loadSettings } from './store.js';

const clone = <T>(value: T): T => structuredClone(value);

describe('settings document', () => {
  let h: TestHotline;
  let admin: TestUser;
  let volunteer: TestUser;
  const heard: SettingsChange[] = [];
  const listener = (change: SettingsChange) => {
    heard.push(change);
  };

  beforeAll(async () => {
    h = await createTestHotline();
    admin = await h.addUser(['admin']);
    volunteer = await h.addUser(['volunteer']);
    h.ctx.events.on('settings:changed', listener);
  });
  afterAll(async () => {
    await h.close();
  });

  const read = async (): Promise<{ settings: HotlineSettings; version: number; problems?: unknown }> => {
    const res = await h.request('GET', '/api/settings', { as: admin });
    expect(res.status).toBe(200);
    return res.json();
  };
  const put = (settings: unknown, version: number) =>
    h.request('PUT', '/api/settings', { as: admin, body: { settings, version } });
  const patch = (section: string, value: unknown, version: number) =>
    h.request('PATCH', `/api/settings/${section}`, { as: admin, body: { value, version } });

  /** A bad write: 400 in the one error shape, and the stored document is exactly as before. */
  async function expectRefused(res: Response, pathPart: string) {
    const before = await read();
    expect(res.status).toBe(400);
    const body = await res.json();
    expect(body.error.code).toBe('validation_failed');
    expect(typeof body.error.message).toBe('string');
    expect(JSON.stringify(body.error.details)).toContain(pathPart);
    expect(await read()).toEqual(before);
  }

  it('starts with the defaults at version 0', async () => {
    expect(await read()).toEqual({ settings: DEFAULT_SETTINGS, version: 0 });
  });

  it('lets an admin edit each section with PATCH, bumping the version each time', async () => {
    const edits: Partial<HotlineSettings> = {
      hotlineName: 'Línea de Apoyo',
      timeZone: 'America/Mexico_City',
      languages: ['es', 'en', 'pt-BR'],
      channels: { voice: true, sms: true, whatsapp: false, signal: true, reports: true },
      customFields: [
        {
          id: 'risk',
          label: 'Risk level',
          type: 'select',
          required: true,
          options: ['low', 'high'],
          order: 0,
        },
        { id: 'age', label: 'Age', type: 'number', required: false, order: 1 },
      ],
      spam: { voiceCaptcha: true, callsPerCallerPerHour: 5, blockMinutes: 120 },
      calls: { queueTimeoutSeconds: 60, voicemailMaxSeconds: 300, ivrLanguageMenu: true },
      // requirePasskeys stays off: turning it on would lock out these passkey-less test users.
      security: { requirePasskeys: false, autoLockMinutes: 5 },
      retention: { noteDays: 365, callRecordDays: 90 },
    };
    let { version } = await read();
    for (const [section, value] of Object.entries(edits)) {
      const res = await patch(section, value, version);
      expect(res.status, section).toBe(200);
      const body = await res.json();
      expect(body.version).toBe(version + 1);
      expect(body.settings[section]).toEqual(value);
      version = body.version;
    }
    const { settings } = await read();
    expect(settings).toEqual({ ...DEFAULT_SETTINGS, ...edits });
    expect(
      heard.filter((c) => c.kind === 'settings').map((c) => (c.kind === 'settings' ? c.changed : [])),
    ).toEqual(Object.keys(edits).map((k) => [k]));
  });

  it('replaces the whole document with PUT and audits changed keys and custom field ids only', async () => {
    const { settings, version } = await read();
    const next = clone(settings);
    next.hotlineName = 'Renamed';
    next.customFields = [
      { id: 'risk', label: 'Risk', type: 'select', required: true, options: ['low', 'high'], order: 0 },
      { id: 'referral', label: 'Referred to', type: 'text', required: false, order: 2 },
    ];
    const res = await put(next, version);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ settings: next, version: version + 1 });
    const [entry] = await listAudit(h.ctx.db, { action: 'settings.changed', limit: 1 });
    expect(entry?.actorPubkey).toBe(admin.pubkey);
    expect(entry?.details).toEqual({
      version: version + 1,
      changed: ['hotlineName', 'customFields'],
      customFields: { added: ['referral'], removed: ['age'], changed: ['risk'] },
    });
    expect(JSON.stringify(entry?.details)).not.toContain('Renamed');
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });

  it('stores nothing and keeps the version when a write changes nothing', async () => {
    const before = await read();
    const audits = (await listAudit(h.ctx.db, { action: 'settings.changed', limit: 100 })).length;
    const res = await put(before.settings, before.version);
    expect(res.status).toBe(200);
    expect((await res.json()).version).toBe(before.version);
    expect((await listAudit(h.ctx.db, { action: 'settings.changed', limit: 100 })).length).toBe(audits);
  });

  it('refuses invalid documents with 400 and stores nothing', async () => {
    const { settings, version } = await read();
    const withFields = (customFields: unknown) => ({ ...settings, customFields });
    const text = { id: 'a', label: 'A', type: 'text', order: 0 };

    await expectRefused(await patch('timeZone', 'Mars/Olympus_Mons', version), 'timeZone');
    await expectRefused(await put({ ...settings, timeZone: 'Not/AZone' }, version), 'settings.timeZone');
    await expectRefused(
      await put(withFields([text, { ...text, label: 'B', order: 1 }]), version),
      'settings.customFields.1.id',
    );
    await expectRefused(
      await put(withFields([text, { ...text, id: 'b' }]), version),
      'settings.customFields.1.order',
    );
    await expectRefused(
      await patch('customFields', [{ id: 'kind', label: 'Kind', type: 'select', order: 0 }], version),
      'customFields.0.options',
    );
    await expectRefused(
      await patch(
        'customFields',
        [{ id: 'k', label: 'K', type: 'select', options: ['x', 'x'], order: 0 }],
        version,
      ),
      'customFields.0.options',
    );
    await expectRefused(
      await patch('security', { requirePasskeys: false, autoLockMinutes: 0 }, version),
      'security.autoLockMinutes',
    );
    await expectRefused(
      await patch('spam', { ...settings.spam, callsPerCallerPerHour: 100_000 }, version),
      'spam.callsPerCallerPerHour',
    );
    await expectRefused(await put({ ...settings, theme: 'dark' }, version), 'settings');
    await expectRefused(await patch('channels', { ...settings.channels, fax: true }, version), 'channels');
    await expectRefused(await patch('languages', ['en', 'en'], version), 'languages');
    await expectRefused(
      await h.request('PUT', '/api/settings', { as: admin, body: { settings, version, extra: 1 } }),
      '',
    );
    await expectRefused(
      await h.request('PATCH', '/api/settings/timeZone', { as: admin, body: { version } }),
      'value',
    );
    await expectRefused(await patch('notASection', 1, version), 'section');
  });

  it('refuses a stale version with 409 and a message that says to reload', async () => {
    const { settings, version } = await read();
    const first = await put({ ...settings, hotlineName: 'First writer' }, version);
    expect(first.status).toBe(200);
    const second = await put({ ...settings, hotlineName: 'Second writer' }, version);
    expect(second.status).toBe(409);
    const body = await second.json();
    expect(body.error.code).toBe('conflict');
    expect(body.error.message).toMatch(/reload/);
    expect(body.error.details).toEqual({ currentVersion: version + 1 });
    const stalePatch = await patch('hotlineName', 'Third writer', version);
    expect(stalePatch.status).toBe(409);
    expect((await read()).settings.hotlineName).toBe('First writer');
  });

  it('lets only one of two concurrent writers of the same version win', async () => {
    const { settings, version } = await read();
    const results = await Promise.all([
      put({ ...settings, hotlineName: 'Racer A' }, version),
      put({ ...settings, hotlineName: 'Racer B' }, version),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    expect((await read()).version).toBe(version + 1);
  });

  it('gives volunteers 403 on admin routes but the public subset', async () => {
    expect((await h.request('GET', '/api/settings', { as: volunteer })).status).toBe(403);
    const { settings, version } = await read();
    expect(
      (await h.request('PUT', '/api/settings', { as: volunteer, body: { settings, version } })).status,
    ).toBe(403);
    expect(
      (
        await h.request('PATCH', '/api/settings/hotlineName', {
          as: volunteer,
          body: { value: 'x', version },
        })
      ).status,
    ).toBe(403);
    expect((await h.request('GET', '/api/settings/providers', { as: volunteer })).status).toBe(403);

    const res = await h.request('GET', '/api/settings/public', { as: volunteer });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      hotlineName: settings.hotlineName,
      timeZone: settings.timeZone,
      languages: settings.languages,
      channels: settings.channels,
      customFields: settings.customFields,
      security: { autoLockMinutes: settings.security.autoLockMinutes },
      reports: {
        types: settings.reports.types,
        maxFileBytes: settings.reports.maxFileBytes,
        maxReportBytes: settings.reports.maxReportBytes,
      },
      transcription: { ...settings.transcription, model: null, crossOriginIsolation: true },
      version,
    });
    expect((await h.request('GET', '/api/settings/public')).status).toBe(401);
    expect((await h.request('GET', '/api/settings/public?x=1', { as: volunteer })).status).toBe(400);
  });

  it('shows the hotline name and languages in the public config', async () => {
    const { settings } = await read();
    const res = await h.request('GET', '/api/config');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      hotlineName: settings.hotlineName,
      languages: settings.languages,
    });
  });

  it('shows a stored document that went bad with defaults for the bad sections, and lets an admin repair it', async () => {
    const { settings, version } = await read();
    const broken = { ...settings, timeZone: 'Atlantis/Capital', languages: [] };
    await h.ctx.db.query('update hotline_settings set value = $1::jsonb where id = 1', [
      JSON.stringify(broken),
    ]);
    const res = await h.request('GET', '/api/settings', { as: admin });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.version).toBe(version);
    expect(body.settings).toEqual({
      ...settings,
      timeZone: DEFAULT_SETTINGS.timeZone,
      languages: DEFAULT_SETTINGS.languages,
    });
    expect(body.problems.map((p: { path: string }) => p.path).sort()).toEqual(['languages', 'timeZone']);
    // The login page still renders.
    expect((await h.request('GET', '/api/config')).status).toBe(200);
    const repaired = await put(body.settings, version);
    expect(repaired.status).toBe(200);
    expect((await repaired.json()).version).toBe(version + 1);
    const [entry] = await listAudit(h.ctx.db, { action: 'settings.changed', limit: 1 });
    expect(entry?.details.changed).toEqual(SETTINGS_SECTIONS);
    expect((await read()).problems).toBeUndefined();
  });

  it('keeps serving (calls read settings) with a bad stored field, salvaging the valid fields of its section', async () => {
    const { settings, version } = await read();
    const broken = {
      ...settings,
      security: { requirePasskeys: false, autoLockMinutes: 99_999 },
      spam: { ...settings.spam, voiceCaptcha: true, blockMinutes: -5 },
    };
    await h.ctx.db.query('update hotline_settings set value = $1::jsonb where id = 1', [
      JSON.stringify(broken),
    ]);
    const loaded = await loadSettings(h.ctx.db);
    // The bad fields take their defaults; the valid fields beside them stay as the admin set them.
    expect(loaded.settings.security).toEqual({
      requirePasskeys: false,
      autoLockMinutes: DEFAULT_SETTINGS.security.autoLockMinutes,
    });
    expect(loaded.settings.spam).toMatchObject({
      voiceCaptcha: true,
      blockMinutes: DEFAULT_SETTINGS.spam.blockMinutes,
    });
    expect(loaded.problems?.map((p) => p.path).sort()).toEqual([
      'security.autoLockMinutes',
      'spam.blockMinutes',
    ]);
    expect((await h.request('GET', '/api/settings/public', { as: volunteer })).status).toBe(200);
    const repaired = await put(loaded.settings, version);
    expect(repaired.status).toBe(200);
    expect((await loadSettings(h.ctx.db)).problems).toBeUndefined();
  });

  it('tells listeners only about committed changes, and survives a failing listener', async () => {
    const failing = () => {
      throw new Error('listener bug');
    };
    const rejecting = async () => {
      throw new Error('async listener bug');
    };
    const unsubscribe = [
      h.ctx.events.on('settings:changed', failing),
      h.ctx.events.on('settings:changed', rejecting),
    ];
    try {
      const { version } = await read();
      const heardBefore = heard.length;
      expect((await patch('hotlineName', 'Heard', version - 1)).status).toBe(409);
      expect((await patch('hotlineName', '', version)).status).toBe(400);
      expect(heard.length).toBe(heardBefore);
      expect((await patch('hotlineName', 'Heard', version)).status).toBe(200);
      expect(heard.at(-1)).toEqual({ kind: 'settings', version: version + 1, changed: ['hotlineName'] });
    } finally {
      for (const off of unsubscribe) off();
    }
  });

  it('keeps every audit entry in a verifiable chain', async () => {
    expect(await verifyAuditLog(h.ctx.db)).toMatchObject({ ok: true });
  });
});
