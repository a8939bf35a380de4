/**
 * The web client's sources, parsed once per test file, for the tests that read the code itself
 * (i18n keys, checked responses, isolated user text): a new page is held to their rules without
 * anyone remembering to add a test.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const src = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

function sourcePaths(dir: string, accept: (name: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourcePaths(full, accept);
    return accept(name) ? [full] : [];
  });
}

/** Every source file under src/ whose name `accept`s (default: .ts and .tsx, no tests), parsed. */
export function parseSources(
  accept: (name: string) => boolean = (name) => /\.tsx?$/.test(name) && !/\.(test|spec)\.tsx?$/.test(name),
): { file: string; ast: ts.SourceFile }[] {
  return sourcePaths(src, accept).map((file) => ({
    file: path.relative(src, file).split(path.sep).join('/'),
    ast: ts.createSourceFile(
      file,
      readFileSync(file, 'utf8'),
      ts.ScriptTarget.Latest,
      true,
      file.endsWith('.tsx') ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
    ),
  }));
}

export function walk(node: ts.Node, visit: (node: ts.Node) => void): void {
  visit(node);
  node.forEachChild((child) => walk(child, visit));
}

/** "file:line" of a node, for failure lists. */
export const where = (ast: ts.SourceFile, node: ts.Node, file: string) =>
  `${file}:${ast.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
