import pino, { type Logger } from 'pino';

/**
 * Structured logs. Anything that could hold a secret, a key, a phone number or content is
 * redacted by path, and values that look like phone numbers are masked wherever they appear.
 */
const REDACTED_PATHS = [
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

// A run of digits and phone punctuation standing on its own (not inside an id or a word).
const PHONE_LIKE = /(?<![\w-])\+?\d[\d\s().-]{5,}\d(?![\w-])/g;

/**
 * Replaces phone numbers with their last four digits: '+' and at least 7 digits, or at
 * least 10 digits without '+'. Ids (UUIDs), ISO dates and short numbers stay as they are.
 */
export function maskPhones(text: string): string {
  return text.replace(PHONE_LIKE, (match) => {
    const digits = match.replace(/\D/g, '');
    const isPhone = match.startsWith('+') ? digits.length >= 7 : digits.length >= 10;
    return isPhone ? `…${digits.slice(-4)}` : match;
  });
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
