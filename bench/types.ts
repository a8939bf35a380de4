/** One measured line of a benchmark suite. Suites return these; run.ts prints and saves them. */
export interface Row {
  /** What was measured, e.g. "wrapKey". */
  op: string;
  /** The measured figure, in `unit`. */
  value: number;
  /** "ops/s", "MB/s", "ms", "MiB", ... */
  unit: string;
  /** The raw-primitive figure in the same unit, when the row compares against one. */
  raw?: number;
  /** A headline ratio (wrapper cost / raw cost, speed-up, fraction of raw, ...); see `ratioLabel`. */
  ratio?: number;
  /** How to read `ratio`, e.g. "cost ×" or "speed-up ×". */
  ratioLabel?: string;
  /** Number of timing samples behind the figure. */
  samples?: number;
  /** Free text: spread, method, caveats. */
  note?: string;
  /** A target this row is judged against; collected into the final goals section. */
  goal?: Goal;
}

export interface Goal {
  /** The target, stated for humans: "cost ratio ≤ 1.15". */
  target: string;
  /** The measured number that decided it. */
  measured: string;
  pass: boolean;
}

export interface Suite {
  name: string;
  run(): Promise<Row[]>;
}
