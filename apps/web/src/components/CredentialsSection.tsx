import { type QueryKey, type UseQueryOptions, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ChangeEvent, type ReactNode, type Ref, useState } from 'react';
import { useConfirmRemoval } from './ConfirmDialog.js';
import { ErrorMessage } from './ErrorMessage.js';
import { Panel } from './Panel.js';

/** What a card of a CredentialsSection is handed to open its form, save and be removed. */
export interface CredentialsCardControls<S> {
  editing: boolean;
  onEdit: (open: boolean) => void;
  onRemove: () => void;
  /** Puts the server's new summary in the list; `onSaved` also closes the form. */
  replace: (summary: S) => void;
  onSaved: (summary: S) => void;
}

/**
 * The telephony providers' and the messaging channels' screens: every entry the server lists, as a
 * card, one form open at a time, and a removal confirmed first and followed by a fresh read.
 */
export function CredentialsSection<K extends string, S, Q extends QueryKey>({
  panelId,
  title,
  help,
  query,
  error,
  entries,
  removal,
  card,
}: {
  panelId: string;
  title: string;
  help: string;
  /** The list's query: every entry's summary by key, as the server answers it. */
  query: UseQueryOptions<Record<K, S>, Error, Record<K, S>, Q>;
  /** Another read the cards depend on, when it failed. */
  error?: Error | null;
  /** The keys in the order the cards are shown. */
  entries: readonly K[];
  removal: {
    title: (key: K) => string;
    message: string;
    confirmLabel: string;
    remove: (key: K) => Promise<unknown>;
  };
  card: (key: K, summary: S, controls: CredentialsCardControls<S>) => ReactNode;
}) {
  const list = useQuery(query);
  const summaries = list.data;
  const client = useQueryClient();
  const [editing, setEditing] = useState<K | null>(null);
  const confirm = useConfirmRemoval({
    ...removal,
    remove: async (key: K) => {
      await removal.remove(key);
      await list.refetch();
    },
  });
  const replace = (key: K, summary: S) =>
    client.setQueryData<Record<K, S>>(query.queryKey, (all) => all && { ...all, [key]: summary });

  return (
    <Panel id={panelId} title={title}>
      <p className="hint">{help}</p>
      <ErrorMessage error={list.error ?? error} />
      {summaries &&
        entries.map((key) => {
          const summary = summaries[key];
          if (!summary) return null;
          return card(key, summary, {
            editing: editing === key,
            onEdit: (open) => setEditing(open ? key : null),
            onRemove: () => confirm.ask(key),
            replace: (next) => replace(key, next),
            onSaved: (next) => {
              replace(key, next);
              setEditing(null);
            },
          });
        })}
      {confirm.dialog}
    </Panel>
  );
}

/** How a form binds an input: react-hook-form's `register()`, or a value and its change handler. */
export interface CredentialBinding {
  name?: string;
  value?: string;
  required?: boolean;
  onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => unknown;
  onBlur?: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => unknown;
  ref?: Ref<HTMLInputElement & HTMLTextAreaElement>;
}

/**
 * One credential input: ids, numbers and keys typed left to right and never spell-checked or
 * remembered by the browser; a secret is masked; its hint and its error are read with it.
 */
export function CredentialInput({
  id,
  caption,
  rows,
  secret,
  hint,
  error,
  binding,
  children,
}: {
  id: string;
  /** The input's translated name. */
  caption: string;
  /** A textarea of this many rows (a PEM key, a list of numbers); a one-line input without. */
  rows?: number;
  secret: boolean;
  /** What to type, or that an empty secret keeps the stored one; '' for none. */
  hint: string;
  error?: string;
  binding: CredentialBinding;
  /** Shown under the input (a button that fills it in). */
  children?: ReactNode;
}) {
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ') || undefined;
  const props = {
    id,
    autoComplete: 'off',
    spellCheck: false,
    className: 'ltr',
    'aria-invalid': error ? true : undefined,
    'aria-describedby': describedBy,
    ...binding,
  };
  return (
    <div>
      <label htmlFor={id}>{caption}</label>
      {rows ? <textarea {...props} rows={rows} /> : <input {...props} type={secret ? 'password' : 'text'} />}
      {hint && (
        <p id={`${id}-hint`} className="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} role="alert" className="error">
          {error}
        </p>
      )}
      {children}
    </div>
  );
}
