import type { ServerContext } from '../http/context.js';

/**
 * Callback URLs we hand a provider. They are absolute, built on PUBLIC_URL (the URL the
 * provider signs), and carry only our own ids: the signature covers the query, so an id there
 * is one we issued. The hotline itself is never taken from a URL: the called number decides.
 */
type WebhookPath =
  | 'inbound'
  | 'status'
  | 'language'
  | 'captcha'
  | 'wait'
  | 'leg-status'
  | 'screen'
  | 'answer'
  | 'voicemail'
  | 'voicemail-done'
  | 'recording';

export function webhookUrl(
  ctx: ServerContext,
  provider: string,
  path: WebhookPath,
  query: Record<string, string | number> = {},
): string {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)])).toString();
  return `${ctx.config.PUBLIC_URL}/api/telephony/${provider}/${path}${search ? `?${search}` : ''}`;
}

/** The waiting-room name of a call (TwiML <Enqueue>/<Queue>, 64 characters at most). */
export const queueName = (callId: string): string => `call-${callId}`;
