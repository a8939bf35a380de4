import type { ComponentProps } from 'react';

/**
 * A phone number field (a caller to ban, a member's or an invitee's number): the phone keypad on
 * phones, written left to right in every interface language, and never filled in by the browser
 * (the number is rarely the member's own). Label, value and hints come from the caller.
 */
export function PhoneInput(props: Omit<ComponentProps<'input'>, 'type' | 'className' | 'autoComplete'>) {
  return <input type="tel" className="ltr" autoComplete="off" {...props} />;
}
