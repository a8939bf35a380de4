/**
 * Searching what the workers opened (notes, reports): every word of the query must stand in a
 * record's haystack, both folded the same way, so "medico" finds "Médico".
 */

/** Lowercased text without diacritics, so "medico" finds "médico". */
export function searchable(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * The keys (among `keys`, or all of `opened` when null) of the opened records whose haystack
 * holds every word of `query`; `haystackOf` is null for a record that did not open (never found).
 */
export function matchingKeys<Entry>(
  opened: ReadonlyMap<string, Entry>,
  query: string,
  keys: string[] | null,
  haystackOf: (entry: Entry) => string | null,
): string[] {
  const terms = searchable(query).split(/\s+/).filter(Boolean);
  const match = (entry: Entry | undefined) => {
    const haystack = entry === undefined ? null : haystackOf(entry);
    return haystack !== null && terms.every((term) => haystack.includes(term));
  };
  if (keys) return keys.filter((key) => match(opened.get(key)));
  return [...opened].filter(([, entry]) => match(entry)).map(([key]) => key);
}
