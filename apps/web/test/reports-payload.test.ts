/**
 * The report form's rules (lib/reports/payload.ts): every field type's value as the form makes
 * it, required flags with a problem per field, choices limited to their options, categories to
 * the type's list, and an opened report of a type that changed since still read (loosely).
 */
import type { ReportType } from '@llamenos/protocol';
import { describe, expect, it } from 'vitest';
import {
  checkReport,
  emptyReportForm,
  fieldLabel,
  fileableTypes,
  looseReport,
  REPORT_TITLE_MAX,
  reportFromForm,
  reportHaystack,
  typeName,
} from '../src/lib/reports/payload.js';

const TYPE: ReportType = {
  id: 'incident',
  name: 'Incident',
  names: { es: 'Incidente' },
  fields: [
    {
      id: 'place',
      label: 'Place',
      labels: { es: 'Lugar', ar: 'المكان' },
      type: 'location',
      required: true,
      order: 0,
    },
    { id: 'people', label: 'People', type: 'number', required: false, order: 1 },
    { id: 'when', label: 'When', type: 'datetime', required: false, order: 2 },
    { id: 'kind', label: 'Kind', type: 'choice', required: true, options: ['raid', 'checkpoint'], order: 3 },
    { id: 'seen', label: 'Seen', type: 'multiChoice', required: false, options: ['cars', 'dogs'], order: 4 },
    { id: 'hurt', label: 'Anyone hurt', type: 'yesNo', required: true, order: 5 },
    { id: 'notes', label: 'Details', type: 'longText', required: false, order: 6 },
    { id: 'ref', label: 'Reference', type: 'text', required: false, order: 7 },
  ],
  categories: ['Police', 'Immigration'],
  archived: false,
};

const filled = () => {
  const values = emptyReportForm(TYPE);
  values.title = '  Raid at the market ';
  values.body = 'Early morning.';
  values.category = 'Police';
  values.fields = {
    ...values.fields,
    place: 'Main square',
    people: '12',
    when: '2026-12-01T06:30',
    kind: 'raid',
    seen: ['dogs'],
    hurt: 'no',
    notes: '',
    ref: '',
  };
  return values;
};

describe('a report from the form', () => {
  it('holds typed values, leaves empty optional fields out, and passes its type', () => {
    const payload = reportFromForm(filled(), TYPE);
    expect(payload).toEqual({
      v: 1,
      title: 'Raid at the market',
      body: 'Early morning.',
      category: 'Police',
      fields: {
        place: 'Main square',
        people: 12,
        when: '2026-12-01T06:30',
        kind: 'raid',
        seen: ['dogs'],
        hurt: false,
      },
      attachments: [],
    });
    expect(checkReport(payload, TYPE)).toEqual({ ok: true, payload });
  });

  it('names each empty required field, and the missing title', () => {
    const values = emptyReportForm(TYPE);
    const check = checkReport(reportFromForm(values, TYPE), TYPE);
    expect(check).toEqual({
      ok: false,
      problems: { title: 'required', place: 'required', kind: 'required', hurt: 'required' },
    });
  });

  it('refuses a number that is not one, a choice not offered, a date that is not one, a category not listed', () => {
    const values = filled();
    values.fields.people = 'twelve';
    values.fields.kind = 'parade';
    values.fields.seen = ['cars', 'horses'];
    values.fields.when = '2026-13-45T99:00';
    values.category = 'Weather';
    const check = checkReport(reportFromForm(values, TYPE), TYPE);
    expect(check).toEqual({
      ok: false,
      problems: { people: 'number', kind: 'option', seen: 'option', when: 'date', category: 'option' },
    });
  });

  it('refuses a title that is too long, and a value under no field of the type', () => {
    const payload = reportFromForm({ ...filled(), title: 'x'.repeat(REPORT_TITLE_MAX + 1) }, TYPE);
    expect(checkReport({ ...payload, fields: { ...payload.fields, secret: 'x' } }, TYPE)).toEqual({
      ok: false,
      problems: { title: 'tooLong', _fields: 'type' },
    });
  });

  it('a report without a type has only title and body', () => {
    const payload = reportFromForm({ title: 'Hello', body: '', category: '', fields: {} }, null);
    expect(checkReport(payload, null).ok).toBe(true);
    expect(checkReport({ ...payload, category: 'Police' }, null).ok).toBe(false);
  });
});

describe('an opened report', () => {
  it('is read loosely when its type changed since (old reports still open)', () => {
    const loose = looseReport({
      v: 1,
      title: 'Old',
      body: 'b',
      category: 'Gone',
      fields: { removed: 'x' },
      attachments: [{ bad: 1 }],
    });
    expect(loose).toEqual({
      title: 'Old',
      body: 'b',
      category: 'Gone',
      fields: { removed: 'x' },
      attachments: [],
    });
  });

  it('is found by any of its words, without accents, in fields and file names too', () => {
    const haystack = reportHaystack(
      looseReport({
        ...reportFromForm(filled(), TYPE),
        body: 'Médico en camino',
        attachments: [{ id: '0b5f8a8e-6c8b-4a57-9d2e-3f1c2b4a5d6e', name: 'Foto.JPG', type: '', size: 1 }],
      }),
    );
    for (const word of ['medico', 'main square', 'dogs', 'foto.jpg']) expect(haystack).toContain(word);
  });
});

describe('labels', () => {
  it('are shown in the member’s language, then its base language, then the plain label', () => {
    expect(typeName(TYPE, 'es')).toBe('Incidente');
    expect(typeName(TYPE, 'ar')).toBe('Incident');
    expect(fieldLabel(TYPE.fields[0]!, 'es-MX')).toBe('Lugar');
    expect(fieldLabel(TYPE.fields[0]!, 'ar')).toBe('المكان');
  });

  it('archived types take no new reports', () => {
    expect(fileableTypes([TYPE, { ...TYPE, id: 'old', archived: true }]).map((t) => t.id)).toEqual([
      'incident',
    ]);
  });
});
