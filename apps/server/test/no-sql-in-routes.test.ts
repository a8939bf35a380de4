import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { filesBelow, SERVER_SRC, srcPath } from './server-sources.js';

/**
 * Route files parse, call a service and respond; the SQL lives in each module's store and
 * services. This scan fails on a `routes.ts` (or `*-routes.ts`) under apps/server/src that
 * queries the database or holds a statement: a handler that writes SQL skips the rules and
 * the typed rows its module's store gives.
 */

const routeFiles = () => filesBelow(SERVER_SRC, (name) => /(^|-)routes\.ts$/.test(name));

const SQL_SHAPES: [RegExp, string][] = [
  [/\.query\s*[<(]/, 'runs a query'],
  [/\.exec\s*\(/, 'runs statements'],
  // A select list (`*`, `c.*`, `1`, `count(…)`, `a, b.c`) then `from`: prose ("select a provider from") is not SQL.
  [
    /\bselect\s+(?:distinct\s+)?(?:\*|\w+\.\*|\d+\b|count\s*\(|\w[\w.]*(?:\s*,\s*\w[\w.]*)*\s+from\s+\w)/i,
    'holds a select',
  ],
  [/\binsert\s+into\b/i, 'holds an insert'],
  [/\bupdate\s+[a-z_]+\s+set\b/i, 'holds an update'],
  [/\bdelete\s+from\b/i, 'holds a delete'],
];

/** What in `source` is SQL, by the line it starts on. */
export function sqlIn(source: string): { line: number; why: string }[] {
  const found: { line: number; why: string }[] = [];
  // Comments may name a statement ("the guarded UPDATE … set status"); only code counts.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/.*$/gm, '');
  for (const [shape, why] of SQL_SHAPES) {
    const match = shape.exec(code);
    if (match) found.push({ line: code.slice(0, match.index).split('\n').length, why });
  }
  return found;
}

describe('no SQL in route files', () => {
  it('recognises each shape (the check checks something)', () => {
    const bad = [
      "const [row] = await ctx.db.query('select 1 from users where id = $1', [id]);",
      'const rows = await tx.query<Row>(sql);',
      "await ctx.db.exec('vacuum');",
      '`select c.* from calls c where c.status = $1`',
      "'insert into call_bans (caller_hash) values ($1)'",
      "'update calls set voicemail_redirected_at = $2 where id = $1'",
      "'DELETE FROM sessions WHERE id = $1'",
    ];
    for (const line of bad) expect(sqlIn(line), line).not.toHaveLength(0);
    const fine = [
      "const step = Number(w.query.get('step'));",
      'const { legId } = w.adapter.parseDigits(w.request);',
      '// the guarded update … set status decides once',
      "throw notFound('select a provider from the list');",
      'return c.json(await callHistory(ctx, query));',
    ];
    for (const line of fine) expect(sqlIn(line), line).toEqual([]);
  });

  it('finds route files to check', () => {
    expect(routeFiles().map(srcPath)).toEqual(
      expect.arrayContaining(['calls/routes.ts', 'calls/webhook-routes.ts']),
    );
  });

  it('no routes.ts or *-routes.ts under apps/server/src holds SQL', () => {
    const offenders = routeFiles().flatMap((file) =>
      sqlIn(readFileSync(file, 'utf8')).map((f) => `${srcPath(file)}:${f.line}: ${f.why}`),
    );
    expect(offenders).toEqual([]);
  });
});
