import type { CustomFieldDefinition, HotlineSettings, SettingsSection } from '@llamenos/protocol';
import { SETTINGS_SECTIONS } from '@llamenos/protocol';

/** Structural equality of JSON values; object key order does not matter (jsonb reorders keys). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => sameJson(item, b[i]));
  }
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const defined = (o: object) => Object.entries(o).filter(([, v]) => v !== undefined);
    const left = defined(a);
    const right = new Map(defined(b));
    return left.length === right.size && left.every(([k, v]) => right.has(k) && sameJson(v, right.get(k)));
  }
  return false;
}

/** What a settings write changed, by name only: the audit log records this, never values. */
interface SettingsDiff {
  changed: SettingsSection[];
  customFields?: { added: string[]; removed: string[]; changed: string[] };
}

function diffCustomFields(before: CustomFieldDefinition[], after: CustomFieldDefinition[]) {
  const old = new Map(before.map((f) => [f.id, f]));
  const now = new Map(after.map((f) => [f.id, f]));
  return {
    added: after.filter((f) => !old.has(f.id)).map((f) => f.id),
    removed: before.filter((f) => !now.has(f.id)).map((f) => f.id),
    changed: after.filter((f) => old.has(f.id) && !sameJson(old.get(f.id), f)).map((f) => f.id),
  };
}

/** `before` is null when the stored document was unreadable: then every section counts as changed. */
export function diffSettings(before: HotlineSettings | null, after: HotlineSettings): SettingsDiff {
  const changed = SETTINGS_SECTIONS.filter((key) => !before || !sameJson(before[key], after[key]));
  if (!changed.includes('customFields')) return { changed };
  return { changed, customFields: diffCustomFields(before?.customFields ?? [], after.customFields) };
}
