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

/** The properties of a draft that hold text. */
type TextKeys<Draft> = { [K in keyof Draft]: Draft[K] extends string ? K : never }[keyof Draft] & string;

/**
 * Binds TextFields to a draft's text properties, as a form's `register` does: `text('name')` is
 * the field's id (`id('name')`), the draft's value and an onChange that sets that one property.
 */
export function textFieldsOf<Draft>(
  draft: Draft,
  id: (part: string) => string,
  set: (change: Partial<Draft>) => void,
) {
  return (name: TextKeys<Draft>) => ({
    id: id(name),
    value: draft[name] as string,
    onChange: (text: string) => set({ [name]: text } as Partial<Draft>),
  });
}
