/**
 * A report being written is kept on the device encrypted (lib/reports/drafts.ts): it comes back
 * for the member who wrote it, under its report id; another member's key, or an entry moved to
 * another report's name, shows nothing; a filed or discarded report leaves no draft.
 */
import { generateSecretKey } from '@llamenos/crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { deleteReportDraft, findReportDraft, saveReportDraft } from '../src/lib/reports/drafts.js';

class MemoryStorage {
  private readonly items = new Map<string, string>();
  get length() {
    return this.items.size;
  }
  key(i: number) {
    return [...this.items.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.items.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.items.set(k, v);
  }
  removeItem(k: string) {
    this.items.delete(k);
  }
  dump() {
    return [...this.items.values()].join('\n');
  }
}

const ID = '0b5f8a8e-6c8b-4a57-9d2e-3f1c2b4a5d6e';
const OTHER = '7d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6';
const VALUES = {
  title: 'Raid at the market',
  body: 'Three vans',
  category: '',
  fields: { seen: ['vans'], place: 'Square' },
};
let storage: MemoryStorage;

beforeEach(() => {
  storage = new MemoryStorage();
  Object.defineProperty(globalThis, 'localStorage', { value: storage, configurable: true });
});

describe('a report draft', () => {
  const me = generateSecretKey();

  it('comes back for its writer, encrypted at rest', () => {
    expect(saveReportDraft(me, ID, 'incident', VALUES, new Date('2026-12-04T10:00:00Z'))).toBe(true);
    expect(storage.dump()).not.toContain('Raid');
    expect(storage.dump()).not.toContain('Square');
    expect(findReportDraft(me)).toEqual({
      reportId: ID,
      typeId: 'incident',
      values: VALUES,
      savedAt: '2026-12-04T10:00:00.000Z',
    });
  });

  it('the newest of several comes back', () => {
    saveReportDraft(me, ID, null, VALUES, new Date('2026-12-04T10:00:00Z'));
    saveReportDraft(me, OTHER, null, { ...VALUES, title: 'Later' }, new Date('2026-12-04T11:00:00Z'));
    expect(findReportDraft(me)?.values.title).toBe('Later');
  });

  it('shows nothing to another member, nor without a key', () => {
    saveReportDraft(me, ID, null, VALUES);
    expect(findReportDraft(generateSecretKey())).toBeNull();
    expect(findReportDraft(null)).toBeNull();
    expect(saveReportDraft(null, ID, null, VALUES)).toBe(false);
  });

  it('is not shown under another report’s name', () => {
    saveReportDraft(me, ID, null, VALUES);
    const raw = storage.getItem(`llamenos.report-draft.${ID}`) ?? '';
    storage.removeItem(`llamenos.report-draft.${ID}`);
    storage.setItem(`llamenos.report-draft.${OTHER}`, raw.replace(ID, OTHER));
    expect(findReportDraft(me)).toBeNull();
  });

  it('is gone once deleted (filed or discarded)', () => {
    saveReportDraft(me, ID, null, VALUES);
    deleteReportDraft(ID);
    expect(findReportDraft(me)).toBeNull();
  });
});
