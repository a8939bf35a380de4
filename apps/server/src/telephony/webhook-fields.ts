import { WebhookPayloadError } from './provider.js';

/**
 * Reading the fields of a provider's webhook, the same way for every provider: a field that
 * fails its form is a 400 naming the provider and the field, never a 500 and never used.
 */

/** A 400 for a webhook of `provider`: "<provider> webhook: <problem>". */
export const malformedWebhook = (provider: string, problem: string): WebhookPayloadError =>
  new WebhookPayloadError(`${provider} webhook: ${problem}`);

/** A field that must be present and of its form: ids are checked here because they go into REST paths later. */
export function requiredField(provider: string, name: string, value: unknown, form: RegExp): string {
  if (typeof value !== 'string' || !form.test(value))
    throw malformedWebhook(provider, `${name} is missing or malformed`);
  return value;
}

/** Key presses as every provider reports them: digits, * and #, at most 32. */
const KEY_PRESSES = /^[0-9*#]{0,32}$/;

/** The keys the caller pressed (none is ''), or a 400 for `provider` with `problem`. */
export function keyPresses(provider: string, value: unknown, problem: string): string {
  const keys = value ?? '';
  if (typeof keys !== 'string' || !KEY_PRESSES.test(keys)) throw malformedWebhook(provider, problem);
  return keys;
}

/** A recording's length in whole seconds; anything missing or unusable counts as 0. */
export function wholeSeconds(value: unknown): number {
  const seconds = Number(value ?? 0);
  return Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds) : 0;
}
