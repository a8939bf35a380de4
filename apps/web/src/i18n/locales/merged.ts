import attachmentsAr from '../features/attachments.ar.json';
import attachmentsEn from '../features/attachments.en.json';
import attachmentsEs from '../features/attachments.es.json';
import reportsAr from '../features/reports.ar.json';
import reportsEn from '../features/reports.en.json';
import reportsEs from '../features/reports.es.json';
import transcriptionAr from '../features/transcription.ar.json';
import transcriptionEn from '../features/transcription.en.json';
import transcriptionEs from '../features/transcription.es.json';
import ar from './ar.json';
import en from './en.json';
import es from './es.json';

/**
 * Each shipped language: the base file (locales/<lang>.json) and one file per feature
 * (features/<feature>.<lang>.json, each holding its own top-level namespace), so features are
 * translated side by side without editing one large file at once.
 */
export const MERGED_LOCALES = {
  en: { ...en, ...reportsEn, ...attachmentsEn, ...transcriptionEn },
  es: { ...es, ...reportsEs, ...attachmentsEs, ...transcriptionEs },
  ar: { ...ar, ...reportsAr, ...attachmentsAr, ...transcriptionAr },
} as const;

/** The feature files, as the translation tests list them. */
export const FEATURE_BUNDLES = ['reports', 'attachments', 'transcription'] as const;
