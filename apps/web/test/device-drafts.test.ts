/**
 * Note and report drafts share one sealing (lib/device-drafts.ts). Drafts a member left on the
 * device before must still open: the two entries below were written by the earlier, separate
 * note and report draft modules, under the secret key 07…07. A new save writes the same entry
 * shape, key for key.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const SECRET = new Uint8Array(32).fill(7);
let unlocked: Uint8Array | null = SECRET;
vi.mock('../src/lib/vault.js', () => ({ unlockedSecretKey: () => unlocked }));

const { deleteDraft, findNewNoteDraft, loadDraft, saveDraft } = await import('../src/lib/notes/drafts.js');
const { findReportDraft, saveReportDraft } = await import('../src/lib/reports/drafts.js');

const NOTE_ID = '5d0c2a4e-8f1b-4c3d-9e2f-1a2b3c4d5e6f';
const OLD_NOTE_DRAFT = [
  `llamenos.note-draft.${NOTE_ID}`,
  '{"v":1,"noteId":"5d0c2a4e-8f1b-4c3d-9e2f-1a2b3c4d5e6f","baseVersion":3,"savedAt":"2026-12-05T10:09:42.878Z","blob":"AeMr6uYOSQJdpuOPqmyW4ZZu5UEuehSf5YMPd50OcMHLsPo2sQcHNW0OdkGgATLO3El_BxLdSRstqGbD5xYzfLdLbs4GcaYZ-GA-VETck7hhZce27eYfnA5nYp80L3F6-0WJFsUhcxqPUwqDATEv61_thKgL6cyX_ZFhijLyX6yxDjcq3figpdVDoEHQ8tzUEg1MxFf6u5oWpPzDLIMxOTaTPnVTjStb8_fkpKA"}',
] as const;
const REPORT_ID = '0b5f8a8e-6c8b-4a57-9d2e-3f1c2b4a5d6e';
const OLD_REPORT_DRAFT = [
  `llamenos.report-draft.${REPORT_ID}`,
  '{"v":1,"reportId":"0b5f8a8e-6c8b-4a57-9d2e-3f1c2b4a5d6e","savedAt":"2026-12-04T10:00:00.000Z","blob":"AUIF5s6xKSM443LjW8x4iSnlglrfwmFb5ouWioQ-L67ETH5sfHZOrbtqiVD7-fvl9J7xweSY7K2T_bj1n9Q-DveH4bVV7ixkcWHTjolozlwTfaICcOQ5kwPCjoWFzzBnlz6yAn_tZOBOQHLiWQfOjGvv1OLDnJO7dL0U7gcOoVubNGKc0chSbog_L7pQRaJiRKwc9Y70MJqRXNabi6u_dh4Tt9n0xwPQffk02rqWL94ogcILDeDBcJRpN6oCZoOwSmtDxGWAGCy8YEuauw"}',
] as const;

let storage: Map<string, string>;
beforeEach(() => {
  unlocked = SECRET;
  storage = new Map();
  const local = {
    get length() {
      return storage.size;
    },
    key: (i: number) => [...storage.keys()][i] ?? null,
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => void storage.set(k, v),
    removeItem: (k: string) => void storage.delete(k),
  };
  Object.defineProperty(globalThis, 'localStorage', { value: local, configurable: true });
});

describe('a draft left by an earlier version', () => {
  it('opens as a note draft', () => {
    storage.set(...OLD_NOTE_DRAFT);
    expect(loadDraft(NOTE_ID)).toEqual({
      noteId: NOTE_ID,
      baseVersion: 3,
      savedAt: '2026-12-05T10:09:42.878Z',
      callId: 'call-1',
      text: 'Caller asked about the shelter',
      values: { urgent: true, topic: 'housing' },
    });
  });

  it('opens as a report draft', () => {
    storage.set(...OLD_REPORT_DRAFT);
    expect(findReportDraft(SECRET)).toEqual({
      reportId: REPORT_ID,
      typeId: 'incident',
      savedAt: '2026-12-04T10:00:00.000Z',
      values: {
        title: 'Raid at the market',
        body: 'Three vans',
        category: '',
        fields: { seen: ['vans'], place: 'Square' },
      },
    });
  });

  it('of one kind is not read as the other', () => {
    storage.set(OLD_REPORT_DRAFT[0].replace('report-draft', 'note-draft'), OLD_REPORT_DRAFT[1]);
    storage.set(OLD_NOTE_DRAFT[0].replace('note-draft', 'report-draft'), OLD_NOTE_DRAFT[1]);
    expect(findNewNoteDraft('call-1')).toBeNull();
    expect(findReportDraft(SECRET)).toBeNull();
  });
});

describe('a note draft saved now', () => {
  it('is stored in the same shape, key for key, and comes back', () => {
    expect(saveDraft(NOTE_ID, null, { callId: 'call-2', text: 'Needs a callback', values: {} })).toBe(true);
    const stored = JSON.parse(storage.get(`llamenos.note-draft.${NOTE_ID}`) ?? '{}');
    expect(Object.keys(stored)).toEqual(['v', 'noteId', 'baseVersion', 'savedAt', 'blob']);
    expect(JSON.stringify(stored)).not.toContain('callback');
    expect(findNewNoteDraft('call-2')?.text).toBe('Needs a callback');
    expect(findNewNoteDraft('call-1')).toBeNull();
    deleteDraft(NOTE_ID);
    expect(loadDraft(NOTE_ID)).toBeNull();
  });

  it('is neither written nor read while the vault is locked', () => {
    storage.set(...OLD_NOTE_DRAFT);
    unlocked = null;
    expect(loadDraft(NOTE_ID)).toBeNull();
    expect(saveDraft(NOTE_ID, 3, { callId: null, text: 'x', values: {} })).toBe(false);
    expect(storage.get(OLD_NOTE_DRAFT[0])).toBe(OLD_NOTE_DRAFT[1]);
  });
});

describe('a report draft saved now', () => {
  it('is stored in the same shape, key for key', () => {
    const values = { title: 't', body: 'b', category: '', fields: {} };
    expect(saveReportDraft(SECRET, REPORT_ID, null, values, new Date('2026-12-05T00:00:00Z'))).toBe(true);
    const stored = JSON.parse(storage.get(`llamenos.report-draft.${REPORT_ID}`) ?? '{}');
    expect(Object.keys(stored)).toEqual(['v', 'reportId', 'savedAt', 'blob']);
    expect(findReportDraft(SECRET)).toEqual({
      reportId: REPORT_ID,
      typeId: null,
      savedAt: '2026-12-05T00:00:00.000Z',
      values,
    });
  });
});
