/**
 * Translation checks, read straight from the sources (node environment, no browser):
 * 1. every shipped locale has the same keys (plural forms count as one key family);
 * 2. every key the code asks for with t('…') exists in English;
 * 3. no user-visible text is hard-coded in a component.
 */
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { localeTree, SHIPPED, type Tree } from './locales.js';
import { parseSources, walk, where } from './source-files.js';

const LOCALES = SHIPPED;
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(tree: Tree, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([key, value]) =>
    typeof value === 'string' ? [`${prefix}${key}`] : flatten(value, `${prefix}${key}.`),
  );
}

const keyLists = new Map<string, string[]>(LOCALES.map((l) => [l, flatten(localeTree(l))]));
/** A shipped language's keys (none for a language not shipped: the checks below then fail). */
const keys = (l: string) => keyLists.get(l) ?? [];

/** "a.b_one", "a.b_other", "a.b_few" → "a.b"; plain keys stay as they are. */
const family = (key: string) => key.replace(PLURAL, '');
const families = (list: string[]) => new Set(list.map(family));
const english = families(keys('en'));

const files = parseSources();

describe('locale files', () => {
  it('have keys', () => {
    for (const l of LOCALES) expect(keys(l).length, l).toBeGreaterThan(100);
  });

  for (const l of LOCALES.filter((x) => x !== 'en')) {
    it(`${l} has every English key and no others`, () => {
      const other = families(keys(l));
      expect(
        [...english].filter((k) => !other.has(k)),
        `missing in ${l}`,
      ).toEqual([]);
      expect(
        [...other].filter((k) => !english.has(k)),
        `only in ${l}`,
      ).toEqual([]);
    });
  }

  it('plural families are complete for each language', () => {
    const pluralFamilies = [...english].filter((f) => keys('en').some((k) => k !== f && family(k) === f));
    expect(pluralFamilies.length).toBeGreaterThan(0);
    // Every plural category the language's own rules (CLDR, as Intl and i18next apply them) pick for
    // a count people meet, 0 to 1,000: English one/other, Arabic all six, Chinese only other.
    // (Spanish and French "many" is for millions only, where the other form reads right.)
    const needed = (l: string) => {
      const rules = new Intl.PluralRules(l);
      return [...new Set(Array.from({ length: 1001 }, (_, n) => rules.select(n)))];
    };
    const missing = LOCALES.flatMap((l) =>
      pluralFamilies.flatMap((f) =>
        needed(l)
          .filter((form) => !keys(l).includes(`${f}_${form}`))
          .map((form) => `${l}: ${f}_${form}`),
      ),
    );
    expect(missing).toEqual([]);
  });

  it('no translation is empty', () => {
    for (const l of LOCALES) {
      const tree = localeTree(l);
      const empty = keys(l).filter((k) => {
        const value = k.split('.').reduce<Tree | string | undefined>((t, part) => (t as Tree)?.[part], tree);
        return typeof value !== 'string' || value.trim() === '';
      });
      expect(empty, l).toEqual([]);
    }
  });
});

describe('t() calls', () => {
  /** The first argument of every t(…) / i18n.t(…) / i18next.t(…) call. */
  const calls = files.flatMap(({ file, ast }) => {
    const found: { at: string; arg: ts.Expression }[] = [];
    walk(ast, (node) => {
      if (!ts.isCallExpression(node)) return;
      const callee = node.expression;
      const isT =
        (ts.isIdentifier(callee) && callee.text === 't') ||
        (ts.isPropertyAccessExpression(callee) && callee.name.text === 't');
      const [arg] = node.arguments;
      if (isT && arg) found.push({ at: where(ast, node, file), arg });
    });
    return found;
  });

  it('are found', () => {
    expect(calls.length).toBeGreaterThan(200);
  });

  it('use static keys that exist in English', () => {
    const missing = calls
      .filter(({ arg }) => ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))
      .map(({ at, arg }) => ({ at, key: (arg as ts.StringLiteral).text }))
      .filter(({ key }) => !english.has(key))
      .map(({ at, key }) => `${at} ${key}`);
    expect(missing).toEqual([]);
  });

  it('use template keys whose fixed start exists in English', () => {
    const missing = calls
      .filter(({ arg }) => ts.isTemplateExpression(arg))
      .map(({ at, arg }) => ({ at, prefix: (arg as ts.TemplateExpression).head.text }))
      .filter(({ prefix }) => !prefix || ![...english].some((k) => k.startsWith(prefix)))
      .map(({ at, prefix }) => `${at} \`${prefix}…\``);
    expect(missing).toEqual([]);
  });

  it('keys kept in tables (string literals shaped like a key of a known section) exist', () => {
    const sections = new Set(keys('en').map((k) => k.split('.')[0]));
    const suspicious: string[] = [];
    for (const { file, ast } of files) {
      walk(ast, (node) => {
        if (!ts.isStringLiteral(node) || !/^[a-z][A-Za-z]*(\.[A-Za-z0-9_-]+)+$/.test(node.text)) return;
        if (ts.isImportDeclaration(node.parent) || ts.isExportDeclaration(node.parent)) return;
        const [section] = node.text.split('.');
        if (!sections.has(section ?? '')) return;
        const known = english.has(node.text) || [...english].some((k) => k.startsWith(`${node.text}.`));
        if (!known) suspicious.push(`${where(ast, node, file)} ${node.text}`);
      });
    }
    expect(suspicious).toEqual([]);
  });
});

describe('components', () => {
  /** Attributes a person reads or hears. */
  const VISIBLE_ATTRIBUTES = new Set([
    'aria-label',
    'title',
    'placeholder',
    'alt',
    'label',
    'aria-description',
  ]);
  /**
   * Text that is the same in every language. Keep this tiny: each entry names a file, the
   * exact text and why it needs no translation.
   */
  const ALLOWED: { file: string; text: string; why: string }[] = [
    { file: 'pages/admin/AuditPage.tsx', text: 'auth.', why: 'an example of a technical action prefix' },
    { file: 'pages/notes/ExportSection.tsx', text: 'CSV', why: 'the name of a file format' },
    { file: 'pages/notes/ExportSection.tsx', text: 'JSON', why: 'the name of a file format' },
  ];
  const allowed = (file: string, text: string) =>
    ALLOWED.some((a) => file.endsWith(a.file) && a.text === text.trim());
  const hasLetters = (text: string) => /\p{L}/u.test(text);

  /** String literals an expression can evaluate to directly (through ?:, &&, ||, ?? and parentheses). */
  function literalsOf(expression: ts.Expression | undefined): ts.StringLiteralLike[] {
    if (!expression) return [];
    if (ts.isStringLiteral(expression) || ts.isNoSubstitutionTemplateLiteral(expression)) return [expression];
    if (ts.isTemplateExpression(expression))
      return [expression.head, ...expression.templateSpans.map((s) => s.literal)].some((p) =>
        hasLetters(p.text),
      )
        ? [expression as unknown as ts.StringLiteralLike]
        : [];
    if (ts.isParenthesizedExpression(expression)) return literalsOf(expression.expression);
    if (ts.isConditionalExpression(expression))
      return [...literalsOf(expression.whenTrue), ...literalsOf(expression.whenFalse)];
    if (ts.isBinaryExpression(expression)) {
      const op = expression.operatorToken.kind;
      // `cond && 'text'` shows the right side; `a || 'text'` and `a ?? 'text'` either side.
      if (op === ts.SyntaxKind.AmpersandAmpersandToken) return literalsOf(expression.right);
      if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken)
        return [...literalsOf(expression.left), ...literalsOf(expression.right)];
    }
    return [];
  }

  const findings = files
    .filter(({ file }) => file.endsWith('.tsx'))
    .flatMap(({ file, ast }) => {
      const found: string[] = [];
      walk(ast, (node) => {
        if (ts.isJsxText(node)) {
          const text = node.text.trim();
          if (hasLetters(text) && !allowed(file, text))
            found.push(`${where(ast, node, file)} text "${text}"`);
        } else if (ts.isJsxAttribute(node) && VISIBLE_ATTRIBUTES.has(node.name.getText())) {
          const init = node.initializer;
          const literals =
            init && ts.isStringLiteral(init)
              ? [init]
              : init && ts.isJsxExpression(init)
                ? literalsOf(init.expression)
                : [];
          for (const literal of literals) {
            const text = literal.getText().slice(1, -1);
            if (hasLetters(text) && !allowed(file, text))
              found.push(`${where(ast, node, file)} ${node.name.getText()}="${text}"`);
          }
        } else if (
          ts.isJsxExpression(node) &&
          (ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent))
        ) {
          for (const literal of literalsOf(node.expression)) {
            const text = literal.getText().slice(1, -1);
            if (hasLetters(text) && !allowed(file, text)) found.push(`${where(ast, node, file)} {"${text}"}`);
          }
        }
      });
      return found;
    });

  it('are parsed', () => {
    expect(files.filter(({ file }) => file.endsWith('.tsx')).length).toBeGreaterThan(20);
  });

  it('hard-code no user-visible text (all of it goes through t())', () => {
    expect(findings).toEqual([]);
  });

  it('the check itself catches hard-coded text', () => {
    const probe = ts.createSourceFile(
      'probe.tsx',
      'export const P = () => <p title="Hello">Hi <b>{ok ? "Yes" : t("x")}{a === "b" && "Ok"}</b></p>;',
      ts.ScriptTarget.Latest,
      true,
      ts.ScriptKind.TSX,
    );
    const hits: string[] = [];
    walk(probe, (node) => {
      if (ts.isJsxText(node) && hasLetters(node.text)) hits.push(node.text.trim());
      if (ts.isJsxAttribute(node) && node.initializer && ts.isStringLiteral(node.initializer))
        hits.push(node.initializer.text);
      if (ts.isJsxExpression(node) && ts.isJsxElement(node.parent))
        hits.push(...literalsOf(node.expression).map((l) => l.getText().slice(1, -1)));
    });
    expect(hits).toEqual(['Hello', 'Hi', 'Yes', 'Ok']);
  });
});
