/**
 * Every server answer reaches a page through the typed client (src/lib/api/), which checks it
 * against its schema from @llamenos/protocol. Read straight from the sources, like
 * user-text.test.ts, so new code is held to it without anyone remembering to add a test:
 * - no `api<T>(…)` call (a generic that only asserts the answer's type),
 * - no `as` cast over a `.json()` result or over a request,
 * - no untyped helper beside the typed client (the former src/lib/api.ts stays gone),
 * - no lib/ module imports a page (pages depend on lib, never the reverse).
 */
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseSources, walk, where } from './source-files.js';

const files = parseSources();

/** Is this a call of `.json()`, or of the client's `api`/`request` helpers? */
function isResponseRead(node: ts.Node): boolean {
  if (!ts.isCallExpression(node)) return false;
  const callee = node.expression;
  if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'json') return true;
  return ts.isIdentifier(callee) && (callee.text === 'api' || callee.text === 'request');
}

function containsResponseRead(node: ts.Node): boolean {
  let found = false;
  walk(node, (n) => {
    if (isResponseRead(n)) found = true;
  });
  return found;
}

/** Module specifiers a file imports (static and dynamic). */
function importsOf(ast: ts.SourceFile): { node: ts.Node; spec: string }[] {
  const found: { node: ts.Node; spec: string }[] = [];
  walk(ast, (n) => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier)
      found.push({ node: n, spec: (n.moduleSpecifier as ts.StringLiteral).text });
    if (
      ts.isCallExpression(n) &&
      n.expression.kind === ts.SyntaxKind.ImportKeyword &&
      n.arguments[0] &&
      ts.isStringLiteral(n.arguments[0])
    )
      found.push({ node: n, spec: n.arguments[0].text });
  });
  return found;
}

const resolve = (file: string, spec: string) =>
  spec.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)) : spec;

describe('server answers are checked before use', () => {
  it('sources were found', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(files.some((f) => f.file === 'lib/api/index.ts')).toBe(true);
  });

  it('no api<T>(…) call asserts the type of an answer', () => {
    const found: string[] = [];
    for (const { file, ast } of files)
      walk(ast, (n) => {
        if (
          ts.isCallExpression(n) &&
          ts.isIdentifier(n.expression) &&
          n.expression.text === 'api' &&
          n.typeArguments?.length
        )
          found.push(where(ast, n, file));
      });
    expect(found).toEqual([]);
  });

  it('no `as` cast over a .json() result or a request', () => {
    const found: string[] = [];
    for (const { file, ast } of files)
      walk(ast, (n) => {
        if ((ts.isAsExpression(n) || ts.isTypeAssertionExpression(n)) && containsResponseRead(n.expression))
          found.push(where(ast, n, file));
      });
    expect(found).toEqual([]);
  });

  it('the only way to the server is the typed client', () => {
    expect(files.some((f) => f.file === 'lib/api.ts')).toBe(false);
    expect(files.some((f) => f.file === 'components/useLoad.ts')).toBe(false);
    const found: string[] = [];
    for (const { file, ast } of files)
      for (const { node, spec } of importsOf(ast))
        if (resolve(file, spec) === 'lib/api/http.js' && !file.startsWith('lib/api/'))
          found.push(where(ast, node, file));
    expect(found).toEqual([]);
  });

  it('no lib/ module imports a page', () => {
    const found: string[] = [];
    for (const { file, ast } of files) {
      if (!file.startsWith('lib/')) continue;
      for (const { node, spec } of importsOf(ast))
        if (resolve(file, spec).startsWith('pages/')) found.push(where(ast, node, file));
    }
    expect(found).toEqual([]);
  });
});
