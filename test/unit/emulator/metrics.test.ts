import { Digest, MetricStore, parseStat, type ParsedStat } from '../../../src/emulator/metrics';
import { Rng } from '../../../src/emulator/faults';

/** Nearest-rank percentile by brute force, the definition the store implements. */
function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1];
}

const stat = (s: string): ParsedStat => parseStat(s)!;

describe('Digest', () => {
  test.each([
    ['two distinct values (inline)', (r: Rng) => (r.next() < 0.3 ? 1 : 0), 400],
    ['a handful of values (raw list)', (r: Rng) => Math.floor(r.next() * 7), 300],
    ['continuous values (raw list)', (r: Rng) => r.lognormal(4000, 0.5), 500],
  ])('%s: every statistic equals brute force', (_name, draw, n) => {
    const rng = new Rng(7);
    const values = Array.from({ length: n }, () => draw(rng));
    const d = new Digest();
    values.forEach((v) => d.add(v));
    expect(d.statistic(stat('SampleCount'))).toBe(n);
    expect(d.statistic(stat('Sum'))).toBeCloseTo(
      values.reduce((a, b) => a + b, 0),
      6,
    );
    expect(d.statistic(stat('Average'))).toBeCloseTo(values.reduce((a, b) => a + b, 0) / n, 6);
    expect(d.statistic(stat('Minimum'))).toBe(Math.min(...values));
    expect(d.statistic(stat('Maximum'))).toBe(Math.max(...values));
    for (const p of [1, 10, 50, 90, 99, 99.9, 100]) expect(d.percentile(p)).toBe(nearestRank(values, p));
  });

  test('beyond the raw limit percentiles come from a 1% log histogram: within 0.5% of exact', () => {
    const rng = new Rng(3);
    const values = Array.from({ length: 20_000 }, () => rng.lognormal(5000, 0.8));
    const d = new Digest();
    values.forEach((v) => d.add(v));
    for (const p of [50, 90, 99]) {
      const exact = nearestRank(values, p);
      expect(Math.abs(d.percentile(p)! - exact) / exact).toBeLessThan(0.006);
    }
    expect(d.statistic(stat('Maximum'))).toBe(Math.max(...values));
    expect(d.percentile(100)).toBe(Math.max(...values));
  });

  test('absorb merges any modes into the same answer as one digest of all values', () => {
    const rng = new Rng(11);
    const parts = [
      Array.from({ length: 10 }, () => (rng.next() < 0.5 ? 0 : 1)),
      Array.from({ length: 100 }, () => Math.round(rng.lognormal(20, 0.4))),
      Array.from({ length: 30 }, () => -rng.next()),
    ];
    const merged = new Digest();
    for (const part of parts) {
      const d = new Digest();
      part.forEach((v) => d.add(v));
      merged.absorb(d);
    }
    const all = parts.flat();
    expect(merged.count).toBe(all.length);
    for (const p of [5, 50, 95]) expect(merged.percentile(p)).toBe(nearestRank(all, p));
  });

  test('statistic sets count for Sum/Average/SampleCount but leave percentiles undefined', () => {
    const d = new Digest();
    d.addStatistics(4, 10, 1, 4);
    expect([d.statistic(stat('Sum')), d.statistic(stat('SampleCount')), d.statistic(stat('Average'))]).toEqual([
      10, 4, 2.5,
    ]);
    expect(d.percentile(50)).toBeUndefined();
  });

  test('counts multiply: add(v, n) equals n adds', () => {
    const a = new Digest();
    const b = new Digest();
    a.add(3, 5);
    a.add(9, 2);
    a.add(4, 1);
    for (const [v, n] of [
      [3, 5],
      [9, 2],
      [4, 1],
    ])
      for (let i = 0; i < n; i++) b.add(v);
    for (const p of [10, 50, 80, 100]) expect(a.percentile(p)).toBe(b.percentile(p));
    expect(a.sum).toBe(b.sum);
  });
});

describe('parseStat', () => {
  test('known statistics and percentiles; others are refused', () => {
    expect(parseStat('p99.9')).toEqual({ kind: 'percentile', p: 99.9, name: 'p99.9' });
    expect(parseStat('Average')).toEqual({ kind: 'Average', name: 'Average' });
    for (const bad of ['tm99', 'IQM', 'p0', 'p101', 'avg', 'P50']) expect(parseStat(bad)).toBeUndefined();
  });
});

describe('MetricStore', () => {
  const dims = [{ Name: 'A', Value: '1' }];
  const now = Math.floor(Date.now() / 1000);

  test('periods are epoch-aligned and only periods with data appear', () => {
    const store = new MetricStore(3600, 6 * 3600);
    const s = store.get('N', 'M', dims);
    const base = now - (now % 10) - 100;
    [0, 1, 2, 5, 9, 10, 11].forEach((off, i) => s.add(base + off, i + 1));
    const sum = store.query(s, base, base + 20, 5, stat('Sum'));
    expect(sum).toEqual([
      { timestamp: base, value: 1 + 2 + 3 },
      { timestamp: base + 5, value: 4 + 5 },
      { timestamp: base + 10, value: 6 + 7 },
    ]);
    expect(store.query(s, base + 3, base + 9, 5, stat('SampleCount'))).toEqual([
      { timestamp: base, value: 3 },
      { timestamp: base + 5, value: 1 },
    ]);
    expect(store.query(undefined, base, base + 20, 5, stat('Sum'))).toEqual([]);
  });

  test('compaction folds old seconds into minutes (same totals) and drops data past retention', () => {
    const store = new MetricStore(60, 600);
    const s = store.get('N', 'M', dims);
    const start = now - 50;
    for (let i = 0; i < 40; i++) s.add(start + i, i);
    const before = store.query(s, start - 120, now + 1, 60, stat('Sum')).reduce((a, p) => a + p.value, 0);
    store.compact(now + 200); // all 40 seconds are now older than the 60 s high-resolution window
    expect(s.seconds.size).toBe(0);
    expect(s.minutes.size).toBeGreaterThan(0);
    const after = store.query(s, start - 120, now + 1, 60, stat('Sum')).reduce((a, p) => a + p.value, 0);
    expect(after).toBe(before);
    expect(store.query(s, start - 120, now + 1, 3600, stat('p50'))[0].value).toBe(
      nearestRank([...Array(40).keys()], 50),
    );
    const epoch = store.epoch;
    store.compact(now + 2000); // past retention: gone, and holders of the series are told
    expect(store.find('N', 'M', dims)).toBeUndefined();
    expect(store.epoch).toBeGreaterThan(epoch);
  });
});

describe('MetricStore memory budget', () => {
  test('over its row budget the store compacts early, keeping totals', () => {
    const now = Math.floor(Date.now() / 1000);
    const store = new MetricStore(3600, 6 * 3600, 1_000);
    for (let k = 0; k < 10; k++) {
      const s = store.get('N', 'M', [{ Name: 'K', Value: String(k) }]);
      for (let i = 0; i < 600; i++) s.add(now - 600 + i, 1);
    }
    expect(store.secondRows).toBe(6_000);
    store.compact(now);
    expect(store.secondRows).toBeLessThanOrEqual(1_200);
    const s0 = store.find('N', 'M', [{ Name: 'K', Value: '0' }])!;
    const total = store.query(s0, now - 700, now + 1, 60, parseStat('SampleCount')!).reduce((a, p) => a + p.value, 0);
    expect(total).toBe(600);
  });
});
