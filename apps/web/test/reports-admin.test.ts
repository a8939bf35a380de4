/**
 * What the report types editor saves (pages/admin/ReportTypesSection.tsx toReportTypes) and the
 * list's query (lib/reports/api.ts): new types and fields get ids the protocol accepts, saved
 * ids never change, choices and categories are one per line without repeats, empty
 * translations are left out; the whole section passes the settings schema.
 */
import { ReportsSettings, ReportType } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import { NO_REPORT_FILTERS, reportListPath } from '../src/lib/reports/api.js';
import { idFrom, toReportTypes } from '../src/pages/admin/ReportTypesSection.js';

const draftField = (over: Record<string, unknown>) => ({
  key: 1,
  id: '',
  saved: false,
  label: '',
  labels: {},
  type: 'text' as const,
  required: false,
  options: '',
  ...over,
});

describe('the report types editor', () => {
  it('gives new types and fields ids from their names, keeps saved ones, and passes the schema', () => {
    const types = toReportTypes([
      {
        key: 1,
        id: 'incident',
        saved: true,
        name: ' Incident (renamed) ',
        names: { es: 'Incidente', ar: '' },
        description: '',
        categories: 'Police\n\nImmigration\nPolice\n',
        archived: false,
        fields: [
          draftField({ id: 'place', saved: true, label: 'Where exactly', type: 'location' }),
          draftField({
            label: 'Qué vio',
            type: 'multiChoice',
            options: 'cars\ndogs\ncars',
            labels: { en: 'Seen' },
          }),
          draftField({ label: 'مكان', type: 'yesNo', required: true }),
        ],
      },
      {
        key: 2,
        id: '',
        saved: false,
        name: 'Trabajo de campo',
        names: {},
        description: ' Visits. ',
        categories: '',
        archived: true,
        fields: [],
      },
    ] as Parameters<typeof toReportTypes>[0]);
    expect(types[0]).toMatchObject({
      id: 'incident',
      name: 'Incident (renamed)',
      names: { es: 'Incidente' },
      categories: ['Police', 'Immigration'],
      fields: [
        { id: 'place', order: 0, type: 'location' },
        { id: 'que_vio', order: 1, options: ['cars', 'dogs'], labels: { en: 'Seen' } },
        { id: 'field', order: 2, required: true },
      ],
    });
    expect(types[0]?.fields[0]).not.toHaveProperty('options');
    expect(types[1]).toMatchObject({ id: 'trabajo_de_campo', description: 'Visits.', archived: true });
    for (const type of types) expect(ReportType.safeParse(type).success).toBe(true);
    expect(
      ReportsSettings.safeParse({
        types,
        maxFileBytes: 2 * 1024 ** 3,
        maxReportBytes: 10 * 1024 ** 3,
        retentionDays: 0,
      }).success,
    ).toBe(true);
  });

  it('never reuses an id that is taken', () => {
    expect(idFrom('Place', ['place', 'place_2'], 'field')).toBe('place_3');
    expect(idFrom('٢٣', [], 'field')).toBe('field');
    expect(idFrom('Field-work', [], 'type', true)).toBe('field-work');
  });
});

describe('the reports list query', () => {
  it('carries only the filters that are set', () => {
    expect(reportListPath(NO_REPORT_FILTERS, 50, null)).toBe('/api/reports?limit=50');
    const path = reportListPath(
      { ...NO_REPORT_FILTERS, status: 'in-review', typeId: 'incident', scope: 'mine', from: '2026-12-01' },
      200,
      '2026-12-01T00:00:00.000Z_0b5f8a8e-6c8b-4a57-9d2e-3f1c2b4a5d6e',
    );
    const q = new URLSearchParams(path.split('?')[1]);
    expect(q.get('status')).toBe('in-review');
    expect(q.get('typeId')).toBe('incident');
    expect(q.get('scope')).toBe('mine');
    expect(q.get('from')).toMatch(/^2026-1[12]-\d\dT/);
    expect(q.get('cursor')).toContain('_0b5f8a8e');
  });
});
