import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskPhones } from './logging.js';

describe('maskPhones', () => {
  it('masks phone numbers in any common form to the last four digits', () => {
    expect(maskPhones('caller +1 (555) 123-4567 rang')).toBe('caller …4567 rang');
    expect(maskPhones('from +442071838750')).toBe('from …8750');
    expect(maskPhones('dial 5551234567 now')).toBe('dial …4567 now');
    expect(maskPhones('555.123.4567')).toBe('…4567');
  });

  it('leaves ids, dates, times and short numbers alone', () => {
    const untouched = [
      'user:550e8400-e29b-41d4-a716-446655440000',
      '2026-11-27T20:51:00.000Z',
      'seq 123456',
      'port 3000, pid 42',
      'hash 04fe6fb0a9ee0acbc75bac40e714261a4160dff0cdf2eff75c38a7dcd74ef9f8',
    ];
    for (const text of untouched) expect(maskPhones(text)).toBe(text);
  });
});

describe('logger redaction', () => {
  it('never writes secrets, bodies or full phone numbers', () => {
    let out = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        out += chunk;
        done();
      },
    });
    const log = createLogger('info', sink);
    log.info(
      { authorization: 'Nostr abc', body: 'note text', phone: '+15551234567', nested: { secret: 's3cr3t' } },
      'call from +15551234567',
    );
    expect(out).not.toContain('Nostr abc');
    expect(out).not.toContain('note text');
    expect(out).not.toContain('5551234567');
    expect(out).not.toContain('s3cr3t');
    expect(out).toContain('…4567');
  });
});
