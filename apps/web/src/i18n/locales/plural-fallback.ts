type Tree = { [key: string]: string | Tree };

const CATEGORIES = ['zero', 'one', 'two', 'few', 'many', 'other'] as const;

/** Whether this runtime's Intl has plural rules of the language's own (not its default locale's). */
export function hasOwnPluralRules(code: string): boolean {
  const resolved = new Intl.PluralRules(code).resolvedOptions().locale.toLowerCase();
  const base = (code.split('-')[0] ?? code).toLowerCase();
  return (
    resolved === code.toLowerCase() ||
    resolved.split('-')[0] === base ||
    (base === 'tl' && resolved.startsWith('fil'))
  );
}

/**
 * For a language Intl has no plural rules for (Haitian Creole), i18next asks for the forms of the
 * browser's default locale ("_few" under a Russian default) and would fall back to English. Every
 * plural family then gets every category, each missing one taking the family's "other" text:
 * Creole nouns do not change with the count, so "other" reads right for any number.
 */
export function withEveryPluralForm(tree: Tree): Tree {
  const out: Tree = {};
  for (const [key, value] of Object.entries(tree)) {
    if (typeof value !== 'string') {
      out[key] = withEveryPluralForm(value);
      continue;
    }
    out[key] = value;
    const family = key.endsWith('_other') ? key.slice(0, -'_other'.length) : null;
    if (family === null) continue;
    for (const category of CATEGORIES) {
      const name = `${family}_${category}`;
      if (!(name in tree)) out[name] = value;
    }
  }
  return out;
}
