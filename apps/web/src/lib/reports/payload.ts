import type {
  ReportAttachmentMeta,
  ReportFieldDefinition,
  ReportFieldValue,
  ReportPayload,
  ReportType,
} from '@llamenos/protocol';
import { z } from 'zod';
import { FIELD_TEXT_MAX } from '../notes/payload.js';
import { problemsByPlace } from '../payload-problems.js';
import { searchable } from '../search-text.js';

/**
 * What a report's sealed payload holds (docs/PROTOCOL.md §9.4): title, body, category, the
 * report type's field values and the attachments' names, types and sizes, as one UTF-8 JSON
 * object. The server never sees any of it; it is checked here, in the browser, before sealing
 * and again after opening, against the report type's current form.
 */
export const REPORT_PAYLOAD_VERSION = 1;
export const REPORT_TITLE_MAX = 200;
export const REPORT_BODY_MAX = 50_000;
export const REPLY_BODY_MAX = 20_000;
/** A report's one-line text field takes as much as a note's custom text field (the same kind of input). */
export { FIELD_TEXT_MAX };
export const FIELD_LONG_TEXT_MAX = 20_000;

/** Why a value was refused; the form shows a translated sentence for each (reports.problem.*). */
export type ReportProblem = 'required' | 'tooLong' | 'number' | 'option' | 'date' | 'type';
const PROBLEMS: readonly ReportProblem[] = ['required', 'tooLong', 'number', 'option', 'date', 'type'];

/** A `datetime-local` input's value: local date and time to the minute (seconds allowed). */
const LOCAL_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;
const isRealDateTime = (s: string) => LOCAL_DATETIME.test(s) && !Number.isNaN(new Date(s).getTime());

function fieldSchema(field: ReportFieldDefinition): z.ZodType {
  const options = field.options ?? [];
  const text = (max: number) => {
    const s = z.string({ error: 'type' }).trim().max(max, { error: 'tooLong' });
    return field.required ? s.min(1, { error: 'required' }) : s.optional();
  };
  switch (field.type) {
    case 'text':
    case 'location':
      return text(FIELD_TEXT_MAX);
    case 'longText':
      return text(FIELD_LONG_TEXT_MAX);
    case 'number': {
      const n = z.number({ error: 'number' });
      return field.required ? n : n.optional();
    }
    case 'datetime': {
      const d = z.string({ error: 'date' });
      return field.required
        ? d.min(1, { error: 'required' }).refine(isRealDateTime, { error: 'date' })
        : d.refine(isRealDateTime, { error: 'date' }).optional();
    }
    case 'choice': {
      const c = z.string({ error: 'option' });
      const offered = (v: string) => options.includes(v);
      return field.required
        ? c.min(1, { error: 'required' }).refine(offered, { error: 'option' })
        : c.refine(offered, { error: 'option' }).optional();
    }
    case 'multiChoice': {
      const m = z
        .array(
          z.string({ error: 'option' }).refine((v) => options.includes(v), { error: 'option' }),
          {
            error: 'option',
          },
        )
        .refine((vs) => new Set(vs).size === vs.length, { error: 'option' });
      return field.required ? m.min(1, { error: 'required' }) : m.optional();
    }
    case 'yesNo':
      // Required means answered (yes or no), not "must be yes".
      return field.required ? z.boolean({ error: 'required' }) : z.boolean({ error: 'type' }).optional();
  }
}

const AttachmentMeta = z
  .object({
    id: z.uuid(),
    name: z.string().max(1000),
    type: z.string().max(255),
    size: z.number().int().min(0),
    head: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/)
      .optional(),
  })
  .strict() satisfies z.ZodType<ReportAttachmentMeta>;

/** The zod schema of a report payload under a report type (null: a report filed without a type). */
export function buildReportSchema(type: ReportType | null) {
  const shape: Record<string, z.ZodType> = {};
  for (const field of type?.fields ?? []) shape[field.id] = fieldSchema(field);
  const categories = type?.categories ?? [];
  return z
    .object({
      v: z.literal(REPORT_PAYLOAD_VERSION),
      title: z
        .string({ error: 'type' })
        .trim()
        .min(1, { error: 'required' })
        .max(REPORT_TITLE_MAX, { error: 'tooLong' }),
      body: z.string({ error: 'type' }).max(REPORT_BODY_MAX, { error: 'tooLong' }),
      category: z
        .string({ error: 'option' })
        .refine((c) => categories.includes(c), { error: 'option' })
        .nullable(),
      fields: z.object(shape).strict(),
      attachments: z.array(AttachmentMeta).max(100),
    })
    .strict();
}

export type ReportSchema = ReturnType<typeof buildReportSchema>;

export type ReportCheck =
  | { ok: true; payload: ReportPayload }
  | { ok: false; problems: Record<string, ReportProblem> };

/**
 * Validates a payload against its type's form. Problems are keyed by field id, or by `title`,
 * `body`, `category`, `attachments`, `_fields` (a value under no field of the type) or `_report`.
 */
export function checkReport(value: unknown, typeOrSchema: ReportType | null | ReportSchema): ReportCheck {
  const schema = typeOrSchema && 'safeParse' in typeOrSchema ? typeOrSchema : buildReportSchema(typeOrSchema);
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, payload: result.data as ReportPayload };
  const problems = problemsByPlace(result.error.issues, PROBLEMS, 'type', ({ path: [top, key] }) => {
    if (top === 'fields') return typeof key === 'string' ? key : '_fields';
    return typeof top === 'string' ? top : '_report';
  });
  return { ok: false, problems };
}

/** The raw values of the report form: strings for inputs, string arrays for multi-choice, '' | 'yes' | 'no'. */
export interface ReportFormValues {
  title: string;
  body: string;
  category: string;
  fields: Record<string, string | string[]>;
}

export const emptyReportForm = (type: ReportType | null): ReportFormValues => ({
  title: '',
  body: '',
  category: '',
  fields: Object.fromEntries(
    (type?.fields ?? []).map((f) => [f.id, f.type === 'multiChoice' ? ([] as string[]) : '']),
  ),
});

/**
 * Form state → payload: empty optional inputs are left out, numbers parsed, yes/no made
 * booleans. An empty required input is kept as empty, so checkReport names it as required.
 */
export function reportFromForm(
  values: ReportFormValues,
  type: ReportType | null,
  attachments: ReportAttachmentMeta[] = [],
): ReportPayload {
  const fields: Record<string, ReportFieldValue> = {};
  for (const field of type?.fields ?? []) {
    const raw = values.fields[field.id];
    if (field.type === 'multiChoice') {
      const chosen = Array.isArray(raw) ? raw : [];
      if (chosen.length || field.required) fields[field.id] = chosen;
      continue;
    }
    const text = typeof raw === 'string' ? raw : '';
    if (text.trim() === '') {
      if (field.required) fields[field.id] = field.type === 'number' || field.type === 'yesNo' ? null : '';
      continue;
    }
    if (field.type === 'number') fields[field.id] = Number(text.trim().replace(',', '.'));
    else if (field.type === 'yesNo') fields[field.id] = text === 'yes';
    else if (field.type === 'text' || field.type === 'longText' || field.type === 'location')
      fields[field.id] = text;
    else fields[field.id] = text.trim();
  }
  return {
    v: REPORT_PAYLOAD_VERSION,
    title: values.title.trim(),
    body: values.body,
    category: values.category ? values.category : null,
    fields,
    attachments,
  };
}

/** What an opened payload that does not fit its type (any more) still shows: whatever it holds. */
export interface LooseReport {
  title: string;
  body: string;
  category: string | null;
  fields: Record<string, unknown>;
  attachments: ReportAttachmentMeta[];
}

export function looseReport(value: unknown): LooseReport {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const fields =
    typeof v.fields === 'object' && v.fields !== null && !Array.isArray(v.fields)
      ? (v.fields as Record<string, unknown>)
      : {};
  const attachments = Array.isArray(v.attachments)
    ? v.attachments.flatMap((a) => {
        const parsed = AttachmentMeta.safeParse(a);
        return parsed.success ? [parsed.data] : [];
      })
    : [];
  return {
    title: typeof v.title === 'string' ? v.title : '',
    body: typeof v.body === 'string' ? v.body : '',
    category: typeof v.category === 'string' ? v.category : null,
    fields,
    attachments,
  };
}

/** A reply's payload (`report-reply:<id>`). */
export const ReplyPayloadSchema = z
  .object({
    v: z.literal(REPORT_PAYLOAD_VERSION),
    body: z.string().trim().min(1, { error: 'required' }).max(REPLY_BODY_MAX, { error: 'tooLong' }),
  })
  .strict();

/** Everything of a report a search looks through: title, body, category, field values, file names. */
export function reportHaystack(report: LooseReport): string {
  const parts = [report.title, report.body, report.category ?? ''];
  for (const v of Object.values(report.fields))
    if (Array.isArray(v)) parts.push(v.join(' '));
    else if (v !== undefined && v !== null) parts.push(String(v));
  for (const a of report.attachments) parts.push(a.name);
  return searchable(parts.join('\n'));
}

/** A translated label: the member's language, then its base language, then the plain label. */
export function translated(
  plain: string,
  translations: Record<string, string> | undefined,
  language: string,
): string {
  if (!translations) return plain;
  return translations[language] ?? translations[language.split('-')[0] ?? ''] ?? plain;
}

export const typeName = (type: ReportType, language: string) => translated(type.name, type.names, language);
export const fieldLabel = (field: ReportFieldDefinition, language: string) =>
  translated(field.label, field.labels, language);

/** Types a new report may be filed under (not archived), in the order the admins set. */
export const fileableTypes = (types: readonly ReportType[]) => types.filter((t) => !t.archived);

/** A type's fields in form order. */
export const orderedFields = (type: ReportType | null) =>
  [...(type?.fields ?? [])].sort((a, b) => a.order - b.order);
