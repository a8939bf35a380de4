#!/usr/bin/env node
// Lists the functions of product code (not tests) longer than N lines: every function declaration,
// function expression, arrow function and method in apps/server/src, apps/web/src and
// packages/{crypto,protocol}/src, counted from its first to its last line.
//   node scripts/long-functions.mjs [N=80] [-v]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const limit = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 80);
const dirs = ['apps/server/src', 'apps/web/src', 'packages/crypto/src', 'packages/protocol/src'];

const files = [];
const walk = (dir) => {
  for (const entry of readdirSync(dir)) {
    const file = path.join(dir, entry);
    if (statSync(file).isDirectory()) {
      if (entry !== 'node_modules' && entry !== 'dist') walk(file);
    } else if (/\.tsx?$/.test(entry) && !/\.test\.tsx?$/.test(entry) && !entry.endsWith('.d.ts')) {
      files.push(file);
    }
  }
};
for (const dir of dirs) walk(path.join(root, dir));

const long = [];
for (const file of files) {
  const kind = file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS;
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, kind);
  const line = (pos) => source.getLineAndCharacterOfPosition(pos).line;
  const visit = (node) => {
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isFunctionExpression(node) ||
      ts.isArrowFunction(node) ||
      ts.isMethodDeclaration(node)
    ) {
      const lines = line(node.getEnd()) - line(node.getStart()) + 1;
      if (lines > limit)
        long.push({ lines, at: `${path.relative(root, file)}:${line(node.getStart()) + 1}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
}
long.sort((a, b) => b.lines - a.lines);
if (process.argv.includes('-v')) for (const f of long) console.log(`${f.lines} ${f.at}`);
console.log(`functions over ${limit} lines: ${long.length} (in ${files.length} files)`);
