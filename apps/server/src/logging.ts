import pino, { type Logger } from 'pino';

/**
 * Structured logs. Anything that could hold a secret, a key, a phone number or content is
 * redacted by path, and values that look like phone numbers are masked wherever they appear.
 */
export const REDACTED_PATHS = [
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
  'token',
  '*.token',
  'secret',
  '*.secret',
  'secretKey',
  '*.secretKey',
  'password',
  '*.password',
  'pin',
  '*.pin',
  'phone',
  '*.phone',
  'body',
  '*.body',
  'content',
  '*.content',
  'ciphertext',
  '*.ciphertext',
  'credentials',
  '*.credentials',
];

const PHONE_LIKE = /\+?\d[\d\s().-]{6,}\d/g;

/** Replaces every phone-number-like run of digits with its last four digits. */
export function maskPhones(text: string): string {
  return text.replace(PHONE_LIKE, (match) => `…${match.replace(/\D/g, '').slice(-4)}`);
}

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          method.apply(
            this,
            args.map((a) => (typeof a === 'string' ? maskPhones(a) : a)) as Parameters<typeof method>,
          );
        },
      },
    },
    destination,
  );
}

export type { Logger };
