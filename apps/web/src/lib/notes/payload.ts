import type { CustomFieldDefinition } from '@llamenos/protocol';
import { z } from 'zod';
import { problemsByPlace } from '../payload-problems.js';

/**
 * What a call note's sealed payload holds (docs/PROTOCOL.md §9.1): the note text and the
 * hotline's custom fields, as one UTF-8 JSON object. The server never sees it.
 */
export const NOTE_SCHEMA_VERSION = 1;
export const NOTE_TEXT_MAX = 20_000;
export const FIELD_TEXT_MAX = 2_000;

export type FieldValue = string | number | boolean;

export interface NotePayload {
  text: string;
  fields: Record<string, FieldValue>;
  schema: typeof NOTE_SCHEMA_VERSION;
}

/** Why a value was refused; the form shows a translated sentence for each, naming the limit. */
export type FieldProblem =
  | 'required'
  | 'tooLong'
  | 'number'
  | 'belowMin'
  | 'aboveMax'
  | 'option'
  | 'date'
  | 'type';
const PROBLEMS: readonly FieldProblem[] = [
  'required',
  'tooLong',
  'number',
  'belowMin',
  'aboveMax',
  'option',
  'date',
  'type',
];

/** The limits a problem's sentence names ("at most {{max}} characters", "at least {{min}}"). */
export interface ProblemLimits {
  min?: number;
  max?: number;
}

/** The limits of the note text ("text") or of one custom field, for the sentences and counters. */
export function limitsOf(field: CustomFieldDefinition | 'text'): ProblemLimits {
  if (field === 'text') return { max: NOTE_TEXT_MAX };
  if (field.type === 'text') return { max: FIELD_TEXT_MAX };
  if (field.type === 'number') return { min: field.min, max: field.max };
  return {};
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isRealDate = (s: string) => DATE.test(s) && !Number.isNaN(new Date(`${s}T00:00:00Z`).getTime());

function fieldSchema(field: CustomFieldDefinition): z.ZodType {
  switch (field.type) {
    case 'text': {
      const text = z.string({ error: 'type' }).trim().max(FIELD_TEXT_MAX, { error: 'tooLong' });
      return field.required ? text.min(1, { error: 'required' }) : text.optional();
    }
    case 'number': {
      // The bounds are the hotline's settings (checked by the server when an admin saves them);
      // the value is sealed with the note, so only the browser can check it against them.
      let number = z.number({ error: 'number' });
      if (field.min !== undefined) number = number.min(field.min, { error: 'belowMin' });
      if (field.max !== undefined) number = number.max(field.max, { error: 'aboveMax' });
      return field.required ? number : number.optional();
    }
    case 'select': {
      const options = field.options ?? [];
      const choice = z.string({ error: 'option' }).refine((v) => options.includes(v), { error: 'option' });
      return field.required ? choice : choice.optional();
    }
    case 'checkbox':
      // A required checkbox is one that must be ticked (a confirmation).
      return field.required
        ? z.literal(true, { error: 'required' })
        : z.boolean({ error: 'type' }).optional();
    case 'date': {
      const date = z.string({ error: 'date' }).refine(isRealDate, { error: 'date' });
      return field.required ? date : date.optional();
    }
  }
}

/** The zod schema of a note payload under the hotline's current custom fields. */
export function buildPayloadSchema(fields: readonly CustomFieldDefinition[]) {
  const shape: Record<string, z.ZodType> = {};
  for (const field of fields) shape[field.id] = fieldSchema(field);
  return z
    .object({
      text: z.string({ error: 'type' }).max(NOTE_TEXT_MAX, { error: 'tooLong' }),
      fields: z.object(shape).strict(),
      schema: z.literal(NOTE_SCHEMA_VERSION),
    })
    .strict()
    .refine((p) => p.text.trim().length > 0 || Object.keys(p.fields).length > 0, {
      error: 'required',
      path: ['text'],
    });
}

export type PayloadSchema = ReturnType<typeof buildPayloadSchema>;

export type PayloadCheck =
  | { ok: true; payload: NotePayload }
  | { ok: false; problems: Record<string, FieldProblem> };

/** Validates a payload; problems are keyed by field id, or "text", or "_note" for the whole object. */
export function checkPayload(
  value: unknown,
  fieldsOrSchema: readonly CustomFieldDefinition[] | PayloadSchema,
): PayloadCheck {
  const schema = Array.isArray(fieldsOrSchema)
    ? buildPayloadSchema(fieldsOrSchema)
    : (fieldsOrSchema as PayloadSchema);
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, payload: result.data as NotePayload };
  const problems = problemsByPlace(result.error.issues, PROBLEMS, 'type', ({ path: [top, key], code }) => {
    if (top === 'fields' && typeof key === 'string') return key;
    if (top === 'text') return 'text';
    return code === 'unrecognized_keys' && top === 'fields' ? '_fields' : '_note';
  });
  return { ok: false, problems };
}

/**
 * Form state → payload: empty inputs of optional fields are left out, numbers parsed.
 * `values` holds the raw form values (strings for inputs, booleans for checkboxes).
 */
export function payloadFromForm(
  text: string,
  values: Record<string, string | boolean>,
  fields: readonly CustomFieldDefinition[],
): NotePayload {
  const out: Record<string, FieldValue> = {};
  for (const field of fields) {
    const raw = values[field.id];
    if (field.type === 'checkbox') {
      if (raw === true || field.required) out[field.id] = raw === true;
      continue;
    }
    if (typeof raw !== 'string' || raw.trim() === '') {
      if (field.required && field.type !== 'number') out[field.id] = '';
      continue;
    }
    if (field.type === 'number') {
      const n = Number(raw);
      out[field.id] = Number.isFinite(n) ? n : Number.NaN;
    } else out[field.id] = field.type === 'text' ? raw : raw.trim();
  }
  return { text, fields: out, schema: NOTE_SCHEMA_VERSION };
}

/** Payload → form state. */
export function formFromPayload(payload: {
  fields: Record<string, unknown>;
}): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (const [id, value] of Object.entries(payload.fields ?? {}))
    if (typeof value === 'boolean') values[id] = value;
    else if (typeof value === 'string' || typeof value === 'number') values[id] = String(value);
  return values;
}

/** What a decrypted payload that failed validation still shows: its text and fields as found. */
export interface LoosePayload {
  text: string;
  fields: Record<string, unknown>;
}

export function loosePayload(value: unknown): LoosePayload {
  const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const fields =
    typeof v.fields === 'object' && v.fields !== null ? (v.fields as Record<string, unknown>) : {};
  return { text: typeof v.text === 'string' ? v.text : '', fields };
}
