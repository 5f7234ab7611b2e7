// The shape every row of `npm run bench` takes: the hub against a baseline doing the same work,
// measured in the same run, alternated A/B then B/A round by round (neither side always runs on a
// warmer cache), reported as medians with their spread and the raw figures, and a ratio. Never an
// absolute threshold: the machine is shared and noisy, only the ratio is compared with a goal.

/** What one figure counts; `higherIsBetter` decides which way the ratio reads. */
export type Unit = 'ms' | 'req/s' | 'tps' | 'events/s' | 'MB';

export interface Figure {
  what: string;
  unit: Unit;
  median: number;
  min: number;
  max: number;
  raw: number[];
}

export interface Row {
  /** Short name, also the argument that runs this row alone: `npm run bench -- <name>`. */
  name: string;
  what: string;
  database: string;
  hub: Figure;
  baseline: Figure;
  /**
   * hub/baseline for throughputs (higher is better: 0.5 means half the baseline's speed) and
   * baseline/hub for latencies, so a ratio always reads "fraction of the baseline's speed".
   */
  ratio: number;
  /** The goal the issue sets for the ratio, e.g. '>= 0.5', and whether this run met it. */
  goal?: { ratio: number; text: string; met: boolean };
  /** Anything else worth printing (statements per request, p99, memory, ...). */
  extra?: Record<string, unknown>;
}

export const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** The q-quantile (0..1) of the values, nearest rank. */
export const quantile = (values: readonly number[], q: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
};

const round = (n: number) => Number(n.toFixed(n >= 100 ? 0 : n >= 10 ? 1 : 2));

export function figure(what: string, unit: Unit, raw: readonly number[]): Figure {
  return {
    what,
    unit,
    median: round(median(raw)),
    min: round(Math.min(...raw)),
    max: round(Math.max(...raw)),
    raw: raw.map(round),
  };
}

/**
 * Runs `a` and `b` for `rounds` rounds (at least 5), A then B on even rounds, B then A on odd
 * ones, after one warm-up of each. Each call returns its figure for that round (ms, req/s, ...).
 */
export async function alternate(
  rounds: number,
  a: () => Promise<number>,
  b: () => Promise<number>,
): Promise<{ a: number[]; b: number[] }> {
  if (rounds < 5) throw new Error('bench: at least 5 rounds');
  await a();
  await b();
  const ra: number[] = [];
  const rb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      ra.push(await a());
      rb.push(await b());
    } else {
      rb.push(await b());
      ra.push(await a());
    }
  }
  return { a: ra, b: rb };
}

/** A row from the two sides' raw figures; the ratio reads as "fraction of the baseline's speed". */
export function row(
  fields: Omit<Row, 'hub' | 'baseline' | 'ratio' | 'goal'> & {
    hub: Figure;
    baseline: Figure;
    /** The least ratio that meets the issue's goal, if it sets one. */
    goal?: number;
  },
): Row {
  const higherIsBetter = fields.hub.unit !== 'ms';
  const ratio = Number(
    (higherIsBetter
      ? fields.hub.median / fields.baseline.median
      : fields.baseline.median / fields.hub.median
    ).toFixed(2),
  );
  const { goal, ...rest } = fields;
  return {
    ...rest,
    ratio,
    ...(goal === undefined ? {} : { goal: { ratio: goal, text: `>= ${goal}`, met: ratio >= goal } }),
  };
}

/** The Markdown table `npm run bench` ends with (the README shows the last one). */
export function table(rows: readonly Row[]): string {
  const cell = (f: Figure) => `${f.median} ${f.unit} (${f.min}–${f.max})`;
  const lines = [
    '| row | what | hub, median (spread) | baseline, median (spread) | ratio | goal |',
    '|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.what} | ${cell(r.hub)} | ${r.baseline.what}: ${cell(r.baseline)} | ${r.ratio} | ${
          r.goal ? `${r.goal.text} ${r.goal.met ? 'met' : 'NOT met'}` : ''
        } |`,
    ),
  ];
  return lines.join('\n');
}

/** What every part of the bench gets from bench/run.ts: one hub on the bench database, listening. */
export interface BenchContext {
  hub: import('../src/app').Hub;
  /** http://127.0.0.1:<port> of that hub. */
  base: string;
  /** An ADMIN token for `authorization: Bearer <token>`. */
  token: string;
  /** The database the hub uses (a PostgreSQL server URL, or PGlite's socket URL). */
  databaseUrl: string;
  actor: { personId: string; accessRole: import('../src/domain/enums').AccessRole };
}

/** One part of the bench: `npm run bench -- <name>` runs it alone; it returns its rows. */
export type Scenario = (ctx: BenchContext) => Promise<Row[]>;
