/**
 * What the first load holds (bench/web.ts measures it: goal < 250 kB gzipped). The screens a
 * returning member does not need before the PIN field are chunks of their own, and the build's
 * tree-shaking of our packages (apps/web/vite.config.ts) holds only while their modules merely
 * declare things.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parseSources, src } from './source-files.js';

/** The source files main.tsx reaches by static imports and re-exports (type-only ones aside). */
function staticClosure(): Set<string> {
  const sources = new Map(parseSources().map(({ file, ast }) => [file, ast]));
  const resolve = (from: string, specifier: string): string | undefined => {
    if (!specifier.startsWith('.')) return undefined;
    const base = path.posix.join(path.posix.dirname(from), specifier).replace(/\.js$/, '');
    return [`${base}.ts`, `${base}.tsx`, `${base}/index.ts`].find((file) => sources.has(file));
  };
  const reached = new Set<string>();
  const pending = ['main.tsx'];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (reached.has(file)) continue;
    reached.add(file);
    for (const statement of sources.get(file)!.statements) {
      const typeOnly =
        (ts.isImportDeclaration(statement) && statement.importClause?.isTypeOnly) ||
        (ts.isExportDeclaration(statement) && statement.isTypeOnly);
      const specifier =
        (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) &&
        statement.moduleSpecifier &&
        ts.isStringLiteral(statement.moduleSpecifier)
          ? statement.moduleSpecifier.text
          : undefined;
      const target = specifier && !typeOnly ? resolve(file, specifier) : undefined;
      if (target) pending.push(target);
    }
  }
  return reached;
}

describe('the first load', () => {
  const firstLoad = staticClosure();

  it('holds the unlock screen and the dashboard', () => {
    for (const file of ['pages/UnlockPage.tsx', 'pages/HomePage.tsx', 'pages/DashboardPage.tsx'])
      expect(firstLoad, file).toContain(file);
  });

  it.each([
    'pages/calls/CallDock.tsx',
    'components/ActiveCall.tsx',
    'lib/transcription/call-transcription.ts',
    'pages/JoinPage.tsx',
    'pages/RestorePage.tsx',
    'components/KeySetup.tsx',
  ])('leaves %s to a chunk loaded when it is shown', (file) => {
    expect(existsSync(path.join(src, file)), file).toBe(true);
    expect(firstLoad).not.toContain(file);
  });
});

describe("our packages' modules, which the web build tree-shakes as free of side effects", () => {
  const packages = path.join(src, '..', '..', '..', 'packages');
  const files = ['protocol', 'crypto'].flatMap((name) => {
    const dir = path.join(packages, name, 'src');
    return readdirSync(dir, { recursive: true, encoding: 'utf8' })
      .filter((file) => /\.ts$/.test(file) && !/\.test\.ts$/.test(file))
      .map((file) => path.join(dir, file));
  });

  it('only import, export and declare (no statement runs for its effect, no bare import)', () => {
    expect(files.length).toBeGreaterThan(20);
    const effects: string[] = [];
    for (const file of files) {
      const ast = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
      for (const statement of ast.statements) {
        const declares =
          ts.isVariableStatement(statement) ||
          ts.isFunctionDeclaration(statement) ||
          ts.isClassDeclaration(statement) ||
          ts.isInterfaceDeclaration(statement) ||
          ts.isTypeAliasDeclaration(statement) ||
          ts.isEnumDeclaration(statement) ||
          ts.isExportDeclaration(statement) ||
          ts.isExportAssignment(statement) ||
          (ts.isImportDeclaration(statement) && statement.importClause !== undefined);
        if (!declares)
          effects.push(`${path.relative(packages, file)}: ${statement.getText(ast).slice(0, 60)}`);
      }
    }
    expect(effects).toEqual([]);
  });
});
