import type { NostrEvent } from '@llamenos/crypto';
import { MAX_FILTER_VALUES } from './limits.js';

/**
 * NIP-01 subscription filters. Parsed once per REQ into sets, so matching an event against a
 * filter is a few lookups. `limit` only bounds stored events in a REQ's first answer; this relay
 * stores nothing, so it is accepted and ignored.
 */
export interface Filter {
  ids?: Set<string>;
  authors?: Set<string>;
  kinds?: Set<number>;
  /** Tag name (one letter) → accepted values. */
  tags?: Map<string, Set<string>>;
  since?: number;
  until?: number;
}

const HEX64 = /^[0-9a-f]{64}$/;

function stringSet(value: unknown, name: string, hex: boolean): Set<string> {
  if (!Array.isArray(value)) throw new Error(`${name} must be an array`);
  if (value.length > MAX_FILTER_VALUES) throw new Error(`${name} has more than ${MAX_FILTER_VALUES} values`);
  for (const v of value) {
    if (typeof v !== 'string' || (hex && !HEX64.test(v)))
      throw new Error(`${name} must hold ${hex ? '64-character lowercase hex strings' : 'strings'}`);
  }
  return new Set(value as string[]);
}

function timestamp(value: unknown, name: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0) throw new Error(`${name} must be a unix time`);
  return value as number;
}

/** Parses one filter object; throws an Error whose message is the reason (sent after "invalid: "). */
export function parseFilter(value: unknown): Filter {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new Error('a filter must be an object');
  const filter: Filter = {};
  for (const [key, v] of Object.entries(value)) {
    if (key === 'ids') filter.ids = stringSet(v, 'ids', true);
    else if (key === 'authors') filter.authors = stringSet(v, 'authors', true);
    else if (key === 'kinds') {
      if (!Array.isArray(v) || v.length > MAX_FILTER_VALUES) throw new Error('kinds must be a short array');
      if (!v.every((k) => Number.isSafeInteger(k) && k >= 0 && k <= 65535))
        throw new Error('kinds must hold integers 0..65535');
      filter.kinds = new Set(v as number[]);
    } else if (key === 'since') filter.since = timestamp(v, 'since');
    else if (key === 'until') filter.until = timestamp(v, 'until');
    else if (key === 'limit') timestamp(v, 'limit');
    else if (/^#[A-Za-z]$/.test(key)) {
      filter.tags ??= new Map();
      filter.tags.set(key.slice(1), stringSet(v, key, false));
    } else throw new Error(`unknown filter field "${key.slice(0, 20)}"`);
  }
  return filter;
}

function hasTag(event: NostrEvent, name: string, values: Set<string>): boolean {
  for (const tag of event.tags)
    if (tag[0] === name && tag[1] !== undefined && values.has(tag[1])) return true;
  return false;
}

export function matchesFilter(filter: Filter, event: NostrEvent): boolean {
  if (filter.ids && !filter.ids.has(event.id)) return false;
  if (filter.authors && !filter.authors.has(event.pubkey)) return false;
  if (filter.kinds && !filter.kinds.has(event.kind)) return false;
  if (filter.since !== undefined && event.created_at < filter.since) return false;
  if (filter.until !== undefined && event.created_at > filter.until) return false;
  if (filter.tags) for (const [name, values] of filter.tags) if (!hasTag(event, name, values)) return false;
  return true;
}

/** A subscription matches when any of its filters does. */
export const matchesAny = (filters: readonly Filter[], event: NostrEvent): boolean =>
  filters.some((f) => matchesFilter(f, event));
