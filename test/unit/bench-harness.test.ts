// The bench's maths (bench/harness.ts): medians and quantiles, which way a ratio reads, the A/B
// then B/A order of `alternate` and its refusal of fewer than 5 rounds; and the data set's
// determinism (bench/dataset.ts): the same seed builds the same rows, another seed other rows.
import { buildDataset, type DatasetSize } from '../../bench/dataset';
import { alternate, figure, median, quantile, row, table } from '../../bench/harness';

describe('bench harness', () => {
  it('takes the median of odd and even counts, whatever the order', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });

  it('takes quantiles by nearest rank', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(hundred, 0.5)).toBe(50);
    expect(quantile(hundred, 0.99)).toBe(99);
    expect(quantile(hundred, 1)).toBe(100);
    expect(quantile(hundred, 0)).toBe(1);
    expect(quantile([5], 0.99)).toBe(5);
  });

  it('keeps the raw figures with their median and spread', () => {
    expect(figure('hub', 'ms', [12.345, 9, 150.4])).toEqual({
      what: 'hub',
      unit: 'ms',
      median: 12.3,
      min: 9,
      max: 150,
      raw: [12.3, 9, 150],
    });
  });

  it('reads every ratio as the fraction of the baseline speed: latencies inverted, throughputs not', () => {
    const rowOf = (name: string, unit: 'ms' | 'req/s', hub: number, baseline: number, goal?: number) =>
      row({
        name,
        what: name,
        database: 'db',
        hub: figure('hub', unit, [hub]),
        baseline: figure('base', unit, [baseline]),
        goal,
      });
    const slower = rowOf('x', 'ms', 20, 10, 0.8);
    expect(slower.ratio).toBe(0.5);
    expect(slower.goal).toEqual({ ratio: 0.8, text: '>= 0.8', met: false });
    const fewer = rowOf('y', 'req/s', 5, 10);
    expect(fewer.ratio).toBe(0.5);
    expect(fewer.goal).toBeUndefined();
    const faster = rowOf('z', 'ms', 10, 20, 0.8);
    expect(faster.ratio).toBe(2);
    expect(faster.goal?.met).toBe(true);
    expect(table([slower, faster]).split('\n')).toEqual([
      expect.stringMatching(/^\| row \|/),
      '|---|---|---|---|---|---|',
      '| x | x | 20 ms (20–20) | base: 10 ms (10–10) | 0.5 | >= 0.8 NOT met |',
      '| z | z | 10 ms (10–10) | base: 20 ms (20–20) | 2 | >= 0.8 met |',
    ]);
  });

  it('alternates A/B then B/A after one warm-up of each, and returns each side its own figures', async () => {
    const calls: string[] = [];
    let n = 0;
    const side = (name: string) => async () => {
      calls.push(name);
      n += 1;
      return n;
    };
    const { a, b } = await alternate(5, side('a'), side('b'));
    expect(calls).toEqual(['a', 'b', 'a', 'b', 'b', 'a', 'a', 'b', 'b', 'a', 'a', 'b']);
    // the figures of the calls after the warm-up, in each side's own order
    expect(a).toEqual([3, 6, 7, 10, 11]);
    expect(b).toEqual([4, 5, 8, 9, 12]);
  });

  it('refuses fewer than 5 rounds before running anything', async () => {
    const calls: string[] = [];
    const side = (name: string) => async () => {
      calls.push(name);
      return 1;
    };
    await expect(alternate(4, side('a'), side('b'))).rejects.toThrow('at least 5 rounds');
    expect(calls).toEqual([]);
  });
});

describe('bench data set', () => {
  const size: DatasetSize = { incidents: 40, clients: 4, sites: 10, teams: 2, services: 3, people: 12 };
  const rowsOf = (seed: number) =>
    Object.fromEntries(buildDataset(size, seed).tables.map(([table, columns]) => [table, columns.values]));

  it('builds the same rows from the same seed, and other rows from another', () => {
    expect(rowsOf(15)).toEqual(rowsOf(15));
    expect(rowsOf(16)).not.toEqual(rowsOf(15));
  });

  it('gives every incident a timeline of 10 to 30 entries, the first its declaration', () => {
    const tables = new Map(buildDataset(size, 15).tables);
    const incidents = tables.get('incident')!.values.get('id')!;
    const entries = tables.get('timeline_entry')!;
    const byIncident = new Map<unknown, unknown[]>();
    entries.values.get('incident_id')!.forEach((id, i) => {
      byIncident.set(id, [...(byIncident.get(id) ?? []), entries.values.get('kind')![i]]);
    });
    expect(byIncident.size).toBe(incidents.length);
    for (const kinds of byIncident.values()) {
      expect(kinds.length).toBeGreaterThanOrEqual(10);
      expect(kinds.length).toBeLessThanOrEqual(30);
      expect(kinds[0]).toBe('DECLARED');
    }
  });
});
