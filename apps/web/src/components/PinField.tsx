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

/**
 * The PIN that re-opens the key for one sensitive step (an export, opening an export file) and
 * the button that takes it, held back while `ready` is false (no PIN yet, no file chosen) or
 * the step is running.
 */
export function PinAndSubmit({
  id,
  caption,
  pin,
  submit,
  ready,
  busy,
}: {
  id: string;
  caption: ReactNode;
  /** The PIN input's registration (react-hook-form's register('pin')). */
  pin: PinInputProps & { ref?: Ref<HTMLInputElement> };
  submit: ReactNode;
  ready: boolean;
  busy: boolean;
}) {
  return (
    <>
      <PinField id={id} caption={caption} autoComplete="current-password" {...pin} />
      <div className="button-row">
        <button type="submit" disabled={busy || !ready}>
          {submit}
        </button>
      </div>
    </>
  );
}
