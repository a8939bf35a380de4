/**
 * Text people typed (display names, note text, custom field labels and values, ban reasons,
 * role and shift names, the hotline's name) is shown with its own direction, isolated from the
 * text around it: a right-to-left name, or a stray U+202E the server let through earlier, must
 * not reorder the words next to it. Read straight from the sources, like i18n.test.ts, so a new
 * page is held to it without anyone remembering to add a test.
 */
import i18next from 'i18next';
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserText, userTextIn } from '../src/components/UserText.js';
import { parseSources, walk, where } from './source-files.js';

const files = parseSources((name) => name.endsWith('.tsx'));

/** Properties and variables that hold text a person typed. */
const USER_TEXT = new Set([
  'displayName',
  'hotlineName',
  'reason',
  'text',
  'label',
  'name',
  'names',
  'author',
  'volunteer',
  'value',
  'values',
  'description',
  'showValue',
  'roleNames',
]);

/** Whether evaluating `expression` shows user text: a read of a USER_TEXT name, not through t(). */
function readsUserText(expression: ts.Node, file: string): boolean {
  if (exempt(file, expression.getText())) return false;
  if (ts.isJsxElement(expression) || ts.isJsxSelfClosingElement(expression) || ts.isJsxFragment(expression))
    return false; // nested elements are judged on their own
  if (
    ts.isCallExpression(expression) &&
    ts.isIdentifier(expression.expression) &&
    expression.expression.text === 't'
  )
    return false; // a translation key, not user text (its values are judged separately)
  if (ts.isPropertyAccessExpression(expression) && USER_TEXT.has(expression.name.text)) return true;
  if (ts.isIdentifier(expression) && USER_TEXT.has(expression.text)) return true;
  if (
    ts.isCallExpression(expression) &&
    ts.isIdentifier(expression.expression) &&
    USER_TEXT.has(expression.expression.text)
  )
    return true; // name(provider), nameOf(pubkey)…
  if (
    ts.isCallExpression(expression) &&
    ts.isIdentifier(expression.expression) &&
    /^nameOf$/.test(expression.expression.text)
  )
    return true;
  if (ts.isConditionalExpression(expression))
    return readsUserText(expression.whenTrue, file) || readsUserText(expression.whenFalse, file);
  if (ts.isBinaryExpression(expression)) {
    const op = expression.operatorToken.kind;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) return readsUserText(expression.right, file);
    if (
      op === ts.SyntaxKind.BarBarToken ||
      op === ts.SyntaxKind.QuestionQuestionToken ||
      op === ts.SyntaxKind.PlusToken
    )
      return readsUserText(expression.left, file) || readsUserText(expression.right, file);
    return false; // a comparison shows true or false, not the text
  }
  if (ts.isParenthesizedExpression(expression) || ts.isNonNullExpression(expression))
    return readsUserText(expression.expression, file);
  if (ts.isTemplateExpression(expression))
    return expression.templateSpans.some((span) => readsUserText(span.expression, file));
  return false;
}

/** The JSX element that directly contains `node` (a child expression), if any. */
function enclosingElement(node: ts.Node): ts.JsxOpeningLikeElement | null {
  const parent = node.parent;
  if (ts.isJsxElement(parent)) return parent.openingElement;
  return null;
}

const attribute = (element: ts.JsxOpeningLikeElement, name: string) =>
  element.attributes.properties
    .filter(ts.isJsxAttribute)
    .find((a) => a.name.getText() === name)
    ?.initializer?.getText();

/** <bdi>, <UserText>, dir="auto", or the .ltr-cell class (isolated, left to right on purpose: numbers, ids). */
const isolates = (element: ts.JsxOpeningLikeElement): boolean => {
  const tag = element.tagName.getText();
  if (tag === 'bdi' || tag === 'UserText') return true;
  if (attribute(element, 'dir') === '"auto"') return true;
  // Read aloud, never laid out: direction does not apply.
  if (attribute(element, 'className') === '"visually-hidden"') return true;
  return /\bltr-cell\b/.test(attribute(element, 'className') ?? '');
};

/**
 * Reads that look like user text but are not. Keep this short: each entry names a file, the
 * exact expression and why.
 */
const NOT_USER_TEXT: { file: string; text: string; why: string }[] = [
  {
    file: 'pages/admin/ProvidersSection.tsx',
    text: 'name(deleting)',
    why: 'a telephony provider product name',
  },
  {
    file: 'pages/admin/AuditPage.tsx',
    text: 'verdict.reason',
    why: 'why the chain check failed, in the app’s words',
  },
  {
    file: 'pages/calls/ProviderTests.tsx',
    text: 'result.reason',
    why: 'a provider test result, in the app’s words',
  },
  { file: 'pages/shifts/ExceptionsSection.tsx', text: 'label', why: 'a translated label from the caller' },
  { file: 'components/CopyField.tsx', text: 'label', why: 'a translated label from the caller' },
  { file: 'components/LiveStatus.tsx', text: 'label', why: 'a translated status' },
  { file: 'components/ErrorMessage.tsx', text: 'text', why: 'an error message the app wrote' },
  { file: 'pages/shifts/WeekCalendar.tsx', text: 'label', why: 'an hour of the day, formatted by the app' },
  { file: 'pages/calls/ProviderTests.tsx', text: 'name', why: 'a telephony provider product name' },
  { file: 'pages/admin/SimpleSections.tsx', text: 'label', why: 'a setting’s translated label' },
  {
    file: 'pages/admin/ProvidersSection.tsx',
    text: 'name(provider)',
    why: 'a telephony provider product name',
  },
];
const exempt = (file: string, text: string) => NOT_USER_TEXT.some((e) => e.file === file && e.text === text);

describe('user text in components', () => {
  it('is isolated wherever it is a child of an element (<UserText>/<bdi>, or dir="auto" on the element)', () => {
    const bare: string[] = [];
    for (const { file, ast } of files) {
      walk(ast, (node) => {
        if (!ts.isJsxExpression(node) || !node.expression) return;
        const element = enclosingElement(node);
        if (!element || !readsUserText(node.expression, file)) return;
        if (!isolates(element))
          bare.push(`${where(ast, node, file)} ${node.expression.getText().slice(0, 60)}`);
      });
    }
    expect(bare).toEqual([]);
  });

  it('is isolated in DataTable cells: a column whose cell shows user text sets its direction', () => {
    // A cell is a function, not a JSX child, so the check above cannot see it; the column's
    // `direction` ('auto', or 'ltr' for numbers and ids) puts dir="auto" or .ltr-cell on the cell.
    const bare: string[] = [];
    let userTextColumns = 0;
    for (const { file, ast } of files) {
      walk(ast, (node) => {
        if (!ts.isObjectLiteralExpression(node)) return;
        const property = (name: string) =>
          node.properties.find(
            (p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText() === name,
          );
        const cell = property('cell')?.initializer;
        if (!cell || !property('header') || !ts.isArrowFunction(cell) || ts.isBlock(cell.body)) return;
        if (!readsUserText(cell.body, file)) return;
        userTextColumns++;
        const direction = property('direction')?.initializer.getText();
        if (direction !== "'auto'" && direction !== "'ltr'")
          bare.push(`${where(ast, node, file)} ${cell.body.getText().slice(0, 60)}`);
      });
    }
    expect(bare).toEqual([]);
    expect(userTextColumns).toBeGreaterThan(0); // the tables do show names and reasons
  });

  it('goes into translated sentences through userTextIn(), never as a plain t() value', () => {
    const plain: string[] = [];
    for (const { file, ast } of files) {
      walk(ast, (node) => {
        if (!ts.isCallExpression(node) || !ts.isIdentifier(node.expression) || node.expression.text !== 't')
          return;
        const values = node.arguments[1];
        if (!values || !ts.isObjectLiteralExpression(values)) return;
        // Only sentences shown as an element's text: attributes (title, aria-label) cannot hold markup.
        let at: ts.Node = node;
        while (!ts.isJsxExpression(at) && !ts.isSourceFile(at)) at = at.parent;
        if (!ts.isJsxExpression(at)) return;
        // A dialog's title is its heading, so it counts as an element's text.
        const dialogTitle =
          ts.isJsxAttribute(at.parent) &&
          at.parent.name.getText() === 'title' &&
          /Dialog$/.test(at.parent.parent.parent.tagName.getText());
        if (!enclosingElement(at) && !dialogTitle) return;
        const userValues = values.properties.some(
          (p) =>
            (ts.isPropertyAssignment(p) && readsUserText(p.initializer, file)) ||
            (ts.isShorthandPropertyAssignment(p) && USER_TEXT.has(p.name.text)),
        );
        if (userValues) plain.push(where(ast, node, file));
      });
    }
    expect(plain).toEqual([]);
  });
});

describe('UserText', () => {
  beforeAll(async () => {
    await i18next.init({
      lng: 'en',
      resources: { en: { translation: { hello: 'Hello, {{name}}! Welcome to {{hotline}}.' } } },
      interpolation: { escapeValue: false },
    });
  });

  it('isolates the text in a <bdi>', () => {
    const name = '\u202Eevil\u202C Ana';
    expect(renderToStaticMarkup(createElement(UserText, null, name))).toBe(`<bdi>${name}</bdi>`);
  });

  it('puts each value of a translated sentence in its own <bdi>, and the words around it as they are', () => {
    const html = renderToStaticMarkup(
      createElement('h1', null, userTextIn(i18next.t, 'hello', { name: 'سلمى', hotline: 'Línea <1>' })),
    );
    expect(html).toBe('<h1>Hello, <bdi>سلمى</bdi>! Welcome to <bdi>Línea &lt;1&gt;</bdi>.</h1>');
  });
});
