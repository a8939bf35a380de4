import {
  decryptContent,
  deriveKey,
  encryptContent,
  fromBase64url,
  LABEL_DRAFT_CONTENT,
  LABEL_DRAFT_KEY,
  toBase64url,
  utf8,
} from '@llamenos/crypto';
import { z } from 'zod';

/**
 * Drafts kept on this device only (unsaved notes, unfiled reports): encrypted under a key derived
 * from the member's secret key (LABEL_DRAFT_KEY), the content bound to the record it drafts (a
 * record id such as `draft:<noteId>`), in localStorage, which the panic wipe clears with
 * everything else (lib/vault.ts). Each kind of draft names its storage prefix, its record id, the
 * clear fields stored beside the sealed content and the content's schema.
 *
 * The stored entry is `{"v":1,"<idField>":id,...meta,"savedAt":…,"blob":…}` under the name
 * `<prefix><id>`, in that key order: drafts written by earlier versions must keep opening
 * (test/device-drafts.test.ts holds one of each kind).
 */
export interface DraftKind<Meta extends Record<string, unknown>, Content> {
  /** localStorage names: the prefix, then the draft's id. */
  prefix: string;
  /** The name of the id in the stored entry (`noteId`, `reportId`). */
  idField: string;
  /** The record id the sealed content is bound to. */
  recordId: (id: string) => string;
  /** What an id must look like. */
  id: z.ZodType<string>;
  /** The clear fields stored beside the id (an object schema; `z.object({})` for none). */
  meta: z.ZodType<Meta>;
  content: z.ZodType<Content>;
}

export interface DeviceDraft<Meta, Content> {
  id: string;
  meta: Meta;
  savedAt: string;
  content: Content;
}

const Envelope = z.object({ v: z.literal(1), savedAt: z.string(), blob: z.string() });
const Fields = z.record(z.string(), z.unknown());

/** Runs `use` with the draft key, wiped afterwards; null without the member's key. */
function withDraftKey<T>(secretKey: Uint8Array | null, use: (key: Uint8Array) => T): T | null {
  if (!secretKey) return null;
  const key = deriveKey(secretKey, LABEL_DRAFT_KEY);
  try {
    return use(key);
  } finally {
    key.fill(0);
  }
}

/** An entry opened, or null: another member's draft on a shared device, a damaged or moved one. */
function openDraft<Meta extends Record<string, unknown>, Content>(
  kind: DraftKind<Meta, Content>,
  name: string,
  raw: string | null,
  key: Uint8Array,
): DeviceDraft<Meta, Content> | null {
  try {
    const fields = Fields.parse(JSON.parse(raw ?? ''));
    const { savedAt, blob } = Envelope.parse(fields);
    const id = kind.id.parse(fields[kind.idField]);
    // The entry's name must be the id sealed into it, or it is not this draft.
    if (name !== kind.prefix + id) return null;
    const plain = decryptContent(key, fromBase64url(blob), {
      label: LABEL_DRAFT_CONTENT,
      recordId: kind.recordId(id),
    });
    const content = kind.content.parse(JSON.parse(new TextDecoder().decode(plain)));
    return { id, meta: kind.meta.parse(fields), savedAt, content };
  } catch {
    return null;
  }
}

export function deviceDrafts<Meta extends Record<string, unknown>, Content>(kind: DraftKind<Meta, Content>) {
  const open = (name: string, raw: string | null, key: Uint8Array) => openDraft(kind, name, raw, key);
  return {
    /** Saves (replaces) the draft of a record; false without the member's key. */
    save(
      secretKey: Uint8Array | null,
      id: string,
      meta: Meta,
      content: Content,
      now: Date = new Date(),
    ): boolean {
      return (
        withDraftKey(secretKey, (key) => {
          const blob = encryptContent(key, utf8(JSON.stringify(content)), {
            label: LABEL_DRAFT_CONTENT,
            recordId: kind.recordId(id),
          });
          const stored = {
            v: 1,
            [kind.idField]: id,
            ...meta,
            savedAt: now.toISOString(),
            blob: toBase64url(blob),
          };
          localStorage.setItem(kind.prefix + id, JSON.stringify(stored));
          return true;
        }) ?? false
      );
    },

    /** The draft of one record, if this member left one on this device. */
    load(secretKey: Uint8Array | null, id: string): DeviceDraft<Meta, Content> | null {
      const name = kind.prefix + id;
      return withDraftKey(secretKey, (key) => open(name, localStorage.getItem(name), key));
    },

    /** All of this member's drafts of this kind on this device, the newest first. */
    all(secretKey: Uint8Array | null): DeviceDraft<Meta, Content>[] {
      return (
        withDraftKey(secretKey, (key) => {
          const found: DeviceDraft<Meta, Content>[] = [];
          for (let i = 0; i < localStorage.length; i++) {
            const name = localStorage.key(i);
            if (!name?.startsWith(kind.prefix)) continue;
            const draft = open(name, localStorage.getItem(name), key);
            if (draft) found.push(draft);
          }
          return found.sort((a, b) => b.savedAt.localeCompare(a.savedAt));
        }) ?? []
      );
    },

    remove(id: string): void {
      localStorage.removeItem(kind.prefix + id);
    },
  };
}
