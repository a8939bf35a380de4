import type { ReactNode } from 'react';

/**
 * A labelled text an admin types for others to read (a field's label, a type's name, a list of
 * choices one per line): the caption above it, the text shown in its own direction (a Persian
 * label in an English form reads right to left), and a text area when `rows` is given.
 */
export function TextField({
  id,
  caption,
  value,
  onChange,
  rows,
  required,
  maxLength,
}: {
  id: string;
  caption: ReactNode;
  value: string;
  onChange: (text: string) => void;
  /** A text area this many rows high; a single line without. */
  rows?: number;
  required?: boolean;
  maxLength?: number;
}) {
  const common = { id, required, maxLength, dir: 'auto', value };
  return (
    <>
      <label htmlFor={id}>{caption}</label>
      {rows ? (
        <textarea {...common} rows={rows} onChange={(e) => onChange(e.target.value)} />
      ) : (
        <input {...common} onChange={(e) => onChange(e.target.value)} />
      )}
    </>
  );
}
