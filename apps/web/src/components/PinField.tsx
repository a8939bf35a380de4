import type { InputHTMLAttributes, ReactNode, Ref } from 'react';
import { z } from 'zod';

/** A new PIN has at least this many digits (it locks the key on this device; docs/PROTOCOL.md). */
export const MIN_PIN_DIGITS = 6;

/** A new PIN: digits only, at least MIN_PIN_DIGITS of them; `tooShort` is the sentence shown otherwise. */
export const newPinSchema = (tooShort: string) =>
  z.string().regex(/^\d+$/, tooShort).min(MIN_PIN_DIGITS, tooShort);

type PinInputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'type' | 'inputMode'>;

/**
 * The PIN input and its label: masked, a numeric keypad on phones, required. Works controlled
 * (value and onChange) or with react-hook-form's register(), whose ref it passes on.
 */
export function PinField({
  id,
  caption,
  ref,
  ...input
}: PinInputProps & { id: string; caption: ReactNode; ref?: Ref<HTMLInputElement> }) {
  return (
    <>
      <label htmlFor={id}>{caption}</label>
      <input ref={ref} id={id} type="password" inputMode="numeric" required {...input} />
    </>
  );
}
