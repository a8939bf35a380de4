/**
 * Benchmark runner: `npm run bench [-- <suite-name filter>...]`.
 * Runs the suites of suites.ts (those whose name contains a filter, or all), prints one
 * markdown table per suite and a goals section, and writes bench/results/latest.json.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { suites } from './suites.js';
import type { Row } from './types.js';

const filters = process.argv.slice(2).map((f) => f.toLowerCase());
const selected = suites.filter(
  (s) => filters.length === 0 || filters.some((f) => s.name.toLowerCase().includes(f)),
);
if (selected.length === 0) {
  console.error(`no suite matches ${filters.join(', ')}; known: ${suites.map((s) => s.name).join(', ')}`);
  process.exit(1);
}

function num(value: number | undefined): string {
  if (value === undefined || !Number.isFinite(value)) return '';
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 10 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const cell = (text: string) => text.replaceAll('|', '\\|');

function table(rows: Row[]): string {
  const lines = [
    '| operation | result | raw | ratio | goal | note |',
    '| --- | ---: | ---: | ---: | :---: | --- |',
  ];
  for (const r of rows) {
    const ratio = r.ratio === undefined ? '' : `${r.ratio.toFixed(3)} ${r.ratioLabel ?? ''}`.trim();
    const goal = r.goal ? (r.goal.pass ? 'PASS' : 'FAIL') : '';
    const raw = r.raw === undefined ? '' : `${num(r.raw)} ${r.unit}`;
    lines.push(
      `| ${cell(r.op)} | ${num(r.value)} ${r.unit} | ${raw} | ${ratio} | ${goal} | ${cell(r.note ?? '')} |`,
    );
  }
  return lines.join('\n');
}

const environment = {
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpu: `${cpus().length}× ${cpus()[0]?.model ?? 'unknown'}`,
  date: new Date().toISOString(),
};
console.log(`# Benchmarks\n\n${environment.node}, ${environment.platform}, ${environment.cpu}\n`);

const results: Array<{ suite: string; seconds: number; rows: Row[] }> = [];
let failed = false;
for (const suite of selected) {
  const start = performance.now();
  let rows: Row[];
  try {
    rows = await suite.run();
  } catch (error) {
    failed = true;
    console.error(`suite ${suite.name} failed:`, error);
    continue;
  }
  const seconds = (performance.now() - start) / 1000;
  results.push({ suite: suite.name, seconds, rows });
  console.log(`## ${suite.name} (${seconds.toFixed(1)} s)\n\n${table(rows)}\n`);
}

const goals = results.flatMap((r) =>
  r.rows.filter((row) => row.goal).map((row) => ({ suite: r.suite, row })),
);
if (goals.length > 0) {
  console.log('## goals\n');
  for (const { suite, row } of goals) {
    const g = row.goal!;
    console.log(`- ${g.pass ? 'PASS' : 'FAIL'} ${suite} / ${row.op}: ${g.target}; measured ${g.measured}`);
  }
  const passed = goals.filter((g) => g.row.goal!.pass).length;
  console.log(`\n${passed}/${goals.length} goals met.`);
}

const outDir = new URL('./results/', import.meta.url);
await mkdir(outDir, { recursive: true });
await writeFile(new URL('latest.json', outDir), `${JSON.stringify({ environment, results }, null, 2)}\n`);
console.log('\nResults written to bench/results/latest.json');
if (failed) process.exitCode = 1;
